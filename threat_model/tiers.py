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

# STIX 2.1 open vocabularies: threat-actor-sophistication-ov and attack-resource-level-ov.
STIX_SOPHISTICATION: dict[int, str] = {1: "minimal", 2: "intermediate", 3: "expert"}
STIX_RESOURCE_LEVEL: dict[int, str] = {1: "individual", 2: "club", 3: "organization"}


def check(tier: Any) -> int:
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (one of {', '.join(map(str, TIERS))})")
    return int(tier)


def label(tier: int | None) -> str:
    if tier is None:
        return "untiered"
    return f"tier {check(tier)} ({SHORT[tier]})"


def stix_attributes(tier: int | None) -> dict[str, str]:
    """``sophistication`` and ``resource_level`` for a STIX threat-actor of this tier."""
    if tier is None:
        return {}
    tier = check(tier)
    return {
        "sophistication": STIX_SOPHISTICATION[tier],
        "resource_level": STIX_RESOURCE_LEVEL[tier],
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
