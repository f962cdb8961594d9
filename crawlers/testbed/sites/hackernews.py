"""The Hacker News Firebase API under /hackernews/v0: items, story lists, maxitem, updates, users.

Items look like shared/data/forums/hackernews/stories.json: stories with ``kids``,
``descendants``, ``title``, ``text``; comments with ``parent`` and HTML ``text`` (paragraphs
opened by ``<p>``, ``/`` escaped as ``&#x2F;``). Item ids are one sequence with gaps: a gap id
is a deleted item, an id above ``maxitem.json`` is ``null``.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from crawlers.testbed.sites.base import Response, Site, register
from crawlers.testbed.sites.markup import esc_hn, linkify

LIST_SIZE = 500
NOFOLLOW = ' rel="nofollow"'


@register("hackernews")
class HackerNews(Site):
    shows_edit_time = False
    def __init__(self, community, forum):
        super().__init__(community, forum)
        self._items: dict[int, tuple[int, int]] | None = None
        self._sorted: list[int] = []

    def board_name(self, spec) -> str | None:
        return None

    def render(self, thread, post) -> tuple[str, str]:
        html, text = [], []
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                h, t = "<i>&gt; " + linkify(block[2], NOFOLLOW, esc_hn) + "</i>", "> " + block[2]
            elif kind == "code":
                h, t = f"<pre><code>{esc_hn(block[1])}\n</code></pre>", block[1]
            elif kind in ("p", "green"):
                line = " ".join(block[1])
                h, t = linkify(line, NOFOLLOW, esc_hn), line
            else:
                continue
            html.append(h if not html or kind == "code" else "<p>" + h)
            text.append(t)
        return "".join(html), "\n\n".join(text)

    def identity(self, thread, post) -> dict[str, Any]:
        handle, _ = self.account(post.persona)
        reply_to = [] if post.index == 0 else [str(thread.posts[post.parent].number)]
        return {
            "thread_id": str(thread.spec.number), "post_id": str(post.number), "author": handle,
            "author_id": handle, "reply_to": reply_to, "thread_title": thread.title,
        }

    # ------------------------------------------------------------------ items

    def _index(self) -> dict[int, tuple[int, int]]:
        if self._items is None:
            items = {}
            numbers = self.community.numbers
            for spec in self.community.threads:
                if spec.forum == self.forum.key:
                    for k in range(spec.n):
                        items[numbers[spec.first + k]] = (spec.index, k)
            self._items = items
            self._sorted = sorted(items)
        return self._items

    def _visible_max(self) -> int:
        numbers = self.community.numbers
        return max((numbers[i.spec.first + i.count - 1] for i in self.listing()), default=0)

    def _item(self, number: int) -> Any:
        index = self._index()
        found = index.get(number)
        if found is None:
            if not self._sorted or number < self._sorted[0] or number > self._visible_max():
                return None
            before = self._sorted[bisect_right(self._sorted, number) - 1]
            spec_index, k = index[before]
            spec = self.community.threads[spec_index]
            return {"deleted": True, "id": number, "time": self.community.times[spec.first + k], "type": "comment"}
        spec_index, k = found
        spec = self.community.threads[spec_index]
        count = self.community.visible_count(spec)
        if k >= count:
            return None
        thread, posts = self.visible_posts(spec)
        post = posts[k]
        handle, _ = self.account(post.persona)
        html, _ = self.render(thread, post)
        kids = [p.number for p in posts[1:] if p.parent == k and p.index != k]
        data: dict[str, Any] = {"by": handle, "id": post.number}
        if k == 0:
            data["descendants"] = count - 1
        if kids:
            data["kids"] = kids
        if k:
            data["parent"] = posts[post.parent].number
        else:
            data["score"] = 1 + post.number % 400
        if html:
            data["text"] = html
        data["time"] = post.created
        if k == 0:
            data["title"] = thread.title
            data["type"] = "story"
        else:
            data["type"] = "comment"
        return data

    def _stories(self) -> list[int]:
        listed = sorted(self.listing(), key=lambda item: -self.community.times[item.spec.first])
        return [item.spec.number for item in listed[:LIST_SIZE]]

    def handle(self, path, query):
        if not path or path[0] != "v0":
            return None
        rest = path[1:]
        if rest == ["maxitem.json"]:
            return Response.json(self._visible_max())
        if rest in (["newstories.json"], ["askstories.json"], ["showstories.json"]):
            return Response.json(self._stories())
        if rest in (["topstories.json"], ["beststories.json"]):
            return Response.json(sorted(self._stories(), key=lambda n: -(1 + n % 400)))
        if rest == ["updates.json"]:
            recent = [item.spec.number for item in self.listing()[:20]]
            return Response.json({"items": recent, "profiles": []})
        if len(rest) == 2 and rest[0] == "item" and rest[1].endswith(".json") and rest[1][:-5].isdigit():
            return Response.json(self._item(int(rest[1][:-5])))
        if len(rest) == 2 and rest[0] == "user" and rest[1].endswith(".json"):
            return Response.json(self._user(rest[1][:-5]))
        return None

    def _user(self, name: str) -> Any:
        for persona in self.community.personas:
            account = persona.accounts.get(self.forum.key)
            if account and account[0] == name:
                return {"id": name, "created": 1300000000 + account[1] * 86400, "karma": 1 + account[1] * 13 % 5000}
        return None
