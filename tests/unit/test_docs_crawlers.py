"""The crawler docs stay true: every spider, setting, source key and option is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawlers import settings as crawl_settings
from crawlers.profiles import KEYS
from crawlers.sources import COMMON_KEYS, POLITENESS_SETTINGS
from crawlers.spiders import SPIDERS

DOCS = Path(__file__).resolve().parents[2] / "docs"
CRAWLERS = (DOCS / "crawlers.md").read_text(encoding="utf-8")
SOURCES = (DOCS / "sources.md").read_text(encoding="utf-8")


def section(platform: str) -> str:
    match = re.search(rf"^### {re.escape(platform)}\n(.*?)(?=^#{{2,3}} |\Z)", CRAWLERS, re.M | re.S)
    assert match, f"docs/crawlers.md has no '### {platform}' section"
    return match.group(1)


@pytest.mark.parametrize("platform", sorted(SPIDERS))
def test_every_spider_has_a_section_naming_its_module(platform):
    module = SPIDERS[platform].__module__.rsplit(".", 1)[1]
    assert f"crawlers/spiders/{module}.py" in section(platform)


@pytest.mark.parametrize(("platform", "option"), [(p, o) for p, s in SPIDERS.items() for o in s.OPTIONS])
def test_every_source_option_is_documented(platform, option):
    assert f"`{option}`" in section(platform)


@pytest.mark.parametrize("name", [n for n in dir(crawl_settings) if n.isupper()])
def test_every_setting_is_in_the_settings_table(name):
    assert re.search(rf"^\| `{name}` \|", CRAWLERS, re.M), f"{name} missing from docs/crawlers.md#settings"


@pytest.mark.parametrize("key", sorted(COMMON_KEYS - {"url"}))
def test_every_common_source_key_is_documented(key):
    assert f"| `{key}` |" in SOURCES


@pytest.mark.parametrize("key", sorted(POLITENESS_SETTINGS))
def test_every_politeness_key_is_documented(key):
    assert f"| `{key}` | `{POLITENESS_SETTINGS[key][0]}` |" in SOURCES


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_profile_key_is_documented(key):
    assert re.search(rf"^{key} = ", section("generic"), re.M)
