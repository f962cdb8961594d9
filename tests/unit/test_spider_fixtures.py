"""Every spider parses our recorded pages field by field (tests/fixtures/<platform>/), offline."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.offline import make_spider, parse_file
from crawlers.sources import Source
from crawlers.spiders import spider_for
from misusewatch import ids

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def parse(platform: str, name: str, *, url: str | None = None, site: str | None = None, **kw):
    spider = make_spider(platform, url=url, site=site, **kw)
    return parse_file(spider, FIXTURES / platform / name, url=url, keep_raw=True)


def by_post_id(result) -> dict[str, object]:
    return {p.post_id: p for p in result.posts}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# (platform, fixture, options, number of posts, number of follow-up requests)
ALL_FIXTURES = [
    ("4chan", "thread_70001000.json", {"url": "https://a.4cdn.org/g/thread/70001000.json"}, 5, 0),
    ("4chan", "thread_70001100.json", {}, 2, 0),
    ("4chan", "thread_70000500.json", {}, 1, 0),
    ("4chan", "threads.json", {"url": "https://a.4cdn.org/g/threads.json"}, 0, 3),
    ("4chan", "catalog.json", {"url": "https://a.4cdn.org/g/catalog.json"}, 2, 1),
    ("4chan", "archive.json", {"url": "https://a.4cdn.org/g/archive.json"}, 0, 2),
    ("reddit", "comments_b9x2kq.json", {}, 7, 2),
    ("reddit", "new.json", {}, 2, 3),
    ("discourse", "t_101.json", {"url": "https://forum.example.org/t/101.json"}, 3, 1),
    ("discourse", "t_101_posts.json", {}, 20, 0),
    ("discourse", "latest.json", {"url": "https://forum.example.org/latest.json"}, 0, 3),
    ("discourse", "posts.json", {}, 1, 0),
    ("phpbb", "phpbb2_viewtopic.html", {"url": "https://forum.example.org/viewtopic.php?t=42"}, 2, 1),
    ("phpbb", "phpbb2_viewforum.html", {}, 0, 3),
    ("phpbb", "phpbb3_viewtopic.html", {}, 3, 0),
    ("phpbb", "phpbb30_viewtopic.html", {}, 2, 0),
    ("phpbb", "phpbb3_viewforum.html", {}, 0, 3),
    ("hackernews", "item_20500001.json", {"url": "https://hacker-news.firebaseio.com/v0/item/20500001.json"}, 1, 2),
    ("hackernews", "items.json", {}, 5, 0),
    ("hackernews", "newstories.json", {}, 0, 3),
    ("feed", "rss.xml", {}, 2, 0),
    ("feed", "atom.xml", {}, 2, 0),
    ("feed", "rdf.xml", {}, 1, 0),
    ("generic", "thread.html", {"url": "https://forums.example.com/threads/selling-gpt-2-comment-packs.2200/",
                                "profile": FIXTURES / "generic" / "xenforo_like.toml"}, 2, 1),
    ("generic", "threads.html", {"url": "https://forums.example.com/forums/marketplace.12/",
                                 "profile": FIXTURES / "generic" / "xenforo_like.toml"}, 0, 3),
]
FIXTURE_IDS = [f"{p}/{n}" for p, n, *_ in ALL_FIXTURES]


@pytest.fixture(params=ALL_FIXTURES, ids=FIXTURE_IDS)
def parsed(request):
    platform, name, options, posts, follows = request.param
    return platform, parse(platform, name, **options), posts, follows


# ---------------------------------------------------------------- invariants, every fixture


def test_counts(parsed):
    _, result, posts, follows = parsed
    assert len(result.posts) == posts
    assert len(result.follows) == follows


def test_ids_follow_the_contract(parsed):
    platform, result, *_ = parsed
    for post in result.posts:
        assert post.platform == platform
        assert post.id == ids.post_id(platform, post.site, post.thread_id, post.post_id, post.board)
        id_site = ids.scoped_site(platform, post.site, post.board)
        assert ids.split_id(post.id) == [platform, id_site, post.thread_id, post.post_id]
        assert post.site == post.site.lower() and ":" not in post.site


def test_times_are_aware_utc(parsed):
    _, result, *_ = parsed
    for post in result.posts:
        assert post.created_at.tzinfo is not None and post.created_at.utcoffset().total_seconds() == 0
        assert at(2005, 1, 1) < post.created_at < at(2030, 1, 1)
        if post.edited_at is not None:
            assert post.edited_at >= post.created_at


def test_text_is_clean_plain_text(parsed):
    _, result, *_ = parsed
    for post in result.posts:
        assert post.text == post.text.strip()
        assert "<br" not in post.text and "<p>" not in post.text and "&amp;" not in post.text
        assert "\r" not in post.text and "\n\n\n" not in post.text


def test_html_is_sanitized(parsed):
    _, result, *_ = parsed
    for post in result.posts:
        if post.html:
            assert "<script" not in post.html.lower() and "onclick" not in post.html.lower()


def test_replies_point_into_the_same_thread_and_site(parsed):
    platform, result, *_ = parsed
    for post in result.posts:
        for ref in post.reply_to:
            other_platform, site, _, other = ids.split_id(ref)
            assert other_platform == platform
            # same site; on 4chan a quote may name another board of the same site
            assert site == ids.scoped_site(platform, post.site, post.board) or (
                platform == "4chan" and site.startswith(post.site + "/")
            )
            assert ref != post.id


def test_urls_are_absolute_or_absent(parsed):
    _, result, *_ = parsed
    for post in result.posts:
        assert post.url is None or re.match(r"https?://", post.url)
    for url in result.follows:
        assert re.match(r"(https?|file)://", url)


def test_content_hash_matches_text(parsed):
    from misusewatch.records import content_hash

    _, result, *_ = parsed
    for post in result.posts:
        assert post.content_hash == content_hash(post.text, post.thread_title)


# ---------------------------------------------------------------- 4chan


def test_site_is_the_source_site_else_the_url_host_else_the_platform_default():
    url = "https://a.4cdn.org/g/thread/70001000.json"
    # an API host stands for the site people visit, so crawl and offline parse agree on ids
    assert parse("4chan", "thread_70001000.json", url=url).posts[0].site == "boards.4chan.org"
    assert parse("4chan", "thread_70001000.json", url=url, site="4chan.org").posts[0].site == "4chan.org"
    assert parse("4chan", "thread_70001000.json").posts[0].site == "boards.4chan.org"
    mirror = "http://archive.example.net/g/thread/70001000.json"
    assert parse("4chan", "thread_70001000.json", url=mirror).posts[0].site == "archive.example.net"
    assert parse("discourse", "t_101.json").posts[0].site == "offline"
    local = parse("discourse", "t_101.json", url="http://127.0.0.1:8123/discourse/t/101.json")
    assert local.posts[0].site == "127.0.0.1"  # no port: ids survive the testbed's free port


def test_4chan_thread_fields():
    posts = by_post_id(parse("4chan", "thread_70001000.json", url="https://a.4cdn.org/g/thread/70001000.json",
                             site="boards.4chan.org"))
    op = posts["70001000"]
    assert op.id == "4chan:boards.4chan.org/g:70001000:70001000"
    assert op.thread_title == 'GPT-2 "too dangerous" thread'
    assert op.board == "g"
    assert op.author == "Anonymous"
    assert op.author_id == "g/70001000/Ab3dEf9H"  # poster ids only mean something in their thread
    assert op.created_at == at(2019, 4, 3, 16, 0, 0)
    assert op.text == (
        "So they released the 355M model.\n\n>staged release\nHas anyone got it generating "
        "reviews yet? Code here: https://github.com/example/gpt2-reviews"
    )
    assert op.url == "https://boards.4chan.org/g/thread/70001000#p70001000"
    assert op.raw["md5"] == "aGVsbG8gd29ybGQhISEhIQ=="


def test_4chan_quotelinks_become_reply_to():
    posts = by_post_id(parse("4chan", "thread_70001000.json", url="https://a.4cdn.org/g/thread/70001000.json",
                             site="boards.4chan.org"))
    assert posts["70001010"].reply_to == ["4chan:boards.4chan.org/g:70001000:70001000"]
    # same thread twice, another thread of the same board, and a /pol/ post: ids carry the board
    assert posts["70001020"].reply_to == [
        "4chan:boards.4chan.org/g:70001000:70001010",
        "4chan:boards.4chan.org/g:70001000:70001000",
        "4chan:boards.4chan.org/g:69990001:69990005",
        "4chan:boards.4chan.org/pol:1234:1240",
    ]


def test_4chan_tripcode_unicode_and_entities():
    post = by_post_id(parse("4chan", "thread_70001000.json"))["70001020"]
    assert post.author == "Moot!Ep8pui8Vw2"
    assert post.author_id == "70001000/Qq1wEr2T"
    assert post.text.endswith("Café déjà vu 'quoted' & done — 日本語 😀")


def test_4chan_image_only_post_and_code():
    posts = by_post_id(parse("4chan", "thread_70001000.json"))
    assert posts["70001030"].text == ""
    assert posts["70001040"].text == "import gpt_2_simple as gpt2\n    gpt2.generate(sess)\n\nposting the script"


def test_4chan_without_poster_ids_has_no_author_id():
    posts = by_post_id(parse("4chan", "thread_70001100.json"))
    assert posts["70001105"].author_id is None
    empty = by_post_id(parse("4chan", "thread_70000500.json"))["70000500"]
    assert empty.text == "" and empty.thread_title is None


def test_4chan_thread_list_requests_carry_versions():
    spider = make_spider("4chan", url="https://a.4cdn.org/g/threads.json")
    from crawlers.offline import response_for

    path = FIXTURES / "4chan" / "threads.json"
    response = response_for(path, path.read_bytes(), "https://a.4cdn.org/g/threads.json")
    requests = list(spider.parse_document(response))
    assert [r.url for r in requests] == [
        "https://a.4cdn.org/g/thread/70001000.json",
        "https://a.4cdn.org/g/thread/70001100.json",
        "https://a.4cdn.org/g/thread/70000500.json",
    ]
    assert requests[0].meta["cursor"] == {"key": "thread:g:70001000", "value": 1554312000}


# ---------------------------------------------------------------- reddit


def test_reddit_submission_fields():
    link = by_post_id(parse("reddit", "comments_b9x2kq.json"))["b9x2kq"]
    assert link.id == "reddit:reddit.com:b9x2kq:b9x2kq"
    assert link.thread_title == "[N] GPT-2 355M released & what it means"
    assert link.author == "ml_researcher" and link.author_id == "t2_1a2b3c"
    assert link.board == "MachineLearning"
    assert link.created_at == datetime.fromtimestamp(1556830000, UTC)
    assert link.edited_at == datetime.fromtimestamp(1556900000, UTC)
    # the rendered body_html, through the shared html_to_text rule
    assert link.text == (
        "OpenAI released the 355M model today.\n\nstaged release\n\n"
        "Thoughts on misuse? Code: pip install gpt-2-simple & go."
    )
    assert link.url == "https://www.reddit.com/r/MachineLearning/comments/b9x2kq/gpt2_355m_released/"


def test_reddit_nested_replies_and_deleted_comments():
    posts = by_post_id(parse("reddit", "comments_b9x2kq.json"))
    assert set(posts) == {"b9x2kq", "em3d001", "em3d002", "em3d003", "em3d004", "em3d010", "em3d020"}
    assert posts["em3d001"].reply_to == ["reddit:reddit.com:b9x2kq:b9x2kq"]
    assert posts["em3d004"].reply_to == ["reddit:reddit.com:b9x2kq:em3d003"]
    deleted = posts["em3d002"]
    assert deleted.author is None and deleted.text == ""
    assert posts["em3d010"].text == ""  # [removed]
    assert posts["em3d003"].text == "Third level — ünïcödé ✓"
    assert posts["em3d020"].text == "I already see generated comments here <3 & they're bad"
    assert posts["em3d001"].edited_at == datetime.fromtimestamp(1556831500, UTC)
    assert "replies" not in posts["em3d001"].raw


def test_reddit_more_stubs_become_requests():
    result = parse("reddit", "comments_b9x2kq.json")
    assert any("/api/morechildren.json" in u and "em3d030%2Cem3d031" in u for u in result.follows)
    assert any(u.endswith("/comments/b9x2kq/_/em3d004.json?raw_json=1") for u in result.follows)


def test_reddit_listing_yields_submissions_and_comment_pages():
    result = parse("reddit", "new.json")
    assert [p.post_id for p in result.posts] == ["b9x2kq", "b9y001"]
    assert result.posts[1].text == "" and result.posts[1].edited_at is None
    assert "https://www.reddit.com/comments/b9y001.json?limit=500&raw_json=1" in result.follows
    assert any("after=t3_b9y001" in u for u in result.follows)


def test_reddit_morechildren_without_context_still_parses():
    result = parse("reddit", "morechildren.json")
    assert [p.post_id for p in result.posts] == ["em3d030", "em3d031"]
    assert result.posts[1].reply_to == ["reddit:reddit.com:b9x2kq:em3d030"]


# ---------------------------------------------------------------- discourse


def test_discourse_topic_fields():
    result = parse("discourse", "t_101.json", url="https://forum.example.org/t/101.json")
    posts = by_post_id(result)
    first = posts["5001"]
    assert first.id == "discourse:forum.example.org:101:5001"
    assert first.thread_title == "Releasing language models in stages"
    assert first.author == "alice" and first.author_id == "11"
    assert first.board == "7"
    assert first.created_at == at(2019, 5, 5, 10, 0, 0)
    assert first.text == "Staged release: 124M in February, 355M in May.\n\nWhat misuse should we watch for?"
    assert first.url == "https://forum.example.org/t/releasing-language-models-in-stages/101/1"
    second = posts["5002"]
    assert second.reply_to == ["discourse:forum.example.org:101:5001"]
    assert second.edited_at == at(2019, 5, 6, 8, 0, 0)
    assert second.text == "alice:\n\nWhat misuse should we watch for?\n\nFake reviews & spam, mostly."
    assert posts["5003"].text == "(post deleted by author)"


def test_discourse_topic_requests_the_rest_of_its_stream():
    result = parse("discourse", "t_101.json", url="https://forum.example.org/t/101.json")
    (url,) = result.follows
    assert url.startswith("https://forum.example.org/t/101/posts.json?post_ids%5B%5D=5004&")
    assert url.count("post_ids") == 22  # the whole rest of the stream: under 100 ids a request


def test_discourse_posts_per_request_bounds_the_ids_a_request_asks_for():
    source = Source(name="forum", platform="discourse", start_urls=["https://forum.example.org/t/101.json"],
                    options={"posts_per_request": 20})
    spider = spider_for("discourse")(source)
    result = parse_file(spider, FIXTURES / "discourse" / "t_101.json", url="https://forum.example.org/t/101.json")
    (url,) = result.follows
    assert url.count("post_ids") == 20 and url.endswith("post_ids%5B%5D=5023")


def test_discourse_posts_page_code_and_empty_posts():
    posts = by_post_id(parse("discourse", "t_101_posts.json"))
    assert posts["5005"].text == "Über-reply with code:\n\ndef f():\n    return 1"
    assert posts["5009"].text == ""
    assert posts["5004"].thread_title is None  # a posts page alone does not carry the title


def test_discourse_latest_lists_topics_and_the_next_page():
    result = parse("discourse", "latest.json", url="https://forum.example.org/latest.json")
    assert result.follows == [
        "https://forum.example.org/t/101.json",
        "https://forum.example.org/t/102.json",
        "https://forum.example.org/latest.json?no_definitions=true&page=1",
    ]


def test_discourse_latest_posts():
    (post,) = parse("discourse", "posts.json").posts
    assert (post.thread_id, post.post_id, post.thread_title) == ("102", "6001", "Detecting generated text")


# ---------------------------------------------------------------- phpBB


def test_phpbb2_topic_fields():
    result = parse("phpbb", "phpbb2_viewtopic.html", url="https://forum.example.org/viewtopic.php?t=42")
    first, guest = result.posts
    assert first.id == "phpbb:forum.example.org:42:301"
    assert first.thread_title == "GPT-2 for product reviews?"
    assert first.board == "Text generators"
    assert (first.author, first.author_id) == ("spamking", "77")
    assert first.created_at == at(2019, 5, 11, 14, 15)
    assert first.edited_at == at(2019, 5, 11, 15, 0)
    # the signature under ________ is not part of the post
    assert first.text == (
        "Has anyone fine-tuned the 355M model on Amazon reviews?\n"
        "I need 5,000 of them by Friday & they must look real.\n\nPaying well."
    )
    assert first.url == "https://forum.example.org/viewtopic.php?p=301#301"
    assert (guest.author, guest.author_id) == ("Guest", None)
    assert guest.text.endswith("This is against the rules. Reported. Ça suffit.")
    assert result.follows == ["https://forum.example.org/viewtopic.php?t=42&postdays=0&postorder=asc&start=15"]


def test_phpbb_timezone_option():
    spider = make_spider("phpbb", timezone="Europe/London")
    post = parse_file(spider, FIXTURES / "phpbb" / "phpbb2_viewtopic.html").posts[0]
    assert post.created_at == at(2019, 5, 11, 13, 15)  # BST is UTC+1


def test_phpbb3_topic_fields():
    posts = by_post_id(parse("phpbb", "phpbb3_viewtopic.html"))
    first = posts["90011"]
    assert first.thread_id == "9001" and first.board == "Automation"
    assert (first.author, first.author_id) == ("tier3_actor", "501")
    assert first.created_at == at(2019, 8, 21, 16, 45)
    assert first.edited_at == at(2019, 8, 21, 17, 0)
    assert first.text == (
        "I run 200 accounts with a fine-tuned 774M model.\n\nsomeone wrote:\nhow do you avoid "
        "detection?\n\nSampling at temperature 0.9 and rotating proxies."
    )
    assert (posts["90012"].author, posts["90012"].author_id) == ("GuestPoster", None)
    assert posts["90012"].created_at == at(2019, 8, 22, 6, 0)
    assert (posts["90013"].author, posts["90013"].text) == ("Admin", "")


def test_phpbb30_topic_without_time_tags():
    first, second = parse("phpbb", "phpbb30_viewtopic.html").posts
    assert (first.thread_id, first.post_id, first.author, first.author_id) == ("77", "700", "newsbot", "31")
    assert first.created_at == at(2019, 11, 5, 22, 15)
    assert first.edited_at == at(2019, 11, 6, 7, 0)
    assert first.board == "Disinformation"
    assert second.created_at == at(2019, 11, 6, 8, 20)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("phpbb2_viewforum.html", {"topic:5": 7, "topic:42": 350}),
        ("phpbb3_viewforum.html", {"topic:9001": 90022, "topic:9002": 90100}),
    ],
)
def test_phpbb_forum_pages_version_topics_by_last_post(name, expected):
    from crawlers.offline import response_for

    spider = make_spider("phpbb")
    path = FIXTURES / "phpbb" / name
    out = list(spider.parse_document(response_for(path, path.read_bytes(), "https://f.example/viewforum.php?f=3")))
    cursors = {r.meta["cursor"]["key"]: r.meta["cursor"]["value"] for r in out if "cursor" in r.meta}
    assert cursors == expected
    assert [r for r in out if r.meta.get("next_listing")]


# ---------------------------------------------------------------- Hacker News


def test_hackernews_story_and_comment_tree():
    result = parse("hackernews", "item_20500001.json", url="https://hacker-news.firebaseio.com/v0/item/20500001.json")
    (story,) = result.posts
    assert story.id == "hackernews:news.ycombinator.com:20500001:20500001"
    assert story.thread_title == "Ask HN: Should I release my GPT-2 comment generator?"
    assert story.text == (
        'I fine-tuned GPT-2 355M on "Show HN" posts. The output is uncannily plausible.\n\n'
        "Code: https://github.com/example/hn-gpt2\n\nShould I release it?"
    )
    assert result.follows == [
        "https://hacker-news.firebaseio.com/v0/item/20500002.json",
        "https://hacker-news.firebaseio.com/v0/item/20500005.json",
    ]


def test_hackernews_item_dump_resolves_stories_through_parents():
    posts = by_post_id(parse("hackernews", "items.json"))
    assert posts["20500003"].thread_id == "20500001"
    assert posts["20500003"].author is None and posts["20500003"].text == ""
    assert posts["20500003"].reply_to == ["hackernews:news.ycombinator.com:20500001:20500002"]
    assert posts["20500010"].thread_title.startswith("Example Corp")
    assert posts["20500020"].text == ""


def test_hackernews_comment_inside_a_crawl_knows_its_story():
    from crawlers.offline import response_for

    spider = make_spider("hackernews")
    path = FIXTURES / "hackernews" / "item_20500002.json"
    response = response_for(path, path.read_bytes(), "https://hacker-news.firebaseio.com/v0/item/20500002.json")
    out = list(spider.parse_document(response, story={"id": 20500001, "title": "Ask HN"}))
    post, kid = out
    assert post["thread_id"] == "20500001"
    assert post["text"] == (
        "Please don't. Look at OpenAI's staged release reasoning.\n\n  if misuse_risk > benefit:\n      wait()"
    )
    assert kid.url.endswith("/item/20500003.json")


# ---------------------------------------------------------------- feeds


def test_rss_entries():
    result = parse("feed", "rss.xml", site="paste.example.org")
    first, second = result.posts
    assert first.id == "feed:paste.example.org:paste-Ab12Cd:paste-Ab12Cd"
    assert first.thread_title == "gpt2 review generator config"
    assert first.author == "anon_coder"
    assert first.created_at == at(2019, 8, 20, 12, 30)
    assert first.text == 'model = "355M"\ntemperature = 0.8\n\ntarget: amazon & yelp'
    assert first.board is None
    assert second.thread_id == "https://paste.example.org/p/Zz99"
    assert second.text == "plain text & nothing else — ünïcödé"
    assert result.invalid == ["post https://paste.example.org/p/NoDate: missing field created_at"]


def test_atom_entries():
    first, second = parse("feed", "atom.xml").posts
    assert first.thread_title == "1.5B is out — what now?"
    assert first.created_at == at(2019, 11, 5, 23, 0)
    assert first.edited_at == at(2019, 11, 6, 9, 0)
    assert first.text == "The full model is public.\n\nDetection still works at ~95%."
    assert first.url == "https://blog.example.com/2019/11/15b"
    assert second.text == "774M released. a < b is plain text here."


def test_rdf_entries():
    (post,) = parse("feed", "rdf.xml").posts
    assert (post.author, post.created_at) == ("debater", at(2019, 2, 15, 8, 0))


# ---------------------------------------------------------------- generic (selector profile)


def test_generic_profile_thread():
    result = parse(
        "generic", "thread.html", url="https://forums.example.com/threads/selling-gpt-2-comment-packs.2200/",
        profile=FIXTURES / "generic" / "xenforo_like.toml",
    )
    first, second = result.posts
    assert first.id == "generic:forums.example.com:2200:8801"
    assert (first.author, first.author_id, first.board) == ("growth_hacker", "345", "Marketplace")
    assert first.created_at == at(2019, 9, 1, 12, 0)
    assert first.edited_at == at(2019, 9, 1, 13, 30)
    assert first.text == "1,000 unique comments for $50.\nGenerated with the 774M model, undetectable."
    assert second.author_id is None
    assert second.created_at == at(2019, 9, 2, 6, 15)
    assert second.reply_to == ["generic:forums.example.com:2200:8801"]
    assert result.follows == ["https://forums.example.com/threads/selling-gpt-2-comment-packs.2200/page-2"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"posts": [{"no": 1, "com": "caf\\u00e9 \\ud83d\\ude00", "time": 1567339200}]}',
        '{"a": "caf\u00e9", "b": [1.5, -0, -0.0, 1e300, 0.1, 18446744073709551615]}'.encode(),
        b'{"big": 12345678901234567890123, "in_text": "12345678901234567890123"}',  # past 64 bits
        b'{"lone": "\\ud800", "nan": NaN}',  # orjson refuses both: json decides
        '{"utf16": true}'.encode("utf-16"),
        b'{"dup": 1, "dup": 2}',
    ],
)
def test_load_json_gives_what_json_gives(body):
    import json

    from scrapy.http import TextResponse

    from crawlers.spiders.base import ForumSpider

    loaded = ForumSpider.load_json(TextResponse("https://example.org/x.json", body=body))
    # Compared as JSON text: types (int/float), NaN and -0.0 must match too.
    assert json.dumps(loaded) == json.dumps(json.loads(body))


def test_load_json_bad_body_is_a_page_error():
    from scrapy.http import TextResponse

    from crawlers.spiders.base import ForumSpider, PageError

    with pytest.raises(PageError, match="not valid JSON"):
        ForumSpider.load_json(TextResponse("https://example.org/x.json", body=b'{"posts": [1, 2'))
