"""Indicators per release-stage window: counts, normalised rates, gaps, change, prevalence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from misusewatch.records import CATEGORIES
from threat_model import ladder, tiers
from threat_model.gaps import (
    VOLUME_REASONS,
    Gap,
    SourceWeeks,
    active_source_weeks,
    gaps_in,
    week_overlap,
)
from threat_model.stages import StageWindow
from threat_model.stats import RateMethod, binomial_evidence, rate_ratio, wilson

# Gap share above which a trend is reported with a collection caveat.
GAP_CAVEAT_SHARE = 0.10


@dataclass(slots=True)
class SyntheticCounts:
    """One detector's flags in one window: (flagged, scored) per source and per actor.

    ``calibration`` maps each source to the (threshold, false-positive rate) its posts were
    flagged at (detectors may calibrate per source); ``actor_fpr`` gives an actor's rate when
    it differs from ``fpr``, the scored-weighted mean over sources.
    """

    detector: str
    calibration: dict[str, tuple[float, float]]
    by_source: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_actor: dict[str, tuple[int, int]] = field(default_factory=dict)
    actor_fpr: dict[str, float] = field(default_factory=dict)

    @property
    def fpr(self) -> float:
        weights = [(self.by_source.get(s, (0, 0))[1], f) for s, (_, f) in self.calibration.items()]
        total = sum(n for n, _ in weights)
        if total == 0:
            return max((f for _, f in weights), default=0.01)
        return sum(n * f for n, f in weights) / total

    @property
    def thresholds(self) -> dict[str, float]:
        return {source: t for source, (t, _) in sorted(self.calibration.items())}


@dataclass(slots=True)
class WindowCounts:
    """Aggregates for one stage window, as the store counts them (no posts loaded).

    ``ladder`` counts tagged posts per step (so its sum is the number of tagged posts);
    ``post_tiers`` counts posts by the tier their own text shows; ``actor_tiers`` counts the
    actors active in the window by their effective tier (analyst overrides win).
    """

    window: StageWindow
    posts: int
    ladder: Mapping[str, int] = field(default_factory=dict)
    categories: Mapping[str, int] = field(default_factory=dict)
    lm_related: int = 0
    post_tiers: Mapping[Any, int] = field(default_factory=dict)
    actor_tiers: Mapping[Any, int] = field(default_factory=dict)
    by_source: Mapping[str, int] = field(default_factory=dict)
    synthetic: Sequence[SyntheticCounts] = ()

    @property
    def tagged(self) -> int:
        return sum(ladder.complete_counts(self.ladder).values())

    @property
    def misuse(self) -> int:
        steps = ladder.complete_counts(self.ladder)
        return sum(steps[s] for s in ladder.MISUSE_STEPS)


def combine_counts(
    window: StageWindow, parts: Sequence[WindowCounts], actor_tiers: Mapping[Any, int]
) -> WindowCounts:
    """Counts over windows that partition ``window``, added up. Distinct actors do not add,
    so their tiers come in already counted over the union."""

    def add(maps: list[Mapping[Any, int]]) -> dict[Any, int]:
        total: dict[Any, int] = {}
        for counts in maps:
            for key, n in counts.items():
                total[key] = total.get(key, 0) + int(n)
        return total

    synthetic: dict[str, SyntheticCounts] = {}
    for part in parts:
        for s in part.synthetic:
            merged = synthetic.setdefault(s.detector, SyntheticCounts(s.detector, s.calibration))
            for source, (flagged, scored) in s.by_source.items():
                before = merged.by_source.get(source, (0, 0))
                merged.by_source[source] = (before[0] + flagged, before[1] + scored)
    return WindowCounts(
        window=window,
        posts=sum(p.posts for p in parts),
        ladder=add([p.ladder for p in parts]),
        categories=add([p.categories for p in parts]),
        lm_related=sum(p.lm_related for p in parts),
        post_tiers=add([p.post_tiers for p in parts]),
        actor_tiers=dict(actor_tiers),
        by_source=add([p.by_source for p in parts]),
        synthetic=list(synthetic.values()),
    )


@dataclass(frozen=True, slots=True)
class IndicatorPolicy:
    """Choices the indicators make, all documented in docs/threat-model.md."""

    confidence: float = 0.95
    method: RateMethod = "exact"
    actor_min_posts: int = 5
    significance: float = 0.01
    max_actors: int = 25


def per_thousand(count: int, exposure: int) -> float | None:
    return round(1000.0 * count / exposure, 4) if exposure else None


def per_unit(count: int, exposure: float) -> float | None:
    return round(count / exposure, 4) if exposure > 0 else None


def _exposure(counts: WindowCounts) -> int:
    """Posts collected and tagged: the denominator for per-1,000 rates.

    Untagged posts cannot have a ladder step; counting them would dilute every rate while
    enrichment catches up.
    """
    return counts.tagged


def stage_indicators(
    counts: WindowCounts,
    previous: WindowCounts | None,
    spans: Sequence[SourceWeeks],
    gaps: Sequence[Gap],
    policy: IndicatorPolicy | None = None,
) -> dict[str, Any]:
    """Everything the summary and dashboard show for one stage window, as plain JSON data."""
    policy = policy or IndicatorPolicy()
    window = counts.window
    steps = ladder.complete_counts(counts.ladder)
    categories = {c: int(counts.categories.get(c, 0)) for c in CATEGORIES}
    exposure = _exposure(counts)
    window_gaps = gaps_in(gaps, window)
    source_weeks = round(active_source_weeks(spans, gaps, window), 4)
    gap_weeks = round(
        sum(week_overlap(g.week, window) for g in window_gaps if g.reason in VOLUME_REASONS), 4
    )
    gap_share = gap_weeks / (gap_weeks + source_weeks) if gap_weeks + source_weeks else 0.0
    return {
        "stage": window.to_dict(),
        "coverage": {
            "posts": counts.posts,
            "tagged": counts.tagged,
            "untagged": max(0, counts.posts - counts.tagged),
            "sources": dict(sorted(counts.by_source.items())),
            "active_source_weeks": source_weeks,
            "gaps": [g.to_dict() for g in window_gaps],
            "gap_source_weeks": gap_weeks,
            "gap_share": round(gap_share, 4),
            "gap_caveat": gap_share > GAP_CAVEAT_SHARE,
        },
        "counts": {
            "misuse": counts.misuse,
            "lm_related": counts.lm_related,
            "ladder": steps,
            "categories": categories,
            "tiers": {
                "posts": _tier_keys(tiers.complete_counts(counts.post_tiers)),
                "actors": _tier_keys(tiers.complete_counts(counts.actor_tiers)),
            },
        },
        "rates": {
            "exposure_posts": exposure,
            "per_1000_posts": _rates(
                counts, steps, categories, lambda n: per_thousand(n, exposure)
            ),
            "per_source_week": _rates(
                counts, steps, categories, lambda n: per_unit(n, source_weeks)
            ),
        },
        "change": _change(counts, previous, policy),
        "synthetic": [_synthetic(s, policy) for s in counts.synthetic],
    }


def _tier_keys(counts: Mapping[int, int]) -> dict[str, int]:
    # JSON object keys are strings; keep them so a stored assessment reads back identically.
    return {str(tier): n for tier, n in counts.items()}


def _rates(counts, steps, categories, rate) -> dict[str, Any]:
    return {
        "misuse": rate(counts.misuse),
        "lm_related": rate(counts.lm_related),
        "ladder": {s: rate(n) for s, n in steps.items()},
        "categories": {c: rate(n) for c, n in categories.items()},
    }


def _change(
    counts: WindowCounts, previous: WindowCounts | None, policy: IndicatorPolicy
) -> dict[str, Any] | None:
    """Rate ratios against the previous window, exposure = tagged posts in each window."""
    if previous is None:
        return None
    e_now, e_before = _exposure(counts), _exposure(previous)

    def compare(before: int, now: int) -> dict[str, Any] | None:
        result = rate_ratio(
            before, e_before, now, e_now, confidence=policy.confidence, method=policy.method
        )
        return result.to_dict() if result else None

    steps_now, steps_before = ladder.complete_counts(counts.ladder), ladder.complete_counts(
        previous.ladder
    )
    return {
        "previous_stage": previous.window.name,
        "misuse": compare(previous.misuse, counts.misuse),
        "lm_related": compare(previous.lm_related, counts.lm_related),
        "ladder": {s: compare(steps_before[s], steps_now[s]) for s in ladder.MISUSE_STEPS},
        "categories": {
            c: compare(int(previous.categories.get(c, 0)), int(counts.categories.get(c, 0)))
            for c in CATEGORIES
        },
    }


def _synthetic(counts: SyntheticCounts, policy: IndicatorPolicy) -> dict[str, Any]:
    """Prevalence of detector flags per source and per actor, each tested against the FPR.

    Actor tests are many, so their significance level is Bonferroni-divided by the number of
    actors tested (those with at least ``actor_min_posts`` scored posts).
    """
    fpr = counts.fpr
    sources = {}
    for source, (flagged, scored) in sorted(counts.by_source.items()):
        threshold, source_fpr = counts.calibration.get(source, (None, fpr))
        sources[source] = {
            "threshold": threshold, "fpr": source_fpr,
            **_prevalence(flagged, scored, source_fpr, policy.significance, policy),
        }
    tested = {
        actor: pair for actor, pair in counts.by_actor.items() if pair[1] >= policy.actor_min_posts
    }
    actor_level = policy.significance / max(1, len(tested))
    actors = [
        {"actor": actor, **_prevalence(flagged, scored, counts.actor_fpr.get(actor, fpr),
                                       actor_level, policy)}
        for actor, (flagged, scored) in tested.items()
    ]
    actors.sort(key=lambda a: (a["p_value"], -a["flagged"], a["actor"]))
    total_flagged = sum(f for f, _ in counts.by_source.values())
    total_scored = sum(n for _, n in counts.by_source.values())
    overall = _prevalence(total_flagged, total_scored, fpr, policy.significance, policy)
    return {
        "detector": counts.detector,
        "thresholds": counts.thresholds,
        "fpr": round(fpr, 6),
        "confidence": policy.confidence,  # the level of every "ci" below
        "overall": overall,
        "sources": sources,
        "actors_tested": len(tested),
        "actor_significance": actor_level,
        "actors": actors[: policy.max_actors],
        "actors_significant": sum(1 for a in actors if a["significant"]),
    }


def _prevalence(
    flagged: int, scored: int, fpr: float, significance: float, policy: IndicatorPolicy
) -> dict[str, Any]:
    evidence = binomial_evidence(flagged, scored, fpr, significance=significance)
    low, high = wilson(flagged, scored, policy.confidence)
    return {
        "flagged": flagged,
        "scored": scored,
        "rate": round(evidence.rate, 6),
        "ci": [round(low, 6), round(high, 6)],
        "excess_over_fpr": round(evidence.rate - fpr, 6),
        "p_value": evidence.p_value,
        "significant": evidence.significant,
    }
