"""Triage queue: ranking, status views, bulk actions recorded as labels, hostile search text."""

from __future__ import annotations

from dashboard.queue import CANDIDATE_FACETS
from misusewatch.records import Label
from misusewatch.store import PostFilter, open_store
from tests.dashboard.conftest import frame_with, no_exceptions, open_page


def test_queue_ranks_by_risk_and_hides_triaged_posts(seeded, app_for):
    at = open_page(app_for(seeded), "triage")
    no_exceptions(at)
    queue = frame_with(at, "risk", "why", "status", "id")
    assert list(queue["risk"]) == sorted(queue["risk"], reverse=True)
    assert queue["ladder"].iloc[0] == "deployment" and "ladder deployment" in queue["why"].iloc[0]
    assert set(queue["status"]) == {"new"}
    escalated, dismissed = seeded["marked"]["misuse"][:2]
    assert escalated not in set(queue["id"]) and dismissed not in set(queue["id"])


def test_older_untriaged_posts_appear_once_the_newest_are_triaged(writable, app_for):
    """Dismiss each signal's 10 newest posts: with 10 candidates per signal the "new" queue must
    reach past them to the older untriaged ones, not come up empty."""
    store = open_store(writable["url"])
    dismissed = set()
    for facet in CANDIDATE_FACETS:
        dismissed |= {p.id for p in store.search("", PostFilter(**facet), limit=10, sort="newest").posts}
    for post_id in dismissed:
        store.add_label(Label("post", post_id, "status", "dismissed", "alice"))
    deployment = store.search("", PostFilter(ladder="deployment"), limit=500, sort="newest").posts
    store.close()
    older = next(p.id for p in deployment if p.id not in dismissed)  # newest untriaged deployment post
    at = open_page(app_for(writable), "triage")
    at.slider(key="tq_per_facet").set_value(10).run()
    no_exceptions(at)
    queue = frame_with(at, "risk", "status", "id")
    assert older in set(queue["id"])
    assert set(queue["status"]) == {"new"} and not dismissed & set(queue["id"])


def test_status_views_show_triaged_posts(seeded, app_for):
    at = open_page(app_for(seeded), "triage")
    at.selectbox(key="tq_status").select("escalated").run()
    no_exceptions(at)
    assert list(frame_with(at, "risk", "id")["id"]) == [seeded["marked"]["misuse"][0]]
    audit = frame_with(at, "when", "who", "what")
    assert {"alice", "bob"} <= set(audit["who"]) and "status = escalated" in set(audit["what"])


def test_bulk_escalation_is_recorded_per_post(writable, app_for):
    at = open_page(app_for(writable, name="alice"), "triage")
    queue = frame_with(at, "risk", "id")
    chosen = list(queue["id"][:2])
    at.multiselect(key="tq_selected").set_value(chosen)
    at.selectbox(key="tq_action").select("Escalate")
    at.text_area(key="tq_note").input("same bot network as campaign-a")
    at = next(b for b in at.button if b.label == "Apply").click().run()
    no_exceptions(at)
    assert any("recorded on 2 post(s) by alice" in s.value for s in at.success)
    assert not set(chosen) & set(frame_with(at, "risk", "id")["id"])  # gone from "new"
    store = open_store(writable["url"])
    for post_id in chosen:
        label = store.labels_for("post", post_id)[-1]
        assert (label.kind, label.value, label.author, label.note) == (
            "status", "escalated", "alice", "same bot network as campaign-a")
    store.close()
    audit = frame_with(at, "when", "who", "what", "note")
    assert (audit["note"] == "same bot network as campaign-a").sum() == 2


def test_tag_without_text_is_refused(writable, app_for):
    at = open_page(app_for(writable), "triage")
    at.multiselect(key="tq_selected").set_value(list(frame_with(at, "id")["id"][:1]))
    at.selectbox(key="tq_action").select("Add tag")
    at = next(b for b in at.button if b.label == "Apply").click().run()
    assert [e.value for e in at.error] == ["Type a tag to add."]
    store = open_store(writable["url"])
    assert [label.value for label in store.list_labels(kind="tag")] == ["campaign-a"]  # only the seeded tag
    store.close()


def test_hostile_search_text_cannot_break_the_query(seeded, app_for):
    at = open_page(app_for(seeded), "triage")
    for text in ['" OR NEAR(', "*", "script) AND (", "^title:", "<script>alert('xss')</script>"]:
        at.text_input(key="tq_query").input(text).run()
        no_exceptions(at)
    # the last search finds the hostile post by its own words, shown as text
    rows = frame_with(at, "text", "id")
    assert seeded["marked"]["hostile"][0] in set(rows["id"])
    assert any("<script>alert('xss')</script>" in t for t in rows["text"])


def test_open_post_switches_to_post_view(seeded, app_for):
    at = open_page(app_for(seeded), "triage")
    first = frame_with(at, "risk", "id")["id"].iloc[0]
    at.selectbox(key="tq_open").select(first).run()
    at = at.button(key="tq_open_btn").click().run()
    no_exceptions(at)
    assert [t.value for t in at.title] == ["Post / thread"]
    assert at.text_input(key="pv_id").value == first


def test_threads_rank_by_their_riskiest_post(seeded, app_for):
    at = open_page(app_for(seeded), "triage")
    posts = frame_with(at, "risk", "id")
    threads = frame_with(at, "thread", "posts in queue", "riskiest post")
    assert list(threads["risk"]) == sorted(threads["risk"], reverse=True)
    assert threads["posts in queue"].sum() == len(posts)
    top = threads.iloc[0]
    assert top["risk"] == posts["risk"].max() and top["riskiest post"] in set(posts["id"])


def test_candidates_slider_says_the_new_view_reads_past_triaged_posts(seeded, app_for):
    """Its help once said "the newest posts at each signal"; the new view skips triaged ones,
    up to the queue's scan limit per signal."""
    from dashboard.queue import MAX_SCANNED_PER_FACET

    at = open_page(app_for(seeded), "triage")
    help_text = at.slider(key="tq_per_facet").help
    assert "newest untriaged posts" in help_text and "triaged ones are skipped" in help_text
    assert f"at most {MAX_SCANNED_PER_FACET:,} posts per signal" in help_text
