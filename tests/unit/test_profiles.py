"""Selector profiles for the generic spider: valid ones load, mistakes name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.profiles import load_profile, parse_profile
from misusewatch.errors import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POSTS = {"container": "div.post", "id": "::attr(id)", "thread_id": "url:t=(\\d+)",
         "time": "time::attr(datetime)", "body": "div.body"}


def test_fixture_profile_loads():
    profile = load_profile(FIXTURES / "generic" / "xenforo_like.toml")
    assert profile.name == "xenforo-like"
    assert profile.posts["container"] == "article.message--post"
    assert profile.threads["link"].endswith("::attr(href)")
    assert profile.pattern("id_pattern").search("post-8801").group(1) == "8801"


def test_inline_profile_without_thread_list():
    profile = parse_profile({"posts": POSTS})
    assert profile.threads == {} and profile.timezone is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "[posts] table is required"),
        ({"posts": {**POSTS, "body": 3}}, "[posts].body: must be a non-empty string"),
        ({"posts": {k: v for k, v in POSTS.items() if k != "time"}}, "[posts]: missing time"),
        ({"posts": {**POSTS, "colour": "x"}}, "[posts]: unknown key(s) ['colour']"),
        ({"posts": {**POSTS, "container": "div[[["}}, "[posts].container: invalid selector"),
        ({"posts": {**POSTS, "container": "xpath://div[@"}}, "[posts].container: invalid selector"),
        ({"posts": {**POSTS, "id_pattern": "(a"}}, "[posts].id_pattern: invalid regular expression"),
        ({"posts": {**POSTS, "id_pattern": "(a)(b)"}}, "use at most one capturing group"),
        ({"posts": POSTS, "threads": {"next_page": "a"}}, "[threads]: missing link"),
        ({"posts": POSTS, "timezone": "Nowhere/Land"}, "timezone: unknown time zone"),
        ({"posts": POSTS, "extra": 1}, "unknown key(s) ['extra']"),
    ],
)
def test_profile_mistakes(data, message):
    with pytest.raises(InputError) as caught:
        parse_profile(data, origin="my.toml")
    assert str(caught.value).startswith("my.toml: ") and message in str(caught.value)


def test_profile_file_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[posts]\ncontainer = \n")
    with pytest.raises(InputError, match=r"bad.toml:2: not valid TOML"):
        load_profile(bad)
    with pytest.raises(InputError, match="profile file not found"):
        load_profile(tmp_path / "missing.toml")
