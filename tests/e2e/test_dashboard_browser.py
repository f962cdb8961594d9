"""The real dashboard in headless Chromium: sign in, every page, label a post, export a summary, hostile posts.

Every test fails on a browser console error, an uncaught script error, a dialog, or a Streamlit
exception box (checked by the ``browser`` fixture after the test body).
"""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.browser import PAGE_TITLES
from dashboard.demo_seed import IMG_PAYLOAD, SCRIPT_PAYLOAD
from misusewatch.store import open_store
from tests.e2e.conftest import NAME, PASSWORD


def open_post(browser, post_id: str) -> None:
    browser.open("Post / thread")
    box = browser.page.get_by_label("Post id", exact=True)
    box.fill(post_id)
    box.press("Enter")
    browser.page.get_by_role("heading", name="Detectors").wait_for()
    browser.wait_idle()


def test_wrong_password_then_every_page(browser):
    page = browser.page
    page.goto(browser.base_url)
    page.get_by_label("User name", exact=True).fill(NAME)
    page.get_by_label("Password", exact=True).fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Wrong user name or password.").wait_for()
    browser.login(NAME, PASSWORD)
    for title in PAGE_TITLES:
        browser.open(title)
        assert not browser.problems(), (title, browser.problems())


def test_label_a_post_and_find_it_in_the_store(browser, dashboard_server):
    post_id = dashboard_server["marked"]["misuse"][7]
    browser.login(NAME, PASSWORD)
    open_post(browser, post_id)
    page = browser.page
    page.get_by_test_id("stSelectbox").filter(has_text="Status").first.click()
    page.get_by_role("option", name="escalated").click()
    page.get_by_label("Note (optional)").fill("seen in the browser test")
    page.get_by_role("button", name="Record").click()
    page.get_by_text("Status: escalated").wait_for()
    browser.wait_idle()
    store = open_store(dashboard_server["url"])
    labels = store.labels_for("post", post_id)
    store.close()
    assert [(label.kind, label.value, label.author, label.note) for label in labels] == [
        ("status", "escalated", NAME, "seen in the browser test")]


def test_export_the_committee_summary(browser, tmp_path):
    browser.login(NAME, PASSWORD)
    browser.open("Release committee")
    page = browser.page
    with page.expect_download() as download:
        page.get_by_role("button", name="Markdown").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "summary-all.md"
    text = path.read_text()
    assert "774M" in text and "1.5B" in text  # the threat model's or the stand-in's rendering
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV of evidence").click()
    csv_path = tmp_path / "evidence.csv"
    download.value.save_as(csv_path)
    assert csv_path.read_text().startswith("post_id,source,platform,created_at,author")
    stix = page.get_by_role("button", name="STIX 2.1")
    if stix.is_enabled():  # the threat model is installed
        with page.expect_download() as download:
            stix.click()
        bundle = json.loads(Path(download.value.path()).read_text())
        assert bundle["type"] == "bundle" and bundle["objects"]


def test_hostile_posts_show_as_text(browser, dashboard_server):
    browser.login(NAME, PASSWORD)
    for post_id, payload in zip(dashboard_server["marked"]["hostile"], (SCRIPT_PAYLOAD, IMG_PAYLOAD), strict=True):
        open_post(browser, post_id)
        page = browser.page
        body = page.locator(".mw-post").first
        assert body.inner_text() == payload  # visible, character for character
        assert page.locator(".mw-post script, .mw-post img, .mw-title img").count() == 0
        assert page.get_by_text('<img src=x onerror="alert(2)"> thread').first.is_visible()
    browser.open("Triage queue")
    browser.page.get_by_label("Search text", exact=True).fill("onerror")
    browser.page.get_by_label("Search text", exact=True).press("Enter")
    browser.wait_idle()
    assert not browser.dialogs
