"""The real spiders crawl the testbed forum (127.0.0.1) into a real SQLite store.

Every platform stores exactly the ground truth; a second crawl adds nothing; time moving on
brings new posts and edits (kept as revisions); a crawl killed with SIGKILL and restarted
ends with the same store; fault modes (429/503 + Retry-After, truncated, dropped, slow,
malformed, 10 MB pages) cost no other post.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.runner import crawl_sources
from crawlers.sources import load_sources
from crawlers.testbed import Fault, generate, serve, truth_records
from crawlers.testbed.sites.reddit import MAX_COMMENTS
from misusewatch.records import merge_shard_runs, parse_time
from misusewatch.store import open_store

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FORUMS = ("discourse", "4chan", "phpbb", "phpbb2", "reddit", "hackernews", "feed", "generic")



def sources_for(base_url: str, names: tuple[str, ...] = FORUMS):
    """The shipped sources.toml, pointed at this testbed (what the demo crawls)."""
    old = os.environ.get("MISUSEWATCH_TESTBED_URL")
    os.environ["MISUSEWATCH_TESTBED_URL"] = base_url
    try:
        sources = {s.name: s for s in load_sources(REPO / "sources.toml")}
    finally:
        if old is None:
            os.environ.pop("MISUSEWATCH_TESTBED_URL")
        else:
            os.environ["MISUSEWATCH_TESTBED_URL"] = old
    return [sources[f"testbed-{name}"] for name in names]


def crawl(store_url: str, sources, **settings):
    summaries = crawl_sources(store_url, sources, {"LOG_LEVEL": "WARNING", **settings}, polite=False,
                              timeout=300)
    assert len(summaries) == len(sources), summaries
    return {s["source"].removeprefix("testbed-"): s for s in summaries}


def stored(store_url: str) -> dict[str, object]:
    store = open_store(store_url)
    try:
        return {post.id: post for post in store.iter_posts()}
    finally:
        store.close()


def mismatches(posts: dict, truth: list[dict], forums=FORUMS) -> list[str]:
    """Every difference between the store and the truth, as readable lines (empty: equal)."""
    want = {r["id"]: r for r in truth if r["forum"] in forums}
    got = {k: p for k, p in posts.items() if k in want or p.source.removeprefix("testbed-") in forums}
    problems = [f"missing {k}" for k in sorted(set(want) - set(got))[:20]]
    problems += [f"unexpected {k}" for k in sorted(set(got) - set(want))[:20]]
    for key in sorted(set(want) & set(got)):
        record, post = want[key], got[key]
        edited = parse_time(record["edited_at"]) if record["edited_at"] else None
        expected = {
            "thread_id": record["thread_id"], "post_id": record["post_id"], "author": record["author"],
            "author_id": record["author_id"], "created_at": parse_time(record["created_at"]),
            "edited_at": edited, "text": record["text"], "thread_title": record["thread_title"],
            "board": record["board"], "reply_to": record["reply_to"],
        }
        for name, value in expected.items():
            if getattr(post, name) != value:
                problems.append(f"{key} {name}: stored {getattr(post, name)!r}, truth {value!r}")
    return problems


# ---------------------------------------------------------------- one full crawl, then another


@pytest.fixture(scope="module")
def community():
    return generate(seed=11, posts=2000)


@pytest.fixture(scope="module")
def truth(community):
    return list(truth_records(community))


@pytest.fixture(scope="module")
def testbed(community):
    with serve(community) as url:
        yield url


@pytest.fixture(scope="module")
def crawled(testbed, tmp_path_factory):
    store_url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'store.db'}"
    first = crawl(store_url, sources_for(testbed))
    return store_url, first


@pytest.mark.parametrize("forum", FORUMS)
def test_every_platform_stores_exactly_the_truth(crawled, truth, forum):
    store_url, summaries = crawled
    assert summaries[forum]["errors"] == 0 and summaries[forum]["finish_reason"] == "finished"
    posts = stored(store_url)
    assert mismatches(posts, truth, (forum,)) == []
    assert summaries[forum]["posts_new"] == sum(1 for r in truth if r["forum"] == forum)


def test_crawl_runs_are_recorded(crawled):
    store_url, _ = crawled
    store = open_store(store_url)
    runs = {run.source: run for run in store.list_crawl_runs(limit=100)}
    store.close()
    assert set(runs) >= {f"testbed-{f}" for f in FORUMS}
    run = runs["testbed-discourse"]
    assert run.status == "finished" and run.pages > 0 and run.posts_new > 0 and run.errors == 0
    assert run.duration_s is not None and run.duration_s >= 0
    assert run.data["finish_reason"] == "finished"


def test_a_second_crawl_adds_nothing(crawled, testbed, truth):
    store_url, first = crawled
    before = stored(store_url)
    second = crawl(store_url, sources_for(testbed))
    for forum, summary in second.items():
        assert (summary["posts_new"], summary["posts_updated"], summary["errors"]) == (0, 0, 0), forum
        if forum != "feed":  # a feed is one document: read again, its entries count unchanged
            assert summary["pages"] < first[forum]["pages"], forum  # unchanged threads: not fetched
    assert sum(s["skipped_unchanged"] for s in second.values()) > 0
    after = stored(store_url)
    assert set(after) == set(before)
    assert mismatches(after, truth) == []


def crawl_exactly_the_truth(community, forum: str, tmp_path: Path) -> dict:
    """Crawl one forum of ``community`` into a fresh store, check it holds exactly its ground
    truth with no errors, and return the crawl's summary."""
    truth = [r for r in truth_records(community) if r["forum"] == forum]
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve(community) as url:
        summary = crawl(store_url, sources_for(url, (forum,)))[forum]
    assert summary["errors"] == 0 and summary["posts_new"] == len(truth)
    assert mismatches(stored(store_url), truth, (forum,)) == []
    return summary


