"""Post / thread view: evidence highlighted (escaped), detectors explained, labels, actor card, near-duplicates."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import explain
from dashboard.launch import REPO, dashboard_env
from misusewatch.records import Post
from misusewatch.store import PostFilter, open_store
from tests.dashboard.conftest import frame_with, html_bodies, no_exceptions, open_page
from tests.unit.detectors.tiny import tiny_gpt2


def test_evidence_detectors_actor_cluster_and_thread(seeded, app_for):
    post_id = seeded["marked"]["misuse"][0]
    at = open_page(app_for(seeded), "post", id=post_id)
    no_exceptions(at)
    bodies = "".join(html_bodies(at))
    assert "<mark " in bodies and ">fake news</mark>" in bodies and ">Example News</mark>" in bodies
    detectors = frame_with(at, "detector", "score", "label", "threshold", "FPR")
    assert set(detectors["detector"]) == {"tfidf", "gltr"}
    assert "calibrated so 1.0% of human-written posts score above it" in bodies
    assert "mw-gltr" in bodies  # stored token ranks are coloured
    evidence = frame_with(at, "kind", "value", "rule")
    assert {"category", "discussion", "model", "target"} <= set(evidence["kind"])
    assert "<b>tier</b>" in bodies and "actor" in bodies  # the actor card
    dupes = frame_with(at, "source", "author", "created", "text", "id")
    assert post_id not in set(dupes["id"]) and len(dupes) == 3  # the rest of cluster-1
    assert "Status: **escalated**" in [m.value for m in at.markdown]
    history = frame_with(at, "when", "who", "what", "note")
    assert list(history["what"])[:2] == ["tag = campaign-a", "status = escalated"]


def test_abstaining_detector_says_why(seeded, app_for):
    store = open_store(seeded["url"])
    benign = store.search("", PostFilter(ladder="none"), limit=200).posts
    abstained = next(p.id for p in benign if any(e.data.get("label") == "abstain" for e in store.get_enrichments(p.id)))
    store.close()
    at = open_page(app_for(seeded), "post", id=abstained)
    no_exceptions(at)
    assert "abstained: text shorter than 40 tokens" in "".join(html_bodies(at))


def test_recording_a_status_writes_a_label(writable, app_for):
    post_id = writable["marked"]["misuse"][5]
    at = open_page(app_for(writable, name="alice"), "post", id=post_id)
    at.selectbox(key=f"pv_status:{post_id}").select("in_review")
    at.text_area(key=f"pv_note:{post_id}").input("looking at the repo")
    at = next(b for b in at.button if b.label == "Record").click().run()
    no_exceptions(at)
    store = open_store(writable["url"])
    label = store.labels_for("post", post_id)[-1]
    store.close()
    assert (label.kind, label.value, label.author, label.note) == (
        "status", "in_review", "alice", "looking at the repo")
    assert "Status: **in_review**" in [m.value for m in at.markdown]


def _by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_typing_another_id_starts_a_fresh_form(writable, app_for):
    """The form belongs to the post shown: the last post's status must not carry over to the next."""
    escalated, untouched = writable["marked"]["misuse"][0], writable["marked"]["misuse"][5]
    at = open_page(app_for(writable), "post", id=escalated)
    assert _by_label(at.selectbox, "Status").value == "escalated"
    at.text_input(key="pv_id").input(untouched).run()
    no_exceptions(at)
    assert _by_label(at.selectbox, "Status").value == "new"
    _by_label(at.text_input, "Tag (optional)").input("campaign-x")
    at = next(b for b in at.button if b.label == "Record").click().run()
    no_exceptions(at)
    store = open_store(writable["url"])
    written = [(label.kind, label.value) for label in store.labels_for("post", untouched)]
    store.close()
    assert written == [("tag", "campaign-x")]  # the tag only; no status the analyst never picked


