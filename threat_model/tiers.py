"""Actor tiers 1-3 (after Solaiman et al., 2019): order, plain words and the STIX 2.1 mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from misusewatch.records import TIERS

DEFINITIONS: dict[int, str] = {
    1: "Tier 1: low skill and few resources; uses models and demos as offered, with limited "
    "technical understanding of ML.",
    2: "Tier 2: some technical skill and resources; runs, samples or fine-tunes models and "
    "writes or adapts code.",
    3: "Tier 3: highly skilled and well resourced (organised groups, advanced persistent "
    "threats); trains or customises models at scale and operates infrastructure.",
}

SHORT: dict[int, str] = {1: "low skill", 2: "moderate skill", 3: "advanced"}

# STIX 2.1 open vocabularies (threat-actor-sophistication-ov, attack-resource-level-ov). Within a
# tier the first sophistication is the default; stix_sophistication picks another from evidence.
# "novice" is not in the vocabulary, so tier 1 is "minimal".
STIX_TIER_MAP: dict[int, tuple[str, ...]] = {
    1: ("minimal",),
    2: ("intermediate", "advanced"),
    3: ("expert", "innovator", "strategic"),
}
STIX_SOPHISTICATION_VOCAB = ("none", "minimal", "intermediate", "advanced", "expert", "innovator", "strategic")
STIX_RESOURCE_LEVELS = ("individual", "club", "contest", "team", "organization", "government")
# The resource level a tier implies when the actor's posts showed none.
STIX_RESOURCE_LEVEL: dict[int, str] = {1: "individual", 2: "club", 3: "organization"}
STIX_SOPHISTICATION: dict[int, str] = {tier: options[0] for tier, options in STIX_TIER_MAP.items()}


def check(tier: Any) -> int:
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (one of {', '.join(map(str, TIERS))})")
    return int(tier)


def label(tier: int | None) -> str:
    if tier is None:
        return "untiered"
    return f"tier {check(tier)} ({SHORT[tier]})"


def stix_sophistication(
    tier: int | None,
    *,
    confidence: float | None = None,
    resource_level: str = "individual",
    innovation: bool = False,
) -> str:
    """threat-actor-sophistication-ov for a tier: "none" without one; within a tier, the
    evidence picks the value (tier 2 well-supported -> advanced; tier 3 backed by an
    organisation or state -> strategic, by novel technique -> innovator)."""
    if tier not in STIX_TIER_MAP:
        return "none"
    if tier == 3:
        if resource_level in ("organization", "government"):
            return "strategic"
        return "innovator" if innovation else "expert"
    if tier == 2 and (confidence or 0) >= 0.8:
        return STIX_TIER_MAP[2][1]
    return STIX_TIER_MAP[tier][0]


def stix_attributes(
    tier: int | None, *, evidence: Mapping[str, Any] | None = None, confidence: float | None = None
) -> dict[str, str]:
    """``sophistication`` and ``resource_level`` for a STIX threat-actor of this tier.

    ``evidence`` is what the actor's posts showed (``Actor.signals["stix"]``: resource_level,
    innovation); without it the tier's defaults apply.
    """
    if tier is None:
        return {}
    tier = check(tier)
    if not evidence:
        return {"sophistication": STIX_SOPHISTICATION[tier], "resource_level": STIX_RESOURCE_LEVEL[tier]}
    level = evidence.get("resource_level") or "individual"
    return {
        "sophistication": stix_sophistication(
            tier, confidence=confidence, resource_level=level, innovation=bool(evidence.get("innovation"))
        ),
        "resource_level": level,
    }


def complete_counts(counts: Mapping[Any, int]) -> dict[int, int]:
    """Counts for tiers 1-3 in order (keys may arrive as ints or strings), zero when missing."""
    out = dict.fromkeys(TIERS, 0)
    for key, value in counts.items():
        try:
            tier = int(key)
        except (TypeError, ValueError):
            continue
        if tier in out:
            out[tier] += int(value)
    return out


def dominant_share(counts: Mapping[int, int], tier: int) -> float | None:
    """Share of tiered actors (or posts) that are of ``tier``; None when none are tiered."""
    complete = complete_counts(counts)
    total = sum(complete.values())
    return complete[check(tier)] / total if total else None