def test_reddit_replies_behind_more_and_continue_this_thread_stubs_are_crawled(tmp_path):
    """Reddit shows 500 comments a page (the spider's limit) ten levels deep: the rest come
    through "more" stubs (morechildren) and deeper ones through their own page."""
    community = generate(seed=7, posts=2500, platforms=["reddit"], thread_posts=250)
    assert max(len(community.thread(i).posts) - 1 for i in range(len(community.threads))) > MAX_COMMENTS
    deepest = 0
    for index in range(len(community.threads)):
        depth = {0: -1}  # the submission; its comments are depth 0
        for post in community.thread(index).posts[1:]:
            depth[post.index] = depth[post.parent] + 1
        deepest = max(deepest, *depth.values())
    assert deepest >= 10  # some replies exist only behind a "continue this thread" stub
    crawl_exactly_the_truth(community, "reddit", tmp_path)


def test_several_crawl_processes_store_exactly_the_truth(testbed, truth, tmp_path):
    """Sources split over three processes writing one SQLite store at once: nothing lost or doubled."""
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = sources_for(testbed)

    def crawl_in_three():
        return crawl_sources(store_url, sources, {"LOG_LEVEL": "WARNING"}, polite=False, timeout=300,
                             processes=3)

    first = crawl_in_three()
    assert [s["source"] for s in first] == [s.name for s in sources]
    assert all(s["errors"] == 0 and s["finish_reason"] == "finished" for s in first), first
    assert mismatches(stored(store_url), truth) == []
    assert sum(s["posts_new"] for s in first) == len(truth)
    again = crawl_in_three()
    assert sum(s["posts_new"] + s["posts_updated"] + s["errors"] for s in again) == 0


