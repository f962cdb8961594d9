"""What every hosted platform provides: post bodies (HTML and plain text), identities, routes.

A platform is one module under ``crawlers/testbed/sites/`` with a :class:`Site` subclass
registered by forum key; the server routes ``/<key>/...`` to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from misusewatch import ids

if TYPE_CHECKING:
    from crawlers.testbed.community import Community, ThreadSpec
    from crawlers.testbed.content import Thread, TPost
    from crawlers.testbed.forums import Forum

SITE = "127.0.0.1"  # the host without port: what post ids use for the testbed
SITES: dict[str, type[Site]] = {}


def register(key: str):
    def decorate(cls: type[Site]) -> type[Site]:
        cls.key = key
        SITES[key] = cls
        return cls

    return decorate


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        return cls(status, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())

    @classmethod
    def html(cls, text: str, status: int = 200, charset: str = "utf-8") -> Response:
        # Characters the charset lacks become numeric references, as old PHP boards stored them.
        body = text.encode(charset, errors="xmlcharrefreplace")
        return cls(status, body, f"text/html; charset={charset}")

    @classmethod
    def xml(cls, text: str, content_type: str) -> Response:
        return cls(200, text.encode("utf-8"), content_type)

    @classmethod
    def not_found(cls, what: str = "not found") -> Response:
        return cls(404, json.dumps({"error": what}).encode())


@dataclass(slots=True)
class Listed:
    """A thread as listed at the community's "now": how many posts show, when last bumped."""

    spec: ThreadSpec
    count: int
    last: int


class Site:
    """One hosted forum in one platform's wire format."""

    key: ClassVar[str] = ""
    # Whether the platform shows when a post was edited (Hacker News only changes the text).
    shows_edit_time: ClassVar[bool] = True

    def __init__(self, community: Community, forum: Forum):
        self.community = community
        self.forum = forum
        self.platform = forum.platform
        self.base_url = f"http://{SITE}"  # set per request from the Host header (feeds need absolute links)
        self._listing_now: int | None = None
        self._listing: list[Listed] = []
        self._by_number: dict[int, ThreadSpec] | None = None

    # ------------------------------------------------------------------ shared helpers

    @property
    def now(self) -> int:
        return self.community.now

    def account(self, persona: int) -> tuple[str, int]:
        return self.community.personas[persona].accounts[self.forum.key]

    def listing(self) -> list[Listed]:
        """Visible threads, most recently bumped first (cached until "now" changes)."""
        if self._listing_now != self.now:
            times = self.community.times
            listed = []
            for spec in self.community.threads:
                if spec.forum != self.forum.key:
                    continue
                count = self.community.visible_count(spec)
                if count:
                    listed.append(Listed(spec, count, times[spec.first + count - 1]))
            listed.sort(key=lambda item: (-item.last, -item.spec.number))
            self._listing, self._listing_now = listed, self.now
        return self._listing

    def thread_by_number(self, number: int) -> ThreadSpec | None:
        if self._by_number is None:
            self._by_number = {
                s.number: s for s in self.community.threads if s.forum == self.forum.key
            }
        return self._by_number.get(number)

    def visible_posts(self, spec: ThreadSpec) -> tuple[Thread, list[TPost]]:
        thread = self.community.thread(spec.index)
        return thread, thread.posts[: self.community.visible_count(spec)]

    def edited_at(self, post: TPost) -> int | None:
        return post.edited if post.edited and post.edited <= self.now else None

    def board_name(self, spec: ThreadSpec) -> str | None:
        return self.forum.boards[spec.board].slug

    # ------------------------------------------------------------------ per platform

    def render(self, thread: Thread, post: TPost) -> tuple[str, str]:
        """(HTML as served, the plain text ``crawlers.text.html_to_text`` gives for it)."""
        raise NotImplementedError

    def identity(self, thread: Thread, post: TPost) -> dict[str, Any]:
        """thread_id, post_id, author, author_id, reply_to (post ids), thread_title."""
        raise NotImplementedError

    def handle(self, path: list[str], query: dict[str, list[str]]) -> Response | None:
        """Answer ``/<key>/<path...>``; None when no route matches (the server says 404)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ truth

    @property
    def site_name(self) -> str:
        """The site component of this forum's ids (the host; phpBB adds its install folder)."""
        return SITE

    def id_site(self, thread: Thread) -> str:
        """The site component of a post id in this thread (4chan adds the board)."""
        return ids.scoped_site(self.platform, self.site_name, self.board_name(thread.spec))

    def post_key(self, thread: Thread, post: TPost) -> str:
        fields = self.identity(thread, post)
        return ids.post_id(self.platform, self.id_site(thread), fields["thread_id"], fields["post_id"])


def qint(query: dict[str, list[str]], name: str, default: int = 0) -> int:
    try:
        return int(query.get(name, [default])[0])
    except (TypeError, ValueError):
        return default


def join_blocks(parts: list[tuple[str, str]], html_sep: str, text_sep: str = "\n\n") -> tuple[str, str]:
    return html_sep.join(h for h, _ in parts), text_sep.join(t for _, t in parts)
