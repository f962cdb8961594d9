"""Triage risk: one explainable number per post from ladder step, tier, detector evidence and targets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from misusewatch.records import Enrichment

# Points per ladder step: a working deployment outranks any amount of talk.
LADDER_POINTS = {"none": 0, "discussion": 10, "plan": 25, "code": 40, "deployment": 60}
TIER_POINTS = {None: 0, 1: 0, 2: 10, 3: 20}
DETECTOR_POINTS = 15  # for a detector that labels the post machine-written at its calibrated FPR
TARGET_POINTS = 5  # per named target (an organisation, a domain), at most MAX_TARGETS of them
MAX_TARGETS = 3
STATUSES = ("new", "in_review", "escalated", "dismissed")


@dataclass(slots=True)
class PostRisk:
    """What the queue shows for one post, and why it ranks where it does."""

    post_id: str
    score: int = 0
    ladder: str = "none"
    tier: int | None = None
    categories: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    max_score: float | None = None
    machine_by: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def why(self) -> str:
        return "; ".join(self.reasons) or "no misuse signal"


def risk_for(post_id: str, enrichments: Iterable[Enrichment]) -> PostRisk:
    """Score a post from its latest enrichments (tagger facets, detector labels)."""
    risk = PostRisk(post_id)
    for e in enrichments:
        if e.error is not None:
            continue
        if e.enricher == "tagger":
            risk.ladder = e.facets.get("ladder") or "none"
            risk.tier = e.facets.get("tier")
            risk.categories = list(e.facets.get("categories") or [])
            named = (t.get("value") if isinstance(t, dict) else t for t in e.data.get("targets") or [])
            risk.targets = list(dict.fromkeys(str(t) for t in named if t))
        elif e.enricher.startswith("detector:"):
            score = (e.facets.get("detector_scores") or {}).get(e.enricher.removeprefix("detector:"))
            if score is None:
                score = e.data.get("score")
            if isinstance(score, int | float):
                risk.max_score = max(risk.max_score or 0.0, float(score))
            if e.data.get("label") == "machine":
                risk.machine_by.append(e.enricher.removeprefix("detector:"))
    if LADDER_POINTS.get(risk.ladder, 0):
        risk.score += LADDER_POINTS[risk.ladder]
        risk.reasons.append(f"ladder {risk.ladder}")
    if TIER_POINTS.get(risk.tier, 0):
        risk.score += TIER_POINTS[risk.tier]
        risk.reasons.append(f"tier {risk.tier}")
    if risk.machine_by:
        risk.score += DETECTOR_POINTS
        risk.reasons.append("machine-written per " + ", ".join(sorted(risk.machine_by)))
    if risk.targets:
        risk.score += TARGET_POINTS * min(len(risk.targets), MAX_TARGETS)
        risk.reasons.append("targets " + ", ".join(risk.targets[:MAX_TARGETS]))
    return risk
