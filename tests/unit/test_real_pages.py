"""The real recorded pages in ../shared/data/forums parse completely (skipped when absent)."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.offline import make_spider, parse_file
from crawlers.text import html_to_text

FORUMS = Path(__file__).resolve().parents[3] / "shared" / "data" / "forums"


def real(*parts: str) -> Path:
    path = FORUMS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def parse(platform: str, *parts: str):
    return parse_file(make_spider(platform), real(*parts))


def reddit_comments(children):
    for child in children:
        if child["kind"] == "t1":
            yield child["data"]
            replies = child["data"].get("replies")
            if replies:
                yield from reddit_comments(replies["data"]["children"])


def test_4chan_thread_every_post():
    path = real("4chan", "thread.json")
    raw = json.loads(path.read_text())["posts"]
    result = parse("4chan", "4chan", "thread.json")
    assert [p.post_id for p in result.posts] == [str(p["no"]) for p in raw]
    for post, source in zip(result.posts, raw, strict=True):
        assert post.thread_id == "456354102"
        assert post.author == source["name"]
        assert post.created_at == datetime.fromtimestamp(source["time"], UTC)
        assert post.text == html_to_text(source.get("com", ""))
    assert result.posts[1].text == ">>456354102\n>wojack\nTime to head on back, faglord."
    assert result.posts[1].reply_to == ["4chan:boards.4chan.org:456354102:456354102"]


def test_reddit_comments_every_comment():
    path = real("reddit", "comments.json")
    raw = json.loads(path.read_text())
    comments = list(reddit_comments(raw[1]["data"]["children"]))
    result = parse("reddit", "reddit", "comments.json")
    assert len(result.posts) == 1 + len(comments) == 477
    posts = {p.post_id: p for p in result.posts}
    for c in comments:
        post = posts[c["id"]]
        assert post.created_at == datetime.fromtimestamp(c["created_utc"], UTC)
        assert post.author == (None if c["author"] == "[deleted]" else c["author"])
        if c["body"] not in ("[deleted]", "[removed]"):
            # the rendered body; this dump predates raw_json=1, so its Markdown was escaped
            # (&amp;) before rendering and the rendered text shows that escaping once more
            expected = html_to_text(c["body_html"])
            if re.search("&(amp|lt|gt);", c["body"]):
                expected = html.unescape(expected)
            assert post.text == expected
    assert posts["cu5pebp"].text == "Man I am glad there isn't someone on a drum set every time I fall over."
    assert posts["3hahrw"].thread_title == "Ba Dum Tsss"
    assert len(result.follows) == 18  # the "more" stubs a crawl would expand


@pytest.mark.parametrize(
    ("name", "posts", "follows"),
    [("topic.json", 4, 0), ("topic_posts_page.json", 20, 0), ("posts_latest.json", 4, 0),
     ("latest.json", 0, 4), ("category_latest.json", 0, 2)],
)
def test_discourse_pages(name, posts, follows):
    result = parse("discourse", "discourse", name)
    assert (len(result.posts), len(result.follows)) == (posts, follows)
    raw = json.loads(real("discourse", name).read_text())
    stream = (raw.get("post_stream") or {}).get("posts") or raw.get("latest_posts") or []
    for post, source in zip(result.posts, stream, strict=True):
        assert post.post_id == str(source["id"]) and post.author == source["username"]
        assert post.text == html_to_text(source["cooked"])


def test_discourse_topic_details():
    posts = {p.post_id: p for p in parse("discourse", "discourse", "topic.json").posts}
    first = posts["83"]
    assert first.thread_title == "THIS SITE IS A SANDBOX -- it is reset every day"
    assert first.author == "samsaffron" and first.created_at == datetime(2013, 2, 4, 20, 26, 26, 278000, UTC)
    assert first.edited_at is not None  # version 5
    assert posts["226"].reply_to == ["discourse:offline:57:83"]


def test_hackernews_stories():
    raw = json.loads(real("hackernews", "stories.json").read_text())
    result = parse("hackernews", "hackernews", "stories.json")
    assert len(result.posts) == len(raw) == 56
    for post, item in zip(result.posts, raw, strict=True):
        assert (post.post_id, post.thread_id) == (str(item["id"]), str(item["id"]))
        assert post.author == item["by"] and post.thread_title == " ".join(item["title"].split())
        assert post.created_at == datetime.fromtimestamp(item["time"], UTC)


def test_phpbb2_viewtopic():
    result = parse("phpbb", "phpbb", "phpbb2_viewtopic.html")
    assert [(p.post_id, p.author, p.author_id) for p in result.posts] == [
        ("4513", "prestbury2", "124"), ("4514", "Deano", "20"), ("4537", "prestbury2", "124"),
    ]
    assert [p.created_at for p in result.posts] == [
        datetime(2010, 6, 2, 23, 1, tzinfo=UTC), datetime(2010, 6, 3, 19, 27, tzinfo=UTC),
        datetime(2010, 6, 7, 12, 42, tzinfo=UTC),
    ]
    first, second, _ = result.posts
    assert first.thread_id == "805" and first.thread_title == "back in water tomorrow"
    assert first.board == "The Repair Bay"
    assert first.text.startswith("All the winter jobs completed now")
    assert first.text.endswith("keep you posted\n\nGeorge")  # the signature is not included
    assert second.text == "Best of luck, all the hard work will be worth it. Enjoy the good weather while you can."


def test_phpbb2_viewforum_lists_every_topic():
    result = parse("phpbb", "phpbb", "phpbb2_viewforum.html")
    assert result.posts == []
    topics = [u for u in result.follows if "viewtopic.php?t=" in u]
    assert len(topics) == 20 and topics[0].endswith("viewtopic.php?t=811")
    assert result.follows[-1].endswith("viewforum.php?f=4&topicdays=0&start=20")
