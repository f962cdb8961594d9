"""Hacker News' Firebase API: story lists -> /item/{id}.json -> each comment's kids, recursively."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import ForumSpider, PageError, register
from crawlers.text import html_to_text

_STORY_TYPES = ("story", "job", "poll")
_LIST = re.compile(r"/(top|new|best|ask|show|job)stories\.json$")


@register
class HackerNewsSpider(ForumSpider):
    """Stories from HN's lists, each with its whole comment tree (one request per item)."""

    name = "hackernews"
    platform = "hackernews"
    DEFAULT_SITE = "news.ycombinator.com"
    OPTIONS = {
        "api_url": str,  # default https://hacker-news.firebaseio.com/v0
        "lists": list,  # default ["newstories"]; any of top/new/best/ask/show/job stories
        "max_stories": int,  # stories taken from each list per crawl (default 100)
        "html_url": str,  # where post links point; default https://news.ycombinator.com
    }

    @classmethod
    def check_source(cls, source) -> None:
        lists = source.options.get("lists", ["newstories"])
        bad = [name for name in lists if not _LIST.search(f"/{name}.json")]
        if bad:
            raise ValueError(f"lists: unknown {bad} (use e.g. newstories, topstories, askstories)")

    API_HOSTS = {"hacker-news.firebaseio.com": "news.ycombinator.com"}

    def first_url(self):
        if self.source.start_urls:
            return self.source.start_urls[0]
        return self.api_url

    @property
    def api_url(self) -> str:
        return self.options.get("api_url", "https://hacker-news.firebaseio.com/v0").rstrip("/")

    def initial_requests(self):
        urls = list(self.source.start_urls)
        if not urls:
            urls = [f"{self.api_url}/{name}.json" for name in self.options.get("lists", ["newstories"])]
        for url in urls:
            yield scrapy.Request(url, callback=self.parse)

    # ------------------------------------------------------------ parsing

    def parse_document(self, response: Response, story: dict[str, Any] | None = None, **kwargs: Any) -> Iterator[Any]:
        data = self.load_json(response)
        if isinstance(data, list) and all(isinstance(i, int) for i in data):
            yield from self.parse_story_list(response, data)
        elif isinstance(data, dict) and "id" in data:
            yield from self.parse_item(response, data, story)
        elif isinstance(data, list) and all(isinstance(i, dict) and "id" in i for i in data):
            yield from self.parse_item_dump(response, data)
        elif data is None:
            return  # the API answers `null` for an item that does not exist (yet)
        else:
            raise PageError("not a Hacker News item, list of items or list of ids")

    def parse_story_list(self, response: Response, ids: list[int]) -> Iterator[Any]:
        for item_id in ids[: self.options.get("max_stories", 100)]:
            yield scrapy.Request(self._item_url(response, item_id), callback=self.parse)

    def parse_item(self, response: Response, item: dict[str, Any], story: dict[str, Any] | None) -> Iterator[Any]:
        """A story (the thread) or a comment; then its kids, unless nothing was added."""
        if story is None:
            if item.get("type") not in _STORY_TYPES:
                raise PageError(
                    f"item {item['id']} is a {item.get('type')}, not a story, "
                    "and the page does not say which story it belongs to"
                )
            story = {"id": item["id"], "title": item.get("title")}
        yield self._post(item, story)
        kids = item.get("kids") or []
        if not kids or response.url.startswith("file:"):
            return
        if item.get("type") in _STORY_TYPES:
            # `descendants` counts the whole tree: unchanged means no comment to fetch.
            cursor = (f"story:{item['id']}", item.get("descendants"))
            for kid in kids:
                yield self.follow(
                    response,
                    self._item_url(response, kid),
                    self.parse,
                    cursor=cursor,
                    cb_kwargs={"story": story},
                )
        else:
            meta = self.continue_cursor(response)
            for kid in kids:
                yield scrapy.Request(
                    self._item_url(response, kid),
                    callback=self.parse,
                    meta=meta,
                    cb_kwargs={"story": story},
                )

    def parse_item_dump(self, response: Response, items: list[dict[str, Any]]) -> Iterator[Any]:
        """A saved list of items: each comment's story is found through its parents."""
        by_id = {i["id"]: i for i in items}
        for item in items:
            root = item
            seen = set()
            while root.get("type") not in _STORY_TYPES and root.get("parent") in by_id:
                if root["id"] in seen:
                    break
                seen.add(root["id"])
                root = by_id[root["parent"]]
            if root.get("type") not in _STORY_TYPES:
                raise PageError(f"item {item['id']}: its story is not in this file")
            yield self._post(item, {"id": root["id"], "title": root.get("title")})

    # ------------------------------------------------------------ one item

    def _post(self, item: dict[str, Any], story: dict[str, Any]):
        if "time" not in item:
            raise PageError(f"item {item['id']} without a time")
        is_story = item.get("type") in _STORY_TYPES
        parent = item.get("parent") or item.get("poll")
        text = item.get("text") or ""
        base = self.options.get("html_url", "https://news.ycombinator.com").rstrip("/")
        return self.post(
            story["id"],
            item["id"],
            thread_title=story.get("title"),
            author=item.get("by"),
            author_id=item.get("by"),
            created_at=item["time"],
            text=html_to_text(text),
            html=text or None,
            reply_to=[] if is_story or not parent else [self.post_ref(story["id"], parent)],
            url=f"{base}/item?id={item['id']}",
            raw=item,
        )

    def _item_url(self, response: Response, item_id: int) -> str:
        parts = urlsplit(response.url)
        if parts.scheme in ("http", "https"):
            prefix = parts.path.rsplit("/item/", 1)[0] if "/item/" in parts.path else parts.path.rsplit("/", 1)[0]
            return urlunsplit((parts.scheme, parts.netloc, f"{prefix}/item/{item_id}.json", "", ""))
        return f"{self.api_url}/item/{item_id}.json"
