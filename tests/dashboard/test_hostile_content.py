"""Posts are hostile input: <script> and <img onerror> payloads show as text in every view, never as markup."""

from __future__ import annotations

import pytest

from dashboard.demo_seed import IMG_PAYLOAD, SCRIPT_PAYLOAD
from tests.dashboard.conftest import frame_with, html_bodies, markdown_texts, no_exceptions, open_page

RAW_TAGS = ("<script", "<img", "<svg", "<b>mallory")


def assert_inert(at) -> None:
    """No raw payload tag in anything Streamlit renders as HTML or markdown."""
    for text in html_bodies(at) + markdown_texts(at):
        lowered = text.lower()
        assert not any(tag in lowered for tag in RAW_TAGS), text[:300]


@pytest.mark.parametrize("which", [0, 1])
def test_post_view_shows_payloads_as_text(seeded, app_for, which):
    post_id = seeded["marked"]["hostile"][which]
    at = open_page(app_for(seeded), "post", id=post_id)
    no_exceptions(at)
    assert_inert(at)
    bodies = "".join(html_bodies(at))
    payload = (SCRIPT_PAYLOAD, IMG_PAYLOAD)[which]
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&quot;").replace("'", "&#x27;") in bodies  # highlighted body and thread
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt; thread" in bodies  # the thread title
    assert "&lt;b&gt;mallory&lt;/b&gt;" in bodies  # the author
    assert payload in [c.value for c in at.code]  # the raw-text view is a code block
    assert not at.get("link_button")  # javascript: URL is never a link
    assert "javascript:alert(3)" in [c.value for c in at.code]


@pytest.mark.parametrize(("page", "query"), [
    ("overview", {}), ("triage", {}), ("actors", {"actor": "4chan:boards.testbed.local:mallory"}),
    ("committee", {}), ("alerts", {}), ("sources", {}),
])
def test_every_other_view_stays_inert(seeded, app_for, page, query):
    at = open_page(app_for(seeded), page, **query)
    no_exceptions(at)
    assert_inert(at)


def test_triage_table_carries_payloads_as_plain_cells(seeded, app_for):
    at = open_page(app_for(seeded), "triage")
    at.text_input(key="tq_query").input("onerror").run()
    texts = list(frame_with(at, "text", "id")["text"])
    assert any(IMG_PAYLOAD in t for t in texts)  # a dataframe cell is text, not markup


def test_actor_handle_is_escaped(seeded, app_for):
    at = open_page(app_for(seeded), "actors", actor="4chan:boards.testbed.local:mallory")
    assert "<h3>&lt;b&gt;mallory&lt;/b&gt;</h3>" in html_bodies(at)
