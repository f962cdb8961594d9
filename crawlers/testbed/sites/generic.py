"""A home-grown HTML forum under /generic, crawled with a selector profile (profiles/generic.toml).

Markup of its own (no known forum engine): ``/generic/`` lists boards, ``/generic/board/<slug>``
lists threads (20 a page, ``a[rel=next]``), ``/generic/thread/<id>`` shows messages (12 a page)
as ``article.msg`` with ``data-msg-id``, ``span.who`` (``data-user-id``), ``span.when``
(``title="2019-03-07 16:05:33 UTC"``) and ``div.msg-body``.
"""

# ruff: noqa: E501  (page markup reads best one element per line, however long)

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crawlers.testbed.sites.base import Response, Site, qint, register
from crawlers.testbed.sites.markup import esc, linkify

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 12
TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


def _when(ts: int) -> str:
    dt = datetime.fromtimestamp(ts, UTC)
    return f'<span class="when" title="{dt.strftime(TIME_FORMAT)}">{dt.day} {dt:%b %Y, %H:%M}</span>'


@register("generic")
class Generic(Site):
    def board_name(self, spec) -> str | None:
        return self.forum.boards[spec.board].title

    def render(self, thread, post) -> tuple[str, str]:
        html, text = [], []
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                user = self.account(thread.posts[block[1]].persona)[0]
                html.append(f'<blockquote class="quote"><span class="quote-author">{esc(user)} said:</span><br>{linkify(block[2])}</blockquote>')
                text.append(f"{user} said:\n{block[2]}")
            elif kind == "code":
                html.append(f'<pre class="code">{esc(block[1])}</pre>')
                text.append(block[1])
            elif kind in ("p", "green"):
                html.append("<p>" + "<br>".join(linkify(line) for line in block[1]) + "</p>")
                text.append("\n".join(block[1]))
        return "".join(html), "\n\n".join(text)

    def identity(self, thread, post) -> dict[str, Any]:
        handle, number = self.account(post.persona)
        return {"thread_id": str(thread.spec.number), "post_id": str(post.number), "author": handle,
                "author_id": str(number), "reply_to": [], "thread_title": thread.title}

    def _page(self, title: str, body: str) -> str:
        return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{esc(title)} | The Backroom</title></head>\n<body>\n"
                '<header class="site"><a class="home" href="/generic/">The Backroom</a></header>\n'
                f'<main>\n{body}\n</main>\n<footer class="site">running BackroomBB 0.9</footer>\n</body></html>\n')

    def _pager(self, base: str, page: int, pages: int) -> str:
        links = []
        if page > 1:
            links.append(f'<a class="prev" rel="prev" href="{base}?page={page - 1}">&laquo; Prev</a>')
        links.append(f'<span class="current">Page {page} of {max(pages, 1)}</span>')
        if page < pages:
            links.append(f'<a class="next" rel="next" href="{base}?page={page + 1}">Next &raquo;</a>')
        return f'<nav class="pager">{" ".join(links)}</nav>'

    def _index(self) -> Response:
        listed = self.listing()
        rows = []
        for slot, board in enumerate(self.forum.boards):
            count = sum(1 for item in listed if item.spec.board == slot)
            rows.append(f'<li class="board"><a class="board-link" href="/generic/board/{board.slug}">{esc(board.title)}</a>'
                        f' <span class="threads">{count} threads</span></li>')
        return Response.html(self._page("Boards", f'<h1>Boards</h1>\n<ul class="boards">{"".join(rows)}</ul>'))

    def _board(self, slug: str, page: int) -> Response:
        slot = next((i for i, b in enumerate(self.forum.boards) if b.slug == slug), None)
        if slot is None:
            return Response.html(self._page("Not found", "<p>No such board.</p>"), 404)
        board = self.forum.boards[slot]
        mine = [item for item in self.listing() if item.spec.board == slot]
        pages = (len(mine) + THREADS_PER_PAGE - 1) // THREADS_PER_PAGE
        chunk = mine[(page - 1) * THREADS_PER_PAGE : page * THREADS_PER_PAGE]
        rows = []
        for item in chunk:
            thread, posts = self.visible_posts(item.spec)
            rows.append(f'<tr class="thread-row"><td><a class="thread-link" href="/generic/thread/{item.spec.number}">{esc(thread.title)}</a></td>'
                        f'<td class="starter">{esc(self.account(posts[0].persona)[0])}</td><td class="count">{len(posts)}</td>'
                        f'<td class="last">{_when(posts[-1].created)}</td></tr>')
        body = (f'<h1 class="board-title">{esc(board.title)}</h1>\n<table class="threads"><tr><th>Thread</th><th>Started by</th>'
                f'<th>Messages</th><th>Last message</th></tr>{"".join(rows)}</table>\n'
                + self._pager(f"/generic/board/{slug}", page, pages))
        return Response.html(self._page(board.title, body))

    def _thread(self, number: int, page: int) -> Response:
        spec = self.thread_by_number(number)
        if spec is None or not self.community.visible_count(spec):
            return Response.html(self._page("Not found", "<p>No such thread.</p>"), 404)
        thread, posts = self.visible_posts(spec)
        pages = (len(posts) + POSTS_PER_PAGE - 1) // POSTS_PER_PAGE
        if page > pages:
            return Response.html(self._page("Not found", "<p>No such page.</p>"), 404)
        board = self.forum.boards[spec.board]
        items = []
        for post in posts[(page - 1) * POSTS_PER_PAGE : page * POSTS_PER_PAGE]:
            html, _ = self.render(thread, post)
            handle, number_ = self.account(post.persona)
            edited = self.edited_at(post)
            note = f'<p class="edited">edited {_when(edited)}</p>' if edited else ""
            items.append(
                f'<article class="msg" id="msg-{post.number}" data-msg-id="{post.number}">\n'
                f'<header><span class="who" data-user-id="{number_}"><a href="/generic/user/{number_}">{esc(handle)}</a></span> '
                f'{_when(post.created)} <a class="permalink" href="/generic/thread/{number}?page={page}#msg-{post.number}">#{post.index + 1}</a></header>\n'
                f'<div class="msg-body">{html}</div>\n{note}<footer class="sig">-- {esc(handle)}</footer>\n</article>'
            )
        body = (f'<div class="thread" data-thread-id="{number}">\n<p class="crumbs"><a href="/generic/board/{board.slug}">{esc(board.title)}</a></p>\n'
                f'<h1 class="thread-title">{esc(thread.title)}</h1>\n' + "\n".join(items) + "\n"
                + self._pager(f"/generic/thread/{number}", page, pages) + "\n</div>")
        return Response.html(self._page(thread.title, body))

    def handle(self, path, query):
        page = max(1, qint(query, "page", 1))
        if path in ([], ["index.html"]):
            return self._index()
        if len(path) == 2 and path[0] == "board":
            return self._board(path[1], page)
        if len(path) == 2 and path[0] == "thread" and path[1].isdigit():
            return self._thread(int(path[1]), page)
        if len(path) == 2 and path[0] == "user":
            return Response.html(self._page("Member", "<p>Profiles are private.</p>"))
        return None
