"""A paste site's feeds: RSS 2.0 at /feed/rss.xml and Atom at /feed/atom.xml, the same entries.

Newest first, 50 per page; ``?page=N`` pages back and each page links the next with
``<atom:link rel="next">`` (RSS) or ``<link rel="next">`` (Atom, RFC 5005 style). An entry's
guid / Atom id is ``tag:testbed.misusewatch,2019:paste-<n>`` (the same whatever port the
testbed binds); its body is HTML in ``<description>`` / ``<content type="html">``.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape as xml_escape

from crawlers.testbed.sites.base import Response, Site, qint, register
from crawlers.testbed.sites.markup import esc, iso, linkify, rfc822

PAGE = 50
TITLE = "dumpbin - recent public pastes"


def guid(number: int) -> str:
    return f"tag:testbed.misusewatch,2019:paste-{number}"


@register("feed")
class Feed(Site):
    def board_name(self, spec) -> str | None:
        return None

    def render(self, thread, post) -> tuple[str, str]:
        html, text = [], []
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                html.append(f"<blockquote><p>{linkify(block[2])}</p></blockquote>")
                text.append(block[2])
            elif kind == "code":
                html.append(f"<pre><code>{esc(block[1])}</code></pre>")
                text.append(block[1])
            elif kind in ("p", "green"):
                html.append("<p>" + "<br/>".join(linkify(line) for line in block[1]) + "</p>")
                text.append("\n".join(block[1]))
        return "\n".join(html), "\n\n".join(text)

    def identity(self, thread, post) -> dict[str, Any]:
        handle, _ = self.account(post.persona)
        entry = guid(thread.spec.number)
        return {"thread_id": entry, "post_id": entry, "author": handle, "author_id": None,
                "reply_to": [], "thread_title": thread.title}

    def _entries(self, page: int):
        listed = sorted(self.listing(), key=lambda item: -self.community.times[item.spec.first])
        chunk = listed[(page - 1) * PAGE : page * PAGE]
        more = page * PAGE < len(listed)
        out = []
        for item in chunk:
            thread, posts = self.visible_posts(item.spec)
            out.append((thread, posts[0]))
        return out, more, listed

    def _rss(self, page: int) -> Response:
        entries, more, listed = self._entries(page)
        base = self.base_url
        items = []
        for thread, post in entries:
            html, _ = self.render(thread, post)
            handle, _ = self.account(post.persona)
            n = thread.spec.number
            items.append(
                f"    <item>\n      <title>{xml_escape(thread.title)}</title>\n"
                f"      <link>{base}/feed/entry/{n}.html</link>\n"
                f'      <guid isPermaLink="false">{guid(n)}</guid>\n'
                f"      <pubDate>{rfc822(post.created)}</pubDate>\n"
                f"      <dc:creator>{xml_escape(handle)}</dc:creator>\n"
                f"      <category>{'code' if any(b[0] == 'code' for b in post.blocks) else 'text'}</category>\n"
                f"      <description>{xml_escape(html)}</description>\n    </item>\n"
            )
        newest = self.community.times[listed[0].spec.first] if listed else self.now
        nxt = f'    <atom:link rel="next" href="{base}/feed/rss.xml?page={page + 1}"/>\n' if more else ""
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f"  <channel>\n    <title>{TITLE}</title>\n    <link>{base}/feed/</link>\n"
            "    <description>The latest public pastes.</description>\n    <language>en</language>\n"
            f"    <lastBuildDate>{rfc822(newest)}</lastBuildDate>\n"
            f'    <atom:link rel="self" type="application/rss+xml" href="{base}/feed/rss.xml?page={page}"/>\n'
            f"{nxt}" + "".join(items) + "  </channel>\n</rss>\n"
        )
        return Response.xml(body, "application/rss+xml; charset=utf-8")

    def _atom(self, page: int) -> Response:
        entries, more, listed = self._entries(page)
        base = self.base_url
        items = []
        for thread, post in entries:
            html, _ = self.render(thread, post)
            handle, _ = self.account(post.persona)
            n = thread.spec.number
            edited = self.edited_at(post)
            items.append(
                f"  <entry>\n    <title>{xml_escape(thread.title)}</title>\n    <id>{guid(n)}</id>\n"
                f'    <link rel="alternate" type="text/html" href="{base}/feed/entry/{n}.html"/>\n'
                f"    <published>{iso(post.created)}</published>\n"
                f"    <updated>{iso(edited or post.created)}</updated>\n"
                f"    <author><name>{xml_escape(handle)}</name></author>\n"
                f'    <content type="html">{xml_escape(html)}</content>\n  </entry>\n'
            )
        newest = self.community.times[listed[0].spec.first] if listed else self.now
        nxt = f'  <link rel="next" href="{base}/feed/atom.xml?page={page + 1}"/>\n' if more else ""
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"  <title>{TITLE}</title>\n  <id>tag:testbed.misusewatch,2019:pastes</id>\n"
            f"  <updated>{iso(newest)}</updated>\n"
            f'  <link rel="self" href="{base}/feed/atom.xml?page={page}"/>\n'
            f'  <link rel="alternate" type="text/html" href="{base}/feed/"/>\n{nxt}'
            + "".join(items) + "</feed>\n"
        )
        return Response.xml(body, "application/atom+xml; charset=utf-8")

    def _entry_page(self, number: int) -> Response:
        spec = self.thread_by_number(number)
        if spec is None or not self.community.visible_count(spec):
            return Response.html("<html><body><p>Paste not found.</p></body></html>", 404)
        thread, posts = self.visible_posts(spec)
        html, _ = self.render(thread, posts[0])
        return Response.html(f"<html><head><title>{esc(thread.title)}</title></head><body>"
                             f'<h1>{esc(thread.title)}</h1><div class="paste">{html}</div></body></html>')

    def handle(self, path, query):
        page = max(1, qint(query, "page", 1))
        if path == ["rss.xml"]:
            return self._rss(page)
        if path == ["atom.xml"]:
            return self._atom(page)
        if path in ([], ["index.html"]):
            return Response.html(
                f'<html><head><title>{TITLE}</title>'
                '<link rel="alternate" type="application/rss+xml" href="/feed/rss.xml"/>'
                '<link rel="alternate" type="application/atom+xml" href="/feed/atom.xml"/>'
                "</head><body><p>Recent pastes: see the feeds.</p></body></html>"
            )
        if len(path) == 2 and path[0] == "entry" and path[1].endswith(".html") and path[1][:-5].isdigit():
            return self._entry_page(int(path[1][:-5]))
        return None
