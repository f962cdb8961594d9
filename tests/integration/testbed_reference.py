"""Minimal reference crawlers for the testbed: follow each platform's own navigation, extract posts.

Not the product's spiders (those are Scrapy spiders in crawlers/spiders/); these prove that
everything in the ground truth can be reached and extracted from what the server sends,
using only each platform's links, paging and stubs. Each returns {post id: fields}.
"""

from __future__ import annotations

import html
import json
import re
import urllib.request
from datetime import UTC, datetime
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from scrapy.http import HtmlResponse

from crawlers.text import html_to_text
from misusewatch import ids

SITE = "127.0.0.1"


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def get_json(url: str):
    return json.loads(get(url))


def get_html(url: str) -> HtmlResponse:
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read()
        content_type = response.headers.get("Content-Type", "")
    return HtmlResponse(url, body=body, headers={"Content-Type": content_type})


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(platform: str, thread_id, post_id, site: str = SITE, **fields) -> tuple[str, dict]:
    """(post id, fields); ``reply_to`` numbers become post ids of the same thread."""
    board = fields.get("board")
    key = ids.post_id(platform, site, thread_id, post_id, board)
    fields["reply_to"] = [ids.post_id(platform, site, thread_id, n, board) for n in fields.get("reply_to", [])]
    return key, {"thread_id": str(thread_id), "post_id": str(post_id), **fields}


# ---------------------------------------------------------------------- 4chan


def crawl_4chan(base: str) -> dict[str, dict]:
    out = {}
    for board in get_json(f"{base}/4chan/boards.json")["boards"]:
        slug = board["board"]
        numbers = [t["no"] for page in get_json(f"{base}/4chan/{slug}/threads.json") for t in page["threads"]]
        numbers += get_json(f"{base}/4chan/{slug}/archive.json")
        for no in numbers:
            posts = get_json(f"{base}/4chan/{slug}/thread/{no}.json")["posts"]
            title = html.unescape(posts[0]["sub"]) if "sub" in posts[0] else None
            for post in posts:
                author = post.get("name", "Anonymous") + post.get("trip", "")
                author_id = f"{slug}/{no}/{post['id']}" if "id" in post else post.get("trip")
                com = post.get("com", "")
                refs = list(dict.fromkeys(re.findall(r'class="quotelink">&gt;&gt;(\d+)<', com)))
                key, fields = record("4chan", no, post["no"], author=author, author_id=author_id,
                                     created_at=iso(post["time"]), text=html_to_text(com),
                                     reply_to=refs, thread_title=title, board=slug, edited_at=None)
                out[key] = fields
    return out


# ---------------------------------------------------------------------- Discourse


def crawl_discourse(base: str) -> dict[str, dict]:
    out = {}
    url = f"{base}/discourse/latest.json"
    topics = []
    while url:
        page = get_json(url)
        topics += [t["id"] for t in page["topic_list"]["topics"]]
        more = page["topic_list"].get("more_topics_url")
        url = urljoin(base, more) if more else None
    for topic_id in dict.fromkeys(topics):
        topic = get_json(f"{base}/discourse/t/{topic_id}.json")
        posts = topic["post_stream"]["posts"]
        have = {p["id"] for p in posts}
        missing = [i for i in topic["post_stream"]["stream"] if i not in have]
        for start in range(0, len(missing), 20):
            query = "&".join(f"post_ids[]={i}" for i in missing[start : start + 20])
            posts += get_json(f"{base}/discourse/t/{topic_id}/posts.json?{query}")["post_stream"]["posts"]
        by_number = {p["post_number"]: p["id"] for p in posts}
        for post in posts:
            parent = post["reply_to_post_number"]
            key, fields = record(
                "discourse", topic_id, post["id"], author=post["username"], author_id=str(post["user_id"]),
                created_at=post["created_at"].replace(".000Z", "Z"), text=html_to_text(post["cooked"]),
                reply_to=[str(by_number[parent])] if parent else [], thread_title=topic["title"],
                board=str(topic["category_id"]),
                edited_at=post["updated_at"].replace(".000Z", "Z") if post["version"] > 1 else None,
            )
            out[key] = fields
    return out


# ---------------------------------------------------------------------- phpBB


def _query(href: str, name: str) -> str | None:
    values = parse_qs(urlsplit(href).query).get(name)
    return values[0] if values else None


def crawl_phpbb3(base: str) -> dict[str, dict]:
    out = {}
    index = get_html(f"{base}/phpbb/index.php")
    for forum_href in index.css("a.forumtitle::attr(href)").getall():
        url = urljoin(index.url, forum_href)
        while url:
            page = get_html(url)
            for topic_href in page.css("a.topictitle::attr(href)").getall():
                out.update(_phpbb3_topic(urljoin(page.url, topic_href)))
            nxt = page.css(".action-bar.bar-top li.arrow.next a::attr(href)").get()
            url = urljoin(page.url, nxt) if nxt else None
    return out


