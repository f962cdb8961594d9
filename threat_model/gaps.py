"""Collection gaps: source-weeks far below their norm, so an outage never reads as "misuse fell"."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from misusewatch.records import CrawlRun
from threat_model.stages import StageWindow
from threat_model.stats import poisson_lower_tail

WEEK = timedelta(days=7)
VOLUME_REASONS = frozenset({"no_posts", "below_norm"})


@dataclass(frozen=True, slots=True)
class GapPolicy:
    """When a source-week counts as a gap. See docs/threat-model.md, "Collection gaps".

    A week is low when it has fewer than ``low_fraction`` x its norm AND a Poisson count with
    the norm as mean would fall that low with probability below ``alpha`` (so small sources'
    quiet weeks are not gaps). The norm is the median of the ``neighbours`` weeks either side.
    """

    low_fraction: float = 0.25
    alpha: float = 0.001
    neighbours: int = 6
    min_neighbours: int = 4


@dataclass(frozen=True, slots=True)
class Gap:
    source: str
    week: date  # the Monday the ISO week starts
    count: int
    norm: float
    reason: str  # no_posts | below_norm | crawl_failed | no_crawl
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["week"] = self.week.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class SourceWeeks:
    """A source's weekly post counts over the span it is expected to collect, zeros filled."""

    source: str
    counts: dict[date, int]


def monday(moment: date | datetime) -> date:
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def source_spans(
    weekly: Mapping[str, Mapping[date | datetime, int]], through: date | None = None
) -> list[SourceWeeks]:
    """Each source from its first week with posts to ``through`` (default: the last week any
    source has posts), zero-filled: a source that goes quiet while others collect shows it."""
    normalised = {
        source: {monday(week): int(n) for week, n in counts.items() if int(n) > 0}
        for source, counts in weekly.items()
    }
    last_weeks = [max(c) for c in normalised.values() if c]
    if not last_weeks:
        return []
    end = monday(through) if through else max(last_weeks)
    out = []
    for source in sorted(normalised):
        counts = normalised[source]
        if not counts:
            continue
        week, filled = min(counts), {}
        while week <= end:
            filled[week] = counts.get(week, 0)
            week += WEEK
        out.append(SourceWeeks(source, filled))
    return out


def find_gaps(
    spans: Iterable[SourceWeeks],
    crawl_runs: Iterable[CrawlRun] = (),
    policy: GapPolicy | None = None,
) -> list[Gap]:
    """Gaps by post volume, and weeks inside a source's crawl history with no successful run."""
    policy = policy or GapPolicy()
    runs_by_source: dict[str, list[CrawlRun]] = {}
    for run in crawl_runs:
        runs_by_source.setdefault(run.source, []).append(run)
    gaps: list[Gap] = []
    for span in spans:
        by_week = {g.week: g for g in _volume_gaps(span, policy)}
        for gap in _crawl_gaps(span, runs_by_source.get(span.source, [])):
            by_week.setdefault(gap.week, gap)
        gaps.extend(by_week[w] for w in sorted(by_week))
    return gaps


def _volume_gaps(span: SourceWeeks, policy: GapPolicy) -> list[Gap]:
    """Flag low weeks, then recompute norms without the flagged ones until nothing changes:
    deep inside a long outage the neighbours are themselves zeros, and would hide it."""
    weeks = sorted(span.counts)
    values = [span.counts[w] for w in weeks]
    found: dict[int, Gap] = {}
    for _ in range(len(weeks)):
        new = {}
        for i, week in enumerate(weeks):
            if i in found:
                continue
            norm = _norm(values, i, found, policy)
            count = values[i]
            if norm is None or norm <= 0 or count >= policy.low_fraction * norm:
                continue
            p_value = poisson_lower_tail(count, norm)
            if p_value < policy.alpha:
                reason = "no_posts" if count == 0 else "below_norm"
                new[i] = Gap(span.source, week, count, norm, reason, p_value)
        if not new:
            break
        found.update(new)
    return [found[i] for i in sorted(found)]


def _norm(values: list[int], i: int, flagged: Mapping[int, Gap], policy: GapPolicy) -> float | None:
    """Median of the unflagged weeks around week ``i``; of all unflagged weeks if too few."""
    lo, hi = max(0, i - policy.neighbours), min(len(values), i + policy.neighbours + 1)
    around = [values[j] for j in range(lo, hi) if j != i and j not in flagged]
    if len(around) < policy.min_neighbours:
        around = [v for j, v in enumerate(values) if j != i and j not in flagged]
    if len(around) < policy.min_neighbours:
        return None  # too little history to know what normal is
    return float(statistics.median(around))


def _crawl_gaps(span: SourceWeeks, runs: list[CrawlRun]) -> list[Gap]:
    if not runs:
        return []
    run_weeks: dict[date, list[str]] = {}
    for run in runs:
        run_weeks.setdefault(monday(run.started_at), []).append(run.status)
    first, last = min(run_weeks), max(run_weeks)
    out = []
    for week, count in sorted(span.counts.items()):
        if not first <= week <= last:
            continue
        statuses = run_weeks.get(week)
        if statuses is None:
            out.append(Gap(span.source, week, count, 0.0, "no_crawl"))
        elif all(status == "failed" for status in statuses):
            out.append(Gap(span.source, week, count, 0.0, "crawl_failed"))
    return out


def week_overlap(week: date, window: StageWindow) -> float:
    """The fraction of an ISO week (0-1) that falls inside the window."""
    start = datetime(week.year, week.month, week.day, tzinfo=UTC)
    end = start + WEEK
    lo = max(start, window.since) if window.since else start
    hi = min(end, window.until) if window.until else end
    return max(0.0, (hi - lo) / WEEK)


def active_source_weeks(
    spans: Iterable[SourceWeeks], gaps: Iterable[Gap], window: StageWindow
) -> float:
    """Source-weeks inside the window that collected normally.

    Weeks with a volume gap are excluded; a week with no successful crawl run still counts
    when its posts arrived later (a backfill), since its volume was then normal.
    """
    gap_keys = {(g.source, g.week) for g in gaps if g.reason in VOLUME_REASONS}
    total = 0.0
    for span in spans:
        for week in span.counts:
            if (span.source, week) not in gap_keys:
                total += week_overlap(week, window)
    return total


def gaps_in(gaps: Iterable[Gap], window: StageWindow) -> list[Gap]:
    return [g for g in gaps if week_overlap(g.week, window) > 0]