def test_a_crawl_into_elasticsearch_stores_exactly_the_truth(testbed, truth, elastic):
    """Two crawl processes, three sources each as shards, writing one Elasticsearch store:
    every post once, exactly as the truth has it; a second crawl adds nothing."""
    forums = ("discourse", "4chan", "reddit")
    sources = sources_for(testbed, forums)
    first = crawl_sources(elastic.url, sources, {"LOG_LEVEL": "WARNING"}, polite=False, timeout=300, processes=2)
    assert all(s["errors"] == 0 and s["finish_reason"] == "finished" for s in first), first
    assert sum(s["posts_new"] for s in first) == sum(1 for r in truth if r["forum"] in forums)
    assert mismatches(stored(elastic.url), truth, forums) == []
    again = crawl_sources(elastic.url, sources, {"LOG_LEVEL": "WARNING"}, polite=False, timeout=300, processes=2)
    assert sum(s["posts_new"] + s["posts_updated"] + s["errors"] for s in again) == 0


def test_few_sources_on_several_processes_are_crawled_as_shards(testbed, truth, tmp_path):
    """Three sources on two processes: every process crawls its shard of the thread-keyed ones
    (the feed whole); nothing lost or doubled, shards not taken for killed runs, one crawl each."""
    forums = ("discourse", "4chan", "feed")
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = sources_for(testbed, forums)
    expected = [r for r in truth if r["forum"] in forums]

    def crawl_in_two():
        return crawl_sources(store_url, sources, {"LOG_LEVEL": "WARNING"}, polite=False, timeout=300,
                             processes=2)

    first = crawl_in_two()
    assert [s["source"] for s in first] == [s.name for s in sources]
    assert all(s["errors"] == 0 and s["finish_reason"] == "finished" for s in first), first
    assert mismatches(stored(store_url), truth, forums) == []
    assert sum(s["posts_new"] for s in first) == len(expected)
    store = open_store(store_url)
    try:
        raw = store.list_crawl_runs(limit=1000)
        assert all(r.status == "finished" for r in raw), [(r.source, r.status, r.data) for r in raw]
        assert sorted(r.data.get("shard", "whole") for r in raw) == ["1/2", "1/2", "2/2", "2/2", "whole"]
        crawls = merge_shard_runs(raw)
        assert sorted(r.source for r in crawls) == sorted(s.name for s in sources)
        assert sum(r.posts_new for r in crawls) == len(expected)
    finally:
        store.close()
    again = crawl_in_two()
    assert sum(s["posts_new"] + s["posts_updated"] + s["errors"] for s in again) == 0
    assert mismatches(stored(store_url), truth, forums) == []


def test_a_failed_crawl_process_costs_only_its_own_sources(testbed, tmp_path, caplog):
    import dataclasses

    from crawlers.runner import CrawlError

    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    feed = sources_for(testbed, ("feed",))[0]
    # The child process reads the entry again and refuses it: exit 2, no summary.
    broken = dataclasses.replace(feed, name="broken", entry={"name": "broken", "platform": "nope"})
    summaries = crawl_sources(store_url, [broken, feed], {"LOG_LEVEL": "WARNING"}, polite=False,
                              timeout=300, processes=2)
    assert [s["source"] for s in summaries] == [feed.name]
    assert summaries[0]["posts_new"] > 0
    assert "crawl process for broken exited with status 2" in caplog.text
    with pytest.raises(CrawlError, match="broken"):
        crawl_sources(store_url, [broken], polite=False, timeout=300, processes=2)


def test_a_shard_whose_process_failed_fails_its_source(testbed, tmp_path):
    """Two processes share Discourse as shards; the one also given a refused source exits 2
    before crawling, so half the threads were not crawled: the summary and the run say so."""
    import dataclasses

    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    discourse, feed = sources_for(testbed, ("discourse", "feed"))
    broken = dataclasses.replace(feed, name="broken", entry={"name": "broken", "platform": "nope"})
    summaries = crawl_sources(store_url, [discourse, broken], {"LOG_LEVEL": "WARNING"}, polite=False,
                              timeout=300, processes=2)
    assert [(s["source"], s["finish_reason"]) for s in summaries] == [(discourse.name, "shard_failed")]
    assert summaries[0]["posts_new"] > 0  # the other shard's part was crawled
    store = open_store(store_url)
    try:
        crawls = merge_shard_runs(store.list_crawl_runs(limit=100))
    finally:
        store.close()
    assert [(r.source, r.status) for r in crawls] == [(discourse.name, "failed")]
    assert crawls[0].data["error"].startswith("1 of 2 shards recorded no run")


