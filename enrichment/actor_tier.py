"""Actor tiers: who posted (per platform), their history, and a tier (1-3) from their posts.

Pure functions, no spaCy and no store. The STIX 2.1 mapping lives in ``threat_model.tiers``
(the pure domain core), shared with the STIX export. The job that reads the store and writes
actors is ``enrichment.runner.update_actors``; ``override_tier`` is the analyst's hand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from misusewatch.records import LADDER_STEPS, TIERS, Actor, Label, format_time, utcnow
from threat_model import tiers
from threat_model.tiers import STIX_RESOURCE_LEVELS

LADDER_RANK = {step: rank for rank, step in enumerate(LADDER_STEPS)}

# Resource markers the tagger finds (enrichment/lexicon/resources.jsonl) -> resource level.
RESOURCE_MARKER_LEVEL = {
    "club": "club",
    "team": "team",
    "organization": "organization",
    "government": "government",
}
# Skill-marker rules whose presence shows novel technique rather than scale (tier 3 "innovator").
INNOVATION_RULES = frozenset({"skill.advanced"})
INNOVATION_WORDS = (
    "scratch",
    "architecture",
    "tokenizer",
    "rlhf",
    "reinforcement",
    "adversarial",
    "detector",
    "discriminator",
    "watermark",
    "perturbation",
)


@dataclass(slots=True)
class PostEvidence:
    """What one post says about its author: the tagger's facets, compacted for aggregation."""

    post_id: str
    created_at: datetime | None
    tier: int | None = None
    ladder: str = "none"
    categories: tuple[str, ...] = ()
    resource_levels: tuple[str, ...] = ()
    innovation: bool = False

    @property
    def plain(self) -> bool:
        """Nothing beyond its time: no tier, step, category, resource or innovation."""
        return (
            self.tier is None
            and self.ladder == "none"
            and not self.categories
            and not self.resource_levels
            and not self.innovation
        )

    @classmethod
    def from_tagger(cls, post_id: str, created_at: datetime | None, facets: dict, data: dict) -> PostEvidence:
        markers = data.get("skill_markers") or []
        innovation = any(
            m.get("value") == 3 and any(w in str(m.get("text", "")).lower() for w in INNOVATION_WORDS) for m in markers
        )
        levels = tuple(
            RESOURCE_MARKER_LEVEL[m["value"]]
            for m in data.get("resource_markers") or []
            if m.get("value") in RESOURCE_MARKER_LEVEL
        )
        return cls(
            post_id=post_id,
            created_at=created_at,
            tier=facets.get("tier"),
            ladder=facets.get("ladder") or "none",
            categories=tuple(facets.get("categories") or ()),
            resource_levels=levels,
            innovation=innovation,
        )


@dataclass(slots=True)
class TierVerdict:
    tier: int | None
    confidence: float | None
    evidence: list[str] = field(default_factory=list)
    basis: dict[str, Any] = field(default_factory=dict)


