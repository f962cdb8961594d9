"""Discourse's JSON API: latest.json, category lists -> /t/{id}.json -> /t/{id}/posts.json."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import ForumSpider, PageError, register
from crawlers.text import html_to_text

# Post ids asked for in one /t/{id}/posts.json request. Discourse's server returns every id
# asked for (TopicView.filter_posts_by_ids has no limit); its web client asks for 20 at a time
# (chunk_size). 100 ids (the bound of its own /t/{id}/excerpts endpoint) keep the URL near
# 2 KB and fetch a 200-post topic in 3 requests instead of 10.
POSTS_PER_REQUEST = 100
# Up to ~5 KB of query string: under the 8 KB request line proxies such as nginx accept.
MAX_POSTS_PER_REQUEST = 200
# Where the forum's own paths begin (a forum may live under a prefix, like the testbed's).
_ROUTE = re.compile(r"^(.*?)/(?:t|c|latest|posts|top|new|categories)(?:[/.?]|$)")


@register
class DiscourseSpider(ForumSpider):
    """A Discourse forum (all of it, or one category): every topic, every post."""

    name = "discourse"
    platform = "discourse"
    OPTIONS = {
        "category": str,  # a category slug or "slug/id"; default: the whole forum's latest
        "listing_pages": int,  # latest pages walked per crawl (default 0 = until unchanged)
        "posts_per_request": int,  # post ids per /t/{id}/posts.json request (default 100)
    }

    @classmethod
    def check_source(cls, source) -> None:
        super().check_source(source)
        per_request = source.options.get("posts_per_request", POSTS_PER_REQUEST)
        if not 1 <= per_request <= MAX_POSTS_PER_REQUEST:
            raise ValueError(f"posts_per_request: must be 1-{MAX_POSTS_PER_REQUEST}, got {per_request}")

    def initial_requests(self):
        for url in self.source.start_urls:
            path = urlsplit(url).path
            if self.options.get("category") and path in ("", "/"):
                url = url.rstrip("/") + f"/c/{self.options['category']}.json"
            elif path in ("", "/"):
                url = url.rstrip("/") + "/latest.json"
            yield scrapy.Request(url, callback=self.parse, cb_kwargs={"listing_page": 1})

    # ------------------------------------------------------------ parsing

    def parse_document(self, response: Response, listing_page: int = 1, **kwargs: Any) -> Iterator[Any]:
        data = self.load_json(response)
        if not isinstance(data, dict):
            raise PageError("not a Discourse JSON object")
        if isinstance(data.get("category_list"), dict):
            return  # /categories.json: names, not posts
        if isinstance(data.get("topic_list"), dict):
            yield from self.parse_topic_list(response, data, listing_page)
        elif isinstance(data.get("post_stream"), dict):
            yield from self.parse_topic(response, data, **kwargs)
        elif isinstance(data.get("latest_posts"), list):
            yield from self.parse_latest_posts(response, data)
        else:
            raise PageError("not a Discourse topic list, topic, posts page or latest posts")

    def parse_topic_list(self, response: Response, data: dict[str, Any], listing_page: int) -> Iterator[Any]:
        """latest.json, /c/{category}.json: a request per topic, skipped when it has no news.

        A topic list carries no post of its own (only titles and excerpts), so it yields none.
        """
        topic_list = data["topic_list"]
        for topic in topic_list.get("topics") or []:
            if not isinstance(topic, dict) or "id" not in topic:
                raise PageError("topic entry without an id")
            version = [
                topic.get("posts_count"),
                topic.get("last_posted_at"),
                topic.get("bumped_at"),
            ]
            yield self.follow(
                response,
                f"{self._base(response)}/t/{topic['id']}.json",
                self.parse,
                cursor=(f"topic:{topic['id']}", version),
            )
        more = topic_list.get("more_topics_url")
        if more and self.may_page(listing_page):
            yield self.follow(
                response,
                _json_url(more, self._base(response)),
                self.parse,
                meta={"next_listing": True},
                cb_kwargs={"listing_page": listing_page + 1},
            )

    def parse_topic(
        self,
        response: Response,
        data: dict[str, Any],
        topic: dict[str, Any] | None = None,
        numbers: dict[int, int] | None = None,
        remaining: list[int] | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """/t/{id}.json (the first posts and the id stream) or a /t/{id}/posts.json page."""
        stream = data["post_stream"]
        posts = stream.get("posts")
        if not isinstance(posts, list):
            raise PageError("post_stream without posts")
        if topic is None:  # the topic page itself: title, slug, the ids still to fetch
            topic = {
                "id": data.get("id"),
                "title": data.get("title"),
                "slug": data.get("slug"),
                "category_id": data.get("category_id"),
            }
            seen = {p.get("id") for p in posts}
            remaining = [i for i in stream.get("stream") or [] if i not in seen]
        numbers = dict(numbers or {})
        for post in posts:
            if isinstance(post, dict) and "post_number" in post and "id" in post:
                numbers[post["post_number"]] = post["id"]
        for post in posts:
            yield self._post(response, post, topic, numbers)
        if remaining and not response.url.startswith("file:"):
            per_request = self.options.get("posts_per_request", POSTS_PER_REQUEST)
            chunk, rest = remaining[:per_request], remaining[per_request:]
            topic_id = topic.get("id") or posts[0].get("topic_id")
            query = urlencode([("post_ids[]", i) for i in chunk])
            # Pages go one after another so replies can name the posts they answer.
            yield scrapy.Request(
                f"{self._base(response)}/t/{topic_id}/posts.json?{query}",
                callback=self.parse,
                meta=self.continue_cursor(response),
                cb_kwargs={"topic": topic, "numbers": numbers, "remaining": rest},
            )

    def parse_latest_posts(self, response: Response, data: dict[str, Any]) -> Iterator[Any]:
        """/posts.json: the forum's newest posts across topics, each with its topic's title."""
        for post in data["latest_posts"]:
            topic = {
                "id": post.get("topic_id"),
                "title": post.get("topic_title"),
                "slug": post.get("topic_slug"),
            }
            yield self._post(response, post, topic, {})

    # ------------------------------------------------------------ one post

    def _post(
        self,
        response: Response,
        post: dict[str, Any],
        topic: dict[str, Any],
        numbers: dict[int, int],
    ):
        if not isinstance(post, dict) or "id" not in post:
            raise PageError("post without an id")
        topic_id = post.get("topic_id") or topic.get("id")
        if topic_id is None:
            raise PageError(f"post {post['id']} without a topic id")
        reply_number = post.get("reply_to_post_number")
        reply_to = []
        if reply_number and reply_number in numbers:
            reply_to = [self.post_ref(topic_id, numbers[reply_number])]
        edited = post.get("updated_at") if (post.get("version") or 1) > 1 else None
        cooked = post.get("cooked") or ""
        slug = post.get("topic_slug") or topic.get("slug") or "-"
        url = None
        base = self._base(response)
        if base is not None and not base.startswith("file:"):
            url = f"{base}/t/{slug}/{topic_id}/{post.get('post_number', '')}".rstrip("/")
        return self.post(
            topic_id,
            post["id"],
            board=self._board(topic.get("category_id")),
            thread_title=topic.get("title") or post.get("topic_title"),
            author=post.get("username"),
            author_id=str(post["user_id"]) if post.get("user_id") is not None else None,
            created_at=post.get("created_at"),
            edited_at=edited,
            text=html_to_text(cooked),
            html=cooked or None,
            reply_to=reply_to,
            url=url,
            raw=post,
        )

    @staticmethod
    def _board(category_id: Any) -> str | None:
        """The category id (topics and posts carry only that; a slug can be renamed)."""
        return None if category_id is None else str(category_id)

    @classmethod
    def _base(cls, response: Response) -> str:
        return cls._base_of(response.url)

    @staticmethod
    @lru_cache(maxsize=256)  # called for every post of a page, with the page's URL
    def _base_of(url: str) -> str:
        parts = urlsplit(url)
        match = _ROUTE.match(parts.path)
        prefix = match.group(1) if match else ""
        return urlunsplit((parts.scheme, parts.netloc, prefix, "", ""))


def _json_url(url: str, base: str) -> str:
    """more_topics_url is sometimes "/latest?page=1": ask for the JSON of it, under the prefix."""
    if not url.startswith("http"):
        origin = urlunsplit(urlsplit(base)[:2] + ("", "", ""))
        prefix = urlsplit(base).path
        if not url.startswith("/"):
            url = "/" + url
        url = origin + (url if prefix and url.startswith(prefix + "/") else prefix + url)
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
