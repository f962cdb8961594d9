"""Any HTML forum described by a selector profile: thread lists -> thread pages -> posts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.profiles import Profile, load_profile, select, select_nodes
from crawlers.spiders.base import ForumSpider, PageError, register
from crawlers.text import html_to_text, parse_forum_time
from misusewatch.errors import InputError
from misusewatch.records import RecordError


@register
class GenericSpider(ForumSpider):
    """The forum an analyst describes in TOML (see docs/crawlers.md#generic): no code needed."""

    name = "generic"
    platform = "generic"
    OPTIONS = {
        "profile": (str, dict),  # a profile file (relative to sources.toml) or an inline table
        "listing_pages": int,  # thread-list pages walked per crawl (default 0 = until unchanged)
    }

    def __init__(self, source=None, *, profile: Profile | None = None, **kwargs: Any):
        super().__init__(source, **kwargs)
        if profile is None:
            if "profile" not in self.options:
                raise InputError("the generic platform needs a selector profile (--profile FILE)")
            profile = load_profile(self.options["profile"], base_dir=self.source.base_dir)
        self.profile = profile
        self.rule = profile.get
        self.post_id_pattern = profile.pattern("post_id_pattern")
        self.author_id_pattern = profile.pattern("author_id_pattern")
        self.reply_to_pattern = profile.pattern("reply_to_pattern")
        self.timezone = profile.timezone or self.source.timezone

    @classmethod
    def check_source(cls, source) -> None:
        super().check_source(source)
        if "profile" not in source.options:
            raise ValueError("profile: required (a selector profile file or inline table)")
        try:
            load_profile(source.options["profile"], base_dir=source.base_dir)
        except InputError as exc:
            raise ValueError(f"profile: {exc}") from None

    # ------------------------------------------------------------ parsing

    def parse_document(self, response: Response, listing_page: int = 1, **kwargs: Any) -> Iterator[Any]:
        if not hasattr(response, "selector"):
            raise PageError("not an HTML page")
        page = response.selector
        posts = select_nodes(page, self.rule("post"))
        if posts:
            yield from self.parse_thread(response, posts)
        elif self.rule("thread_links") and self._thread_links(page):
            yield from self.parse_listing(response, listing_page)
        elif self.rule("thread_list") and select_nodes(page, self.rule("thread_list")):
            return  # a thread list with no thread on it yet: nothing to do, nothing wrong
        elif self.rule("board_links") and select(page, self.rule("board_links")):
            for href in select(page, self.rule("board_links")):
                yield response.follow(href, callback=self.parse)
        else:
            raise PageError(f"no posts ({self.rule('post')!r}), thread links or board links on this page")

    def _thread_links(self, page) -> list[str]:
        return select(page, self.rule("thread_links"))

    def _versions(self, page) -> dict[str, str]:
        """href -> the thread_version of the row that links it (thread_row + thread_version)."""
        if not (self.rule("thread_row") and self.rule("thread_version")):
            return {}
        versions: dict[str, str] = {}
        for row in select_nodes(page, self.rule("thread_row")):
            version = _first(select(row, self.rule("thread_version")))
            if version is not None:
                for href in row.css("a::attr(href)").getall():
                    versions.setdefault(href, version)
        return versions

    def parse_listing(self, response: Response, listing_page: int) -> Iterator[Any]:
        """A thread list: a request per thread (versioned by its row), then next_page."""
        page = response.selector
        versions = self._versions(page)
        for href in dict.fromkeys(self._thread_links(page)):
            version = versions.get(href)
            cursor = (f"thread:{response.urljoin(href)}", version) if version is not None else None
            yield self.follow(response, href, self.parse, cursor=cursor)
        next_href = _first(select(page, self.rule("next_page"))) if self.rule("next_page") else None
        if next_href and self.may_page(listing_page):
            yield self.follow(
                response,
                next_href,
                self.parse,
                meta={"next_listing": True},
                cb_kwargs={"listing_page": listing_page + 1},
            )

    def parse_thread(self, response: Response, posts) -> Iterator[Any]:
        page = response.selector
        thread_id = self._thread_id(response)
        title = _first(select(page, self.rule("thread_title"))) if self.rule("thread_title") else None
        board = _first(select(page, self.rule("board"))) if self.rule("board") else None
        board = _extract(board, self.profile.pattern("board_pattern"))
        for node in posts:
            yield self._post(response, node, thread_id, title, board)
        next_href = _first(select(page, self.rule("next_page"))) if self.rule("next_page") else None
        if next_href and not response.url.startswith("file:"):
            yield self.follow(response, next_href, self.parse, meta=self.continue_cursor(response))

    def _thread_id(self, response: Response) -> str:
        expr = self.rule("thread_id")
        if expr.startswith("url:"):
            match = re.search(expr[4:], response.url)
            value = (match.group(1) if match.groups() else match.group(0)) if match else None
        else:
            value = _first(select(response.selector, expr))
        if not value:
            raise PageError(f"thread_id {expr!r} found nothing")
        return value.strip()

    def _time(self, stamp: str | None):
        return parse_forum_time(stamp or "", self.rule("timestamp_format"), self.timezone)

    def _post(self, response: Response, node, thread_id: str, title: str | None, board: str | None):
        post_id = _extract(_first(select(node, self.rule("post_id"))), self.post_id_pattern)
        if not post_id:
            raise PageError(f"a post without an id ({self.rule('post_id')!r})")
        try:
            created = self._time(_first(select(node, self.rule("timestamp"))))
        except RecordError as exc:
            raise PageError(f"post {post_id}: {exc}") from None
        edited = None
        if self.rule("edited"):
            stamp = _first(select(node, self.rule("edited")))
            if stamp:
                try:
                    edited = self._time(stamp)
                except RecordError:
                    edited = None
        body_nodes = select_nodes(node, self.rule("body"))
        body = body_nodes[0].get() if body_nodes else ""
        author = _first(select(node, self.rule("author"))) if self.rule("author") else None
        author_id = None
        if self.rule("author_id"):
            author_id = _extract(_first(select(node, self.rule("author_id"))), self.author_id_pattern)
        reply_to = []
        if self.rule("reply_to"):
            for value in select(node, self.rule("reply_to")):
                target = _extract(value, self.reply_to_pattern)
                if target and target != post_id:
                    ref = self.post_ref(thread_id, target)
                    if ref not in reply_to:
                        reply_to.append(ref)
        return self.post(
            thread_id,
            post_id,
            board=" ".join(board.split()) if board else None,
            thread_title=" ".join(title.split()) if title else None,
            author=" ".join(author.split()) if author and author.strip() else None,
            author_id=author_id,
            created_at=created,
            edited_at=edited,
            text=_inner_text(body),
            html=body or None,
            reply_to=reply_to,
            url=None if response.url.startswith("file:") else f"{response.url.split('#')[0]}#{post_id}",
        )


def _first(values: list[str]) -> str | None:
    for value in values:
        if value and value.strip():
            return value.strip()
    return None


def _extract(value: str | None, pattern: re.Pattern[str] | None) -> str | None:
    if value is None or pattern is None:
        return value
    match = pattern.search(value)
    if not match:
        return None
    return match.group(1) if match.groups() else match.group(0)


def _inner_text(markup: str) -> str:
    return html_to_text(markup) if "<" in markup else " ".join(markup.split())