def test_thread_is_one_board_when_two_boards_share_a_thread_number(writable, app_for):
    """4chan numbers threads per board: /g/ thread 100 and /v/ thread 100 are different threads."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    posts = [Post(id="", source=f"4chan-{board}", platform="4chan", site="boards.4chan.org", board=board,
                  thread_id="100", post_id=f"{board}{i}", created_at=base + timedelta(minutes=i),
                  text=f"on /{board}/ number {i}") for board in ("g", "v") for i in range(2)]
    store = open_store(writable["url"])
    store.upsert_posts(posts)
    store.close()
    g_ids = {p.id for p in posts if p.board == "g"}
    at = open_page(app_for(writable), "post", id=sorted(g_ids)[0])
    no_exceptions(at)
    thread_html = html_bodies(at)[-1]
    assert all(i in thread_html for i in g_ids) and "on /v/" not in thread_html
    assert any(c.value.startswith("2 post(s) in this thread") for c in at.caption)


def test_unknown_and_missing_ids(seeded, app_for):
    at = open_page(app_for(seeded), "post", id="no:such:post:1")
    no_exceptions(at)
    assert "No post with that id" in at.warning[0].value
    at = open_page(app_for(seeded), "post")
    assert "Choose a post" in at.info[0].value


def _untokenised_post(url: str) -> str:
    """A post whose stored detector results carry no token ranks (its GLTR run abstained)."""
    store = open_store(url)
    try:
        for post in store.search("", PostFilter(ladder="none"), limit=200).posts:
            if explain.gltr_tokens(store.get_enrichments(post.id)) is None:
                return post.id
    finally:
        store.close()
    raise AssertionError("the seed has no post without token ranks")


def test_gltr_view_says_when_no_model_is_configured(seeded, app_for):
    at = open_page(app_for(seeded), "post", id=_untokenised_post(seeded["url"]))
    no_exceptions(at)
    assert any("no language model configured" in c.value for c in at.caption)
    assert "mw-gltr" not in "".join(html_bodies(at))


def test_gltr_view_colours_tokens_with_a_configured_model(seeded, app_for, tmp_path):
    model = tiny_gpt2(tmp_path / "gpt2")
    post_id = _untokenised_post(seeded["url"])
    at = open_page(app_for(seeded, config_text=f'[dashboard]\ngltr_model = "{model}"\n'), "post", id=post_id)
    no_exceptions(at)
    gltr = next(b for b in html_bodies(at) if "mw-gltr" in b)
    assert gltr.count("title=\"rank ") >= 5 and "top 10" in gltr


@pytest.mark.parametrize("setting", ["[dashboard]\ngltr_model", "[detectors.gltr]\nmodel"])
def test_a_relative_model_path_names_the_model_where_the_dashboard_was_started(seeded, app_for, tmp_path,
                                                                                monkeypatch, setting):
    """Streamlit runs in the repository; a relative model path in the settings must still name the
    model under the directory ``misusewatch dashboard`` was started in, as it does for the CLI there."""
    # A path of its own per case: loaded models are cached by the path as written. "./": not a hub
    # id either, so a wrong lookup fails at once instead of asking the network.
    relative = f"./lms/{setting.partition(']')[0].strip('[')}"
    tiny_gpt2(tmp_path / relative)
    at = app_for(seeded, config_text=f'{setting} = "{relative}"\n')  # writes ./misusewatch.toml here
    monkeypatch.chdir(tmp_path)  # the user's directory, where the CLI resolves its paths
    launched = dashboard_env(seeded["url"], seeded["users"], config_path="misusewatch.toml")
    for key, value in launched.items():  # the environment the launch gives Streamlit
        if os.environ.get(key) != value:
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(REPO)  # where Streamlit runs
    at = open_page(at, "post", id=_untokenised_post(seeded["url"]))
    no_exceptions(at)
    assert not any("could not be loaded" in c.value for c in at.caption)
    gltr = next(b for b in html_bodies(at) if "mw-gltr" in b)
    assert gltr.count("title=\"rank ") >= 5
