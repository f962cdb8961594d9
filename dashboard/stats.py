"""Small statistics the overview draws: rate intervals, stage-to-stage change, collection gaps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from statistics import median

Z95 = 1.959963984540054
WEEK = timedelta(weeks=1)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n (0, 1 when n == 0: nothing is known)."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_change(k1: int, n1: int, k2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """Change in proportion (k2/n2 - k1/n1) with Newcombe's hybrid score interval (method 10)."""
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    diff = p2 - p1
    lower = diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    upper = diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return diff, lower, upper


def collection_gaps(
    weekly: Sequence[tuple[datetime, int]], *, start: datetime | None = None, end: datetime | None = None,
    fraction: float = 0.2,
) -> list[tuple[datetime, datetime]]:
    """Weeks a source collected nothing, or under ``fraction`` of its median week, merged into spans.

    ``weekly`` is one source's (Monday, posts) series with empty weeks omitted, as the store's
    count_by_time gives it; the span searched runs from ``start`` (default its first week) to
    ``end`` (default its last week), so a source that stopped entirely shows a gap to the end.
    """
    if not weekly:
        return []
    counts = dict(weekly)
    typical = median(counts.values())
    first = start or min(counts)
    last = end or max(counts)
    gaps: list[tuple[datetime, datetime]] = []
    week = first
    while week <= last:
        if counts.get(week, 0) < fraction * typical:
            if gaps and gaps[-1][1] == week:
                gaps[-1] = (gaps[-1][0], week + WEEK)
            else:
                gaps.append((week, week + WEEK))
        week += WEEK
    return gaps


def monday(dt: datetime) -> datetime:
    """The UTC Monday 00:00 of dt's ISO week (the store's week buckets)."""
    day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())
