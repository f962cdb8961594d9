"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: every entry is a post (its own thread)."""

from __future__ import annotations

from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree
from parsel import Selector
from scrapy.http import Response

from crawlers.spiders.base import ForumSpider, PageError, register
from crawlers.text import html_to_text, normalise_text
from misusewatch.records import RecordError, parse_time


@register
class FeedSpider(ForumSpider):
    """Blogs, paste sites and forum feeds: one request per feed, each entry one post."""

    name = "feed"
    platform = "feed"
    SHARDABLE = False  # one document holds every entry: there are no threads to split
    OPTIONS = {
        "listing_pages": int,  # feed pages followed through rel="next" (default 10, 0 = all)
    }

    def parse_document(self, response: Response, listing_page: int = 1, **kwargs: Any) -> Iterator[Any]:
        try:
            sel = Selector(body=response.body, type="xml")
            root = sel.root
        except (ValueError, etree.XMLSyntaxError) as exc:
            raise PageError(f"not an XML feed ({exc})") from None
        if root is None or not isinstance(root.tag, str):
            raise PageError("not an XML feed (empty document)")
        sel.remove_namespaces()
        kind = etree.QName(root).localname.lower()
        if kind == "feed":
            entries, parse_entry = sel.xpath("/feed/entry"), self._atom_entry
        elif kind in ("rss", "rdf"):
            entries, parse_entry = sel.xpath("//item"), self._rss_item
        else:
            raise PageError(f"not an RSS or Atom feed (root element <{kind}>)")
        for entry in entries:
            item = parse_entry(response, entry)
            if item is not None:
                yield item
        # Paged feeds (RFC 5005): Atom's <link rel="next">, RSS's <atom:link rel="next">.
        nxt = sel.xpath("/feed/link[@rel='next']/@href | /rss/channel/link[@rel='next']/@href").get()
        if nxt and self.may_page(listing_page, default=10):
            yield response.follow(
                nxt, callback=self.parse, meta={"next_listing": True}, cb_kwargs={"listing_page": listing_page + 1}
            )

    def _rss_item(self, response: Response, entry: Selector):
        guid = _text(entry, "guid")
        link = _text(entry, "link") or entry.xpath("@about").get()
        key = guid or link
        if not key:
            return None
        body = _text(entry, "encoded") or _text(entry, "description") or ""
        stamp = _text(entry, "pubDate") or _text(entry, "date")
        return self.post(
            key,
            key,
            thread_title=_title(entry),
            author=_text(entry, "creator") or _text(entry, "author"),
            created_at=_rss_time(stamp),
            text=html_to_text(body),
            html=body or None,
            url=response.urljoin(link) if link else None,
        )

    def _atom_entry(self, response: Response, entry: Selector):
        link = (
            entry.xpath("link[@rel='alternate']/@href").get()
            or entry.xpath("link[not(@rel)]/@href").get()
            or entry.xpath("link/@href").get()
        )
        key = _text(entry, "id") or link
        if not key:
            return None
        content = entry.xpath("content") or entry.xpath("summary")
        body, is_html = "", False
        if content:
            node = content[0]
            kind = node.attrib.get("type", "text")
            is_html = kind in ("html", "xhtml") or kind.endswith("html")
            if kind == "xhtml":
                body = "".join(node.xpath("./*").getall())
            else:
                body = node.xpath("string()").get() or ""
        published = _text(entry, "published") or _text(entry, "issued") or _text(entry, "created")
        updated = _text(entry, "updated") or _text(entry, "modified")
        created = _iso(published or updated)
        edited = _iso(updated) if published and updated and updated != published else None
        return self.post(
            key,
            key,
            thread_title=_title(entry),
            author=entry.xpath("author/name/text()").get() or _text(entry, "author"),
            created_at=created,
            edited_at=edited,
            text=html_to_text(body) if is_html else normalise_text(body),
            html=body if is_html and body else None,
            url=response.urljoin(link) if link else None,
        )


def _text(entry: Selector, name: str) -> str | None:
    value = entry.xpath(f"{name}").xpath("string()").get()
    return value.strip() if value and value.strip() else None


def _title(entry: Selector) -> str | None:
    title = _text(entry, "title")
    return html_to_text(title) if title else None


def _rss_time(stamp: str | None):
    """RSS dates are RFC 822 ("Tue, 10 Jun 2003 04:00:00 GMT"); some feeds use ISO-8601."""
    if not stamp:
        return None
    try:
        return parse_time(parsedate_to_datetime(stamp))
    except (TypeError, ValueError, IndexError):
        return _iso(stamp)


def _iso(stamp: str | None):
    if not stamp:
        return None
    try:
        return parse_time(stamp)
    except RecordError:
        return None
