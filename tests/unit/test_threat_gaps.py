"""Collection gaps: outages are marked so they are never read as "misuse dropped"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from misusewatch.records import CrawlRun
from threat_model.gaps import (
    GapPolicy,
    active_source_weeks,
    find_gaps,
    monday,
    source_spans,
    week_overlap,
)
from threat_model.stages import StageWindow

WEEK0 = date(2019, 1, 7)  # a Monday


def weeks(counts: list[int], start: date = WEEK0) -> dict[date, int]:
    return {start + timedelta(weeks=i): n for i, n in enumerate(counts)}


def gap_rows(weekly: dict, runs=(), policy=None) -> list[tuple[str, int, str]]:
    return [
        (g.source, (g.week - WEEK0).days // 7, g.reason)
        for g in find_gaps(source_spans(weekly), runs, policy)
    ]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([50] * 20, []),  # steady: nothing to mark
        ([50] * 8 + [0, 0] + [50] * 10, [(8, "no_posts"), (9, "no_posts")]),
        ([50] * 8 + [5] + [50] * 11, [(8, "below_norm")]),
        ([50] * 8 + [40] + [50] * 11, []),  # a 20% dip is ordinary variation
        ([50] * 8 + [14] + [50] * 11, []),  # 28% of normal: above the 25% fraction
        ([3] * 8 + [0] + [3] * 11, []),  # a small source's quiet week is not an outage
        ([12] * 8 + [0] + [12] * 11, [(8, "no_posts")]),  # P(0 | 12) = 6e-6 < 0.001
        ([50] * 8 + [0] * 4 + [50] * 8, [(8, "no_posts"), (9, "no_posts"),
                                          (10, "no_posts"), (11, "no_posts")]),
        ([50, 50, 0], []),  # too little history to know the norm
    ],
)
def test_volume_gaps(counts, expected):
    assert gap_rows({"s": weeks(counts)}) == [("s", w, r) for w, r in expected]


def test_a_source_is_expected_from_its_first_post_until_others_stop():
    weekly = {
        "steady": weeks([30] * 20),
        "late": weeks([30] * 10, start=WEEK0 + timedelta(weeks=5)),  # ends at week 14
    }
    rows = gap_rows(weekly)
    # weeks 0-4 (before "late" began) are not gaps; weeks 15-19 (it went silent) are
    assert rows == [("late", w, "no_posts") for w in range(15, 20)]


def test_crawl_runs_mark_weeks_without_a_successful_crawl():
    def run(week: int, status: str) -> CrawlRun:
        started = datetime.combine(WEEK0 + timedelta(weeks=week), datetime.min.time(), UTC)
        return CrawlRun(id=f"r{week}{status}", source="s", started_at=started, status=status)

    runs = [run(w, "finished") for w in range(2, 12) if w not in (5, 7)] + [run(7, "failed")]
    rows = gap_rows({"s": weeks([30] * 16)}, runs)
    # only inside the crawl history (weeks 2-11); weeks 0-1 and 12+ predate/postdate it
    assert rows == [("s", 5, "no_crawl"), ("s", 7, "crawl_failed")]


def test_policy_is_configurable():
    counts = {"s": weeks([50] * 8 + [20] + [50] * 8)}
    assert gap_rows(counts) == []
    assert gap_rows(counts, policy=GapPolicy(low_fraction=0.5)) == [("s", 8, "below_norm")]


@pytest.mark.parametrize(
    ("week", "since", "until", "overlap"),
    [
        (date(2019, 2, 11), datetime(2019, 2, 14, tzinfo=UTC), None, 4 / 7),  # Thu-Sun
        (date(2019, 2, 11), None, datetime(2019, 2, 14, tzinfo=UTC), 3 / 7),  # Mon-Wed
        (date(2019, 3, 4), datetime(2019, 2, 14, tzinfo=UTC), None, 1.0),
        (date(2019, 1, 7), datetime(2019, 2, 14, tzinfo=UTC), None, 0.0),
    ],
)
def test_week_overlap(week, since, until, overlap):
    assert week_overlap(week, StageWindow("w", since, until)) == pytest.approx(overlap)


def test_active_source_weeks_exclude_volume_gaps_only():
    spans = source_spans({"s": weeks([50] * 8 + [0] + [50] * 11)})
    gaps = find_gaps(spans)
    everything = StageWindow("all", None, None)
    assert active_source_weeks(spans, gaps, everything) == pytest.approx(19)


def test_monday():
    assert monday(date(2019, 2, 14)) == date(2019, 2, 11)
    assert monday(datetime(2019, 2, 17, 23, tzinfo=UTC)) == date(2019, 2, 11)
