"""Indicators per stage window from aggregate counts: rates, gaps, change, prevalence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from threat_model.gaps import find_gaps, source_spans
from threat_model.indicators import SyntheticCounts, WindowCounts, stage_indicators
from threat_model.stages import default_timeline

WINDOWS = {w.name: w for w in default_timeline().windows()}


def counts(stage: str, ladder: dict, **kw) -> WindowCounts:
    posts = kw.pop("posts", sum(ladder.values()))
    return WindowCounts(WINDOWS[stage], posts, ladder, **kw)


@pytest.mark.parametrize(
    ("ladder", "posts", "misuse", "tagged", "untagged", "misuse_per_1000", "plan_per_1000"),
    [
        ({"none": 990, "discussion": 8, "plan": 2}, 1000, 10, 1000, 0, 10.0, 2.0),
        ({"none": 450, "discussion": 40, "plan": 5, "code": 5}, 600, 50, 500, 100, 100.0, 10.0),
        ({}, 0, 0, 0, 0, None, None),
        ({"none": 4, "deployment": 1}, 5, 1, 5, 0, 200.0, 0.0),
    ],
)
def test_counts_and_rates_per_thousand(ladder, posts, misuse, tagged, untagged,
                                       misuse_per_1000, plan_per_1000):
    result = stage_indicators(counts("124M", ladder, posts=posts), None, [], [])
    assert result["counts"]["misuse"] == misuse
    assert result["coverage"]["tagged"] == tagged
    assert result["coverage"]["untagged"] == untagged
    rates = result["rates"]["per_1000_posts"]
    assert rates["misuse"] == misuse_per_1000
    assert rates["ladder"]["plan"] == plan_per_1000
    assert list(result["counts"]["ladder"]) == ["none", "discussion", "plan", "code", "deployment"]
    assert result["change"] is None


def test_categories_and_tiers_are_complete_and_json_safe():
    result = stage_indicators(
        counts("355M", {"none": 10, "discussion": 5}, categories={"spam": 4},
               post_tiers={1: 3, 2: 1}, actor_tiers={1: 2}),
        None, [], [],
    )
    assert result["counts"]["categories"]["spam"] == 4
    assert result["counts"]["categories"]["phishing"] == 0
    assert result["counts"]["tiers"] == {"posts": {"1": 3, "2": 1, "3": 0},
                                          "actors": {"1": 2, "2": 0, "3": 0}}
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_change_against_the_previous_stage():
    before = counts("124M", {"none": 446, "discussion": 37, "plan": 3}, categories={"spam": 30})
    now = counts("355M", {"none": 620, "discussion": 13, "plan": 1}, categories={"spam": 12})
    change = stage_indicators(now, before, [], [])["change"]
    assert change["previous_stage"] == "124M"
    misuse = change["misuse"]
    assert (misuse["previous_count"], misuse["previous_exposure"]) == (40, 486)
    assert (misuse["current_count"], misuse["current_exposure"]) == (14, 634)
    assert misuse["estimate"] == pytest.approx((14 / 634) / (40 / 486))
    assert misuse["direction"] == "down"
    assert change["ladder"]["plan"]["direction"] == "flat"  # 3 vs 1 proves nothing
    assert change["categories"]["spam"]["direction"] == "down"


def test_gaps_are_marked_per_window_and_reduce_active_source_weeks():
    monday = date(2019, 1, 7)
    weekly = {
        "a": {monday + timedelta(weeks=i): 40 for i in range(52)},
        "b": {monday + timedelta(weeks=i): (0 if 20 <= i < 23 else 40) for i in range(52)},
    }
    spans = source_spans(weekly)
    gaps = find_gaps(spans)
    assert [(g.source, g.week.isoformat()) for g in gaps] == [
        ("b", "2019-05-27"), ("b", "2019-06-03"), ("b", "2019-06-10")]
    coverage = stage_indicators(counts("355M", {"none": 100}), None, spans, gaps)["coverage"]
    assert coverage["gap_source_weeks"] == 3
    # 355M runs 2019-05-03 (Fri) to 2019-08-20 (Tue): 15 weeks + 3/7 + 1/7 per source
    assert coverage["active_source_weeks"] == pytest.approx(2 * (15 + 3 / 7 + 1 / 7) - 3, abs=1e-3)
    assert coverage["gap_caveat"] is False  # 3 of ~31 source-weeks is under the 10% share
    other = stage_indicators(counts("774M", {"none": 100}), None, spans, gaps)["coverage"]
    assert other["gaps"] == [] and other["gap_source_weeks"] == 0


def test_rates_per_active_source_week():
    monday = date(2019, 2, 18)
    weekly = {"a": {monday + timedelta(weeks=i): 10 for i in range(4)}}
    window = WINDOWS["124M"]
    spans = source_spans(weekly)
    result = stage_indicators(
        WindowCounts(window, 40, {"none": 36, "discussion": 4}), None, spans, find_gaps(spans)
    )
    assert result["coverage"]["active_source_weeks"] == 4
    assert result["rates"]["per_source_week"]["misuse"] == 1.0


def test_synthetic_prevalence_per_source_and_actor():
    synthetic = SyntheticCounts(
        "tfidf", {"board": (0.9, 0.01), "forum": (0.8, 0.01)},
        by_source={"board": (44, 1004), "forum": (10, 1000)},
        by_actor={"bot1": (40, 40), "user1": (1, 90), "rare": (2, 2)},
    )
    result = stage_indicators(
        counts("1.5B", {"none": 2004}, synthetic=[synthetic]), None, [], []
    )["synthetic"][0]
    assert result["sources"]["board"]["significant"] is True
    assert result["sources"]["forum"]["significant"] is False  # 1% flagged at a 1% FPR
    assert result["overall"]["flagged"] == 54 and result["overall"]["scored"] == 2004
    assert result["actors_tested"] == 2  # "rare" has fewer than 5 scored posts
    assert result["actor_significance"] == pytest.approx(0.005)  # Bonferroni over 2
    assert [a["actor"] for a in result["actors"]] == ["bot1", "user1"]
    assert result["actors_significant"] == 1
    assert result["thresholds"] == {"board": 0.9, "forum": 0.8}
    assert result["sources"]["forum"]["threshold"] == 0.8
    low, high = result["sources"]["board"]["ci"]
    assert low < 44 / 1004 < high


def test_window_bounds_are_serialised():
    stage = stage_indicators(counts("1.5B", {"none": 1}), None, [], [])["stage"]
    assert stage == {"name": "1.5B", "since": "2019-11-05T00:00:00Z", "until": None,
                     "description": WINDOWS["1.5B"].description, "index": 4}
    assert datetime(2019, 11, 5, tzinfo=UTC) == WINDOWS["1.5B"].since


def test_windows_that_partition_a_span_add_up():
    from threat_model.indicators import combine_counts
    from threat_model.stages import StageWindow

    a = WindowCounts(WINDOWS["124M"], 10, {"none": 8, "plan": 2}, {"spam": 2}, 3, {1: 2},
                     {1: 1}, {"s": 10}, [SyntheticCounts("d", {"s": (0.9, 0.01)}, {"s": (1, 10)})])
    b = WindowCounts(WINDOWS["355M"], 5, {"none": 4, "discussion": 1}, {"spam": 1}, 1, {2: 1},
                     {2: 1}, {"s": 4, "t": 1},
                     [SyntheticCounts("d", {"s": (0.9, 0.01)}, {"s": (2, 5)})])
    span = StageWindow("all", None, None)
    total = combine_counts(span, [a, b], {1: 1, 2: 1})
    assert (total.posts, total.lm_related, total.tagged, total.misuse) == (15, 4, 15, 3)
    assert total.ladder == {"none": 12, "plan": 2, "discussion": 1}
    assert total.categories == {"spam": 3}
    assert total.by_source == {"s": 14, "t": 1}
    assert total.post_tiers == {1: 2, 2: 1}
    assert total.synthetic[0].by_source == {"s": (3, 15)}
