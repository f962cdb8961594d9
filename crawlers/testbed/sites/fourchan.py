"""4chan's read-only JSON API: boards.json, catalog, threads, thread and archive per board.

Field by field like ``a.4cdn.org`` (see the recorded thread in shared/data/forums/4chan):
``com`` is HTML with ``<br>``, greentext ``<span class="quote">`` and quotelinks
``<a href="#p123" class="quotelink">&gt;&gt;123</a>``; boards with poster ids add ``id``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from crawlers.testbed.personas import poster_id
from crawlers.testbed.sites.base import Listed, Response, Site, register
from crawlers.testbed.sites.markup import esc_4chan, fourchan_now, slugify

PER_PAGE = 15
PAGES = 10
LIVE = PER_PAGE * PAGES
COUNTRIES = (("US", "United States"), ("GB", "United Kingdom"), ("CA", "Canada"), ("DE", "Germany"),
             ("AU", "Australia"), ("NL", "Netherlands"), ("SE", "Sweden"), ("PL", "Poland"))


@register("4chan")
class FourChan(Site):
    # ------------------------------------------------------------------ bodies

    def render(self, thread, post) -> tuple[str, str]:
        html_parts: list[str] = []
        text_parts: list[str] = []
        previous = None
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "ref":
                no = thread.posts[block[1]].number
                h, t = f'<a href="#p{no}" class="quotelink">&gt;&gt;{no}</a>', f">>{no}"
            elif kind == "green":
                h = "<br>".join(f'<span class="quote">{esc_4chan(line)}</span>' for line in block[1])
                t = "\n".join(block[1])
            elif kind == "code":
                h = f'<pre class="prettyprint">{esc_4chan(block[1]).replace(chr(10), "<br>")}</pre>'
                t = block[1]
            elif kind == "quote":
                h, t = f'<span class="quote">&gt;{esc_4chan(block[2])}</span>', ">" + block[2]
            else:
                h, t = "<br>".join(esc_4chan(line) for line in block[1]), "\n".join(block[1])
            if previous is not None:
                blank = previous == "p" and kind == "p" or "code" in (previous, kind)
                html_parts.append("<br><br>" if blank and "code" not in (previous, kind) else "<br>")
                text_parts.append("\n\n" if blank else "\n")
            html_parts.append(h)
            text_parts.append(t)
            previous = kind
        return "".join(html_parts), "".join(text_parts)

    def _poster(self, thread, post) -> dict[str, str]:
        persona = self.community.personas[post.persona]
        fields = {"name": "Anonymous"}
        if persona.trip:
            handle = persona.accounts[self.forum.key][0]
            if int(hashlib.md5(persona.key.encode()).hexdigest(), 16) % 2:
                fields["name"] = handle
            fields["trip"] = persona.trip
        if self.forum.boards[thread.spec.board].poster_ids:
            fields["id"] = poster_id(persona.key, thread.spec.number, self.community.seed)
        return fields

    def identity(self, thread, post) -> dict[str, Any]:
        poster = self._poster(thread, post)
        author = poster["name"] + poster.get("trip", "")
        if "id" in poster:
            author_id = f"{self.board_name(thread.spec)}/{thread.spec.number}/{poster['id']}"
        else:
            author_id = poster.get("trip")
        refs = [thread.posts[b[1]].number for b in post.blocks if b[0] == "ref"]
        return {
            "thread_id": str(thread.spec.number), "post_id": str(post.number),
            "author": author, "author_id": author_id,
            "reply_to": [str(n) for n in dict.fromkeys(refs)],
            "thread_title": thread.title if thread.show_title else None,
        }

    # ------------------------------------------------------------------ API objects

    def _post_json(self, thread, post, count: int) -> dict[str, Any]:
        spec = thread.spec
        board = self.forum.boards[spec.board]
        data: dict[str, Any] = {"no": post.number, "now": fourchan_now(post.created)}
        data.update(self._poster(thread, post))
        if board.slug == "pol":
            code, name = COUNTRIES[post.persona % len(COUNTRIES)]
            data["country"], data["country_name"] = code, name
        if post.index == 0 and thread.show_title:
            data["sub"] = esc_4chan(thread.title)
        html, _ = self.render(thread, post)
        if html:
            data["com"] = html
        if post.index == 0 or post.number % 5 == 0:
            digest = hashlib.md5(str(post.number).encode()).digest()
            data.update({
                "filename": f"{post.created * 1000 % 10**13}", "ext": (".png", ".jpg", ".gif")[post.number % 3],
                "w": 400 + post.number % 900, "h": 300 + post.number % 700, "tn_w": 250, "tn_h": 196,
                "tim": post.created * 1000 + post.number % 1000, "md5": _b64(digest),
                "fsize": 20000 + post.number % 900000,
            })
        data["time"] = post.created
        data["resto"] = 0 if post.index == 0 else spec.number
        if post.index == 0:
            data.update({
                "bumplimit": int(count >= 300), "imagelimit": 0, "semantic_url": slugify(thread.title),
                "replies": count - 1, "images": sum(1 for p in thread.posts[1:count] if p.number % 5 == 0),
                "unique_ips": len({p.persona for p in thread.posts[:count]}),
            })
        return data

    def _live(self, board: str) -> tuple[list[Listed], list[Listed]]:
        """(live threads in bump order, archived threads) of one board at "now"."""
        slot = next((i for i, b in enumerate(self.forum.boards) if b.slug == board), None)
        if slot is None:
            return [], []
        listed = [item for item in self.listing() if item.spec.board == slot]
        return listed[:LIVE], listed[LIVE:]

    def _thread(self, board: str, no: int) -> Response:
        spec = self.thread_by_number(no)
        if spec is None or self.forum.boards[spec.board].slug != board:
            return Response.not_found()
        live, archived = self._live(board)
        thread, posts = self.visible_posts(spec)
        if not posts:
            return Response.not_found()
        out = [self._post_json(thread, post, len(posts)) for post in posts]
        if any(item.spec.index == spec.index for item in archived):
            out[0]["archived"] = 1
            out[0]["archived_on"] = posts[-1].created + 3 * 86400
            out[0]["closed"] = 1
        return Response.json({"posts": out})

    def _catalog(self, board: str) -> Response:
        live, _ = self._live(board)
        pages = []
        for page in range(PAGES):
            chunk = live[page * PER_PAGE : (page + 1) * PER_PAGE]
            if not chunk and page:
                break
            threads = []
            for item in chunk:
                thread, posts = self.visible_posts(item.spec)
                op = self._post_json(thread, posts[0], len(posts))
                op["omitted_posts"] = max(0, len(posts) - 1 - 5)
                op["omitted_images"] = 0
                op["last_modified"] = item.last
                if len(posts) > 1:
                    op["last_replies"] = [self._post_json(thread, p, len(posts)) for p in posts[-5:] if p.index]
                threads.append(op)
            pages.append({"page": page + 1, "threads": threads})
        return Response.json(pages)

    def _threads(self, board: str) -> Response:
        live, _ = self._live(board)
        pages = []
        for page in range(PAGES):
            chunk = live[page * PER_PAGE : (page + 1) * PER_PAGE]
            if not chunk and page:
                break
            pages.append({"page": page + 1, "threads": [
                {"no": item.spec.number, "last_modified": item.last, "replies": item.count - 1} for item in chunk
            ]})
        return Response.json(pages)

    def _archive(self, board: str) -> Response:
        _, archived = self._live(board)
        return Response.json(sorted(item.spec.number for item in archived))

    def _boards(self) -> Response:
        return Response.json({"boards": [
            {"board": b.slug, "title": b.title, "ws_board": 1, "per_page": PER_PAGE, "pages": PAGES,
             "max_filesize": 4194304, "max_comment_chars": 2000, "bump_limit": 300, "image_limit": 150,
             "is_archived": 1, **({"user_ids": 1} if b.poster_ids else {})}
            for b in self.forum.boards
        ]})

    def handle(self, path, query):
        if path == ["boards.json"]:
            return self._boards()
        if len(path) == 2 and path[1] in ("catalog.json", "threads.json", "archive.json"):
            if not any(b.slug == path[0] for b in self.forum.boards):
                return Response.not_found()
            return {"catalog.json": self._catalog, "threads.json": self._threads,
                    "archive.json": self._archive}[path[1]](path[0])
        if len(path) == 3 and path[1] in ("thread", "res") and path[2].endswith(".json"):
            number = path[2][: -len(".json")]
            if number.isdigit():
                return self._thread(path[0], int(number))
        return None


def _b64(digest: bytes) -> str:
    import base64

    return base64.b64encode(digest).decode()
