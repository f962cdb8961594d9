"""4chan's read-only JSON API: threads.json / catalog.json / archive.json -> thread/{no}.json."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import ForumSpider, PageError, register
from crawlers.text import html_to_text

# Quote links inside `com`: same thread "#p123", other thread "/g/thread/456#p789".
_QUOTELINK = re.compile(r'href="(?:/(\w+)/thread/(\d+))?#p(\d+)"')
_BOARD_IN_PATH = re.compile(r"/(\w+)/(?:thread/\d+|catalog|threads|archive)(?:\.json)?")


@register
class FourChanSpider(ForumSpider):
    """Boards through the official JSON API; every thread is one request with all its posts."""

    name = "4chan"
    platform = "4chan"
    DEFAULT_SITE = "boards.4chan.org"
    OPTIONS = {
        "board": str,  # e.g. "g"; builds the start URL from api_url (else start at boards.json)
        "api_url": str,  # default https://a.4cdn.org
        "html_url": str,  # where post links point; default https://boards.4chan.org
        "archive": bool,  # also walk archive.json (closed threads)
    }

    @classmethod
    def check_source(cls, source) -> None:
        if not source.start_urls and not source.options.get("board"):
            raise ValueError("board: required (or start_urls pointing at threads.json)")

    API_HOSTS = {"a.4cdn.org": "boards.4chan.org"}

    def _start_urls(self) -> list[str]:
        urls = list(self.source.start_urls)
        board = self.options.get("board")
        if board:
            api = self.options.get("api_url", "https://a.4cdn.org").rstrip("/")
            urls.append(f"{api}/{board}/threads.json")
            if self.options.get("archive"):
                urls.append(f"{api}/{board}/archive.json")
        return urls

    def first_url(self):
        urls = self._start_urls()
        return urls[0] if urls else None

    def initial_requests(self):
        for url in self._start_urls():
            yield scrapy.Request(url, callback=self.parse)

    # ------------------------------------------------------------ parsing

    def parse_document(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        data = self.load_json(response)
        if isinstance(data, dict) and isinstance(data.get("posts"), list):
            yield from self.parse_thread(response, data)
        elif isinstance(data, dict) and isinstance(data.get("boards"), list):
            yield from self.parse_boards(response, data["boards"])
        elif isinstance(data, list) and all(isinstance(page, dict) and "threads" in page for page in data):
            yield from self.parse_thread_list(response, data)
        elif isinstance(data, list) and all(isinstance(no, int) for no in data):
            yield from self.parse_archive(response, data)
        else:
            raise PageError("not a 4chan thread, threads/catalog or archive document")

    def parse_boards(self, response: Response, boards: list[dict[str, Any]]) -> Iterator[Any]:
        """boards.json: every board's threads.json (and archive.json with ``archive``)."""
        prefix = urlsplit(response.url).path.rsplit("/boards.json", 1)[0]
        for board in boards:
            slug = board.get("board") if isinstance(board, dict) else None
            if not slug:
                raise PageError("board entry without 'board'")
            yield response.follow(f"{prefix}/{slug}/threads.json", callback=self.parse)
            if self.options.get("archive") and board.get("is_archived", 1):
                yield response.follow(f"{prefix}/{slug}/archive.json", callback=self.parse)

    def parse_thread_list(self, response: Response, pages: list[dict[str, Any]]) -> Iterator[Any]:
        """threads.json or catalog.json: one request per thread, skipped if unmodified.

        catalog.json also carries each OP and its last replies in full; those are yielded
        too (the thread request refreshes them, the store sees them as unchanged).
        """
        board = self._board(response)
        for page in pages:
            for thread in page.get("threads") or []:
                if not isinstance(thread, dict) or "no" not in thread:
                    raise PageError("thread entry without 'no'")
                no = thread["no"]
                if "time" in thread:  # catalog: the OP itself and a few recent replies
                    yield self._post(thread, no, board)
                    for reply in thread.get("last_replies") or []:
                        yield self._post(reply, no, board)
                version = thread.get("last_modified", thread.get("replies"))
                yield self.follow(
                    response,
                    self._thread_url(response, board, no),
                    self.parse,
                    cursor=(f"thread:{board}:{no}", version),
                )

    def parse_archive(self, response: Response, numbers: list[int]) -> Iterator[Any]:
        """archive.json: closed threads never change, so each is fetched once more at most."""
        board = self._board(response)
        for no in numbers:
            yield self.follow(
                response,
                self._thread_url(response, board, no),
                self.parse,
                cursor=(f"thread:{board}:{no}", "archived"),
                final=True,
            )

    def parse_thread(self, response: Response, data: dict[str, Any]) -> Iterator[Any]:
        posts = data["posts"]
        if not posts:
            return
        op = posts[0]
        thread_no = op.get("no") if not op.get("resto") else op.get("resto")
        if thread_no is None:
            raise PageError("thread without a post number")
        board = self._board(response)
        title = op.get("sub")
        for post in posts:
            if not isinstance(post, dict) or "no" not in post:
                raise PageError("post without 'no'")
            yield self._post(post, thread_no, board, title=title)

    # ------------------------------------------------------------ one post

    def _post(self, post: dict[str, Any], thread_no: int, board: str | None, title: str | None = None):
        no = post["no"]
        # As 4chan archives keep it: the name with the tripcode appended ("Moot!Ep8pui8Vw2").
        trip = post.get("trip") or ""
        author = post.get("name", "Anonymous") + trip
        if post.get("id"):  # boards with poster ids: an id is only meaningful in its thread
            author_id = f"{board}/{thread_no}/{post['id']}" if board else f"{thread_no}/{post['id']}"
        else:
            author_id = trip or None
        com = post.get("com") or ""
        return self.post(
            thread_no,
            no,
            board=board,
            thread_title=html_to_text(title) if title else None,
            author=html_to_text(author) or None,
            author_id=author_id,
            created_at=post.get("time"),
            text=html_to_text(com),
            html=com or None,
            reply_to=self._reply_to(com, thread_no, board),
            url=self._post_url(board, thread_no, no),
            raw=post,
        )

    def _reply_to(self, com: str, thread_no: int, board: str | None) -> list[str]:
        if "quotelink" not in com:
            return []
        refs: list[str] = []
        for other_board, other_thread, target in _QUOTELINK.findall(com):
            if other_board and board and other_board != board:
                if not other_thread:
                    continue  # a cross-board link without its thread names no post id
                ref = self.post_ref(other_thread, target, other_board)  # ids are board-scoped
            else:
                ref = self.post_ref(other_thread or thread_no, target, board)
            if ref not in refs:
                refs.append(ref)
        return refs

    # ------------------------------------------------------------ URLs

    def _board(self, response: Response) -> str | None:
        match = _BOARD_IN_PATH.search(urlsplit(response.url).path)
        if match:
            return match.group(1)
        return self.options.get("board")

    def _thread_url(self, response: Response, board: str | None, no: int) -> str:
        path = urlsplit(response.url).path
        prefix = path[: path.rfind(f"/{board}/")] if board and f"/{board}/" in path else ""
        return f"{prefix}/{board}/thread/{no}.json"

    def _post_url(self, board: str | None, thread_no: int, no: int) -> str | None:
        if not board:
            return None
        base = self.options.get("html_url", "https://boards.4chan.org").rstrip("/")
        return f"{base}/{board}/thread/{thread_no}#p{no}"
