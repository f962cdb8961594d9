"""The testbed server on 127.0.0.1: every platform's wire format serves exactly the ground truth."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime

import pytest
from lxml import etree

from crawlers.testbed import GENERIC_PROFILE, Fault, generate, serve, truth_records
from crawlers.testbed.faults import HUGE_BYTES
from crawlers.testbed.forums import FORUMS_BY_KEY
from tests.integration import testbed_reference as ref

pytestmark = pytest.mark.integration
FIELDS = (
    "thread_id", "post_id", "author", "author_id", "created_at", "edited_at", "text", "reply_to", "thread_title",
    "board",
)


@pytest.fixture(scope="module")
def community():
    return generate(seed=21, posts=2500)


@pytest.fixture(scope="module")
def base_url(community):
    with serve(community) as url:
        yield url


@pytest.fixture(scope="module")
def truth(community):
    return {r["id"]: r for r in truth_records(community)}


def _crawl(platform_key: str, base: str) -> dict[str, dict]:
    if platform_key == "4chan":
        return ref.crawl_4chan(base)
    if platform_key == "discourse":
        return ref.crawl_discourse(base)
    if platform_key == "phpbb":
        return ref.crawl_phpbb3(base)
    if platform_key == "phpbb2":
        return ref.crawl_phpbb2(base)
    if platform_key == "reddit":
        return ref.crawl_reddit(base, [b.slug for b in FORUMS_BY_KEY["reddit"].boards])
    if platform_key == "hackernews":
        return ref.crawl_hackernews(base)
    if platform_key == "feed":
        return ref.crawl_feed(base)
    profile = tomllib.loads(GENERIC_PROFILE.read_text())
    return ref.crawl_generic(base, profile)


@pytest.mark.parametrize("forum", ["4chan", "discourse", "phpbb", "phpbb2", "reddit", "hackernews", "feed", "generic"])
def test_crawl_finds_exactly_the_truth(forum: str, base_url: str, truth: dict) -> None:
    expected = {key: r for key, r in truth.items() if r["forum"] == forum}
    assert expected, forum
    crawled = _crawl(forum, base_url)
    assert set(crawled) == set(expected)
    for key, got in crawled.items():
        want = {name: expected[key][name] for name in FIELDS}
        assert got == want, key


def test_robots_and_index(base_url: str) -> None:
    robots = ref.get(f"{base_url}/robots.txt").decode()
    assert "Disallow: /private" in robots
    from urllib.robotparser import RobotFileParser

    parser = RobotFileParser()
    parser.parse(robots.splitlines())
    assert parser.can_fetch("misusewatch", f"{base_url}/discourse/latest.json")
    assert not parser.can_fetch("misusewatch", f"{base_url}/private/members.html")
    assert "/discourse/" in ref.get(base_url + "/").decode()


def test_unknown_paths_are_404(base_url: str) -> None:
    for path in ("/nope", "/discourse/t/999999999.json", "/4chan/zz/catalog.json", "/4chan/g/thread/1.json",
                 "/phpbb/viewtopic.php?t=999999", "/reddit/comments/zzzzzz.json", "/generic/thread/1"):
        with pytest.raises(urllib.error.HTTPError) as info:
            ref.get(base_url + path)
        assert info.value.code == 404, path
    assert ref.get_json(f"{base_url}/hackernews/v0/item/1.json") is None


def test_wire_format_shapes(base_url: str) -> None:
    catalog = ref.get_json(f"{base_url}/4chan/pol/catalog.json")
    op = catalog[0]["threads"][0]
    assert {"no", "now", "time", "resto", "replies", "semantic_url", "id"} <= set(op)
    latest = ref.get_json(f"{base_url}/discourse/latest.json")
    assert latest["topic_list"]["more_topics_url"] == "/discourse/latest.json?page=1"
    topic = ref.get_json(f"{base_url}/discourse/t/{latest['topic_list']['topics'][0]['id']}.json")
    assert {"post_stream", "details", "title", "slug", "posts_count"} <= set(topic)
    assert len(topic["post_stream"]["stream"]) == topic["posts_count"]
    category = ref.get_json(f"{base_url}/discourse/c/security/4.json")
    assert all(t["category_id"] == 4 for t in category["topic_list"]["topics"])
    posts = ref.get_json(f"{base_url}/discourse/posts.json")["latest_posts"]
    older = ref.get_json(f"{base_url}/discourse/posts.json?before={posts[-1]['id']}")["latest_posts"]
    assert older and max(p["id"] for p in older) < posts[-1]["id"]
    categories = ref.get_json(f"{base_url}/discourse/categories.json")["category_list"]["categories"]
    assert {c["slug"] for c in categories} >= {"general", "security"}
    story_ids = ref.get_json(f"{base_url}/hackernews/v0/newstories.json")
    story = ref.get_json(f"{base_url}/hackernews/v0/item/{story_ids[0]}.json")
    assert story["type"] == "story" and "title" in story
    assert ref.get_json(f"{base_url}/hackernews/v0/maxitem.json") >= max(story_ids)
    listing = ref.get_json(f"{base_url}/reddit/r/GPT2/new.json?limit=2")
    assert listing["kind"] == "Listing" and len(listing["data"]["children"]) == 2
    assert listing["data"]["after"].startswith("t3_")


def test_reddit_pages_show_limit_comments_then_more_and_continue_stubs(community, base_url: str) -> None:
    """A page shows ?limit= comments (default 200), "more" stubs for replies left out, and
    "continue this thread" stubs at depth 10."""
    big = sorted((s for s in community.threads if s.forum == "reddit"), key=lambda s: -s.n)[:5]
    from crawlers.testbed.sites.reddit import b36

    def walk(children, seen):
        for child in children:
            if child["kind"] == "more":
                seen["continue" if child["data"]["id"] == "_" else "more"] += 1
            else:
                seen["t1"] += 1
                if child["data"]["replies"]:
                    walk(child["data"]["replies"]["data"]["children"], seen)

    whole, cut = Counter(), Counter()
    for spec in big:
        url = f"{base_url}/reddit/comments/{b36(spec.number)}.json"
        walk(ref.get_json(url)[1]["data"]["children"], whole)
        page = Counter()
        walk(ref.get_json(f"{url}?limit=10")[1]["data"]["children"], page)
        assert page["t1"] == 10 and page["more"] > 0
        cut += page
    assert whole["continue"] > 0 and cut["more"] > 0


def test_feeds_parse(base_url: str) -> None:
    rss = etree.fromstring(ref.get(f"{base_url}/feed/rss.xml"))
    atom = etree.fromstring(ref.get(f"{base_url}/feed/atom.xml"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    rss_guids = [g.text for g in rss.iter("guid")]
    atom_ids = [e.findtext("a:id", namespaces=ns) for e in atom.findall("a:entry", ns)]
    assert rss_guids == atom_ids and len(rss_guids) == 50
    assert rss.find("channel/a:link[@rel='next']", ns).get("href").startswith(base_url)


def test_phpbb2_is_latin1_with_character_references(base_url: str) -> None:
    with urllib.request.urlopen(f"{base_url}/phpbb2/index.php") as response:
        assert response.headers["Content-Type"] == "text/html; charset=iso-8859-1"
        response.read().decode("iso-8859-1")


def test_etag_gives_304(base_url: str) -> None:
    url = f"{base_url}/discourse/latest.json"
    with urllib.request.urlopen(url) as response:
        etag = response.headers["ETag"]
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request)
    assert info.value.code == 304


# ---------------------------------------------------------------------- faults


@pytest.fixture
def small():
    return generate(seed=3, posts=300, platforms="discourse,phpbb")


def _status(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("kind", ["429", "503"])
def test_rate_limits_for_the_first_requests_of_a_path(small, kind: str) -> None:
    with serve(small, faults=[Fault(kind, "/discourse/latest", first=2, retry_after=3)]) as base:
        url = f"{base}/discourse/latest.json"
        first, second, third = _status(url), _status(url), _status(url)
        assert (first[0], second[0], third[0]) == (int(kind), int(kind), 200)
        assert first[1]["Retry-After"] == "3"
        assert _status(f"{base}/discourse/categories.json")[0] == 200  # other paths unaffected
        assert _status(f"{base}/discourse/latest.json?page=1")[0] == int(kind)  # counted per URL
        assert base.server.requests[url.removeprefix(base)] == 3


def test_fault_by_query_parameter(small) -> None:
    with serve(small) as base:
        url = f"{base}/discourse/latest.json?_fault=503&_first=1&_retry_after=7"
        status, headers, _ = _status(url)
        assert (status, headers["Retry-After"]) == (503, "7")
        assert _status(url)[0] == 200


def test_malformed_bodies(small) -> None:
    with serve(small, faults=[Fault("malformed", "/discourse/"), Fault("malformed", "/phpbb/")]) as base:
        status, _, body = _status(f"{base}/discourse/latest.json")
        assert status == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)
        status, _, page = _status(f"{base}/phpbb/index.php")
        assert status == 200 and b"forumtitle" not in page and b"Database error" in page


def test_truncated_body_breaks_the_connection(small) -> None:
    with serve(small, faults=[Fault("truncate", "/discourse/latest")]) as base:
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/discourse/latest.json")
        response = connection.getresponse()
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        connection.close()


def test_huge_page_is_10mb_and_still_valid(small, community) -> None:
    with serve(small, faults=[Fault("huge", "/discourse/latest"), Fault("huge", "/phpbb/viewforum")]) as base:
        status, _, body = _status(f"{base}/discourse/latest.json")
        assert status == 200 and len(body) >= HUGE_BYTES
        assert json.loads(body)["topic_list"]["topics"]
        status, _, page = _status(f"{base}/phpbb/viewforum.php?f=2")
        assert len(page) >= HUGE_BYTES and page.rstrip().endswith(b"</html>")
        assert b'class="topictitle"' in page


def test_slow_pages_still_answer(small) -> None:
    with serve(small, faults=[Fault("slow", "/discourse/latest", delay=3.0)]) as base:
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            urllib.request.urlopen(f"{base}/discourse/latest.json", timeout=0.3).read()
        with urllib.request.urlopen(f"{base}/discourse/latest.json", timeout=30) as response:
            assert json.loads(response.read())["topic_list"]


def test_dropped_connection(small) -> None:
    with serve(small, faults=[Fault("drop", "/discourse/latest", first=1)]) as base:
        with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"{base}/discourse/latest.json", timeout=10).read()
        assert _status(f"{base}/discourse/latest.json")[0] == 200


def test_fault_spec_parsing() -> None:
    fault = Fault.parse("429:/discourse/t/:2")
    assert (fault.kind, fault.match, fault.first) == ("429", "/discourse/t/", 2)
    assert Fault.parse("slow").matches("/anything")
    assert Fault("503", r"posts\.json").matches("/discourse/t/5/posts.json?x=1")
    with pytest.raises(ValueError, match="unknown fault"):
        Fault.parse("teapot:/")


# ---------------------------------------------------------------------- time: new and edited posts


def test_advancing_now_adds_posts_and_applies_edits() -> None:
    community = generate(seed=4, posts=2000, platforms="discourse", now=datetime(2019, 7, 1, tzinfo=UTC))
    with serve(community) as base:
        before = ref.crawl_discourse(base)
        assert set(before) == {r["id"] for r in truth_records(community)}
        control = urllib.request.Request(f"{base}/_testbed/now?to=2020-02-01T00:00:00Z", method="POST")
        with urllib.request.urlopen(control) as response:
            assert json.loads(response.read())["now"] == "2020-02-01T00:00:00Z"
        after = ref.crawl_discourse(base)
    final = {r["id"]: r for r in truth_records(community)}
    assert set(after) == set(final) and set(before) < set(after)
    changed = [key for key in before if before[key]["text"] != after[key]["text"]]
    assert changed and all(final[key]["edited_at"] for key in changed)


# ---------------------------------------------------------------------- CLI


def test_cli_serve_runs_until_stopped(tmp_path) -> None:
    command = [sys.executable, "-m", "misusewatch.cli", "testbed", "serve", "--posts", "200", "--port", "0",
               "--platforms", "4chan", "--truth", str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = line.split(" at ")[1].split()[0]
        boards = ref.get_json(f"{url}/4chan/boards.json")["boards"]
        assert {b["board"] for b in boards} == {"g", "pol", "biz", "v"}
        assert sum(1 for _ in (tmp_path / "truth.jsonl").open()) == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
