"""Indicators from the testbed's ground-truth labels equal the truth summary's counts exactly.

Enrichments are written straight from the ground truth, so this checks the counting (store
aggregates, stage windows, the all-span sum), independent of how well the tagger tags.
"""

from __future__ import annotations

import pytest

truth = pytest.importorskip("crawlers.testbed.truth", reason="the testbed has not landed")

from crawlers.testbed.community import generate  # noqa: E402
from crawlers.testbed.sites import SITE  # noqa: E402
from misusewatch.assess import AssessConfig, compute  # noqa: E402
from misusewatch.records import Actor, Enrichment, Post, parse_time  # noqa: E402
from misusewatch.store import open_store  # noqa: E402
from threat_model import ladder  # noqa: E402
from threat_model.stages import default_timeline  # noqa: E402

STAGES = ("pre-release", "124M", "355M", "774M", "1.5B")


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    records = list(truth.truth_records(generate(seed=2019, posts=3000)))
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('truth') / 'truth.db'}")
    store.upsert_posts(
        Post(id=r["id"], source=r["forum"], platform=r["platform"], site=SITE, board=r["board"],
             thread_id=r["thread_id"], post_id=r["post_id"], thread_title=r["thread_title"],
             created_at=parse_time(r["created_at"]), text=r["text"], author=r["author"],
             author_id=r["author_id"])
        for r in records
    )
    store.write_enrichments(
        Enrichment(r["id"], "tagger", "truth", facets={
            "lm_related": bool(r["lm_related"]), "categories": r["categories"],
            "ladder": r["ladder"], "tier": r["actor_tier"]})
        for r in records
    )
    actors = truth.Actors()
    for r in records:
        actors.add(r)
    store.upsert_actors(
        Actor(id=row["id"], platform=row["platform"], site=SITE, handle=row["handle"] or "?",
              tier=row["tier"], post_count=row["posts"])
        for row in actors.result()
    )
    result = compute(store, AssessConfig(default_timeline()))
    store.close()
    return truth.summarize(records), {a.id: a.data for a in result.assessments}, records


def test_posts_and_ladder_steps_per_stage_match_the_truth(labelled):
    expected, assessed, _ = labelled
    for stage in STAGES:
        data = assessed[f"indicators:{stage}"]
        assert data["coverage"]["posts"] == expected["by_stage"][stage], stage
        assert data["counts"]["ladder"] == expected["by_stage_ladder"][stage], stage


def test_totals_over_all_stages_match_the_truth(labelled):
    expected, assessed, _ = labelled
    numbers = assessed["summary:all"]["numbers"]
    assert numbers["posts"] == expected["posts"]
    assert numbers["misuse"] == expected["misuse"]
    assert numbers["lm_related"] == expected["lm_related"]
    assert numbers["categories"] == expected["by_category"]


def test_tiers_of_misuse_posts_match_a_count_of_the_truth(labelled):
    _, assessed, records = labelled
    for stage in STAGES:
        wanted = {"1": 0, "2": 0, "3": 0}
        for r in records:
            if r["stage"] == stage and ladder.rank(r["ladder"]) > 0 and r["actor_tier"]:
                wanted[str(r["actor_tier"])] += 1
        assert assessed[f"indicators:{stage}"]["counts"]["tiers"]["posts"] == wanted, stage


def test_every_evidence_post_is_a_truth_post_at_that_step(labelled):
    _, assessed, records = labelled
    step_of = {r["id"]: r["ladder"] for r in records}
    shown = 0
    for scope in (*STAGES, "all"):
        for thread in assessed[f"summary:{scope}"]["evidence_threads"]:
            for post in thread["posts"]:
                assert step_of[post["id"]] == post["step"]
                shown += 1
    assert shown > 0