# ---------------------------------------------------------------- time moves on: new posts, edits


def test_new_posts_and_edits_arrive_and_edits_keep_revisions(tmp_path):
    community = generate(seed=12, posts=1200, now=datetime(2019, 9, 1, tzinfo=UTC))
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve(community) as base:
        sources = sources_for(base)
        crawl(store_url, sources)
        early = list(truth_records(community))
        assert mismatches(stored(store_url), early) == []
        base.server.set_now(datetime(2020, 2, 1, tzinfo=UTC))
        later = list(truth_records(community))
        early_text = {r["id"]: r["text"] for r in early}
        edited = {r["id"] for r in later if r["id"] in early_text and early_text[r["id"]] != r["text"]}
        assert edited, "the testbed edits some posts between September and February"
        summaries = crawl(store_url, sources)
        assert sum(s["posts_new"] for s in summaries.values()) == len(later) - len(early)
        # Every new post is there; an edit is seen at once only where the listing shows it
        # (here: a phpBB topic whose last post did not change is not fetched again yet).
        problems = mismatches(stored(store_url), later)
        assert all(line.split()[0] in edited for line in problems), problems
        # A thread whose cursor is older than MISUSEWATCH_REVISIT_AFTER is read again.
        crawl(store_url, sources, MISUSEWATCH_REVISIT_AFTER=0)
    assert mismatches(stored(store_url), later) == []
    store = open_store(store_url)
    for post_id in edited:
        assert store.revisions(post_id)[-1].text == early_text[post_id]
    store.close()


# ---------------------------------------------------------------- SIGKILL mid-crawl, then restart


def test_sigkill_mid_crawl_then_restart_loses_nothing(tmp_path):
    community = generate(seed=13, posts=1500)
    truth = list(truth_records(community))
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    # a regex (it does not start with "/"): every thread page is slow
    slow = [Fault("slow", r"(/t/|/thread/|viewtopic|/comments/|/item/)", delay=0.05)]
    with serve(community, faults=slow) as base:
        sources = sources_for(base)
        job = {"store": store_url, "settings": {"LOG_LEVEL": "WARNING", "MISUSEWATCH_BATCH_SIZE": 50,
                                                "MISUSEWATCH_FLUSH_INTERVAL": 0.2},
               "polite": False, "progress": False,
               "sources": [{"entry": s.entry, "base_dir": str(s.base_dir)} for s in sources]}
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.run", "--job", "-"], cwd=REPO,
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                text=True)
        proc.stdin.write(json.dumps(job))
        proc.stdin.close()
        store = open_store(store_url)
        deadline = time.monotonic() + 120
        while store.count_posts() < len(truth) // 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        killed_at = store.count_posts()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert 0 < killed_at < len(truth), "the crawl was killed part-way"
        interrupted = [r for r in store.list_crawl_runs(limit=100) if r.status == "running"]
        assert interrupted, "a killed crawl leaves its runs marked running"
        store.close()
        crawl(store_url, sources)
    assert mismatches(stored(store_url), truth) == []
    store = open_store(store_url)
    runs = store.list_crawl_runs(limit=100)
    store.close()
    assert not [r for r in runs if r.status == "running"]
    assert [r for r in runs if r.status == "failed" and r.data.get("reason") == "interrupted"]


# ---------------------------------------------------------------- fault modes


