"""Docs stay true: every threat-model setting and summary finding is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from misusewatch.assess import _ASSESS_KEYS
from misusewatch.scheduler import DEFAULT_INTERVALS, DEFAULT_SERVICES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start: following if following != -1 else len(text)]


def documented_keys(heading: str) -> set[str]:
    text = section((DOCS / "configuration.md").read_text(), heading)
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.M))


def test_every_assess_setting_is_documented():
    assert documented_keys("## `[assess]`") == set(_ASSESS_KEYS) | {"detectors", "tlp"}


def test_every_schedule_setting_is_documented():
    expected = set(DEFAULT_INTERVALS) | {"misfire_grace_time", "run_on_start", "jobstore",
                                         "max_workers", "services"}
    assert documented_keys("## `[schedule]`") == expected
    text = (DOCS / "configuration.md").read_text()
    for target in DEFAULT_SERVICES.values():
        assert f"`{target}`" in text


def test_every_stages_setting_is_documented():
    assert documented_keys("## `[stages]`") == {"family", "baseline", "start", "end", "releases"}


@pytest.mark.parametrize(
    "finding", ["code_sharing", "deployment", "plans", "actor_tiers", "categories", "trend",
                "synthetic_text:<detector>"],
)
def test_every_finding_is_documented(finding):
    assert f"| `{finding}` |" in (DOCS / "threat-model.md").read_text()
