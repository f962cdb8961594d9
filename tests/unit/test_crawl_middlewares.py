"""Crawl plumbing without a network: cursor checkpoints, page batches, Retry-After, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler

from crawlers.items import CursorCheckpoint, PostBatch, PostItem
from crawlers.middlewares import CursorMiddleware, PageBatchMiddleware, _retry_after
from crawlers.pipelines import normalise_post, validate_item
from crawlers.sources import Source
from crawlers.spiders.base import PageError
from crawlers.spiders.fourchan import FourChanSpider
from misusewatch.records import RecordError


class Cursors:
    """The two store methods the middleware uses, in memory."""

    def __init__(self, saved=None):
        self.saved = dict(saved or {})

    def get_cursor(self, source, key):
        return self.saved.get((source, key))


@pytest.fixture
def middleware(monkeypatch):
    store = Cursors()
    monkeypatch.setattr("crawlers.middlewares.store_for", lambda crawler: store)
    crawler = get_crawler(FourChanSpider, {"MISUSEWATCH_STORE": "memory"})
    crawler.spider = FourChanSpider(Source(name="src", platform="4chan", options={"board": "g"}))
    mw = CursorMiddleware(crawler)
    return mw, store


def response(url="http://t/a", cursor=None):
    meta = {"cursor": cursor} if cursor else {}
    return TextResponse(url, body=b"{}", request=Request(url, meta=meta))


def req(url, key=None, value=None, **meta):
    if key:
        meta["cursor"] = {"key": key, "value": value}
    return Request(url, meta=meta)


def test_unchanged_threads_are_skipped_and_listing_paging_stops(middleware):
    mw, store = middleware
    now = datetime.now(UTC).timestamp()
    store.saved[("src", "t1")] = {"version": 5, "at": now}
    store.saved[("src", "t2")] = {"version": 7, "at": now}
    out = list(mw.process_spider_output(response(), [req("http://t/1", "t1", 5), req("http://t/2", "t2", 7),
                                                     req("http://t/next", next_listing=True)]))
    assert out == []  # both threads unchanged, so the older listing pages are not read either
    changed = [req("http://t/1", "t1", 6), req("http://t/next", next_listing=True)]
    out = list(mw.process_spider_output(response(), changed))
    assert [r.url for r in out] == ["http://t/1", "http://t/next"]


def test_stale_cursors_are_revisited(middleware):
    mw, store = middleware
    store.saved[("src", "t1")] = {"version": 5, "at": (datetime.now(UTC) - timedelta(days=8)).timestamp()}
    assert [r.url for r in mw.process_spider_output(response(), [req("http://t/1", "t1", 5)])] == ["http://t/1"]


def test_final_pages_are_not_revisited(middleware):
    """An archived 4chan thread cannot change: read once after it was archived, then never."""
    mw, store = middleware
    store.saved[("src", "thread:g:1")] = {"version": "archived",
                                           "at": (datetime.now(UTC) - timedelta(days=80)).timestamp()}
    archive = response("http://t/g/archive.json")
    spider = mw.crawler.spider
    followed = list(spider.parse_archive(archive, [1, 2]))
    assert [r.meta["cursor"] for r in followed] == [
        {"key": "thread:g:1", "value": "archived", "final": True},
        {"key": "thread:g:2", "value": "archived", "final": True},
    ]
    out = list(mw.process_spider_output(archive, followed))
    assert [r.meta["cursor"]["key"] for r in out] == ["thread:g:2"]  # never read before


def test_checkpoint_after_the_last_continuation_page(middleware):
    mw, _ = middleware
    (thread,) = mw.process_spider_output(response(), [req("http://t/1", "t1", 9)])
    cursor = thread.meta["cursor"]
    item = PostItem(post_id="1")
    # page 1 yields a post and two continuation pages (same key): no checkpoint yet
    out = list(mw.process_spider_output(response("http://t/1", cursor), [item, req("http://t/1?p=2", "t1", 9),
                                                                          req("http://t/1?p=3", "t1", 9)]))
    assert not [o for o in out if isinstance(o, CursorCheckpoint)]
    assert list(mw.process_spider_output(response("http://t/1?p=2", cursor), [item])) == [item]
    out = list(mw.process_spider_output(response("http://t/1?p=3", cursor), [item]))
    assert out[0] is item and isinstance(out[1], CursorCheckpoint)
    assert (out[1]["key"], out[1]["value"]["version"]) == ("t1", 9)


def test_a_page_that_raised_moves_no_cursor(middleware):
    mw, _ = middleware
    cursor = {"key": "t1", "value": 1}
    mw.pending["t1"] = 1
    page = response("http://t/1", cursor)
    assert mw.process_spider_exception(page, PageError("broken")) == []
    assert list(mw.process_spider_output(page, [PostItem(post_id="1")])) == [PostItem(post_id="1")]


def test_page_batches_keep_order():
    mw = PageBatchMiddleware(limit=2)
    a, b, c = (PostItem(post_id=str(i)) for i in range(3))
    request = Request("http://t/next")
    checkpoint = CursorCheckpoint(source="s", key="k", value=1)
    out = list(mw.process_spider_output(response(), [a, b, c, request, checkpoint]))
    assert [type(o) for o in out] == [PostBatch, PostBatch, Request, CursorCheckpoint]
    assert [p["post_id"] for p in out[0]["posts"] + out[1]["posts"]] == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [(b"3", 3.0), (b"0", 0.0), (b"-4", 0.0), (b"soon", None), (None, None)],
)
def test_retry_after_seconds(header, expected):
    headers = {"Retry-After": header} if header is not None else {}
    assert _retry_after(Response("http://t/", status=429, headers=headers)) == expected


def test_retry_after_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    assert 100 < _retry_after(Response("http://t/", status=503, headers={"Retry-After": when})) <= 120


def test_validate_and_normalise_an_item():
    item = PostItem(id="4chan:s:1:2", source="src", platform="4chan", site="S", thread_id="1", post_id="2",
                    created_at=1554307200, text="  hi\r\nthere\x00 ", html='<b onclick="x()">hi</b>',
                    reply_to=["4chan:s:1:1", "4chan:s:1:1", "4chan:s:1:2"], author="  ")
    post = normalise_post(validate_item(item))
    assert post.created_at == datetime(2019, 4, 3, 16, 0, tzinfo=UTC)
    assert (post.text, post.site, post.author) == ("hi\nthere", "s", None)
    assert post.reply_to == ["4chan:s:1:1"] and post.html == "<b>hi</b>"
    with pytest.raises(RecordError, match="missing field created_at"):
        validate_item(PostItem(source="s", platform="4chan", site="s", thread_id="1", post_id="2", text=""))
    with pytest.raises(RecordError, match="created_at"):
        validate_item({**dict(item), "created_at": "yesterday-ish"})


def test_html_is_sanitized_before_it_is_stored_with_or_without_a_store(tmp_path):
    """With a store the writer thread sanitizes (nh3 releases the GIL); without one, normalising does."""
    from crawlers.pipelines import NormalisePipeline, StorePipeline, ValidatePipeline
    from misusewatch.store import open_store

    hostile = '<p onclick="x()">hi<script>alert(1)</script><img src=x onerror=alert(2)></p>'

    def item():
        return PostItem(source="src", platform="discourse", site="forum.example", thread_id="1", post_id="2",
                        created_at=1554307200, text="hi", html=hostile)

    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    crawler = get_crawler(FourChanSpider, {"MISUSEWATCH_STORE": store_url})
    steps = [ValidatePipeline.from_crawler(crawler), NormalisePipeline.from_crawler(crawler)]
    store_pipeline = StorePipeline.from_crawler(crawler)
    store_pipeline.open_spider()
    obj = PostBatch(posts=[item()], url="http://t/")
    for step in steps:
        obj = step.process_item(obj)
    store_pipeline.process_item(obj)
    store_pipeline.close_spider()
    store = open_store(store_url)
    [stored] = list(store.iter_posts())
    store.close()
    assert stored.html == '<p>hi<img src="x"></p>'

    offline = get_crawler(FourChanSpider, {})
    validated = ValidatePipeline.from_crawler(offline).process_item(item())
    post = NormalisePipeline.from_crawler(offline).process_item(validated)
    assert post.html == stored.html
