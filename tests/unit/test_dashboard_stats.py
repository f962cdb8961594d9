"""The overview's statistics: Wilson intervals, Newcombe's change interval, collection gaps, risk, health."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.health import source_health
from dashboard.risk import risk_for
from dashboard.stats import collection_gaps, monday, rate_change, wilson
from misusewatch.records import CrawlRun, Enrichment


def test_wilson_matches_published_values():
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4) and high == pytest.approx(0.3662, abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)


def test_rate_change_matches_newcombe_method_10():
    # Newcombe (1998), table II example (56/70 vs 48/80): difference 0.2, interval 0.0524 to 0.3339
    diff, low, high = rate_change(48, 80, 56, 70)
    assert diff == pytest.approx(0.2)
    assert low == pytest.approx(0.0524, abs=1e-3) and high == pytest.approx(0.3339, abs=1e-3)


def test_gaps_find_empty_and_thin_weeks_and_merge_them():
    start = monday(datetime(2019, 1, 9, tzinfo=UTC))
    weeks = [start + timedelta(weeks=i) for i in range(10)]
    series = [(w, 50) for i, w in enumerate(weeks) if i not in (3, 4, 7)]
    series.append((weeks[7], 2))  # far below the usual 50: a partial outage
    gaps = collection_gaps(sorted(series))
    assert gaps == [(weeks[3], weeks[5]), (weeks[7], weeks[8])]


def test_gap_runs_to_the_end_when_a_source_stops():
    start = monday(datetime(2019, 1, 9, tzinfo=UTC))
    series = [(start + timedelta(weeks=i), 10) for i in range(3)]
    end = start + timedelta(weeks=5)
    assert collection_gaps(series, end=end) == [(start + timedelta(weeks=3), end + timedelta(weeks=1))]


def test_risk_orders_by_ladder_then_tier_then_detectors():
    def tagger(ladder, tier, targets=()):
        return Enrichment("p", "tagger", "1", data={"targets": list(targets)},
                          facets={"ladder": ladder, "tier": tier, "categories": ["spam"]})

    machine = Enrichment("p", "detector:tfidf", "1", data={"label": "machine", "score": 0.95},
                         facets={"detector_scores": {"tfidf": 0.95}})
    deployment = risk_for("p", [tagger("deployment", 1)])
    code_t3 = risk_for("p", [tagger("code", 3), machine])
    discussion = risk_for("p", [tagger("discussion", None, ["Example News"])])
    assert deployment.score > discussion.score and code_t3.score > deployment.score
    assert "machine-written per tfidf" in code_t3.why and "targets Example News" in discussion.why
    failed = Enrichment("p", "tagger", "1", facets={}, error="boom")
    assert risk_for("p", [failed]).score == 0


def _run(source, week, posts=7, status="finished", errors=0, bans=0):
    started = datetime(2019, 1, 7, tzinfo=UTC) + timedelta(weeks=week)
    return CrawlRun(f"{source}-{week}", source, started, started + timedelta(minutes=1), status,
                    posts_new=posts, errors=errors, bans_suspected=bans)


def test_health_flags_silent_failed_banned_and_stale_sources():
    runs = [_run("ok", w) for w in range(10)]
    runs += [_run("silent", w, posts=0 if w == 9 else 7) for w in range(10)]
    runs += [_run("failed", w, status="failed" if w == 9 else "finished") for w in range(10)]
    runs += [_run("banned", w, bans=1 if w == 8 else 0) for w in range(10)]
    runs += [_run("stale", w) for w in range(5)]
    health = {h.source: h for h in source_health(runs)}
    assert health["ok"].problems == []
    assert "silent" in health["silent"].state
    assert "last run failed" in health["failed"].state
    assert "suspected ban" in health["banned"].state
    assert "stale" in health["stale"].state
    assert list(health)[-1] == "ok"  # worst first


def test_health_judges_a_run_by_the_posts_it_saw_against_earlier_finished_runs():
    # The usual yield comes from the previous finished runs, however many failed since (a ban).
    banned = [_run("s", w, posts=10) for w in range(10)]
    banned += [_run("s", 10 + w, posts=0, status="failed") for w in range(10)] + [_run("s", 20, posts=0)]
    (row,) = source_health(banned)
    assert row.typical_posts == 10 and "silent: 0 posts where 10 is usual" in row.state
    # An incremental crawl of a quiet source sees its posts unchanged: not a silent failure.
    quiet = [_run("q", w, posts=10) for w in range(5)]
    quiet += [_run("q", 5 + w, posts=0).replace(posts_unchanged=40) for w in range(3)]
    (row,) = source_health(quiet)
    assert row.problems == [] and row.last_posts == 40


def test_health_flags_a_run_left_running_for_several_usual_intervals():
    runs = [_run("s", w) for w in range(5)] + [_run("s", 5, status="running")]
    last_start = runs[-1].started_at
    assert source_health(runs, now=last_start + timedelta(days=2))[0].problems == []
    (row,) = source_health(runs, now=last_start + timedelta(weeks=4))
    assert row.state.startswith("running for 672 h")
    assert source_health(runs)[0].problems == []  # without now, nothing to measure against


def test_health_lists_each_enabled_source_never_crawled_as_informational():
    runs = [_run("ok", w) for w in range(10)] + [_run("silent", w, posts=0 if w == 9 else 7) for w in range(10)]
    runs += [_run("dropped", w) for w in range(3)]
    watchlist = {"ok": True, "silent": True, "new": True, "parked": False, "added": True}
    rows = source_health(runs, watchlist=watchlist)
    assert [(h.source, h.state) for h in rows] == [
        ("silent", "silent: 0 posts where 7 is usual"),
        ("added", "no runs yet"), ("new", "no runs yet"),  # not problems: one just added is not broken
        ("ok", "ok"), ("dropped", "not in the watchlist"),
    ]  # a disabled source that never ran has nothing to show
    assert all(h.runs == 0 and h.last_started is None and not h.problems for h in rows[1:3])
    # No runs at all: the watchlist's enabled sources are still listed; no watchlist, nothing.
    assert [h.source for h in source_health([], watchlist=watchlist)] == ["added", "new", "ok", "silent"]
    assert source_health([]) == []
