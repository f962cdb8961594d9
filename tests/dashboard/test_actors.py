"""Actors page: tiers with evidence, activity, LM-use suspicion, overrides with an audit trail."""

from __future__ import annotations

from misusewatch.store import open_store
from tests.dashboard.conftest import frame_with, no_exceptions, open_page


def test_actor_list_card_and_history(seeded, app_for):
    at = open_page(app_for(seeded), "actors")
    no_exceptions(at)
    actors = frame_with(at, "handle", "tier", "confidence", "posts")
    assert actors["tier"].iloc[0] == 3  # highest tier first
    assert len(at.get("vega_lite_chart")) == 1
    assert frame_with(at, "created", "text", "id").shape[0] > 0  # evidence posts
    lm = frame_with(at, "detector", "flagged", "scored", "FPR").set_index("detector")
    assert set(lm.index) == {"tfidf", "gltr"} and (lm["flagged"] <= lm["scored"]).all()
    assert lm.loc["tfidf", "scored"] > 0


def test_min_tier_filter(seeded, app_for):
    at = open_page(app_for(seeded), "actors")
    at.selectbox(key="ac_min_tier").select(3).run()
    no_exceptions(at)
    assert set(frame_with(at, "handle", "tier")["tier"]) == {3}


def test_override_needs_a_reason_and_is_audited(writable, app_for):
    actor_id = writable["marked"]["actors"][0]
    at = open_page(app_for(writable, name="alice"), "actors", actor=actor_id)
    assert at.selectbox(key="ac_selected").value == actor_id
    at.selectbox(key="ac_new_tier").select("3")
    at = next(b for b in at.button if b.label == "Save override").click().run()
    assert "Say why" in at.error[0].value
    at.text_area(key="ac_why").input("runs the bot farm seen in cluster-1")
    at = next(b for b in at.button if b.label == "Save override").click().run()
    no_exceptions(at)
    store = open_store(writable["url"])
    actor = store.get_actor(actor_id)
    label = store.labels_for("actor", actor_id)[-1]
    store.close()
    assert actor.effective_tier == 3 and actor.override["by"] == "alice"
    assert (label.kind, label.value, label.author, label.note) == (
        "tier_override", "3", "alice", "runs the bot farm seen in cluster-1")
    assert "tier_override = 3" in set(frame_with(at, "when", "who", "what", "why")["what"])
