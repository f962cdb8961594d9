"""What every platform spider shares: the source it crawls, post construction, page errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import orjson
import scrapy
from scrapy.http import Response

from crawlers.items import PostItem
from crawlers.sources import Source
from misusewatch import ids
from misusewatch.records import utcnow

SPIDERS: dict[str, type[ForumSpider]] = {}
# 20 digits in a row may be an integer orjson cannot hold (past 2**64). Found by mapping every
# digit to 9 and searching for twenty 9s: a regex is slower than the parse itself.
_DIGITS_TO_9 = bytes.maketrans(b"012345678", b"999999999")
_TWENTY_DIGITS = b"9" * 20
# Id components quote() leaves as they are.
_PLAIN = re.compile(r"[A-Za-z0-9._~-]+\Z")


def register(cls: type[ForumSpider]) -> type[ForumSpider]:
    """Make a spider class the parser of its ``platform`` (sources, ``parse``, ``crawl``)."""
    SPIDERS[cls.platform] = cls
    return cls


class PageError(ValueError):
    """A page that cannot be parsed (malformed, truncated, not the expected format).

    Spiders raise it; the middleware logs it once with the URL, counts an error and skips
    the page, so one bad page never stops a crawl or advances a cursor.
    """


class ForumSpider(scrapy.Spider):
    """Base class: one subclass per platform, constructed for one watchlist source.

    Subclasses set ``platform`` (the id component), ``OPTIONS`` (source keys they accept,
    name -> type), implement :meth:`initial_requests` (what a crawl fetches first) and
    :meth:`parse_document` (any page of theirs -> posts and follow-up requests, found by
    looking at the page, so saved files parse without knowing which URL they came from).
    Spiders only parse: validation, cleaning and storage are the pipelines' work.
    """

    platform: ClassVar[str] = ""
    OPTIONS: ClassVar[dict[str, type | tuple[type, ...]]] = {}
    # Used for offline files when neither the source nor a URL names the site.
    DEFAULT_SITE: ClassVar[str | None] = None
    # API hosts that are not the site people visit (a.4cdn.org serves boards.4chan.org):
    # their posts get the site's name, so a crawl and an offline parse agree on ids.
    API_HOSTS: ClassVar[dict[str, str]] = {}
    # Its threads are requested with cursor keys (``follow(..., cursor=...)``), so a crawl
    # without politeness may split them over processes (crawlers.runner.plan_processes).
    SHARDABLE: ClassVar[bool] = True

    def __init__(self, source: Source | None = None, *, site: str | None = None, **kwargs: Any):
        if source is None:
            source = Source(name=f"{self.platform}-offline", platform=self.platform, site=site)
        elif site:
            source.site = site
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.options = source.options
        self._prefixes: dict[str | None, str] = {}
        first = self.first_url()
        if source.site:
            self.site = source.site.lower()
        elif first and urlsplit(first).hostname:
            self.site = self.site_for_url(first)
        else:
            self.site = (self.DEFAULT_SITE or "offline").lower()

    def site_for_url(self, url: str) -> str:
        """The site a URL belongs to: its host without the port (API hosts mapped to the site)."""
        host = (urlsplit(url).hostname or "").lower()
        return self.API_HOSTS.get(host, host)

    def first_url(self) -> str | None:
        """The URL that names the site: the first start URL (platforms may build one)."""
        return self.source.start_urls[0] if self.source.start_urls else None

    @classmethod
    def check_source(cls, source: Source) -> None:
        """Raise ValueError("field: why") when a source lacks what this spider needs."""
        if not source.start_urls:
            raise ValueError("start_urls: at least one URL is needed for this platform")

    # ------------------------------------------------------------ crawling

    async def start(self):  # Scrapy >= 2.13 entry point
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterable[scrapy.Request]:
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        return self.parse_document(response, **kwargs)

    def parse_document(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Any page this platform serves -> PostItems and Requests. Raises PageError."""
        raise NotImplementedError

    # ------------------------------------------------------------ helpers for subclasses

    def post(self, thread_id: object, post_id: object, **fields: Any) -> PostItem:
        """A PostItem of this spider's platform, site and source with its deterministic id."""
        thread_id, post_id = str(thread_id), str(post_id)
        values = {
            "id": self.post_ref(thread_id, post_id, fields.get("board")),
            "source": self.source.name,
            "platform": self.platform,
            "site": self.site,
            "thread_id": thread_id,
            "post_id": post_id,
            "collected_at": utcnow(),
        }
        for key, value in fields.items():
            if value is not None:
                values[key] = value
        return PostItem.of(values)

    def post_ref(self, thread_id: object, post_id: object, board: object = None) -> str:
        """The id a post of this site has (``ids.post_id``): what ``reply_to`` lists too."""
        thread_id, post_id = str(thread_id), str(post_id)
        board = str(board) if board is not None else None
        if _PLAIN.match(thread_id) and _PLAIN.match(post_id):
            # The common case (numbers, base36): nothing to escape, so skip quote().
            prefix = self._prefixes.get(board)
            if prefix is None:
                prefix = self._prefixes[board] = ids.thread_key(self.platform, self.site, "x", board)[:-1]
            return f"{prefix}{thread_id}:{post_id}"
        return ids.post_id(self.platform, self.site, thread_id, post_id, board)

    @staticmethod
    def load_json(response: Response) -> Any:
        """The response body as JSON, or PageError naming what is wrong."""
        body = response.body
        # orjson reads UTF-8 about 2.5x faster and gives the same objects; what it refuses
        # (other encodings, lone surrogates, NaN) and integers past 64 bits (it makes them
        # floats) json decides.
        if _TWENTY_DIGITS not in body.translate(_DIGITS_TO_9):
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass
        try:
            return json.loads(response.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PageError(f"not valid JSON ({exc})") from None

    def follow(
        self,
        response: Response,
        url: str,
        callback: Any,
        *,
        cursor: tuple[str, Any] | None = None,
        final: bool = False,
        meta: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> scrapy.Request:
        """A request for ``url`` (relative to the page); ``cursor`` = (key, version token).

        With a cursor, the request is skipped when the store's cursor already holds that
        token (nothing changed since the last crawl), and the cursor moves to it only once
        every post the request (and its continuation pages) yielded is committed. ``final``:
        the page cannot change any more (an archived thread), so it is not read again after
        MISUSEWATCH_REVISIT_AFTER either.
        """
        meta = dict(meta or {})
        if cursor is not None:
            meta["cursor"] = {"key": cursor[0], "value": cursor[1], **({"final": True} if final else {})}
        return response.follow(url, callback=callback, meta=meta, **kwargs)

    @staticmethod
    def continue_cursor(response: Response, meta: dict[str, Any] | None = None) -> dict[str, Any]:
        """Meta for a continuation page: the cursor moves only after the last page."""
        meta = dict(meta or {})
        if "cursor" in response.meta:
            meta["cursor"] = response.meta["cursor"]
        return meta

    def may_page(self, page_no: int, *, default: int = 0) -> bool:
        """May listing page ``page_no + 1`` be fetched? (option ``listing_pages``, 0 = all)"""
        limit = self.options.get("listing_pages", default)
        return not limit or page_no < limit

    @staticmethod
    def host(url: str) -> str | None:
        return urlsplit(url).hostname
