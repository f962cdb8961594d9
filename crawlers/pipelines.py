"""Item pipelines: validate -> normalise -> store (batched upserts; cursors after commits)."""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.exceptions import DropItem, NotConfigured

from crawlers.items import CursorCheckpoint, PostItem
from crawlers.storage import store_for
from crawlers.text import normalise_text, sanitize_html
from misusewatch.records import Post, RecordError
from misusewatch.store import StoreError

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- the steps, usable alone


def validate_item(item: PostItem | dict[str, Any]) -> Post:
    """A spider's raw item as a Post record; RecordError (one line, naming the field) if not."""
    data = dict(item)
    try:
        return Post.from_dict(data)
    except TypeError as exc:  # a field of the wrong shape, e.g. reply_to not a list
        raise RecordError(f"malformed field: {exc}") from None


def normalise_post(post: Post, *, keep_raw: bool = True) -> Post:
    """The stored form: clean plain text, sanitized HTML, lower-case site, tidy names."""
    text = normalise_text(post.text)
    reply_to = [r for r in dict.fromkeys(post.reply_to) if r != post.id]
    title = " ".join(post.thread_title.split()) if post.thread_title else None
    author = post.author.strip() if post.author and post.author.strip() else None
    return post.replace(
        text=text,
        html=sanitize_html(post.html),
        site=post.site.lower(),
        thread_title=title or None,
        author=author,
        reply_to=reply_to,
        raw=post.raw if keep_raw else None,
    )


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
        if not isinstance(item, PostItem):
            return item
        try:
            return validate_item(item)
        except RecordError as exc:
            self.stats.inc_value("misusewatch/errors")
            self.stats.inc_value("misusewatch/invalid_posts")
            raise DropItem(f"invalid post {item.get('id')} from {item_url(item)}: {exc}") from None


class NormalisePipeline:
    """Clean every Post the same way whichever spider made it (text, HTML, names)."""

    def __init__(self, keep_raw: bool):
        self.keep_raw = keep_raw

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getbool("MISUSEWATCH_KEEP_RAW", True))

    def process_item(self, item):
        if isinstance(item, Post):
            return normalise_post(item, keep_raw=self.keep_raw)
        return item


class StorePipeline:
    """Batched, idempotent upserts through the Store protocol.

    A batch is written when it holds ``MISUSEWATCH_BATCH_SIZE`` posts, when it is older than
    ``MISUSEWATCH_FLUSH_INTERVAL`` seconds, and when the spider closes. A CursorCheckpoint is
    applied only after every post that arrived before it is committed: a crawl killed at any
    moment loses nothing, because a thread whose cursor did not move is fetched again.
    """

    def __init__(self, crawler, batch_size: int, flush_interval: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval
        self.store = store_for(crawler)
        self.batch: list[Post] = []
        self.pending_cursors: list[CursorCheckpoint] = []
        self.first_pending_at: float | None = None
        # (id, content_hash) already sent this run: a page yielding a post another page
        # already gave (a listing and its thread) is not stored or counted twice.
        # Hashes, not the strings: this set lives as long as the crawl.
        self.sent: set[int] = set()
        self._timer = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("MISUSEWATCH_STORE"):
            raise NotConfigured("MISUSEWATCH_STORE is not set")
        return cls(
            crawler,
            crawler.settings.getint("MISUSEWATCH_BATCH_SIZE", 500),
            crawler.settings.getfloat("MISUSEWATCH_FLUSH_INTERVAL", 5.0),
        )

    def open_spider(self):
        if self.flush_interval > 0:
            from twisted.internet import task

            self._timer = task.LoopingCall(self._flush_if_stale)
            self._timer.start(self.flush_interval, now=False)

    def close_spider(self):
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()

    def process_item(self, item):
        if isinstance(item, CursorCheckpoint):
            if self.batch:
                self.pending_cursors.append(item)
            else:
                self._apply_cursors([item])
            return item
        if not isinstance(item, Post):
            return item
        key = hash((item.id, item.content_hash))
        if key in self.sent:
            return item
        self.sent.add(key)
        self.batch.append(item)
        if self.first_pending_at is None:
            self.first_pending_at = time.monotonic()
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def _flush_if_stale(self) -> None:
        if self.first_pending_at is not None and time.monotonic() - self.first_pending_at >= self.flush_interval:
            self.flush()
        elif not self.batch and self.pending_cursors:
            self._apply_cursors(self.pending_cursors)
            self.pending_cursors = []

    def flush(self) -> None:
        batch, cursors = self.batch, self.pending_cursors
        self.batch, self.pending_cursors, self.first_pending_at = [], [], None
        if batch:
            try:
                result = self.store.upsert_posts(batch)
            except StoreError as exc:
                # The posts are not stored, so the cursors covering them must not move.
                self.stats.inc_value("misusewatch/errors")
                self.stats.inc_value("misusewatch/store_failures")
                logger.error("store refused a batch of %d posts: %s", len(batch), exc)
                for post in batch:
                    self.sent.discard(hash((post.id, post.content_hash)))
                return
            self.stats.inc_value("misusewatch/posts_new", result.inserted)
            self.stats.inc_value("misusewatch/posts_updated", result.updated)
            self.stats.inc_value("misusewatch/posts_unchanged", result.unchanged)
            self.stats.inc_value("misusewatch/batches")
        self._apply_cursors(cursors)

    def _apply_cursors(self, cursors: list[CursorCheckpoint]) -> None:
        for checkpoint in cursors:
            self.store.set_cursor(checkpoint["source"], checkpoint["key"], checkpoint["value"])
            self.stats.inc_value("misusewatch/cursors_saved")
