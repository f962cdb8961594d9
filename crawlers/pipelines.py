"""Item pipelines: validate -> normalise -> store (batched upserts; cursors after commits)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawlers import settings as project
from crawlers.items import CursorCheckpoint, PostBatch, PostItem
from crawlers.storage import store_for
from crawlers.text import normalise_text, sanitize_html
from crawlers.writer import StoreWriter
from misusewatch.records import Post, RecordError, content_hash, parse_time
from misusewatch.store import StoreError

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- the steps, usable alone

_REQUIRED = Post._required
_TIMES = Post._time_fields


def validate_item(item: PostItem | dict[str, Any]) -> Post:
    """A spider's raw item as a Post record; RecordError (one line, naming the field) if not.

    Times may be aware datetimes, unix times or ISO-8601 text; they become aware UTC.
    """
    # An item's own dict, copied in C (dict(item) goes key by key through the Mapping API).
    data = item._values.copy() if isinstance(item, PostItem) else dict(item)
    missing = [name for name in _REQUIRED if data.get(name) in (None, "")]
    if missing:
        raise RecordError(f"missing field {', '.join(missing)}")
    if not isinstance(data.get("text"), str):
        raise RecordError("missing field text")
    for name in _TIMES:
        value = data.get(name)
        if value is None or value == "":
            data.pop(name, None)
        elif not (isinstance(value, datetime) and value.tzinfo is UTC):
            data[name] = parse_time(value, name)
    data.setdefault("id", "")
    data["content_hash"] = ""
    try:
        return Post(**data)
    except TypeError as exc:  # a field of the wrong shape, e.g. reply_to not a list
        raise RecordError(f"malformed field: {exc}") from None


def normalise_post(post: Post, *, keep_raw: bool = True, sanitize: bool = True) -> Post:
    """The stored form, in place: clean plain text, sanitized HTML, lower-case site, tidy names.

    ``sanitize=False`` leaves the HTML for the caller to sanitize (the store pipeline does, on
    its writer thread).
    """
    text = normalise_text(post.text)
    title = " ".join(post.thread_title.split()) or None if post.thread_title else None
    if text != post.text or title != post.thread_title:
        post.text, post.thread_title = text, title
        post.content_hash = content_hash(text, title)
    if post.author is not None:
        post.author = post.author.strip() or None
    if post.reply_to:
        post.reply_to = [r for r in dict.fromkeys(post.reply_to) if r != post.id]
    if sanitize:
        post.html = sanitize_html(post.html)
    post.site = post.site.lower()
    if not keep_raw:
        post.raw = None
    return post


def item_url(item: Any) -> str:
    url = item.get("url") if hasattr(item, "get") else getattr(item, "url", None)
    return url or "(no url)"


# ---------------------------------------------------------------- Scrapy pipelines


class ValidatePipeline:
    """Drop items that cannot be a Post, logging the URL and the field; count them as errors."""

    def __init__(self, crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MISUSEWATCH_VALIDATE", True):
            raise NotConfigured
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, PostBatch):
            posts = []
            for raw in item["posts"]:
                try:
                    posts.append(validate_item(raw))
                except RecordError as exc:
                    self._invalid()
                    logger.warning("dropped: invalid post %s from %s: %s", raw.get("id"), item_url(raw), exc)
            item["posts"] = posts
            return item
        if not isinstance(item, PostItem):
            return item
        try:
            return validate_item(item)
        except RecordError as exc:
            self._invalid()
            raise DropItem(f"invalid post {item.get('id')} from {item_url(item)}: {exc}") from None

    def _invalid(self) -> None:
        self.stats.inc_value("misusewatch/errors")
        self.stats.inc_value("misusewatch/invalid_posts")


class NormalisePipeline:
    """Clean every Post the same way whichever spider made it (text, HTML, names).

    With a store, the HTML is sanitized by StorePipeline on its writer thread instead: nh3
    releases the GIL, so there it runs beside the parsing rather than in its way.
    """

    def __init__(self, keep_raw: bool, sanitize: bool = True):
        self.keep_raw = keep_raw
        self.sanitize = sanitize

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getbool("MISUSEWATCH_KEEP_RAW", True), sanitize=not settings.get("MISUSEWATCH_STORE"))

    def process_item(self, item):
        if isinstance(item, Post):
            return normalise_post(item, keep_raw=self.keep_raw, sanitize=self.sanitize)
        if isinstance(item, PostBatch):
            for post in item["posts"]:
                normalise_post(post, keep_raw=self.keep_raw, sanitize=self.sanitize)
        return item


class StorePipeline:
    """Batched, idempotent upserts through the Store protocol, written on a writer thread.

    A batch is handed to the writer when it holds ``MISUSEWATCH_BATCH_SIZE`` posts, when it is
    older than ``MISUSEWATCH_FLUSH_INTERVAL`` seconds, and when the spider closes. The writer
    (one thread and connection per store, shared by every source this process crawls:
    crawlers/writer.py) upserts batches in order while the crawl goes on parsing; at most
    ``MISUSEWATCH_WRITE_AHEAD`` batches of this source wait, then its crawl waits for the store.

    A CursorCheckpoint travels with the batch it arrived in and is saved only after that
    batch (and every one before it) is committed: a crawl killed at any moment loses
    nothing, because a thread whose cursor did not move is fetched again next time.
    """

    def __init__(self, crawler, batch_size: int, flush_interval: float, write_ahead: int):
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.url = crawler.settings.get("MISUSEWATCH_STORE")
        store_for(crawler)  # opened here so a bad URL fails before the crawl starts
        self.batch: list[Post] = []
        self.cursors: list[CursorCheckpoint] = []
        self.first_pending_at: float | None = None
        # Hashes of (id, content_hash) already sent this run: a post two pages both give
        # (a listing and its thread) is stored and counted once. Ints, not strings: this
        # set lives as long as the crawl.
        self.sent: set[int] = set()
        self.slots = threading.Semaphore(max(1, write_ahead))
        self.counts: dict[str, int] = {}
        self.counts_lock = threading.Lock()
        self.writer: StoreWriter | None = None
        self.store_failed = False  # a batch was refused: no cursor moves for the rest of this run
        self.writer_failed = False  # the writer could not write at all: nothing more is stored
        self._timer = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("MISUSEWATCH_STORE"):
            raise NotConfigured("MISUSEWATCH_STORE is not set")
        settings = crawler.settings
        return cls(
            crawler,
            settings.getint("MISUSEWATCH_BATCH_SIZE", project.MISUSEWATCH_BATCH_SIZE),
            settings.getfloat("MISUSEWATCH_FLUSH_INTERVAL", project.MISUSEWATCH_FLUSH_INTERVAL),
            settings.getint("MISUSEWATCH_WRITE_AHEAD", project.MISUSEWATCH_WRITE_AHEAD),
        )

    def open_spider(self):
        self.writer = StoreWriter.acquire(self.url)
        from twisted.internet import task

        self._timer = task.LoopingCall(self._tick)
        self._timer.start(min(1.0, self.flush_interval) if self.flush_interval > 0 else 1.0, now=False)

    def close_spider(self):
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self.writer is not None:
            self.flush()
            self.writer.drain()
            self.writer.release()
            self.writer = None
        self._publish_counts()

    # ------------------------------------------------------------ the crawl side

    def process_item(self, item):
        if isinstance(item, CursorCheckpoint):
            self.cursors.append(item)
            if not self.batch:
                self.flush()  # nothing uncommitted precedes it in this batch
            return item
        if isinstance(item, Post):
            self._add(item)
        elif isinstance(item, PostBatch):
            for post in item["posts"]:
                self._add(post)
        return item

    def _add(self, post: Post) -> None:
        key = hash((post.id, post.content_hash))
        if key in self.sent:
            return
        self.sent.add(key)
        self.batch.append(post)
        if self.first_pending_at is None:
            self.first_pending_at = time.monotonic()
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Hand the current batch and the checkpoints after it to the writer (may wait)."""
        if not self.batch and not self.cursors:
            return
        batch, cursors = self.batch, self.cursors
        self.batch, self.cursors, self.first_pending_at = [], [], None
        self.slots.acquire()  # released by the writer once this batch is written
        self.writer.submit(lambda store: self._write_batch(store, batch, cursors), self._write_failed)

    def _tick(self) -> None:
        stale = self.first_pending_at is not None and (time.monotonic() - self.first_pending_at >= self.flush_interval)
        if stale:
            self.flush()
        self._publish_counts()

    def _publish_counts(self) -> None:
        with self.counts_lock:
            counts, self.counts = self.counts, {}
        for key, value in counts.items():
            self.stats.inc_value(key, value)

    # ------------------------------------------------------------ on the writer thread

    def _count(self, **values: int) -> None:
        with self.counts_lock:
            for key, value in values.items():
                name = f"misusewatch/{key}"
                self.counts[name] = self.counts.get(name, 0) + value

    def _write_batch(self, store, batch: list[Post], cursors: list[CursorCheckpoint]) -> None:
        if not self.writer_failed:
            self._write(store, batch, cursors)
        self.slots.release()

    def _write_failed(self, exc: BaseException | None) -> None:
        # Anything but a refused batch (a store that cannot be opened, a bug): this source's
        # crawl goes on, but nothing more of it is stored and no cursor moves.
        if not self.writer_failed:
            self.writer_failed = True
            logger.error("store writer failed; the rest of this crawl is not stored", exc_info=exc)
            self._count(errors=1, store_failures=1)
        self.slots.release()

    def _write(self, store, batch: list[Post], cursors: list[CursorCheckpoint]) -> None:
        if batch:
            for post in batch:  # NormalisePipeline left this to the writer (nh3 releases the GIL)
                post.html = sanitize_html(post.html)
            try:
                result = store.upsert_posts(batch)
            except StoreError as exc:
                # Those posts are not stored: no cursor may move for the rest of this run
                # (a later checkpoint can cover a thread whose first posts were in this batch).
                logger.error("store refused a batch of %d posts: %s", len(batch), exc)
                self._count(errors=1, store_failures=1)
                self.store_failed = True
                return
            self._count(
                posts_new=result.inserted, posts_updated=result.updated, posts_unchanged=result.unchanged, batches=1
            )
        if self.store_failed:
            return
        store.set_cursors([(c["source"], c["key"], c["value"]) for c in cursors])
        if cursors:
            self._count(cursors_saved=len(cursors))
