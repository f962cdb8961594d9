"""Parse saved pages and API responses with the spiders' own code, without a network."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from crawlers.items import PostItem
from crawlers.pipelines import normalise_post, validate_item
from crawlers.sources import Source
from crawlers.spiders import ForumSpider, spider_for
from misusewatch.errors import InputError
from misusewatch.records import Post, RecordError


@dataclass(slots=True)
class ParsedFile:
    """What one file gave: posts, the links a crawl would follow, posts that were invalid."""

    path: Path
    posts: list[Post] = field(default_factory=list)
    follows: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def response_for(path: Path, body: bytes, url: str | None = None) -> TextResponse:
    """A Scrapy response for a saved file: HTML, XML (feeds) or text (JSON) by its content."""
    url = url or path.resolve().as_uri()
    request = scrapy.Request(url)  # spiders read meta and cb state through it
    head = body[:512].lstrip().lower()
    if head.startswith((b"{", b"[")) or path.suffix == ".json":
        return TextResponse(url=url, body=body, encoding="utf-8", request=request)
    if head.startswith(b"<?xml") and (
        b"<rss" in body[:2048] or b"<feed" in body[:2048] or b"<rdf" in body[:2048].lower()
    ):
        return XmlResponse(url=url, body=body, request=request)
    if path.suffix in (".xml", ".rss", ".atom"):
        return XmlResponse(url=url, body=body, request=request)
    return HtmlResponse(url=url, body=body, request=request)


def make_spider(
    platform: str,
    *,
    profile: str | Path | None = None,
    site: str | None = None,
    url: str | None = None,
    timezone: str | None = None,
) -> ForumSpider:
    """A spider for offline parsing: no source file, the site from --site, --url or the default."""
    spider_cls = spider_for(platform)
    options: dict[str, Any] = {}
    if profile is not None:
        options["profile"] = str(profile)
    source = Source(
        name=f"{platform}-offline",
        platform=platform,
        site=site,
        start_urls=[url] if url else [],
        options=options,
        timezone=timezone,
    )
    return spider_cls(source)


def parse_file(spider: ForumSpider, path: str | Path, *, url: str | None = None, keep_raw: bool = False) -> ParsedFile:
    """Every post in one saved file, validated and normalised as a crawl would store it.

    Raises InputError naming the file when the file cannot be read or parsed at all.
    """
    path = Path(path)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    if not body.strip():
        raise InputError(f"empty file, not a {spider.platform} page", path=path)
    response = response_for(path, body, url)
    result = ParsedFile(path=path)
    try:
        for obj in spider.parse_document(response):
            if isinstance(obj, scrapy.Request):
                result.follows.append(obj.url)
            elif isinstance(obj, PostItem):
                try:
                    result.posts.append(normalise_post(validate_item(obj), keep_raw=keep_raw))
                except RecordError as exc:
                    result.invalid.append(f"post {obj.get('post_id')}: {exc}")
    except InputError:
        raise
    except Exception as exc:  # any failure to read the page is "not this platform's page"
        message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise InputError(f"cannot parse as {spider.platform}: {message}", path=path) from None
    return result


def post_json(post: Post) -> dict[str, Any]:
    """The fields `misusewatch parse` prints for a post."""
    data = post.to_dict()
    keys = (
        "id",
        "platform",
        "site",
        "thread_id",
        "post_id",
        "thread_title",
        "author",
        "author_id",
        "created_at",
        "edited_at",
        "text",
        "url",
        "reply_to",
    )
    return {k: data[k] for k in keys}
