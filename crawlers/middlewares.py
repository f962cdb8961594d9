"""Middlewares: incremental cursors, retries with backoff honouring Retry-After, page accounting."""

from __future__ import annotations

import logging
import random
import re
import time
import weakref
from collections.abc import AsyncIterator, Iterable
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import reactor, task

from crawlers import settings as project
from crawlers.items import CursorCheckpoint, PostBatch, PostItem
from crawlers.spiders.base import PageError
from crawlers.storage import store_for
from misusewatch.records import utcnow

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- incremental crawling


class CursorMiddleware:
    """Skip requests for threads that have not changed; checkpoint those that were fetched.

    A spider marks a request with ``meta["cursor"] = {"key", "value"}`` (via
    ``ForumSpider.follow``): the key names a thread, the value is the listing's version of it
    (last modified, reply count, last post id). When the store's cursor for that key already
    holds the value, the request is dropped. Otherwise the thread is fetched, with every
    continuation page (same key), and once the last of them is parsed a CursorCheckpoint
    follows its posts to the store pipeline, which saves it after they are committed.

    A listing's next page (``meta["next_listing"]``) is not fetched when every thread on the
    current page was unchanged: listings are sorted by activity, so the rest is older.

    When the source is a Shard of a crawl split over processes, threads whose key belongs to
    another shard are left to that shard's process (and count neither way for the listing).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = store_for(crawler)
        self.full = crawler.settings.getbool("MISUSEWATCH_FULL_RECRAWL", False)
        # Some edits leave no trace in a listing (phpBB, Reddit comments): an unchanged thread
        # is still fetched again once its cursor is this old, so no edit stays unseen longer.
        self.revisit_after = crawler.settings.getfloat("MISUSEWATCH_REVISIT_AFTER", 7 * 86400)
        # key -> responses still to parse before the key's checkpoint may be emitted
        self.pending: dict[str, int] = {}
        # Responses whose callback raised: they must not move a cursor.
        self.failed: weakref.WeakSet = weakref.WeakSet()
        crawler.signals.connect(self._request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _source(self) -> str:
        return self.crawler.spider.source.name

    @property
    def shard(self):
        return self.crawler.spider.source.shard

    def is_unchanged(self, key: str, value: Any, final: bool = False) -> bool:
        """The store's cursor holds this version, saved less than REVISIT_AFTER seconds ago
        (or at any time, for a ``final`` page that cannot change)."""
        if self.full:
            return False
        saved = self.store.get_cursor(self._source(), key)
        if not isinstance(saved, dict) or saved.get("version") != value:
            return False
        return final or time.time() - float(saved.get("at") or 0) < self.revisit_after

    def _request_dropped(self, request: Request, spider=None) -> None:
        # The duplicate filter dropped it: another request with the same URL is parsed
        # instead, so this one must not hold the checkpoint back.
        cursor = request.meta.get("cursor")
        if cursor and cursor["key"] in self.pending:
            self._done(cursor["key"], 0)

    def _done(self, key: str, added: int) -> bool:
        left = self.pending.get(key, 1) - 1 + added
        if left <= 0:
            self.pending.pop(key, None)
            return True
        self.pending[key] = left
        return False

    def _filter(self, response: Response | None, result: Iterable[Any]):
        current = (response.meta.get("cursor") if response is not None else None) or None
        current_key = current["key"] if current else None
        continuations = 0
        decided: dict[str, bool] = {}
        fetched = skipped = 0
        for obj in result:
            if isinstance(obj, Request):
                cursor = obj.meta.get("cursor")
                if cursor is not None:
                    key = cursor["key"]
                    if key == current_key:
                        continuations += 1
                    elif self.shard is not None and not self.shard.owns(key):
                        self.stats.inc_value("misusewatch/other_shard")
                        continue
                    else:
                        if key not in decided:
                            in_flight = key in self.pending
                            final = cursor.get("final", False)
                            fresh = not in_flight and not self.is_unchanged(key, cursor["value"], final)
                            decided[key] = fresh
                            if fresh:
                                self.pending[key] = 0
                            elif not in_flight:
                                self.stats.inc_value("misusewatch/skipped_unchanged")
                        if not decided[key]:
                            skipped += 1
                            continue
                        fetched += 1
                        self.pending[key] += 1
                elif obj.meta.get("next_listing") and skipped and not fetched:
                    self.stats.inc_value("misusewatch/listing_stopped")
                    continue
            yield obj
        if response is not None and response in self.failed:
            # The page raised part-way (Scrapy ends this iterable quietly after calling
            # process_spider_exception): its thread is not complete, so no checkpoint.
            self.failed.discard(response)
            return
        if current_key is not None and self._done(current_key, continuations):
            yield CursorCheckpoint(source=self._source(), key=current_key,
                                   value={"version": current["value"], "at": round(time.time(), 3)})

    def process_spider_output(self, response, result, spider=None):
        yield from self._filter(response, result)

    async def process_spider_output_async(self, response, result: AsyncIterator[Any], spider=None):
        items = [obj async for obj in result]
        for obj in self._filter(response, items):
            yield obj

    def process_spider_exception(self, response, exception, spider=None):
        self.failed.add(response)
        if isinstance(exception, PageError):
            self.stats.inc_value("misusewatch/errors")
            self.stats.inc_value("misusewatch/malformed_pages")
            logger.error("malformed page %s: %s", response.url, exception)
            return []
        return None


class PageBatchMiddleware:
    """Bundles the consecutive PostItems of a page's output into one PostBatch.

    Order is kept: a request or a checkpoint in the output first sends the posts before it.
    ``MISUSEWATCH_PAGE_BATCHES = False`` switches it off (one item per post, as spiders yield).
    """

    def __init__(self, limit: int):
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MISUSEWATCH_PAGE_BATCHES", True):
            raise NotConfigured
        return cls(max(1, crawler.settings.getint("MISUSEWATCH_BATCH_SIZE", project.MISUSEWATCH_BATCH_SIZE)))

    def _bundle(self, response, result: Iterable[Any]):
        url = getattr(response, "url", None)
        posts: list[PostItem] = []
        for obj in result:
            if isinstance(obj, PostItem):
                posts.append(obj)
                if len(posts) >= self.limit:
                    yield PostBatch(posts=posts, url=url)
                    posts = []
                continue
            if posts:
                yield PostBatch(posts=posts, url=url)
                posts = []
            yield obj
        if posts:
            yield PostBatch(posts=posts, url=url)

    def process_spider_output(self, response, result, spider=None):
        yield from self._bundle(response, result)

    async def process_spider_output_async(self, response, result: AsyncIterator[Any], spider=None):
        items = [obj async for obj in result]
        for obj in self._bundle(response, items):
            yield obj


# ---------------------------------------------------------------- retries and bans

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
DEFAULT_BAN_TITLES = (
    r"captcha",
    r"attention required",
    r"just a moment",
    r"access denied",
    r"are you a (human|robot)",
    r"ddos-guard",
    r"security check",
    r"verify you are human",
    r"too many requests",
)


class BackoffRetryMiddleware:
    """Retries 429/5xx and network errors with exponential backoff, honouring Retry-After.

    Replaces Scrapy's RetryMiddleware (same RETRY_* settings). The wait before retry n is
    ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (capped by ``RETRY_BACKOFF_MAX``, with up to
    10% jitter), or the server's ``Retry-After`` when it says longer; a Retry-After above
    ``MISUSEWATCH_MAX_RETRY_AFTER`` gives the request up at once. Also counts responses that
    suggest a ban (403, 429, a captcha or challenge page title).
    """

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.retry_http_codes = {int(x) for x in settings.getlist("RETRY_HTTP_CODES")}
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.max_retry_after = settings.getfloat("MISUSEWATCH_MAX_RETRY_AFTER", 300.0)
        self.exceptions = tuple(_load(path) for path in settings.getlist("RETRY_EXCEPTIONS"))
        patterns = settings.getlist("MISUSEWATCH_BAN_TITLE_PATTERNS") or list(DEFAULT_BAN_TITLES)
        self.ban_title = re.compile("|".join(patterns).encode(), re.IGNORECASE)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response, spider=None):
        if self._looks_banned(response):
            self.stats.inc_value("misusewatch/bans_suspected")
            seen = self.stats.get_value("misusewatch/bans_suspected")
            if seen <= 3 or seen % 100 == 0:  # the count is in the crawl run; the log says when
                logger.warning("possible ban or challenge at %s (HTTP %d; %d so far)",
                               response.url, response.status, seen)
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry_after = _retry_after(response)
        if retry_after is not None and retry_after > self.max_retry_after:
            self.stats.inc_value("misusewatch/retry_after_too_long")
            logger.error(
                "giving up %s: Retry-After %.0fs is above the %.0fs limit",
                request.url,
                retry_after,
                self.max_retry_after,
            )
            return response
        new = self._retry(request, response_status_message(response.status))
        if new is None:
            return response
        await self._wait(new, retry_after)
        return new

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions):
            return None
        new = self._retry(request, exception)
        if new is None:
            return None
        await self._wait(new, None)
        return new

    def _retry(self, request: Request, reason) -> Request | None:
        return get_retry_request(request, spider=self.crawler.spider, reason=reason)

    async def _wait(self, request: Request, retry_after: float | None) -> None:
        attempt = request.meta.get("retry_times", 1)
        delay = min(self.cap, self.base * 2 ** (attempt - 1)) * (1 + random.random() * 0.1)
        if retry_after is not None:
            delay = max(delay, retry_after)
        if delay > 0:
            self.stats.inc_value("misusewatch/backoff_seconds", delay)
            await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))

    def _looks_banned(self, response: Response) -> bool:
        if response.status in (403, 429):
            return True
        content_type = response.headers.get(b"Content-Type", b"") or b""
        if b"html" not in content_type.lower():
            return False
        match = _TITLE.search(response.body[:65536])
        return bool(match and self.ban_title.search(match.group(1)))


def _retry_after(response: Response) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(text) - utcnow()).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def _load(path: str | type):
    if not isinstance(path, str):
        return path
    from scrapy.utils.misc import load_object

    return load_object(path)


# ---------------------------------------------------------------- accounting


class PageAccountingMiddleware:
    """Counts pages and failed requests as the crawl run sees them (after retries).

    Sits just inside the retry middleware, so a retried response is counted once, when it
    finally succeeds or is given up; each failure is logged once with its URL.
    """

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None):
        self.stats.inc_value("misusewatch/pages")
        if response.status >= 500 or response.status in (403, 429):
            self.stats.inc_value("misusewatch/errors")
            logger.error("HTTP %d from %s", response.status, response.url)
        elif response.status in (404, 410):
            self.stats.inc_value("misusewatch/gone")
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None):
        if isinstance(exception, IgnoreRequest):
            return None
        self.stats.inc_value("misusewatch/errors")
        logger.error(
            "failed %s: %s",
            request.url,
            exception.__class__.__name__ + (f": {exception}" if str(exception) else ""),
        )
        return None
