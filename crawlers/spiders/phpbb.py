"""phpBB 2 and 3 HTML: viewforum.php (topic lists, paging) -> viewtopic.php (posts, paging)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response

from crawlers.spiders.base import ForumSpider, PageError, register
from crawlers.text import html_to_text, parse_forum_time
from misusewatch.records import RecordError

_TOPIC_ID = re.compile(r"[?&;]t=(\d+)")
_POST_ID = re.compile(r"[?&;]p=(\d+)")
_USER_ID = re.compile(r"[?&;]u=(\d+)")
_POSTED = re.compile(r"Posted:\s*(.+?)(?:\s+Post subject:.*)?$", re.IGNORECASE | re.DOTALL)
_EDITED = re.compile(r"Last edited by .+? on (.+?)(?:;|, edited|\.\s*$|$)", re.IGNORECASE)
_SIGNATURE = re.compile(r"\n_{8,}\n.*$", re.DOTALL)
_NEXT = ("next", "next »", "»", "›")
_LISTING_MARK = "viewforum.php"


@register
class PhpBBSpider(ForumSpider):
    """A phpBB board: forums' topic lists, then each topic's pages of posts."""

    name = "phpbb"
    platform = "phpbb"
    OPTIONS = {
        "listing_pages": int,  # forum pages walked per crawl (default 0 = until unchanged)
    }

    def site_for_url(self, url: str) -> str:
        """Host plus install path (``example.org/forum``): phpBB is often installed in a folder,
        and two installs on one host number their topics and posts independently."""
        parts = urlsplit(url)
        folder = parts.path.rsplit("/", 1)[0].strip("/")
        host = super().site_for_url(url)
        return f"{host}/{folder}" if folder else host

    # ------------------------------------------------------------ parsing

    def parse_document(self, response: Response, listing_page: int = 1, **kwargs: Any) -> Iterator[Any]:
        if not hasattr(response, "selector"):
            raise PageError("not an HTML page")
        sel = response.selector
        if sel.css("div.post[id^='p'], span.name a[name]"):
            yield from self.parse_topic(response, sel)
        elif sel.css("a.topictitle"):
            yield from self.parse_forum(response, sel, listing_page)
        elif sel.css("body"):
            # A forum index: follow every forum it lists.
            forums = sel.css("a.forumlink::attr(href), a.forumtitle::attr(href)").getall()
            if not forums:
                raise PageError("no phpBB posts, topics or forums on this page")
            for href in forums:
                yield response.follow(href, callback=self.parse)
        else:
            raise PageError("not an HTML page")

    def parse_forum(self, response: Response, sel: Selector, listing_page: int) -> Iterator[Any]:
        """viewforum.php: a request per topic (skipped when its last post is unchanged), then
        the next page. The list carries titles, not post text, so it yields no posts."""
        for link in sel.css("a.topictitle"):
            href = link.attrib.get("href", "")
            topic = _first(_TOPIC_ID, href)
            if topic is None:
                continue
            row = link.xpath("ancestor::tr[1] | ancestor::li[contains(@class,'row')][1]")
            last_posts = [int(p) for p in _all(_POST_ID, " ".join(row.css("a::attr(href)").getall()))]
            version = max(last_posts) if last_posts else " ".join(row.css("::text").getall()).split()
            yield self.follow(response, href, self.parse, cursor=(f"topic:{topic}", version))
        next_href = _next_page(sel, _LISTING_MARK)
        if next_href and self.may_page(listing_page):
            yield self.follow(
                response,
                next_href,
                self.parse,
                meta={"next_listing": True},
                cb_kwargs={"listing_page": listing_page + 1},
            )

    def parse_topic(self, response: Response, sel: Selector) -> Iterator[Any]:
        topic_id = self._topic_id(response, sel)
        if topic_id is None:
            raise PageError("topic page without a topic id (t=)")
        title = self._title(sel)
        forum = sel.css("link[rel=up]::attr(title)").get() or _last_text(
            sel.css(
                "td.nav a[href*='viewforum'], .navlinks a[href*='viewforum'], "
                "#nav-breadcrumbs a[href*='viewforum'], .breadcrumbs a[href*='viewforum']"
            )
        )
        posts = sel.css("div.post[id^='p']")
        if posts:
            for post in posts:
                yield self._phpbb3_post(response, post, topic_id, title, forum)
        else:
            for anchor in sel.css("span.name a[name]"):
                if anchor.attrib["name"].isdigit():
                    yield self._phpbb2_post(response, anchor, topic_id, title, forum)
        next_href = _next_page(sel, "viewtopic.php")
        if next_href and not response.url.startswith("file:"):
            yield self.follow(response, next_href, self.parse, meta=self.continue_cursor(response))

    # ------------------------------------------------------------ phpBB 3 (prosilver, 3.0-3.3)

    def _phpbb3_post(
        self,
        response: Response,
        post: Selector,
        topic_id: str,
        title: str | None,
        forum: str | None,
    ):
        post_id = post.attrib["id"].lstrip("p")
        author_link = post.css(
            ".author a.username, .author a.username-coloured, dl.postprofile a.username, "
            "dl.postprofile a.username-coloured, .author strong a"
        )
        author = (
            author_link.xpath("string()").get()
            or post.css(".author span.username, dl.postprofile span.username, .author strong").xpath("string()").get()
        )
        profile = author_link.attrib.get("href", "") if author_link else ""
        stamp = post.css(".author time::attr(datetime)").get()
        if stamp is None:
            author_text = " ".join(post.css(".author").xpath("string()").getall())
            stamp = author_text.rsplit("»", 1)[-1]
        notice = " ".join(post.css(".notice").xpath("string()").getall())
        body = post.css("div.content").get() or ""
        return self._post(
            response,
            topic_id,
            post_id,
            title,
            forum,
            author,
            profile,
            stamp,
            notice,
            body,
            phpbb2=False,
        )

    # ------------------------------------------------------------ phpBB 2 (subSilver and kin)

    def _phpbb2_post(
        self,
        response: Response,
        anchor: Selector,
        topic_id: str,
        title: str | None,
        forum: str | None,
    ):
        post_id = anchor.attrib["name"]
        name = anchor.xpath("ancestor::span[contains(@class,'name')][1]")
        author = name.xpath("string()").get()
        row = anchor.xpath("ancestor::tr[1]")
        details = " ".join(
            t.xpath("string()").get() for t in row.css(".postdetails") if "Posted" in t.xpath("string()").get()
        )
        match = _POSTED.search(details.replace("\xa0", " "))
        stamp = match.group(1) if match else ""
        # The profile button sits in the row under the post; the body may link other profiles.
        profile = row.xpath("following-sibling::tr[1]//a[contains(@href,'mode=viewprofile')]/@href").get() or row.xpath(
            "td[1]//a[contains(@href,'mode=viewprofile')]/@href"
        ).get("")
        notice = " ".join(t for t in row.css(".gensmall").xpath("string()").getall() if "Last edited" in t)
        body = row.css(".postbody").get() or ""
        return self._post(
            response,
            topic_id,
            post_id,
            title,
            forum,
            author,
            profile,
            stamp,
            notice,
            body,
            phpbb2=True,
        )

    # ------------------------------------------------------------ shared

    def _post(
        self,
        response,
        topic_id,
        post_id,
        title,
        forum,
        author,
        profile,
        stamp,
        notice,
        body,
        *,
        phpbb2: bool,
    ):
        author = (author or "").strip() or None
        try:
            created = parse_forum_time(stamp, tz=self.source.timezone)
        except RecordError as exc:
            raise PageError(f"post {post_id}: {exc}") from None
        edited = None
        match = _EDITED.search(notice or "")
        if match:
            try:
                edited = parse_forum_time(match.group(1), tz=self.source.timezone)
            except RecordError:
                edited = None
        text = _SIGNATURE.sub("", html_to_text(body)).strip()
        url = None
        if not response.url.startswith("file:"):
            anchor = post_id if phpbb2 else f"p{post_id}"
            url = urljoin(response.url, f"viewtopic.php?p={post_id}#{anchor}")
        return self.post(
            topic_id,
            post_id,
            board=forum.strip() if forum else None,
            thread_title=title,
            author=author,
            author_id=_first(_USER_ID, profile),
            created_at=created,
            edited_at=edited,
            text=text,
            html=body or None,
            url=url,
        )

    def _topic_id(self, response: Response, sel: Selector) -> str | None:
        query = parse_qs(urlsplit(response.url).query)
        if query.get("t"):
            return query["t"][0]
        candidates = sel.css(
            "h2.topic-title a::attr(href), h2 a::attr(href), a.maintitle::attr(href), "
            ".maintitle a::attr(href), a[href*='mode=reply']::attr(href), "
            "link[rel=canonical]::attr(href)"
        ).getall()
        for href in candidates:
            topic = _first(_TOPIC_ID, href)
            if topic:
                return topic
        return sel.css("input[name=t]::attr(value)").get()

    @staticmethod
    def _title(sel: Selector) -> str | None:
        for query in ("h2.topic-title a", "h2.topic-title", "a.maintitle", ".maintitle a", "h2 a"):
            found = sel.css(query).xpath("string()").get()
            if found and found.strip():
                return " ".join(found.split())
        page_title = sel.css("title::text").get() or ""
        if "View topic - " in page_title:
            return page_title.split("View topic - ", 1)[1].strip()
        return None


def _first(pattern: re.Pattern[str], text: str | None) -> str | None:
    match = pattern.search(text or "")
    return match.group(1) if match else None


def _all(pattern: re.Pattern[str], text: str) -> list[str]:
    return pattern.findall(text)


def _last_text(found) -> str | None:
    texts = [t.strip() for t in found.xpath("string()").getall() if t.strip()]
    return texts[-1] if texts else None


def _next_page(sel: Selector, page: str) -> str | None:
    """The "Next" pagination link to another ``page`` (phpBB 2 text links, phpBB 3 lists)."""
    href = sel.css(f".pagination li.next a[href*='{page}']::attr(href), a[rel=next][href*='{page}']::attr(href)").get()
    if href:
        return href
    for link in sel.css(f"a[href*='{page}']"):
        text = " ".join(link.xpath("string()").get().split()).lower()
        if text in _NEXT:
            return link.attrib["href"]
    return None
