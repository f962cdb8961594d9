"""When things get posted: daily activity profiles shaped like the release report's findings.

Misuse discussion peaks after the 124M release and has declined by mid-May; explicit plans are
few; code sharing and tier-2 tooling appear later (774M/1.5B); language-model chatter spikes
at each release; ordinary chatter is flat.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime
from itertools import accumulate
from random import Random

from crawlers.testbed.forums import END, STAGES, START

DAY = 86400
DAYS = (END - START).days + 1
_RELEASES = [(start - START).days for _, start in STAGES[1:]]
_MID_MAY = (datetime(2019, 5, 15, tzinfo=START.tzinfo) - START).days


def _flat(day: int) -> float:
    return 1.0


def _lm(day: int) -> float:
    weight = 0.35 if day < _RELEASES[0] else 1.0
    for release in _RELEASES:
        if day >= release:
            weight += 5.0 * math.exp(-(day - release) / 14)
    return weight


def _hype(day: int) -> float:
    first, medium, large, full = _RELEASES
    if day < first:
        return 0.12
    weight = 0.3 + 4.0 * math.exp(-(day - first) / 35)
    if day < _MID_MAY:
        weight += 0.6
    if day >= medium:
        weight += 0.5 * math.exp(-(day - medium) / 12)
    if day >= large:
        weight += 0.25 * math.exp(-(day - large) / 15)
    if day >= full:
        weight += 1.2 * math.exp(-(day - full) / 20)
    return weight


def _tooling(day: int) -> float:
    first, medium, large, full = _RELEASES
    if day < first:
        return 0.05
    if day < medium:
        return 0.3
    if day < large:
        return 0.6
    if day < full:
        return 1.2
    return 1.6


PROFILES = {"flat": _flat, "lm": _lm, "hype": _hype, "tooling": _tooling}


class DaySampler:
    """Draws a unix time whose day follows one profile (uniform within the day)."""

    def __init__(self, profile: str, days: int = DAYS):
        weights = [PROFILES[profile](d) for d in range(days)]
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]
        self.start = int(START.timestamp())

    def draw(self, rng: Random) -> int:
        day = bisect_right(self.cumulative, rng.random() * self.total)
        day = min(day, len(self.cumulative) - 1)
        return self.start + day * DAY + int(rng.random() * DAY)


def profile_for(kind: str, ladder: str) -> str:
    """Which activity profile a thread of this kind (and opening ladder step) follows."""
    if kind == "lm":
        return "lm"
    if kind == "misuse":
        return "tooling" if ladder in ("code", "deployment") else "hype"
    if kind == "campaign":
        return "tooling"
    return "flat"
