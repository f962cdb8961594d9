"""Discourse's JSON API: latest.json, categories, /t/{id}.json with its post stream, posts.json.

Shaped after the recorded responses in shared/data/forums/discourse: topic lists with
``more_topics_url``, ``post_stream.posts`` (20 at a time) plus ``stream`` (every post id),
``/t/{id}/posts.json?post_ids[]=`` for the rest, ``cooked`` HTML bodies.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from crawlers.testbed.sites.base import Response, Site, qint, register
from crawlers.testbed.sites.markup import esc, iso_ms, linkify, slugify

PAGE_TOPICS = 30
CHUNK = 20
LATEST_POSTS = 50
COLORS = ("df705f", "3da27b", "b19c9b", "8c91ba", "e47c4f", "a87137", "4a6f8d")
PREFIX = "/discourse"


@register("discourse")
class Discourse(Site):
    def __init__(self, community, forum):
        super().__init__(community, forum)
        self._order: list[int] | None = None

    def board_name(self, spec) -> str | None:
        return str(self.forum.boards[spec.board].number)  # topics carry the category id only

    # ------------------------------------------------------------------ bodies

    def render(self, thread, post) -> tuple[str, str]:
        html, text = [], []
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                parent = thread.posts[block[1]]
                user = self.account(parent.persona)[0]
                html.append(
                    f'<aside class="quote no-group" data-username="{esc(user)}" data-post="{parent.index + 1}"'
                    f' data-topic="{thread.spec.number}">\n<div class="title">\n<div class="quote-controls"></div>\n'
                    f'<img loading="lazy" alt="" width="24" height="24" src="{self._avatar(user, 48)}" class="avatar"> '
                    f"{esc(user)}:</div>\n<blockquote>\n<p>{linkify(block[2])}</p>\n</blockquote>\n</aside>"
                )
                text.append(f"{user}:\n\n{block[2]}")
            elif kind == "code":
                html.append(f'<pre><code class="lang-python">{esc(block[1])}\n</code></pre>')
                text.append(block[1])
            elif kind in ("p", "green"):
                attrs = ' rel="noopener nofollow ugc"'
                html.append("<p>" + "<br>\n".join(linkify(line, attrs) for line in block[1]) + "</p>")
                text.append("\n".join(block[1]))
        return "\n".join(html), "\n\n".join(text)

    def identity(self, thread, post) -> dict[str, Any]:
        handle, number = self.account(post.persona)
        reply_to = [str(thread.posts[post.parent].number)] if post.parent else []
        return {
            "thread_id": str(thread.spec.number), "post_id": str(post.number), "author": handle,
            "author_id": str(number), "reply_to": reply_to, "thread_title": thread.title,
        }

    # ------------------------------------------------------------------ JSON objects

    def _avatar(self, user: str, size: int | str = "{size}") -> str:
        color = COLORS[sum(map(ord, user)) % len(COLORS)]
        return f"/letter_avatar_proxy/v4/letter/{user[:1].lower()}/{color}/{size}.png"

    def _user(self, handle: str, number: int) -> dict[str, Any]:
        return {"id": number, "username": handle, "name": None, "avatar_template": self._avatar(handle)}

    @staticmethod
    def _reply_counts(thread, count: int) -> dict[int, int]:
        """Replies per post among the first ``count`` (memoised: a topic page asks per post)."""
        key = ("reply_counts", count)
        counts = thread.cache.get(key)
        if counts is None:
            counts = {}
            for p in thread.posts[1:count]:
                counts[p.parent] = counts.get(p.parent, 0) + 1
            thread.cache[key] = counts
        return counts

    def _slug(self, thread) -> str:
        return slugify(thread.title)

    def _post(self, thread, post, count: int) -> dict[str, Any]:
        handle, user_id = self.account(post.persona)
        persona = self.community.personas[post.persona]
        edited = self.edited_at(post)
        html, _ = self.render(thread, post)
        slug = self._slug(thread)
        return {
            "id": post.number, "name": None, "username": handle, "avatar_template": self._avatar(handle),
            "created_at": iso_ms(post.created), "cooked": html, "post_number": post.index + 1,
            "post_type": 1, "posts_count": count, "updated_at": iso_ms(edited or post.created),
            "reply_count": self._reply_counts(thread, count).get(post.index, 0),
            "reply_to_post_number": (post.parent + 1) if post.parent else None,
            "quote_count": sum(1 for b in post.blocks if b[0] == "quote"), "incoming_link_count": 0,
            "reads": 1 + post.number % 40, "readers_count": post.number % 40,
            "score": round(0.2 + post.number % 50 / 5, 1),
            "yours": False, "topic_id": thread.spec.number, "topic_slug": slug,
            "display_username": None, "primary_group_name": None, "flair_name": None, "flair_url": None,
            "flair_bg_color": None, "flair_color": None, "flair_group_id": None, "badges_granted": [],
            "version": 2 if edited else 1, "can_edit": False, "can_delete": False, "can_recover": False,
            "can_see_hidden_post": False, "can_wiki": False, "link_counts": [], "read": True, "user_title": None,
            "bookmarked": False, "actions_summary": [], "moderator": False, "admin": False, "staff": False,
            "user_id": user_id, "hidden": False, "trust_level": 1 if persona.role == "sock" else 2,
            "deleted_at": None, "user_deleted": False, "edit_reason": None, "can_view_edit_history": True,
            "wiki": False, "post_url": f"{PREFIX}/t/{slug}/{thread.spec.number}/{post.index + 1}",
            "mentioned_users": [], "can_accept_answer": False, "can_unaccept_answer": False,
            "accepted_answer": False, "topic_accepted_answer": None, "can_vote": False,
        }

    def _topic_summary(self, item) -> dict[str, Any]:
        thread, posts = self.visible_posts(item.spec)
        first, last = posts[0], posts[-1]
        return {
            "id": item.spec.number, "title": thread.title, "fancy_title": esc(thread.title),
            "slug": self._slug(thread), "posts_count": len(posts), "reply_count": len(posts) - 1,
            "highest_post_number": len(posts), "image_url": None, "created_at": iso_ms(first.created),
            "last_posted_at": iso_ms(last.created), "bumped": True, "bumped_at": iso_ms(last.created),
            "archetype": "regular", "unseen": False, "pinned": False, "unpinned": None, "excerpt": None,
            "visible": True, "closed": False, "archived": False, "bookmarked": None, "liked": None,
            "views": 10 + len(posts) * 7, "like_count": len(posts) // 2, "has_summary": False,
            "last_poster_username": self.account(last.persona)[0],
            "category_id": self.forum.boards[item.spec.board].number, "pinned_globally": False,
            "featured_link": None, "posters": [
                {"extras": "latest" if p is last else None,
                 "description": "Original Poster" if p is first else "Frequent Poster",
                 "user_id": self.account(p.persona)[1], "primary_group_id": None}
                for p in ([first, last] if last is not first else [first])
            ],
        }

    def _topic_list(self, listed, page: int, more_url: str) -> Response:
        chunk = listed[page * PAGE_TOPICS : (page + 1) * PAGE_TOPICS]
        topics = [self._topic_summary(item) for item in chunk]
        users = {}
        for item in chunk:
            thread, posts = self.visible_posts(item.spec)
            for p in (posts[0], posts[-1]):
                handle, number = self.account(p.persona)
                users[number] = self._user(handle, number)
        topic_list: dict[str, Any] = {
            "can_create_topic": False, "draft": None, "draft_key": "new_topic", "draft_sequence": None,
            "per_page": PAGE_TOPICS, "topics": topics,
        }
        if (page + 1) * PAGE_TOPICS < len(listed):
            topic_list["more_topics_url"] = more_url.format(page=page + 1)
        return Response.json({"users": list(users.values()), "primary_groups": [], "topic_list": topic_list})

    def _topic(self, number: int, query) -> Response:
        spec = self.thread_by_number(number)
        if spec is None:
            return Response.not_found("The requested URL or resource could not be found.")
        thread, posts = self.visible_posts(spec)
        if not posts:
            return Response.not_found("The requested URL or resource could not be found.")
        page = max(1, qint(query, "page", 1))
        chunk = posts[(page - 1) * CHUNK : page * CHUNK]
        if not chunk:
            return Response.not_found("The requested URL or resource could not be found.")
        participants = {}
        for p in posts:
            handle, user_id = self.account(p.persona)
            entry = participants.setdefault(user_id, {"id": user_id, "username": handle, "name": None,
                                                       "avatar_template": self._avatar(handle), "post_count": 0})
            entry["post_count"] += 1
        first, last = posts[0], posts[-1]
        creator, last_poster = self.account(first.persona), self.account(last.persona)
        data = {
            "post_stream": {
                "posts": [self._post(thread, p, len(posts)) for p in chunk],
                "stream": [p.number for p in posts],
            },
            "timeline_lookup": [[1, 0]], "tags": [], "id": spec.number, "title": thread.title,
            "fancy_title": esc(thread.title), "posts_count": len(posts), "created_at": iso_ms(first.created),
            "views": 10 + len(posts) * 7, "reply_count": len(posts) - 1, "like_count": len(posts) // 2,
            "last_posted_at": iso_ms(last.created), "visible": True, "closed": False, "archived": False,
            "has_summary": False, "archetype": "regular", "slug": self._slug(thread),
            "category_id": self.forum.boards[spec.board].number, "word_count": None, "deleted_at": None,
            "user_id": creator[1], "featured_link": None, "pinned_globally": False, "pinned_at": None,
            "pinned_until": None, "draft": None, "draft_key": f"topic_{spec.number}", "draft_sequence": None,
            "unpinned": None, "pinned": False, "current_post_number": 1,
            "highest_post_number": len(posts), "deleted_by": None, "has_deleted": False,
            "actions_summary": [], "chunk_size": CHUNK, "bookmarked": False,
            "details": {
                "can_edit": False, "notification_level": 1, "participants": list(participants.values())[:24],
                "created_by": self._user(*creator),
                "last_poster": self._user(*last_poster),
            },
        }
        return Response.json(data)

    def _topic_posts(self, number: int, query) -> Response:
        spec = self.thread_by_number(number)
        if spec is None:
            return Response.not_found()
        thread, posts = self.visible_posts(spec)
        wanted = set()
        for value in query.get("post_ids[]", []) + query.get("post_ids", []):
            for part in value.split(","):
                if part.strip().isdigit():
                    wanted.add(int(part))
        chosen = [p for p in posts if p.number in wanted]
        rendered = [self._post(thread, p, len(posts)) for p in chosen]
        return Response.json({"post_stream": {"posts": rendered}, "id": spec.number})

    def _latest_posts(self, query) -> Response:
        """``/posts.json``: the newest posts across the forum; ``?before=<id>`` pages back."""
        if self._order is None:
            specs = [s for s in self.community.threads if s.forum == self.forum.key]
            numbers = self.community.numbers
            self._order = sorted(
                ((numbers[s.first + k], s.index, k) for s in specs for k in range(s.n)), key=lambda r: r[0]
            )
        keys = [row[0] for row in self._order]
        before = qint(query, "before", 0)
        end = bisect_left(keys, before) if before else len(keys)
        out = []
        i = end - 1
        while i >= 0 and len(out) < LATEST_POSTS:
            number, thread_index, k = self._order[i]
            i -= 1
            spec = self.community.threads[thread_index]
            if self.community.times[spec.first + k] > self.now:
                continue
            thread = self.community.thread(thread_index)
            count = self.community.visible_count(spec)
            data = self._post(thread, thread.posts[k], count)
            data.update({
                "topic_title": thread.title, "topic_html_title": esc(thread.title),
                "category_id": self.forum.boards[spec.board].number, "raw": None,
            })
            out.append(data)
        return Response.json({"latest_posts": out})

    def _categories(self) -> Response:
        listed = self.listing()
        categories = []
        for position, board in enumerate(self.forum.boards):
            mine = [item for item in listed if self.forum.boards[item.spec.board].slug == board.slug]
            categories.append({
                "id": board.number, "name": board.title, "color": COLORS[position % len(COLORS)],
                "text_color": "FFFFFF", "slug": board.slug, "topic_count": len(mine),
                "post_count": sum(item.count for item in mine), "position": position,
                "description": f"Discussion about {board.title.lower()}.",
                "description_text": f"Discussion about {board.title.lower()}.",
                "topic_url": f"{PREFIX}/t/about-the-{board.slug}-category/{board.number}",
                "read_restricted": False, "permission": None, "notification_level": 1,
                "has_children": False, "num_featured_topics": 3, "subcategory_ids": [],
                "uploaded_logo": None, "uploaded_background": None,
            })
        return Response.json({"category_list": {
            "can_create_category": False, "can_create_topic": False, "draft": None,
            "draft_key": "new_topic", "draft_sequence": None, "categories": categories,
        }})

    def handle(self, path, query):
        if path == ["latest.json"]:
            return self._topic_list(self.listing(), max(0, qint(query, "page", 0)), PREFIX + "/latest.json?page={page}")
        if path == ["categories.json"]:
            return self._categories()
        if path == ["posts.json"]:
            return self._latest_posts(query)
        if path and path[0] == "c" and path[-1].endswith(".json") and len(path) in (2, 3):
            ident = path[-1][: -len(".json")]
            slug = path[1] if len(path) == 3 else None
            board = next((b for b in self.forum.boards if str(b.number) == ident or b.slug == ident), None)
            if board is None or (slug and slug != board.slug):
                return Response.not_found()
            listed = [i for i in self.listing() if self.forum.boards[i.spec.board].slug == board.slug]
            more = f"{PREFIX}/c/{board.slug}/{board.number}.json?page={{page}}"
            return self._topic_list(listed, max(0, qint(query, "page", 0)), more)
        if path and path[0] == "t":
            rest = path[1:]
            if len(rest) >= 2 and not rest[0].isdigit():
                rest = rest[1:]  # /t/{slug}/{id}.json
            if len(rest) == 1 and rest[0].endswith(".json") and rest[0][:-5].isdigit():
                return self._topic(int(rest[0][:-5]), query)
            if len(rest) == 2 and rest[0].isdigit() and rest[1] == "posts.json":
                return self._topic_posts(int(rest[0]), query)
        return None
