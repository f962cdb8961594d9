"""The watchlist: sources.toml is read into Sources, and every mistake is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.sources import load_sources, select_sources, watchlist_states
from misusewatch.errors import InputError

REPO = Path(__file__).resolve().parents[2]

GOOD = """
[defaults]
schedule = "30m"
[defaults.politeness]
download_delay = 2.0

[[source]]
name = "board-g"
platform = "4chan"
board = "g"
tags = ["anonymous-board"]
[source.politeness]
concurrency = 1

[[source]]
name = "forum"
platform = "discourse"
start_urls = ["https://forum.example.org"]
site = "Forum.Example.org"
schedule = "*/15 * * * *"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_watchlist_is_valid():
    sources = load_sources(REPO / "sources.toml")
    assert {s.platform for s in sources} >= {"discourse", "4chan", "phpbb"}
    assert all(s.enabled and "testbed" in s.tags for s in sources)


def test_reads_sources_with_defaults_and_overrides(tmp_path):
    board, forum = load_sources(write(tmp_path, GOOD))
    assert (board.name, board.platform, board.options) == ("board-g", "4chan", {"board": "g"})
    assert board.schedule == "30m" and board.interval_s == 1800 and board.cron is None
    assert board.politeness == {"download_delay": 2.0, "concurrency": 1}
    assert board.scrapy_settings() == {"DOWNLOAD_DELAY": 2.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    assert board.line == 7
    assert forum.site_name == "forum.example.org" and forum.cron == "*/15 * * * *"
    assert forum.enabled is False


def test_environment_variables_expand(tmp_path, monkeypatch):
    text = '[[source]]\nname = "t"\nplatform = "feed"\nstart_urls = ["${TB:-http://127.0.0.1:1}/rss"]\n'
    assert load_sources(write(tmp_path, text))[0].start_urls == ["http://127.0.0.1:1/rss"]
    monkeypatch.setenv("TB", "http://127.0.0.1:9999")
    assert load_sources(write(tmp_path, text))[0].start_urls == ["http://127.0.0.1:9999/rss"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('name = "x"\nplatform = "myspace"', "source 'x': platform: 'myspace' is not one of"),
        ('platform = "feed"', "source: name: required"),
        ('name = "x"\nplatform = "feed"', "source 'x': start_urls: at least one URL"),
        ('name = "x"\nplatform = "feed"\nstart_urls = ["ftp://a/b"]', "start_urls: 'ftp://a/b' is not an http(s) URL"),
        ('name = "x"\nplatform = "4chan"', "source 'x': board: required"),
        ('name = "x"\nplatform = "4chan"\nboard = 3', "source 'x': board: expected str, got int"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\nschedul = "1h"', "unknown key(s) ['schedul']"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\nschedule = "often"', "schedule: 'often' is neither"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\ntags = "a"', "tags: must be a list of strings"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\nsite = "a:1"', "site: must be a host-like name"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\ntimezone = "Mars/Olympus"', "timezone: unknown time zone"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\npoliteness = {speed = 1}', "politeness.speed: unknown"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\npoliteness = {download_delay = -1}',
         "politeness.download_delay: expected a non-negative float"),
        ('name = "x"\nplatform = "4chan"\nboard = "g"\nstart_urls = ["http://a/${NOPE_NOT_SET}"]',
         "environment variable ${NOPE_NOT_SET} is not set"),
        ('name = "x"\nplatform = "discourse"\nstart_urls = ["http://a/"]\nposts_per_request = 0',
         "posts_per_request: must be 1-200, got 0"),
        ('name = "x"\nplatform = "generic"\nstart_urls = ["http://a/"]', "profile: required"),
        ('name = "x"\nplatform = "generic"\nstart_urls = ["http://a/"]\nprofile = "missing.toml"',
         "profile file not found"),
    ],
)
def test_mistakes_name_file_line_source_and_field(tmp_path, entry, message):
    path = write(tmp_path, f"# a comment\n\n[[source]]\n{entry}\n")
    with pytest.raises(InputError) as caught:
        load_sources(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:3: ") and message in text
    assert "\n" not in text


def test_duplicate_names_and_bad_toml(tmp_path):
    dup = '[[source]]\nname = "a"\nplatform = "feed"\nurl = "http://x/"\n\n' * 2
    with pytest.raises(InputError, match=r":6: source 'a': duplicate name \(first at line 1\)"):
        load_sources(write(tmp_path, dup))
    with pytest.raises(InputError, match=r"sources.toml:2: not valid TOML"):
        load_sources(write(tmp_path, "[[source]]\nname = \n"))
    with pytest.raises(InputError, match="sources file not found"):
        load_sources(tmp_path / "nope.toml")


def test_watchlist_states_name_each_source_on_or_off_without_the_crawls_environment(tmp_path):
    """What source health and source_silent read: names and enabled, [defaults] included,
    even where a ${VAR} the crawl needs is not set."""
    text = '[defaults]\nenabled = false\n\n[[source]]\nname = "a"\nplatform = "feed"\nurl = "${UNSET_FEED}"\n' \
           'enabled = true\n\n[[source]]\nname = "b"\nplatform = "feed"\nurl = "${UNSET_FEED}"\n'
    assert watchlist_states(write(tmp_path, text)) == {"a": True, "b": False}
    assert watchlist_states(write(tmp_path, GOOD)) == {"board-g": True, "forum": False}
    assert watchlist_states(tmp_path / "nope.toml") is None  # no watchlist: every source is judged
    with pytest.raises(InputError, match=r"sources.toml:4: source 'b': enabled: must be true or false"):
        watchlist_states(write(tmp_path, '[[source]]\nname = "a"\n\n[[source]]\nname = "b"\nenabled = 1\n'))
    with pytest.raises(InputError, match=r"sources.toml:2: not valid TOML"):
        watchlist_states(write(tmp_path, "[[source]]\nname = \n"))


def test_select_sources(tmp_path):
    sources = load_sources(write(tmp_path, GOOD))
    assert [s.name for s in select_sources(sources, [], all_=True)] == ["board-g"]
    assert [s.name for s in select_sources(sources, ["forum"], all_=False)] == ["forum"]
    with pytest.raises(InputError, match=r"unknown source\(s\) nope \(known: board-g, forum\)"):
        select_sources(sources, ["nope"], all_=False)


def test_crawl_sources_leaves_disabled_sources_out(tmp_path):
    from crawlers.runner import crawl_sources

    disabled = [s for s in load_sources(write(tmp_path, GOOD)) if not s.enabled]
    assert disabled and crawl_sources(f"sqlite:///{tmp_path / 'x.db'}", disabled) == []


def _source(name: str, url: str):
    from crawlers.sources import parse_source

    return parse_source({"name": name, "platform": "discourse", "url": url}, path="test")


def test_sources_of_one_host_share_a_crawl_process_while_polite():
    from crawlers.runner import plan_processes

    sources = [
        _source("a1", "https://a.example/latest.json"),
        _source("b", "https://b.example/latest.json"),
        _source("a2", "https://A.example/c/other.json"),
        _source("c", "https://c.example/latest.json"),
    ]
    groups = [[s.name for s in g] for g in plan_processes(sources, 2, polite=True)]
    assert sorted(map(sorted, groups)) == [["a1", "a2"], ["b", "c"]]
    assert plan_processes(sources, 1, polite=True) == [sources]


def test_without_politeness_few_sources_are_crawled_as_shards_by_every_process():
    from crawlers.runner import plan_processes
    from crawlers.sources import parse_source

    sources = [_source(f"s{k}", "http://127.0.0.1:8000/latest.json") for k in range(2)]
    feed = parse_source({"name": "f", "platform": "feed", "url": "http://127.0.0.1:8000/f.xml"}, path="test")
    groups = plan_processes([*sources, feed], 2, polite=False)  # 3 sources on 2 processes
    assert len(groups) == 2
    assert [[s.name for s in g] for g in groups] == [["s0", "s1", "f"], ["s0", "s1"]]
    shards = [[s.shard for s in g if s.name != "f"] for g in groups]
    assert {sh.index for sh in shards[0]} == {0} and {sh.index for sh in shards[1]} == {1}
    assert {(sh.count, sh.crawl) for g in shards for sh in g} == {(2, shards[0][0].crawl)}
    assert all(s.shard is None for s in sources)  # the plan holds copies; the watchlist is untouched
    whole = next(s for s in groups[0] if s.name == "f")
    assert whole.shard is None  # one feed document: not split
    assert len(plan_processes(sources, 9, polite=False)) == 9
    assert len(plan_processes(sources, 9, polite=True)) == 1  # one host
    assert plan_processes(sources, 1, polite=False) == [sources]
    # Two sources a process or more: whole sources, about equal counts, nothing split.
    many = [_source(f"m{k}", "http://127.0.0.1:8000/latest.json") for k in range(5)]
    groups = plan_processes(many, 2, polite=False)
    assert sorted(len(g) for g in groups) == [2, 3]
    assert sorted(s.name for g in groups for s in g) == [s.name for s in many]
    assert all(s.shard is None for g in groups for s in g)


def test_shards_split_thread_keys_into_parts_that_never_overlap():
    from crawlers.sources import Shard

    keys = [f"topic:{n}" for n in range(2000)]
    parts = [[k for k in keys if Shard(i, 3, "c").owns(k)] for i in range(3)]
    assert sorted(k for part in parts for k in part) == sorted(keys)
    assert all(500 < len(part) < 830 for part in parts), [len(p) for p in parts]


def test_shard_summaries_add_up_and_an_unfinished_shard_shows():
    from crawlers.runner import merge_summaries

    a = {"source": "s", "finish_reason": "finished", "pages": 3, "posts_new": 10, "errors": 0}
    b = {"source": "s", "finish_reason": "shutdown", "pages": 2, "posts_new": 5, "errors": 1}
    assert merge_summaries([a, b]) == {"source": "s", "finish_reason": "shutdown", "pages": 5, "posts_new": 15,
                                       "errors": 1}
    assert merge_summaries([a])["finish_reason"] == "finished"


def test_site_name_is_the_site_its_posts_get_and_fetch_host_where_requests_go():
    from crawlers.sources import parse_source

    board = parse_source({"name": "g", "platform": "4chan", "board": "g"}, path="test")
    assert board.site_name == "boards.4chan.org" and board.fetch_host == "a.4cdn.org"
    hn = parse_source({"name": "hn", "platform": "hackernews", "url": "https://hacker-news.firebaseio.com/v0"},
                      path="test")
    assert hn.site_name == "news.ycombinator.com" and hn.fetch_host == "hacker-news.firebaseio.com"


def test_a_crawl_setting_of_the_wrong_type_is_refused_before_crawling(tmp_path):
    from click.testing import CliRunner

    from misusewatch.cli import cli

    base = ["--store", f"sqlite:///{tmp_path / 'x.db'}", "crawl", "testbed-feed",
            "--sources", str(REPO / "sources.toml")]
    result = CliRunner().invoke(cli, [*base, "--set", "CONCURRENT_REQUESTS=abc"])
    assert result.exit_code == 2
    assert "--set CONCURRENT_REQUESTS='abc': expected int" in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(cli, [*base, "--set", "ROBOTSTXT_OBEY=maybe"])
    assert result.exit_code == 2 and "expected bool" in result.stderr
    from crawlers.runner import check_overrides

    check_overrides({"CONCURRENT_REQUESTS": 4, "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": "0.5", "LOG_LEVEL": "x"})
