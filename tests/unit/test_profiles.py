"""Selector profiles for the generic spider: valid ones load, mistakes name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.profiles import load_profile, parse_profile
from misusewatch.errors import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TESTBED_PROFILE = Path(__file__).resolve().parents[2] / "crawlers" / "testbed" / "profiles" / "generic.toml"
MINIMAL = {"post": "div.post", "post_id": "::attr(id)", "thread_id": "url:t=(\\d+)",
           "timestamp": "time::attr(datetime)", "body": "div.body"}


def test_fixture_profile_loads():
    profile = load_profile(FIXTURES / "generic" / "xenforo_like.toml")
    assert profile.name == "xenforo-like" and profile.timezone == "UTC"
    assert profile.get("post") == "article.message--post"
    assert profile.get("thread_links").endswith("::attr(href)")
    assert profile.pattern("post_id_pattern").search("post-8801").group(1) == "8801"


def test_the_testbed_profile_loads():
    if not TESTBED_PROFILE.exists():
        pytest.skip("no testbed in this checkout")
    profile = load_profile(TESTBED_PROFILE)
    assert profile.get("board_links") and profile.get("timestamp_format") == "%Y-%m-%d %H:%M:%S UTC"


def test_minimal_inline_profile():
    profile = parse_profile(MINIMAL)
    assert profile.get("thread_links") is None and profile.timezone is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "missing thread_id, post, post_id, timestamp, body"),
        ({**MINIMAL, "body": 3}, "body: must be a non-empty string"),
        ({k: v for k, v in MINIMAL.items() if k != "timestamp"}, "missing timestamp"),
        ({**MINIMAL, "colour": "x"}, "unknown key(s) ['colour']"),
        ({**MINIMAL, "post": "div[[["}, "post: invalid selector"),
        ({**MINIMAL, "post": "xpath://div[@"}, "post: invalid selector"),
        ({**MINIMAL, "post_id_pattern": "(a"}, "post_id_pattern: invalid regular expression"),
        ({**MINIMAL, "post_id_pattern": "(a)(b)"}, "use at most one capturing group"),
        ({**MINIMAL, "thread_id": "url:(("}, "thread_id: invalid regular expression"),
        ({**MINIMAL, "thread_version": "td.count::text"}, "thread_version: needs thread_row"),
        ({**MINIMAL, "timezone": "Nowhere/Land"}, "timezone: unknown time zone"),
        ({**MINIMAL, "platform": "phpbb"}, "a selector profile is for the generic platform"),
        ({**MINIMAL, "start_urls": "http://x/"}, "start_urls: must be a list of URLs"),
    ],
)
def test_profile_mistakes(data, message):
    with pytest.raises(InputError) as caught:
        parse_profile(data, origin="my.toml")
    assert str(caught.value).startswith("my.toml: ") and message in str(caught.value)


def test_profile_file_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('post = "div"\npost_id = \n')
    with pytest.raises(InputError, match=r"bad.toml:2: not valid TOML"):
        load_profile(bad)
    with pytest.raises(InputError, match="profile file not found"):
        load_profile(tmp_path / "missing.toml")
