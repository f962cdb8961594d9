"""Ladder and tier helpers: order, highest step reached, plain-word definitions, STIX mapping."""

from __future__ import annotations

import pytest

from misusewatch.records import LADDER_STEPS, TIERS
from threat_model import ladder, tiers


@pytest.mark.parametrize(
    ("steps", "highest"),
    [
        ([], "none"),
        (["none", None], "none"),
        (["discussion", "none"], "discussion"),
        (["plan", "discussion", "code"], "code"),
        (["deployment", "plan"], "deployment"),
    ],
)
def test_highest_step(steps, highest):
    assert ladder.highest(steps) == highest


def test_highest_step_per_thread():
    pairs = [("t1", "discussion"), ("t2", "none"), ("t1", "plan"), ("t2", "code"), ("t1", None)]
    assert ladder.highest_by(pairs) == {"t1": "plan", "t2": "code"}


def test_order_and_unknown_steps():
    assert [ladder.rank(s) for s in LADDER_STEPS] == [0, 1, 2, 3, 4]
    assert ladder.at_least("plan") == ("plan", "code", "deployment")
    with pytest.raises(ValueError, match="unknown ladder step 'attack'"):
        ladder.rank("attack")


def test_every_step_and_tier_has_plain_words():
    for step in LADDER_STEPS:
        described = ladder.describe(step)
        assert described["definition"].endswith(".") and described["severity"]
    for tier in TIERS:
        assert tiers.DEFINITIONS[tier].startswith(f"Tier {tier}:")


@pytest.mark.parametrize(
    ("tier", "sophistication", "resource_level"),
    [(1, "minimal", "individual"), (2, "intermediate", "club"), (3, "expert", "organization")],
)
def test_stix_mapping(tier, sophistication, resource_level):
    assert tiers.stix_attributes(tier) == {
        "sophistication": sophistication,
        "resource_level": resource_level,
    }


def test_tier_counts_accept_string_keys_and_ignore_untiered():
    assert tiers.complete_counts({"1": 4, 3: 1, None: 9}) == {1: 4, 2: 0, 3: 1}
    assert tiers.dominant_share({1: 3, 2: 1}, 1) == 0.75
    assert tiers.dominant_share({}, 1) is None
    assert tiers.stix_attributes(None) == {}
    with pytest.raises(ValueError):
        tiers.label(4)
