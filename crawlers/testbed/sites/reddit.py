"""Reddit's JSON: /r/{sub}/new.json listings, /comments/{id}.json trees with "more" stubs.

Like the recorded shared/data/forums/reddit/comments.json: ``[link listing, comment listing]``
with nested ``replies`` listings. A page shows ``?limit=`` comments (default 200, at most 500,
as Reddit); a comment's replies left out are listed in a ``more`` stub under it (fetch them
with ``/api/morechildren.json?link_id=t3_..&children=a,b``); at depth 10 a "continue this
thread" stub (``id: "_"``) points to ``/comments/{link}/_/{comment}.json``.
"""

from __future__ import annotations

import heapq
from typing import Any

from crawlers.testbed.sites.base import Response, Site, qint, register
from crawlers.testbed.sites.markup import esc, linkify, slugify

# Comments on a /comments page: Reddit's default and its most for ?limit= (the recorded
# shared/data/forums/reddit/comments.json holds 476 of a thread's 543 comments).
DEFAULT_COMMENTS, MAX_COMMENTS = 200, 500
# Reddit shows depths 0-9 on a page and a "continue this thread" stub at 10, as in the recorded
# page.
DEPTH_LIMIT = 10
PAGE = 25


def b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
        if not number:
            return out


@register("reddit")
class Reddit(Site):
    # ------------------------------------------------------------------ bodies

    def _blocks(self, thread, post) -> tuple[str, str, str]:
        """(markdown source, HTML inside div.md, plain text)."""
        md, html, text = [], [], []
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                md.append("> " + block[2])
                html.append(f"<blockquote>\n<p>{linkify(block[2])}</p>\n</blockquote>")
                text.append(block[2])
            elif kind == "code":
                md.append("\n".join("    " + line if line else "" for line in block[1].split("\n")))
                html.append(f"<pre><code>{esc(block[1])}\n</code></pre>")
                text.append(block[1])
            elif kind in ("p", "green"):
                line = " ".join(block[1])  # one markdown paragraph: single newlines do not break
                md.append(line)
                html.append(f"<p>{linkify(line)}</p>")
                text.append(line)
        return "\n\n".join(md), "\n\n".join(html), "\n\n".join(text)

    def render(self, thread, post) -> tuple[str, str]:
        _, html, text = self._blocks(thread, post)
        if post.index == 0:
            return f'<!-- SC_OFF --><div class="md">{html}\n</div><!-- SC_ON -->', text
        return f'<div class="md">{html}\n</div>', text

    def _fullname(self, persona: int) -> str:
        return "t2_" + b36(self.account(persona)[1] * 7919 + 1_000_003)

    def _id(self, thread, post) -> str:
        return b36(thread.spec.number) if post.index == 0 else b36(post.number)

    def identity(self, thread, post) -> dict[str, Any]:
        handle, _ = self.account(post.persona)
        reply_to = [] if post.index == 0 else [self._id(thread, thread.posts[post.parent])]
        return {
            "thread_id": b36(thread.spec.number), "post_id": self._id(thread, post), "author": handle,
            "author_id": self._fullname(post.persona), "reply_to": reply_to,
            "thread_title": thread.title,
        }

    # ------------------------------------------------------------------ things

    def _sub(self, spec) -> str:
        return self.forum.boards[spec.board].slug

    def _permalink(self, thread, post=None) -> str:
        slug = slugify(thread.title, 50).replace("-", "_")
        base = f"/r/{self._sub(thread.spec)}/comments/{b36(thread.spec.number)}/{slug}/"
        return base if post is None or post.index == 0 else f"{base}{b36(post.number)}/"

    def _link(self, thread, posts) -> dict[str, Any]:
        op = posts[0]
        md, _, _ = self._blocks(thread, op)
        html, _ = self.render(thread, op)
        sub = self._sub(thread.spec)
        handle, _ = self.account(op.persona)
        edited = self.edited_at(op)
        link_id = b36(thread.spec.number)
        return {"kind": "t3", "data": {
            "approved_at_utc": None, "subreddit": sub, "selftext": md, "author_fullname": self._fullname(op.persona),
            "saved": False, "mod_reason_title": None, "gilded": 0, "clicked": False, "title": thread.title,
            "link_flair_richtext": [], "subreddit_name_prefixed": f"r/{sub}", "hidden": False, "pwls": 6,
            "link_flair_css_class": None, "downs": 0, "thumbnail_height": None, "top_awarded_type": None,
            "hide_score": False, "name": f"t3_{link_id}", "quarantine": False, "link_flair_text_color": "dark",
            "upvote_ratio": 0.9, "author_flair_background_color": None, "subreddit_type": "public",
            "ups": 1 + op.number % 300, "total_awards_received": 0, "media_embed": {}, "thumbnail_width": None,
            "author_flair_template_id": None, "is_original_content": False, "user_reports": [],
            "secure_media": None, "is_reddit_media_domain": False, "is_meta": False, "category": None,
            "secure_media_embed": {}, "link_flair_text": None, "can_mod_post": False, "score": 1 + op.number % 300,
            "approved_by": None, "is_created_from_ads_ui": False, "author_premium": False, "thumbnail": "self",
            "edited": float(edited) if edited else False, "author_flair_css_class": None, "author_flair_richtext": [],
            "gildings": {}, "content_categories": None, "is_self": True, "mod_note": None,
            "created": float(op.created), "link_flair_type": "text", "wls": 6, "removed_by_category": None,
            "banned_by": None, "author_flair_type": "text", "domain": f"self.{sub}", "allow_live_comments": False,
            "selftext_html": html, "likes": None, "suggested_sort": None, "banned_at_utc": None,
            "view_count": None, "archived": False, "no_follow": False, "is_crosspostable": False, "pinned": False,
            "over_18": False, "all_awardings": [], "awarders": [], "media_only": False, "can_gild": False,
            "spoiler": False, "locked": False, "author_flair_text": None, "treatment_tags": [], "visited": False,
            "removed_by": None, "num_reports": None, "distinguished": None,
            "subreddit_id": f"t5_{b36(9000 + thread.spec.board)}", "author_is_blocked": False,
            "mod_reason_by": None, "removal_reason": None, "link_flair_background_color": "",
            "id": link_id, "is_robot_indexable": True, "report_reasons": None, "author": handle,
            "discussion_type": None, "num_comments": len(posts) - 1, "send_replies": True, "contest_mode": False,
            "mod_reports": [], "author_patreon_flair": False, "author_flair_text_color": None,
            "permalink": self._permalink(thread), "stickied": False,
            "url": f"https://www.reddit.com{self._permalink(thread)}", "subreddit_subscribers": 120000,
            "created_utc": float(op.created), "num_crossposts": 0, "media": None, "is_video": False,
        }}

    def _comment(self, thread, post, depth: int, replies: Any) -> dict[str, Any]:
        md, _, _ = self._blocks(thread, post)
        html, _ = self.render(thread, post)
        sub = self._sub(thread.spec)
        handle, _ = self.account(post.persona)
        parent = thread.posts[post.parent]
        edited = self.edited_at(post)
        link_id = b36(thread.spec.number)
        parent_id = f"t3_{link_id}" if post.parent == 0 else f"t1_{b36(parent.number)}"
        cid = b36(post.number)
        return {"kind": "t1", "data": {
            "subreddit_id": f"t5_{b36(9000 + thread.spec.board)}", "approved_at_utc": None, "author_is_blocked": False,
            "comment_type": None, "awarders": [], "mod_reason_by": None, "banned_by": None, "author_flair_type": "text",
            "total_awards_received": 0, "subreddit": sub, "author_flair_template_id": None, "likes": None,
            "replies": replies, "user_reports": [], "saved": False, "id": cid, "banned_at_utc": None,
            "mod_reason_title": None, "gilded": 0, "archived": False, "collapsed_reason_code": None, "no_follow": True,
            "author": handle, "can_mod_post": False, "created_utc": float(post.created), "send_replies": True,
            "parent_id": parent_id, "score": 1 + post.number % 50, "author_fullname": self._fullname(post.persona),
            "approved_by": None, "mod_note": None, "all_awardings": [], "collapsed": False, "body": md,
            "edited": float(edited) if edited else False, "top_awarded_type": None, "author_flair_css_class": None,
            "name": f"t1_{cid}", "is_submitter": post.persona == thread.posts[0].persona, "downs": 0,
            "author_flair_richtext": [], "author_patreon_flair": False, "body_html": html, "removal_reason": None,
            "collapsed_reason": None, "distinguished": None, "associated_award": None, "stickied": False,
            "author_premium": False, "can_gild": True, "gildings": {}, "unrepliable_reason": None,
            "author_flair_text_color": None, "score_hidden": False, "permalink": self._permalink(thread, post),
            "subreddit_type": "public", "locked": False, "report_reasons": None, "created": float(post.created),
            "author_flair_text": None, "treatment_tags": [], "link_id": f"t3_{link_id}",
            "subreddit_name_prefixed": f"r/{sub}", "controversiality": 0, "depth": depth,
            "author_flair_background_color": None, "collapsed_because_crowd_control": None, "mod_reports": [],
            "num_reports": None, "ups": 1 + post.number % 50,
        }}

    @staticmethod
    def _as_listing(children: list, after: str | None = None) -> dict[str, Any]:
        return {"kind": "Listing", "data": {"after": after, "dist": None, "modhash": "", "geo_filter": "",
                                            "children": children, "before": None}}

    def _children(self, posts) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for post in posts[1:]:
            children.setdefault(post.parent, []).append(post.index)
        return children

    def _subtree_size(self, children, index: int) -> int:
        return 1 + sum(self._subtree_size(children, c) for c in children.get(index, []))

    @staticmethod
    def _chosen(children, roots: list[int], limit: int) -> set[int]:
        """The ``limit`` comments a page shows, picked as Reddit picks them: the best candidate
        first (here the oldest), a comment's replies becoming candidates once it is shown, none
        past the depth limit (``roots`` are at depth 0)."""
        depth = dict.fromkeys(roots, 0)
        candidates = list(roots)
        heapq.heapify(candidates)
        chosen: set[int] = set()
        while candidates and len(chosen) < limit:
            index = heapq.heappop(candidates)
            chosen.add(index)
            if depth[index] + 1 < DEPTH_LIMIT:
                for kid in children.get(index, []):
                    depth[kid] = depth[index] + 1
                    heapq.heappush(candidates, kid)
        return chosen

    def _tree(self, thread, posts, children, parent: int, depth: int, chosen: set[int]) -> list:
        """The rendered replies of ``parent``: those chosen, then a more stub for the rest."""
        kids = children.get(parent, [])
        shown = [k for k in kids if k in chosen]
        hidden = [k for k in kids if k not in chosen]
        out = []
        for index in shown:
            post = posts[index]
            grandkids = children.get(index, [])
            if not grandkids:
                replies: Any = ""
            elif depth + 1 >= DEPTH_LIMIT:
                replies = self._as_listing([{"kind": "more", "data": {
                    "count": 0, "name": "t1__", "id": "_", "parent_id": f"t1_{b36(post.number)}",
                    "depth": depth + 1, "children": []}}])
            else:
                replies = self._as_listing(self._tree(thread, posts, children, index, depth + 1, chosen))
            out.append(self._comment(thread, post, depth, replies))
        if hidden:
            ids = [b36(posts[i].number) for i in hidden]
            parent_name = f"t3_{b36(thread.spec.number)}" if parent == 0 else f"t1_{b36(posts[parent].number)}"
            out.append({"kind": "more", "data": {
                "count": sum(self._subtree_size(children, i) for i in hidden), "name": f"t1_{ids[0]}",
                "id": ids[0], "parent_id": parent_name, "depth": depth, "children": ids}})
        return out

    def _flat(self, thread, posts, children, index: int, depth: int, out: list) -> None:
        out.append(self._comment(thread, posts[index], depth, ""))
        for child in children.get(index, []):
            self._flat(thread, posts, children, child, depth + 1, out)

    def _depth(self, posts, index: int) -> int:
        depth = 0
        while posts[index].parent:
            index = posts[index].parent
            depth += 1
        return depth

    # ------------------------------------------------------------------ routes

    def _find_link(self, link: str):
        try:
            spec = self.thread_by_number(int(link, 36))
        except ValueError:
            return None
        if spec is None or not self.community.visible_count(spec):
            return None
        return spec

    def _comments(self, link: str, focus: str | None, query) -> Response:
        spec = self._find_link(link)
        if spec is None:
            return Response.json({"message": "Not Found", "error": 404}, 404)
        thread, posts = self.visible_posts(spec)
        children = self._children(posts)
        limit = min(MAX_COMMENTS, max(1, qint(query, "limit", DEFAULT_COMMENTS)))
        if focus is None:
            tree = self._tree(thread, posts, children, 0, 0, self._chosen(children, children.get(0, []), limit))
        else:
            index = next((p.index for p in posts[1:] if b36(p.number) == focus), None)
            if index is None:
                return Response.json({"message": "Not Found", "error": 404}, 404)
            chosen = self._chosen(children, [index], limit)
            tree = [self._comment(thread, posts[index], 0, self._as_listing(
                self._tree(thread, posts, children, index, 1, chosen)) if children.get(index) else "")]
        return Response.json([self._as_listing([self._link(thread, posts)]), self._as_listing(tree)])

    def _morechildren(self, query) -> Response:
        link = query.get("link_id", [""])[0].removeprefix("t3_")
        spec = self._find_link(link)
        if spec is None:
            return Response.json({"json": {"errors": [["INVALID_LINK", "that link does not exist", "link_id"]]}})
        thread, posts = self.visible_posts(spec)
        children = self._children(posts)
        wanted = [c.strip() for value in query.get("children", []) for c in value.split(",") if c.strip()]
        by_id = {b36(p.number): p.index for p in posts[1:]}
        things: list = []
        for cid in wanted:
            if cid in by_id:
                self._flat(thread, posts, children, by_id[cid], self._depth(posts, by_id[cid]), things)
        return Response.json({"json": {"errors": [], "data": {"things": things}}})

    def _new(self, sub: str, query) -> Response:
        slot = next((i for i, b in enumerate(self.forum.boards) if b.slug.lower() == sub.lower()), None)
        if slot is None:
            return Response.json({"message": "Not Found", "error": 404, "reason": "banned"}, 404)
        mine = [item for item in self.listing() if item.spec.board == slot]
        mine.sort(key=lambda item: -self.community.times[item.spec.first])
        limit = min(100, max(1, qint(query, "limit", PAGE)))
        after = query.get("after", [""])[0].removeprefix("t3_")
        start = 0
        if after:
            for k, item in enumerate(mine):
                if b36(item.spec.number) == after:
                    start = k + 1
                    break
        chunk = mine[start : start + limit]
        children = []
        for item in chunk:
            thread, posts = self.visible_posts(item.spec)
            children.append(self._link(thread, posts))
        next_after = f"t3_{b36(chunk[-1].spec.number)}" if chunk and start + limit < len(mine) else None
        listing = self._as_listing(children, next_after)
        listing["data"]["dist"] = len(children)
        return Response.json(listing)

    def handle(self, path, query):
        if len(path) == 3 and path[0] == "r" and path[2] in ("new.json", ".json", "hot.json"):
            return self._new(path[1], query)
        if path == ["api", "morechildren.json"] or path == ["api", "morechildren"]:
            return self._morechildren(query)
        rest = path[2:] if len(path) > 2 and path[0] == "r" else path
        if rest and rest[0] == "comments" and len(rest) >= 2:
            link = rest[1].removesuffix(".json")
            if len(rest) == 2:
                return self._comments(link, None, query)
            if len(rest) == 3 and rest[2].endswith(".json"):
                return self._comments(link, None, query)
            if len(rest) == 4 and rest[3].endswith(".json"):
                return self._comments(link, rest[3][: -len(".json")], query)
        return None