def test_fault_modes_are_survived(tmp_path):
    community = generate(seed=14, posts=1200)
    truth = list(truth_records(community))
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    faults = [
        Fault("429", "/discourse/t/", first=1, retry_after=1),   # every topic: 429 + Retry-After once
        Fault("503", "/4chan/", first=1, retry_after=1),         # 503 + Retry-After on each 4chan URL once
        Fault("truncate", "/reddit/comments/", first=1),        # half a body, then the connection closes
        Fault("drop", "/phpbb/viewtopic.php", first=1),          # no response at all
        Fault("slow", "/phpbb2/", delay=0.3),
        Fault("huge", "/hackernews/v0/newstories.json"),        # a 10 MB response
        Fault("malformed", r"generic/thread/\d+$", first=1),    # broken HTML on each thread's first visit
        Fault("malformed", "/feed/atom.xml?page=2", first=1),
    ]
    with serve(community, faults=faults) as base:
        sources = sources_for(base)
        first = crawl(store_url, sources, DOWNLOAD_TIMEOUT=20)
        for forum in ("discourse", "4chan", "reddit", "phpbb", "phpbb2", "hackernews"):
            assert first[forum]["errors"] == 0, (forum, first[forum])  # retried until they worked
        assert first["generic"]["errors"] > 0  # malformed pages are logged and skipped...
        posts = stored(store_url)
        good = ("discourse", "4chan", "reddit", "phpbb", "phpbb2", "hackernews")
        assert mismatches(posts, truth, good) == []  # ...and cost no other post
        second = crawl(store_url, sources)  # the faults were one-off: the next crawl completes
    assert mismatches(stored(store_url), truth) == []
    assert second["generic"]["posts_new"] > 0 and second["discourse"]["posts_new"] == 0


# ---------------------------------------------------------------- the CLI verb


@pytest.mark.parametrize("processes", ["1", "2"])
def test_cli_crawl_prints_a_summary_per_source(tmp_path, processes):
    from click.testing import CliRunner

    from misusewatch.cli import cli

    community = generate(seed=15, posts=400, platforms=["discourse", "feed"])
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve(community) as base:
        env = {"MISUSEWATCH_TESTBED_URL": base}
        args = ["--store", store_url, "crawl", "testbed-discourse", "testbed-feed", "--no-politeness",
                "--sources", str(REPO / "sources.toml"), "-j", processes]
        result = CliRunner(env=env).invoke(cli, args)
        assert result.exit_code == 0, result.output
        lines = result.stdout.strip().splitlines()
        assert [line.split(":")[0] for line in lines] == ["testbed-discourse", "testbed-feed"]
        assert all("0 errors" in line and "(finished)" in line for line in lines)
        result = CliRunner(env=env).invoke(cli, ["--store", store_url, "crawl", "nope", "--sources",
                                                 str(REPO / "sources.toml")])
        assert result.exit_code == 2 and "unknown source(s) nope" in result.stderr
        result = CliRunner(env=env).invoke(cli, ["--store", store_url, "crawl", "--all", "-j", "0"])
        assert result.exit_code == 2 and "--processes" in result.stderr
        # A budget the user set is a plan, not a failure: the run is finished and so is the command.
        budget = ["--store", f"sqlite:///{tmp_path / 'budget.db'}", "crawl", "testbed-discourse", "--no-politeness",
                  "--sources", str(REPO / "sources.toml"), "--set", "CLOSESPIDER_ITEMCOUNT=1"]
        result = CliRunner(env=env).invoke(cli, budget)
        assert result.exit_code == 0 and "(closespider_itemcount)" in result.stdout, result.output
    assert len(stored(store_url)) == len(list(truth_records(community)))


def test_long_discourse_topics_are_read_through_posts_json_pages(tmp_path):
    """A topic page carries its first 20 posts; the rest come 100 ids a posts.json request."""
    community = generate(seed=5, posts=1200, platforms=["discourse"], thread_posts=250)
    lengths = [community.visible_count(spec) for spec in community.threads]
    assert max(lengths) > 20 + 100  # some topics need two or more posts.json pages
    summary = crawl_exactly_the_truth(community, "discourse", tmp_path)
    assert len(lengths) < 30  # so latest.json is one page
    assert summary["pages"] == 1 + sum(1 + -(-max(0, n - 20) // 100) for n in lengths)
