"""Release stages: the default GPT-2 timeline, its windows, and the [stages] config table."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

import pytest

from misusewatch.config import ConfigError
from threat_model.stages import default_timeline, timeline_from_config


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_default_timeline_is_gpt2_four_stages_with_a_baseline():
    windows = default_timeline().windows()
    assert [(w.name, w.since, w.until) for w in windows] == [
        ("pre-release", None, utc(2019, 2, 14)),
        ("124M", utc(2019, 2, 14), utc(2019, 5, 3)),
        ("355M", utc(2019, 5, 3), utc(2019, 8, 20)),
        ("774M", utc(2019, 8, 20), utc(2019, 11, 5)),
        ("1.5B", utc(2019, 11, 5), None),
    ]
    assert windows[0].is_baseline and not windows[1].is_baseline


@pytest.mark.parametrize(
    ("moment", "stage"),
    [
        (utc(2018, 6, 1), "pre-release"),
        (utc(2019, 2, 13, 23, 59, 59), "pre-release"),
        (utc(2019, 2, 14), "124M"),  # since is inclusive
        (utc(2019, 5, 2, 23, 59, 59), "124M"),
        (utc(2019, 5, 3), "355M"),  # until is exclusive: windows never overlap
        (utc(2019, 8, 20), "774M"),
        (utc(2019, 11, 4, 23), "774M"),
        (utc(2019, 11, 5), "1.5B"),
        (utc(2030, 1, 1), "1.5B"),
        (datetime(2019, 5, 3), "355M"),  # naive times are UTC
    ],
)
def test_every_moment_falls_in_exactly_one_window(moment, stage):
    timeline = default_timeline()
    assert timeline.window_for(moment).name == stage
    assert sum(w.contains(moment) for w in timeline.windows()) == 1


def test_previous_window():
    timeline = default_timeline()
    assert timeline.previous("355M").name == "124M"
    assert timeline.previous("124M").name == "pre-release"
    assert timeline.previous("pre-release") is None


CUSTOM = """
[stages]
family = "Llama"
baseline = "before"
start = 2022-06-01
end = 2024-01-01
[[stages.releases]]
name = "7B"
date = 2023-02-24
description = "research release"
[[stages.releases]]
name = "70B"
date = "2023-07-18"
"""


def test_any_model_family_can_be_configured():
    timeline = timeline_from_config(tomllib.loads(CUSTOM)["stages"])
    assert timeline.family == "Llama"
    assert [(w.name, w.since, w.until, w.description) for w in timeline.windows()] == [
        ("before", utc(2022, 6, 1), utc(2023, 2, 24), "before Llama 7B was released"),
        ("7B", utc(2023, 2, 24), utc(2023, 7, 18), "research release"),
        ("70B", utc(2023, 7, 18), utc(2024, 1, 1), ""),
    ]
    assert timeline.window_for(utc(2021, 1, 1)) is None  # before the configured start


def test_missing_section_means_gpt2():
    assert timeline_from_config({}) == default_timeline()
    assert timeline_from_config({"family": "GPT-2"}) == default_timeline()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[stages]\nfamily = "X"\n', "family 'X' needs [[stages.releases]]"),
        ('[stages]\ncolour = "red"\n', "unknown key(s) ['colour']"),
        ('[[stages.releases]]\nname = "a"\n', "#1 (a): missing date"),
        ('[[stages.releases]]\ndate = 2019-01-01\n', "#1: missing name"),
        ('[[stages.releases]]\nname = "a"\ndate = "May 3rd"\n', "is not an ISO date"),
        ('[[stages.releases]]\nname = "a"\ndate = 2019-05-01\n'
         '[[stages.releases]]\nname = "b"\ndate = 2019-01-01\n', "strictly increasing"),
        ('[[stages.releases]]\nname = "a"\ndate = 2019-05-01\n'
         '[[stages.releases]]\nname = "a"\ndate = 2019-06-01\n', "must be unique"),
        ('[stages]\nreleases = []\n', "non-empty list"),
    ],
)
def test_bad_stage_config_is_one_clear_error(toml, message):
    with pytest.raises(ConfigError) as caught:
        timeline_from_config(tomllib.loads(toml)["stages"], where="mw.toml")
    assert str(caught.value).startswith("mw.toml: ")
    assert message in str(caught.value)
