"""The tagger against the testbed's ground truth (crawlers/testbed): per-post ladder step and
category, per-actor tier, with precision/recall floors (docs/tagger.md, "Tagger accuracy").

The testbed's labels come from the templates that wrote each post, not from its words, and
its machine-written campaign posts are labelled ladder ``none`` with their operator's tier:
a text tagger cannot see those, so actor tiers are scored on actors whose misuse shows in
text (and benign ones).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from enrichment.evaluation import evaluate, evaluate_actors, micro
from enrichment.tagger import Tagger

testbed = pytest.importorskip("crawlers.testbed", reason="the testbed is not in this checkout")

POSTS = 4000
SEED = 2019


@pytest.fixture(scope="module")
def tagged():
    community = testbed.generate(seed=SEED, posts=POSTS)
    rows = list(testbed.truth_records(community))
    results = Tagger().tag_texts([r["text"] for r in rows], [r.get("thread_title") for r in rows])
    return rows, results


def scores_by_label(scores):
    return {s.label: s for s in scores}


# (label, precision floor, recall floor): today's figures less a margin.
LADDER_FLOORS = [
    ("none", 0.93, 0.95),
    ("discussion", 0.75, 0.60),
    ("plan", 0.40, 0.50),
    ("code", 0.85, 0.70),
    ("deployment", 0.70, 0.40),
]


@pytest.mark.parametrize(("label", "precision", "recall"), LADDER_FLOORS)
def test_ladder_steps(tagged, label, precision, recall) -> None:
    rows, results = tagged
    score = scores_by_label(evaluate(rows, results).ladder)[label]
    assert score.precision >= precision, score
    assert score.recall >= recall, score


def test_categories_and_lm_related(tagged) -> None:
    rows, results = tagged
    ev = evaluate(rows, results)
    assert ev.lm_accuracy >= 0.9
    overall = micro(ev.categories)
    assert overall.precision >= 0.72 and overall.recall >= 0.55, overall
    by = scores_by_label(ev.categories)
    for category in ("phishing", "fake_reviews"):
        assert by[category].precision >= 0.8 and by[category].recall >= 0.75, by[category]


def test_actor_tiers_where_misuse_shows_in_text(tagged) -> None:
    rows, results = tagged
    visible = defaultdict(bool)
    for row in rows:
        visible[row["actor"]] |= row["ladder"] != "none"
    keep = [i for i, r in enumerate(rows) if visible[r["actor"]] or r["actor_tier"] is None]
    by = scores_by_label(evaluate_actors([rows[i] for i in keep], [results[i] for i in keep]))
    assert by[1].precision >= 0.7 and by[1].recall >= 0.3, by[1]
    assert by[2].recall >= 0.4, by[2]
    assert by[3].precision >= 0.5 and by[3].recall >= 0.4, by[3]
    assert by[None].precision >= 0.9 and by[None].recall >= 0.9, by[None]


def test_fast_path_agrees_with_the_full_path_on_the_testbed(tagged) -> None:
    """The screen (enrichment/screen.py) skips spaCy for posts with no LM hint; on a sample of
    the testbed, titles included, every result is what the full path gives."""
    rows, results = tagged
    sample = list(range(0, len(rows), 4))
    full = Tagger(fast_path=False).tag_texts(
        [rows[i]["text"] for i in sample], [rows[i].get("thread_title") for i in sample]
    )
    assert [results[i] for i in sample] == full
