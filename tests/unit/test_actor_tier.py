"""Actor tiers from post evidence, and the STIX 2.1 mapping the threat model's export uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from enrichment.actor_tier import PostEvidence, stix_resource_level, tier_for_actor
from threat_model.tiers import (
    STIX_RESOURCE_LEVELS,
    STIX_SOPHISTICATION_VOCAB,
    STIX_TIER_MAP,
    stix_attributes,
    stix_sophistication,
)

T0 = datetime(2019, 8, 20, tzinfo=UTC)


def posts(*specs: tuple[int | None, str]) -> list[PostEvidence]:
    return [
        PostEvidence(f"p{i}", T0 + timedelta(days=i), tier=tier, ladder=ladder)
        for i, (tier, ladder) in enumerate(specs)
    ]


@pytest.mark.parametrize(
    ("specs", "tier"),
    [
        ([], None),
        ([(None, "none"), (None, "discussion")], None),  # misuse talk, no skill shown: unknown
        ([(2, "none"), (3, "none")], None),  # skilled but never about misuse: no threat tier
        ([(1, "plan")], 1),
        ([(2, "discussion"), (1, "plan")], 2),  # two tiered posts: take the higher
        ([(1, "none")] * 5 + [(3, "discussion")], 1),  # one tier-3 claim among many is not enough
        ([(1, "none")] * 5 + [(3, "code")], 3),  # unless it was exercised (code/deployment)
        ([(1, "none")] * 5 + [(3, "discussion"), (3, "plan")], 3),
        ([(2, "plan")] * 3 + [(1, "none")] * 3, 2),
    ],
)
def test_tier_for_actor(specs, tier) -> None:
    assert tier_for_actor(posts(*specs)).tier == tier


def test_confidence_and_evidence() -> None:
    verdict = tier_for_actor(posts((2, "plan"), (2, "code"), (2, "none"), (1, "none")))
    assert verdict.tier == 2
    assert verdict.confidence == pytest.approx(0.75)
    assert verdict.evidence[0] == "p1"  # the code post leads
    assert set(verdict.evidence) == {"p0", "p1", "p2"}
    few = tier_for_actor(posts((2, "plan")))
    assert few.confidence == pytest.approx(1 / 3, abs=1e-3)


def test_stix_mapping_uses_the_vocabularies() -> None:
    for values in STIX_TIER_MAP.values():
        assert set(values) <= set(STIX_SOPHISTICATION_VOCAB)
    assert stix_sophistication(None) == "none"
    assert stix_sophistication(1) == "minimal"
    assert stix_sophistication(2) == "intermediate"
    assert stix_sophistication(2, confidence=0.9) == "advanced"
    assert stix_sophistication(3) == "expert"
    assert stix_sophistication(3, innovation=True) == "innovator"
    assert stix_sophistication(3, resource_level="government") == "strategic"


def test_resource_level_is_the_largest_shown() -> None:
    evidence = posts((2, "plan"), (2, "plan"))
    assert stix_resource_level(evidence) == "individual"
    evidence[0].resource_levels = ("team",)
    evidence[1].resource_levels = ("organization",)
    assert stix_resource_level(evidence) == "organization"
    assert stix_resource_level(evidence) in STIX_RESOURCE_LEVELS


def test_post_evidence_from_tagger_output() -> None:
    data = {
        "skill_markers": [{"value": 3, "text": "trained from scratch"}],
        "resource_markers": [{"value": "team"}, {"value": "scale"}],
    }
    evidence = PostEvidence.from_tagger("p", T0, {"tier": 3, "ladder": "code", "categories": ["spam"]}, data)
    assert evidence.innovation and evidence.resource_levels == ("team",)
    assert evidence.categories == ("spam",)


@pytest.mark.parametrize(
    ("tier", "evidence", "expected"),
    [
        (1, None, {"sophistication": "minimal", "resource_level": "individual"}),
        (3, None, {"sophistication": "expert", "resource_level": "organization"}),
        (3, {"resource_level": "government"}, {"sophistication": "strategic", "resource_level": "government"}),
        (3, {"resource_level": "individual", "innovation": True},
         {"sophistication": "innovator", "resource_level": "individual"}),
        (None, {"resource_level": "team"}, {}),
    ],
)
def test_stix_export_uses_the_actors_evidence_when_it_has_some(tier, evidence, expected):
    assert stix_attributes(tier, evidence=evidence) == expected