def tier_for_actor(posts: Sequence[PostEvidence], *, max_evidence: int = 10) -> TierVerdict:
    """The highest tier the actor's posts support, how sure we are, and the posts behind it.

    Only actors with a misuse post (ladder discussion or above) get a tier; their benign posts
    still show their skill; one whose posts show no skill either way has no tier (unknown).
    A tier counts when at least two posts show it (one post can be a tagger slip or a brag),
    or when the actor has at most two tiered posts, or when the post showing it is code or
    deployment (the skill was exercised, not claimed). Confidence is the share of the actor's
    tiered posts at or above the tier, scaled down for actors with fewer than three of them.
    """
    # A tier describes a threat actor: someone who never talks about misuse has none.
    if not any(LADDER_RANK.get(p.ladder, 0) >= LADDER_RANK["discussion"] for p in posts):
        return TierVerdict(None, None, [], {"tiered_posts": 0, "misuse_posts": 0})
    tiered = [p for p in posts if p.tier in TIERS]
    if not tiered:
        # Talks misuse but shows no skill either way: unknown, not tier 1 (defaulting to 1
        # gave every benign actor with one misread post a tier; see docs/tagger.md).
        return TierVerdict(None, None, [], {"tiered_posts": 0})
    counts = Counter(p.tier for p in tiered)
    chosen = None
    for tier in sorted(TIERS, reverse=True):
        at_or_above = [p for p in tiered if p.tier >= tier]
        if not at_or_above:
            continue
        exercised = any(LADDER_RANK.get(p.ladder, 0) >= LADDER_RANK["code"] for p in at_or_above)
        if len(at_or_above) >= 2 or len(tiered) <= 2 or exercised:
            chosen = tier
            break
    if chosen is None:
        chosen = min(counts)
    support = [p for p in tiered if p.tier >= chosen]
    confidence = len(support) / len(tiered) * min(1.0, len(tiered) / 3)
    support.sort(key=lambda p: (-p.tier, -LADDER_RANK.get(p.ladder, 0), p.created_at))
    return TierVerdict(
        chosen,
        round(confidence, 3),
        [p.post_id for p in support[:max_evidence]],
        {"tiered_posts": len(tiered), "tier_counts": {str(k): v for k, v in sorted(counts.items())}},
    )


def actor_history(posts: Sequence[PostEvidence]) -> dict[str, Any]:
    """Counts over the actor's posts: ladder steps, categories, highest step, first misuse."""
    ladder = Counter(p.ladder for p in posts)
    categories = Counter(c for p in posts for c in p.categories)
    misuse = sorted((p for p in posts if p.ladder != "none"), key=lambda p: p.created_at)
    top = max((p.ladder for p in posts), key=lambda s: LADDER_RANK.get(s, 0), default="none")
    return {
        "ladder": dict(ladder),
        "categories": dict(categories),
        "max_ladder": top,
        "first_misuse": format_time(misuse[0].created_at) if misuse else None,
    }


def stix_resource_level(posts: Iterable[PostEvidence]) -> str:
    """The largest resource level any post shows; "individual" when none shows one."""
    seen = {level for p in posts for level in p.resource_levels}
    for level in reversed(STIX_RESOURCE_LEVELS):
        if level in seen:
            return level
    return "individual"


def stix_for_actor(actor: Actor) -> dict[str, str]:
    """The two STIX properties for an actor, from its effective tier and stored signals."""
    stix = (actor.signals or {}).get("stix") or {}
    attributes = tiers.stix_attributes(actor.effective_tier, evidence=stix or None, confidence=actor.tier_confidence)
    return attributes or {"sophistication": "none", "resource_level": stix.get("resource_level", "individual")}


def override_tier(store, actor_id: str, tier: int | None, *, author: str, note: str | None = None) -> Actor:
    """An analyst sets (or with ``tier=None`` clears) an actor's tier; both the actor's
    ``override`` and an append-only ``tier_override`` label record who, when and why."""
    from misusewatch.errors import InputError

    if tier is not None and tier not in TIERS:
        raise InputError(f"tier must be one of {TIERS} (or cleared), got {tier!r}")
    if not author:
        raise InputError("an override needs an author")
    actor = store.get_actor(actor_id)
    if actor is None:
        raise InputError(f"no actor {actor_id!r}")
    now = utcnow()
    label = store.add_label(
        Label(
            target_type="actor",
            target_id=actor_id,
            kind="tier_override",
            value="clear" if tier is None else str(tier),
            author=author,
            note=note,
            created_at=now,
        )
    )
    actor.override = (
        None
        if tier is None
        else {
            "tier": tier,
            "author": author,
            "at": format_time(now),
            "note": note,
            "computed_tier": actor.tier,
            "label_id": label.id,
        }
    )
    actor.updated_at = now
    store.upsert_actors([actor])
    return actor