def _phpbb3_topic(url: str) -> dict[str, dict]:
    out = {}
    while url:
        page = get_html(url)
        topic = _query(url, "t")
        title = page.css("h2.topic-title a::text").get()
        board = page.css("li.breadcrumbs span.crumb a::text").getall()[-1]
        for post in page.css("div.post"):
            author = post.css("p.author a.username")
            notice = " ".join(post.css("div.notice ::text").getall())
            key, fields = record(
                "phpbb", topic, post.attrib["id"][1:], site=f"{SITE}/phpbb", author=author.css("::text").get(),
                author_id=_query(author.attrib["href"], "u"),
                created_at=post.css("p.author time::attr(datetime)").get().replace("+00:00", "Z"),
                text=html_to_text(post.css("div.content").get()), reply_to=[], thread_title=title,
                board=board, edited_at=_phpbb_edited(notice, r" on (.+?), edited"),
            )
            out[key] = fields
        nxt = page.css(".action-bar.bar-top li.arrow.next a::attr(href)").get()
        url = urljoin(page.url, nxt) if nxt else None
    return out


def _phpbb_edited(notice: str, pattern: str) -> str | None:
    found = re.search(pattern, notice)
    if not found:
        return None
    when = datetime.strptime(found.group(1).strip(), "%a %b %d, %Y %I:%M %p").replace(tzinfo=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def crawl_phpbb2(base: str) -> dict[str, dict]:
    out = {}
    index = get_html(f"{base}/phpbb2/index.php")
    for forum_href in index.css("a.forumlink::attr(href)").getall():
        url = urljoin(index.url, forum_href)
        while url:
            page = get_html(url)
            for topic_href in page.css("a.topictitle::attr(href)").getall():
                out.update(_phpbb2_topic(urljoin(page.url, topic_href)))
            url = _phpbb2_next(page)
    return out


def _phpbb2_next(page: HtmlResponse) -> str | None:
    nxt = page.xpath("(//td[@class='nav']/a[text()='Next'])[1]/@href").get()
    return urljoin(page.url, nxt) if nxt else None


def _phpbb2_topic(url: str) -> dict[str, dict]:
    out = {}
    while url:
        page = get_html(url)
        topic = _query(url, "t")
        title = page.css("td.maintitle a::text").get()
        board = page.css("td.nav a::text").getall()[1]
        for name in page.css("span.name"):
            post_id = name.css("a::attr(name)").get()
            row = name.xpath("./ancestor::tr[1]")
            posted = " ".join(row.css("td.postdetails::text").getall()).split("Posted:")[-1].strip()
            profile = row.xpath("./following-sibling::tr[1]//a[contains(@href, 'mode=viewprofile')]/@href").get()
            created = datetime.strptime(posted, "%a %b %d, %Y %I:%M %p").replace(tzinfo=UTC)
            key, fields = record(
                "phpbb", topic, post_id, site=f"{SITE}/phpbb2",
                author=name.css("strong::text").get(), author_id=_query(profile, "u"),
                created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                text=html_to_text(row.css("td.postbody").get()), reply_to=[], thread_title=title,
                board=board, edited_at=_phpbb_edited(" ".join(row.css(".gensmall ::text").getall()), r" on (.+?);"),
            )
            out[key] = fields
        url = _phpbb2_next(page)
    return out


# ---------------------------------------------------------------------- Reddit


def crawl_reddit(base: str, subreddits: list[str]) -> dict[str, dict]:
    out = {}
    for sub in subreddits:
        after = ""
        while True:
            listing = get_json(f"{base}/reddit/r/{sub}/new.json?limit=100&after={after}")
            for child in listing["data"]["children"]:
                out.update(_reddit_thread(base, child["data"]["id"]))
            after = listing["data"]["after"]
            if not after:
                break
    return out


def _reddit_thread(base: str, link: str) -> dict[str, dict]:
    out = {}
    link_listing, comments = get_json(f"{base}/reddit/comments/{link}.json")
    op = link_listing["data"]["children"][0]["data"]
    title = op["title"]

    def add(thing: dict) -> None:
        data = thing["data"]
        parent = data["parent_id"].split("_", 1)[1]
        key, fields = record("reddit", link, data["id"], author=data["author"], author_id=data["author_fullname"],
                             created_at=iso(data["created_utc"]), text=html_to_text(data["body_html"]),
                             reply_to=[parent], thread_title=title, board=data["subreddit"],
                             edited_at=iso(data["edited"]) if data["edited"] else None)
        out[key] = fields

    def walk(children: list) -> None:
        for child in children:
            if child["kind"] == "t1":
                add(child)
                if child["data"]["replies"]:
                    walk(child["data"]["replies"]["data"]["children"])
            elif child["kind"] == "more" and child["data"]["id"] == "_":
                parent = child["data"]["parent_id"].split("_", 1)[1]
                focus = get_json(f"{base}/reddit/comments/{link}/_/{parent}.json")[1]["data"]["children"]
                walk(focus[0]["data"]["replies"]["data"]["children"] if focus[0]["data"]["replies"] else [])
            elif child["kind"] == "more":
                ids_ = ",".join(child["data"]["children"])
                query = f"api_type=json&link_id=t3_{link}&children={ids_}"
                things = get_json(f"{base}/reddit/api/morechildren.json?{query}")
                for thing in things["json"]["data"]["things"]:
                    add(thing)

    key, fields = record("reddit", link, link, author=op["author"], author_id=op["author_fullname"],
                         created_at=iso(op["created_utc"]), text=html_to_text(op["selftext_html"]),
                         reply_to=[], thread_title=title, board=op["subreddit"],
                         edited_at=iso(op["edited"]) if op["edited"] else None)
    out[key] = fields
    walk(comments["data"]["children"])
    return out


# ---------------------------------------------------------------------- Hacker News


def crawl_hackernews(base: str) -> dict[str, dict]:
    """Walk every item id from maxitem down, the way an archiver backfills the API."""
    out = {}
    top = get_json(f"{base}/hackernews/v0/maxitem.json")
    items: dict[int, dict] = {}
    lowest = min(get_json(f"{base}/hackernews/v0/newstories.json"))
    number = top
    while number >= lowest:
        item = get_json(f"{base}/hackernews/v0/item/{number}.json")
        if item and not item.get("deleted"):
            items[number] = item
        number -= 1
    # Stories older than the 500 listed are reached through their comments' parents.
    missing = {i["parent"] for i in items.values() if "parent" in i} - set(items)
    while missing:
        for number in missing:
            items[number] = get_json(f"{base}/hackernews/v0/item/{number}.json")
        missing = {i["parent"] for i in items.values() if "parent" in i} - set(items)
    stories = {}
    for item in items.values():
        root = item
        while "parent" in root:
            root = items[root["parent"]]
        stories[item["id"]] = root
    for number, item in items.items():
        story = stories[number]
        key, fields = record("hackernews", story["id"], number, author=item["by"], author_id=item["by"],
                             created_at=iso(item["time"]), text=html_to_text(item.get("text", "")),
                             reply_to=[str(item["parent"])] if "parent" in item else [],
                             thread_title=story["title"], board=None, edited_at=None)
        out[key] = fields
    return out


# ---------------------------------------------------------------------- feeds


def crawl_feed(base: str) -> dict[str, dict]:
    out = {}
    url = f"{base}/feed/rss.xml"
    ns = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
    while url:
        root = etree.fromstring(get(url))
        for item in root.iter("item"):
            guid = item.findtext("guid")
            created = datetime.strptime(item.findtext("pubDate"), "%a, %d %b %Y %H:%M:%S %z")
            key, fields = record("feed", guid, guid, author=item.findtext("dc:creator", namespaces=ns), author_id=None,
                                 created_at=created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 text=html_to_text(item.findtext("description")), reply_to=[],
                                 thread_title=item.findtext("title"), board=None,
                                 edited_at=None)
            out[key] = fields
        nxt = root.find("channel/atom:link[@rel='next']", ns)
        url = nxt.get("href") if nxt is not None else None
    return out


# ---------------------------------------------------------------------- generic (selector profile)


def crawl_generic(base: str, profile: dict) -> dict[str, dict]:
    """Driven only by the flat TOML selector profile, as the generic spider is."""
    out = {}
    index = get_html(profile["start_urls"][0].replace("{base}", base))
    for board_href in index.css(profile["board_links"]).getall():
        url = urljoin(index.url, board_href)
        while url:
            page = get_html(url)
            for row in page.css(profile["thread_row"]):
                out.update(_generic_thread(urljoin(page.url, row.css(profile["thread_links"]).get()), profile))
            nxt = page.css(profile["next_page"]).get()
            url = urljoin(page.url, nxt) if nxt else None
    return out


def _generic_thread(url: str, profile: dict) -> dict[str, dict]:
    out = {}
    fmt = profile["timestamp_format"]

    def stamp(value: str) -> str:
        return datetime.strptime(value, fmt).replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    while url:
        page = get_html(url)
        thread_id = page.css(profile["thread_id"]).get()
        title = page.css(profile["thread_title"]).get()
        board = page.css(profile["board"]).get()
        for post in page.css(profile["post"]):
            edited = post.css(profile["edited"]).get()
            key, fields = record(
                "generic", thread_id, post.css(profile["post_id"]).get(), author=post.css(profile["author"]).get(),
                author_id=post.css(profile["author_id"]).get(), created_at=stamp(post.css(profile["timestamp"]).get()),
                text=html_to_text(post.css(profile["body"]).get()), reply_to=[], thread_title=title,
                board=board, edited_at=stamp(edited) if edited else None,
            )
            out[key] = fields
        nxt = page.css(profile["next_page"]).get()
        url = urljoin(page.url, nxt) if nxt else None
    return out
