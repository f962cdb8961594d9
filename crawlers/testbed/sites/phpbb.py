"""phpBB boards as HTML: phpBB 3.3 (prosilver) under /phpbb and phpBB 2 (subSilver) under /phpbb2.

Both serve ``index.php``, ``viewforum.php?f=&start=`` and ``viewtopic.php?t=&start=`` (also
``?p=``) with phpBB's own pagination; phpBB 2 copies the recorded pages in
shared/data/forums/phpbb (tables, ``span.name``, ``td.postbody``, profile links with ``u=``).
Board time is UTC; phpBB shows minutes, so testbed phpBB posts fall on whole minutes.
"""

# ruff: noqa: E501  (the page markup is kept line for line as phpBB emits it)

from __future__ import annotations

from typing import Any

from crawlers.testbed.sites.base import SITE, Response, Site, qint, register
from crawlers.testbed.sites.markup import esc, iso, linkify, phpbb_date

POSTLINK = ' class="postlink"'
BLANK = ' target="_blank"'
FIRST = ' class="first"'
SITENAME = {"phpbb": "Automation Underground", "phpbb2": "Freeman Cruiser Fan Club"}


class PhpBB(Site):
    topics_per_page = 25
    posts_per_page = 10

    @property
    def site_name(self) -> str:
        return f"{SITE}/{self.forum.key}"  # the install folder: /phpbb/ and /phpbb2/ share a host

    def board_name(self, spec) -> str | None:
        return self.forum.boards[spec.board].title

    def identity(self, thread, post) -> dict[str, Any]:
        handle, number = self.account(post.persona)
        return {
            "thread_id": str(thread.spec.number), "post_id": str(post.number), "author": handle,
            "author_id": str(number), "reply_to": [], "thread_title": thread.title,
        }

    def _board(self, f: int):
        for slot, board in enumerate(self.forum.boards):
            if board.number == f:
                return slot, board
        return None, None

    def _topic_for(self, query) -> tuple[Any, int] | None:
        """The topic and page offset for ``?t=`` (with ``start``) or ``?p=`` (the page holding it)."""
        t = qint(query, "t", 0)
        if t:
            spec = self.thread_by_number(t)
            return (spec, max(0, qint(query, "start", 0))) if spec else None
        p = qint(query, "p", 0)
        if not p:
            return None
        for item in self.listing():
            thread, posts = self.visible_posts(item.spec)
            for post in posts:
                if post.number == p:
                    return item.spec, post.index // self.posts_per_page * self.posts_per_page
        return None

    charset = "utf-8"

    def handle(self, path, query):
        response = self._route(path, query)
        if response is not None and response.content_type.startswith("text/html") and self.charset != "utf-8":
            text = response.body.decode("utf-8")
            response = Response.html(text, response.status, self.charset)
        return response

    def _route(self, path, query):
        if path in ([], ["index.php"]):
            return Response.html(self.index_page())
        if path == ["viewforum.php"]:
            slot, board = self._board(qint(query, "f", -1))
            if board is None:
                return Response.html(self.message("The forum you selected does not exist."), 404)
            listed = [item for item in self.listing() if item.spec.board == slot]
            start = max(0, qint(query, "start", 0))
            return Response.html(self.forum_page(board, listed, start))
        if path == ["viewtopic.php"]:
            found = self._topic_for(query)
            if found is None or not self.community.visible_count(found[0]):
                return Response.html(self.message("The requested topic does not exist."), 404)
            spec, start = found
            thread, posts = self.visible_posts(spec)
            if start >= len(posts):
                return Response.html(self.message("The requested topic does not exist."), 404)
            return Response.html(self.topic_page(thread, posts, start))
        if path == ["memberlist.php"] or path == ["profile.php"]:
            return Response.html(self.message("You must be registered and logged in to view profiles."))
        return None

    def index_page(self) -> str:
        raise NotImplementedError

    def forum_page(self, board, listed, start: int) -> str:
        raise NotImplementedError

    def topic_page(self, thread, posts, start: int) -> str:
        raise NotImplementedError

    def message(self, text: str) -> str:
        return f"<!DOCTYPE html><html><head><title>Information</title></head><body><div class=\"panel\"><h2>Information</h2><p>{esc(text)}</p></div></body></html>"


@register("phpbb")
class PhpBB3(PhpBB):
    """phpBB 3.3 with the prosilver style."""

    def render(self, thread, post) -> tuple[str, str]:
        html, text = [], []
        previous = None
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                user = self.account(thread.posts[block[1]].persona)[0]
                h = f"<blockquote><div><cite>{esc(user)} wrote:</cite>{linkify(block[2], POSTLINK)}</div></blockquote>"
                t = f"{user} wrote:\n{block[2]}"
            elif kind == "code":
                h = ('<div class="codebox"><p>Code: <a href="#" onclick="selectCode(this); return false;">Select all</a></p>'
                     f"<pre><code>{esc(block[1])}</code></pre></div>")
                t = f"Code: Select all\n\n{block[1]}"
            elif kind in ("p", "green"):
                h = "<br>".join(linkify(line, POSTLINK) for line in block[1])
                t = "\n".join(block[1])
            else:
                continue
            if previous is not None:
                html.append("<br><br>" if previous in ("p", "green") and kind in ("p", "green") else "")
            html.append(h)
            text.append(t)
            previous = kind
        return "".join(html), "\n\n".join(text)

    def _head(self, title: str) -> str:
        return (
            '<!DOCTYPE html>\n<html dir="ltr" lang="en-gb">\n<head>\n<meta charset="utf-8" />\n'
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{esc(title)}</title>\n"
            '<link href="./styles/prosilver/theme/stylesheet.css?assets_version=3" rel="stylesheet">\n'
            "</head>\n<body id=\"phpbb\" class=\"nojs notouch section-index ltr \">\n"
            '<div id="wrap" class="wrap">\n<div id="page-header"><div class="headerbar" role="banner">'
            f'<div class="inner"><div id="site-description" class="site-description"><h1>{SITENAME["phpbb"]}</h1></div></div></div>\n'
            '<div class="navbar" role="navigation"><ul id="nav-breadcrumbs" class="nav-breadcrumbs linklist navlinks" role="menubar">'
            '<li class="breadcrumbs"><span class="crumb"><a href="./index.php" accesskey="h" data-navbar-reference="index"><i class="icon fa-home fa-fw"></i><span>Board index</span></a></span>'
        )

    def _tail(self) -> str:
        return (
            '</div>\n<div id="page-footer" class="page-footer" role="contentinfo"><div class="copyright">'
            'Powered by <a href="https://www.phpbb.com/">phpBB</a>&reg; Forum Software &copy; phpBB Limited</div></div>\n'
            "</div>\n</body>\n</html>\n"
        )

    def _pagination(self, base: str, total: int, per_page: int, start: int, noun: str) -> str:
        pages = (total + per_page - 1) // per_page
        parts = [f'<div class="pagination">\n\t\t\t{total} {noun}\n']
        if pages > 1:
            current = start // per_page
            parts.append("\t\t\t\t\t<ul>\n")
            if current > 0:
                prev = f"{base}&amp;start={(current - 1) * per_page}" if current > 1 else base
                parts.append(f'\t<li class="arrow previous"><a class="button button-icon-only" href="{prev}" rel="prev" role="button"><i class="icon fa-chevron-left fa-fw" aria-hidden="true"></i><span class="sr-only">Previous</span></a></li>\n')
            for page in range(pages):
                if page == current:
                    parts.append(f'\t\t\t<li class="active"><span>{page + 1}</span></li>\n')
                elif page in (0, pages - 1) or abs(page - current) <= 2:
                    href = f"{base}&amp;start={page * per_page}" if page else base
                    parts.append(f'\t\t\t<li><a class="button" href="{href}" role="button">{page + 1}</a></li>\n')
                elif abs(page - current) == 3:
                    parts.append('\t\t\t<li class="ellipsis" role="separator"><span>…</span></li>\n')
            if current < pages - 1:
                parts.append(f'\t<li class="arrow next"><a class="button button-icon-only" href="{base}&amp;start={(current + 1) * per_page}" rel="next" role="button"><i class="icon fa-chevron-right fa-fw" aria-hidden="true"></i><span class="sr-only">Next</span></a></li>\n')
            parts.append("\t\t\t\t\t</ul>\n")
        else:
            parts.append(f"\t\t\t&bull; Page <strong>1</strong> of <strong>{max(pages, 1)}</strong>\n")
        parts.append("\t\t\t\t\t</div>\n")
        return "".join(parts)

    def _user(self, persona: int) -> str:
        handle, number = self.account(persona)
        return f'<a href="./memberlist.php?mode=viewprofile&amp;u={number}" class="username">{esc(handle)}</a>'

    def _time(self, ts: int) -> str:
        return f'<time datetime="{iso(ts)[:-1]}+00:00">{phpbb_date(ts)}</time>'

    def index_page(self) -> str:
        listed = self.listing()
        rows = []
        for slot, board in enumerate(self.forum.boards):
            mine = [item for item in listed if item.spec.board == slot]
            last = ""
            if mine:
                thread, posts = self.visible_posts(mine[0].spec)
                last = (f'<dd class="lastpost"><span><dfn>Last post</dfn> <a href="./viewtopic.php?p={posts[-1].number}#p{posts[-1].number}" '
                        f'title="{esc(thread.title)}" class="lastsubject">{esc(thread.title[:30])}</a> <br />by {self._user(posts[-1].persona)}'
                        f"<br />{self._time(posts[-1].created)}</span></dd>")
            rows.append(
                f'<li class="row">\n<dl class="row-item forum_read">\n<dt title="No unread posts"><div class="list-inner">'
                f'<a href="./viewforum.php?f={board.number}" class="forumtitle">{esc(board.title)}</a>\n<br />{esc(board.title)} talk.'
                f'</div></dt>\n<dd class="topics">{len(mine)} <dfn>Topics</dfn></dd>\n'
                f'<dd class="posts">{sum(i.count for i in mine)} <dfn>Posts</dfn></dd>\n{last}</dl>\n</li>\n'
            )
        return (self._head(f"{SITENAME['phpbb']} - Index page") + "</li></ul></div></div>\n"
                '<div id="page-body" class="page-body" role="main">\n<div class="forabg"><div class="inner">'
                '<ul class="topiclist"><li class="header"><dl class="row-item"><dt><div class="list-inner">Forum</div></dt>'
                '<dd class="topics">Topics</dd><dd class="posts">Posts</dd><dd class="lastpost"><span>Last post</span></dd></dl></li></ul>\n'
                f'<ul class="topiclist forums">\n{"".join(rows)}</ul>\n</div></div>\n' + self._tail())

    def forum_page(self, board, listed, start: int) -> str:
        chunk = listed[start : start + self.topics_per_page]
        rows = []
        for n, item in enumerate(chunk):
            thread, posts = self.visible_posts(item.spec)
            first, last = posts[0], posts[-1]
            rows.append(
                f'\t<li class="row bg{1 + n % 2}">\n\t\t<dl class="row-item topic_read">\n\t\t\t<dt title="No unread posts">'
                f'<div class="list-inner">\n\t\t\t\t<a href="./viewtopic.php?t={item.spec.number}" class="topictitle">{esc(thread.title)}</a>'
                f'\n\t\t\t\t<br />\n\t\t\t\t<div class="responsive-hide left-box">by {self._user(first.persona)} &raquo; {self._time(first.created)}</div>'
                f'\n\t\t\t</div></dt>\n\t\t\t<dd class="posts">{len(posts) - 1} <dfn>Replies</dfn></dd>\n'
                f'\t\t\t<dd class="views">{10 + 7 * len(posts)} <dfn>Views</dfn></dd>\n'
                f'\t\t\t<dd class="lastpost"><span><dfn>Last post </dfn>by {self._user(last.persona)} '
                f'<a href="./viewtopic.php?p={last.number}#p{last.number}" title="Go to last post"><i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only"></span></a>'
                f"<br />{self._time(last.created)}</span></dd>\n\t\t</dl>\n\t</li>\n"
            )
        base = f"./viewforum.php?f={board.number}"
        pagination = self._pagination(base, len(listed), self.topics_per_page, start, "topics" if len(listed) != 1 else "topic")
        return (self._head(f"{board.title} - {SITENAME['phpbb']}")
                + f'</li><li class="breadcrumbs"><span class="crumb"><a href="{base}" data-forum-id="{board.number}">{esc(board.title)}</a></span></li></ul></div></div>\n'
                f'<div id="page-body" class="page-body" role="main">\n<h2 class="forum-title"><a href="{base}">{esc(board.title)}</a></h2>\n'
                f'<div class="action-bar bar-top">{pagination}</div>\n'
                '<div class="forumbg"><div class="inner">\n<ul class="topiclist"><li class="header"><dl class="row-item"><dt><div class="list-inner">Topics</div></dt>'
                '<dd class="posts">Replies</dd><dd class="views">Views</dd><dd class="lastpost"><span>Last post</span></dd></dl></li></ul>\n'
                f'<ul class="topiclist topics">\n{"".join(rows)}</ul>\n</div></div>\n'
                f'<div class="action-bar bar-bottom">{pagination}</div>\n' + self._tail())

    def topic_page(self, thread, posts, start: int) -> str:
        spec = thread.spec
        board = self.forum.boards[spec.board]
        chunk = posts[start : start + self.posts_per_page]
        out = []
        for post in chunk:
            html, _ = self.render(thread, post)
            handle, number = self.account(post.persona)
            subject = thread.title if post.index == 0 else f"Re: {thread.title}"
            edited = self.edited_at(post)
            notice = (f'<div class="notice">Last edited by {self._user(post.persona)} on {phpbb_date(edited)}, edited 1 time in total.</div>'
                      if edited else "")
            out.append(
                f'\t\t<div id="p{post.number}" class="post has-profile bg{1 + post.index % 2}">\n\t\t<div class="inner">\n\n'
                f'\t\t<dl class="postprofile" id="profile{post.number}">\n\t\t\t<dt class="has-profile-rank no-avatar">\n'
                f'\t\t\t\t<div class="avatar-container"></div>\n\t\t\t\t{self._user(post.persona)}\n\t\t\t</dt>\n'
                f'\t\t\t<dd class="profile-rank">Member</dd>\n'
                f'\t\t\t<dd class="profile-posts"><strong>Posts:</strong> <a href="./search.php?author_id={number}&amp;sr=posts">{10 + number % 90}</a></dd>\n'
                f"\t\t</dl>\n\n\t\t<div class=\"postbody\">\n\t\t\t<div id=\"post_content{post.number}\">\n\n"
                f'\t\t\t<h3{FIRST if post.index == 0 else ""}><a href="#p{post.number}">{esc(subject)}</a></h3>\n'
                f'\t\t\t<p class="author">\n\t\t\t\t<a class="unread" href="./viewtopic.php?p={post.number}#p{post.number}" title="Post">\n'
                '\t\t\t\t\t<i class="icon fa-file fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">Post</span>\n\t\t\t\t</a>\n'
                f'\t\t\t\t<span class="responsive-hide">by <strong>{self._user(post.persona)}</strong> &raquo; </span>{self._time(post.created)}\n\t\t\t</p>\n\n'
                f'\t\t\t<div class="content">{html}</div>\n\n\t\t\t{notice}\n'
                f'\t\t\t<div id="sig{post.number}" class="signature">{esc(handle)} | {esc(board.title)}</div>\n\n'
                "\t\t\t</div>\n\n\t\t</div>\n\n\t\t<div class=\"back2top\"><a href=\"#top\" class=\"top\" title=\"Top\"><i class=\"icon fa-chevron-circle-up fa-fw icon-gray\" aria-hidden=\"true\"></i><span class=\"sr-only\">Top</span></a></div>\n"
                "\t\t</div>\n\t\t</div>\n\n\t<hr class=\"divider\" />\n"
            )
        base = f"./viewtopic.php?t={spec.number}"
        pagination = self._pagination(base, len(posts), self.posts_per_page, start, "posts" if len(posts) != 1 else "post")
        return (self._head(f"{thread.title} - {SITENAME['phpbb']}")
                + f'</li><li class="breadcrumbs"><span class="crumb"><a href="./viewforum.php?f={board.number}" data-forum-id="{board.number}">{esc(board.title)}</a></span></li></ul></div></div>\n'
                f'<div id="page-body" class="page-body" role="main">\n<h2 class="topic-title"><a href="{base}">{esc(thread.title)}</a></h2>\n'
                f'<div class="action-bar bar-top">{pagination}</div>\n' + "".join(out)
                + f'<div class="action-bar bar-bottom">{pagination}</div>\n' + self._tail())


@register("phpbb2")
class PhpBB2(PhpBB):
    """phpBB 2.0 with a subSilver-derived style, as in the recorded pages."""

    topics_per_page = 20
    posts_per_page = 15
    charset = "iso-8859-1"

    def render(self, thread, post) -> tuple[str, str]:
        html, text = [], []
        previous = None
        for block in post.blocks_at(self.now):
            kind = block[0]
            if kind == "quote":
                user = self.account(thread.posts[block[1]].persona)[0]
                h = ('<table width="90%" cellspacing="1" cellpadding="3" border="0" align="center"><tr> \n\t  '
                     f'<td><span class="genmed"><b>{esc(user)} wrote:</b></span></td>\t</tr>\t<tr>\t  '
                     f'<td class="quote">{linkify(block[2], BLANK)}</td>\t</tr></table>')
                t = f"{user} wrote:\n{block[2]}"
            elif kind == "code":
                lines = block[1].split("\n")
                code = "<br />".join(esc(line).replace("  ", "&nbsp; ") for line in lines)
                h = ('<table width="90%" cellspacing="1" cellpadding="3" border="0" align="center"><tr> \n\t  '
                     '<td><span class="genmed"><b>Code:</b></span></td>\t</tr>\t<tr>\t  '
                     f'<td class="code">{code}</td>\t</tr></table>')
                t = "Code:\n" + "\n".join(" ".join(line.split()) for line in lines)
            elif kind in ("p", "green"):
                h = "\n<br />\n".join(linkify(line, BLANK) for line in block[1])
                t = "\n".join(block[1])
            else:
                continue
            if previous is not None:
                html.append("\n<br />\n\n<br />\n" if previous in ("p", "green") and kind in ("p", "green") else "")
            html.append(h)
            text.append(t)
            previous = kind
        return "".join(html), "\n\n".join(text)

    def _page(self, title: str, body: str) -> str:
        site = SITENAME["phpbb2"]
        return (
            '<?xml version="1.0" encoding="iso-8859-1"?>\n'
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />\n'
            f'<link rel="top" href="./index.php" title="{site} Forum Index" />\n'
            f"<title>{site} :: {esc(title)}</title>\n"
            '<link rel="stylesheet" href="templates/fiappleblue/fiappleblue.css" type="text/css" />\n'
            '</head>\n<body><a name="top" id="top"></a>\n'
            '<table class="bodyline" width="100%" cellspacing="0" cellpadding="10" border="0">\n<tr>\n<td>\n'
            + body + '\n<a name="bot" id="bot"></a></td></tr></table>\n</body>\n</html>\n'
        )

    def _goto(self, base: str, total: int, per_page: int, start: int) -> str:
        pages = (total + per_page - 1) // per_page
        if pages <= 1:
            return "&nbsp;"
        current = start // per_page
        links = []
        for page in range(pages):
            if page == current:
                links.append(f"<b>{page + 1}</b>")
            else:
                links.append(f'<a href="{base}&amp;start={page * per_page}">{page + 1}</a>')
        text = "Goto page " + ", ".join(links)
        if current < pages - 1:
            text += f'&nbsp;&nbsp;<a href="{base}&amp;start={(current + 1) * per_page}">Next</a>&nbsp;'
        if current > 0:
            text = f'<a href="{base}&amp;start={(current - 1) * per_page}">Previous</a>&nbsp;&nbsp;' + text
        return text

    def _profile(self, persona: int) -> str:
        handle, number = self.account(persona)
        return f'<a href="profile.php?mode=viewprofile&amp;u={number}">{esc(handle)}</a>'

    def index_page(self) -> str:
        listed = self.listing()
        rows = []
        for slot, board in enumerate(self.forum.boards):
            mine = [item for item in listed if item.spec.board == slot]
            rows.append(
                '<tr>\n<td class="row1" align="center" valign="middle" height="50"><img src="templates/fiappleblue/images/folder_big.gif" width="46" height="25" alt="No new posts" title="No new posts" /></td>\n'
                f'<td class="row1" width="100%" height="50"><span class="forumlink"> <a href="viewforum.php?f={board.number}" class="forumlink">{esc(board.title)}</a><br />\n'
                f'</span> <span class="genmed">{esc(board.title)}<br />\n</span></td>\n'
                f'<td class="row2" align="center" valign="middle" height="50"><span class="gensmall">{len(mine)}</span></td>\n'
                f'<td class="row2" align="center" valign="middle" height="50"><span class="gensmall">{sum(i.count for i in mine)}</span></td>\n</tr>\n'
            )
        body = ('<table width="100%" cellpadding="2" cellspacing="1" border="0" class="forumline">\n<tr>\n'
                '<th colspan="2" class="thCornerL" height="25" nowrap="nowrap">&nbsp;Forum&nbsp;</th>\n'
                '<th width="50" class="thTop" nowrap="nowrap">&nbsp;Topics&nbsp;</th>\n<th width="50" class="thTop" nowrap="nowrap">&nbsp;Posts&nbsp;</th>\n</tr>\n'
                + "".join(rows) + "</table>")
        return self._page("Index", body)

    def forum_page(self, board, listed, start: int) -> str:
        chunk = listed[start : start + self.topics_per_page]
        base = f"viewforum.php?f={board.number}&amp;topicdays=0"
        rows = []
        for item in chunk:
            thread, posts = self.visible_posts(item.spec)
            first, last = posts[0], posts[-1]
            rows.append(
                f'\t<tr>\n\t\t<td height="34" class="row1"><a href="viewtopic.php?t={item.spec.number}"><img src="templates/fiappleblue/images/folder.gif" width="40" height="30" alt="No new posts" title="No new posts" /></a></td>\n'
                f'\t\t<td class="row1" width="100%"><span class="topictitle"></span><a href="viewtopic.php?t={item.spec.number}" class="topictitle">{esc(thread.title)}</a><span class="gensmall"><br />\n\t\t\t</span></td>\n'
                f'\t\t<td class="row2" align="center"><span class="gensmall">{len(posts) - 1}</span></td>\n'
                f'\t\t<td class="row3" align="center" nowrap="nowrap"><span class="gensmall">&nbsp;{self._profile(first.persona)}&nbsp;</span></td>\n'
                f'\t\t<td class="row2" align="center"><span class="gensmall">{10 + 7 * len(posts)}</span></td>\n'
                f'\t\t<td class="row3" align="center" nowrap="nowrap"><span class="gensmall">&nbsp;{phpbb_date(last.created)}&nbsp;<br />\n'
                f'\t\t\t{self._profile(last.persona)} <a href="viewtopic.php?p={last.number}#{last.number}"><img src="templates/fiappleblue/images/icon_latest_reply.gif" width="18" height="9" alt="View latest post" title="View latest post" border="0" /></a></span></td>\n\t</tr>\n'
            )
        nav = self._goto(base, len(listed), self.topics_per_page, start)
        body = (f'<table width="100%" border="0" cellspacing="2" cellpadding="2">\n<tr>\n<td class="maintitle"><a href="viewforum.php?f={board.number}">{esc(board.title)}</a></td>\n</tr>\n</table>\n'
                '<table width="100%" border="0" cellspacing="0" cellpadding="0">\n\t<tr>\n'
                f'\t\t<td class="nav" width="100%">&nbsp;&nbsp;&nbsp;<a href="index.php">{SITENAME["phpbb2"]} Forum Index</a> &raquo; <a href="viewforum.php?f={board.number}">{esc(board.title)}</a></td>\n'
                f'\t\t<td class="nav" nowrap="nowrap">{nav}</td>\n\t</tr>\n</table>\n'
                '<table border="0" cellpadding="2" cellspacing="1" width="100%" class="forumline">\n\t<tr>\n\t\t<th colspan="2">Topics</th>\n'
                '\t\t<th>Replies</th>\n\t\t<th>Author</th>\n\t\t<th>Views</th>\n\t\t<th>Last Post</th>\n\t</tr>\n'
                + "".join(rows) + "</table>\n"
                f'<table width="100%" border="0"><tr><td class="nav" nowrap="nowrap">{nav}</td></tr></table>')
        return self._page(f"View Forum - {board.title}", body)

    def topic_page(self, thread, posts, start: int) -> str:
        spec = thread.spec
        board = self.forum.boards[spec.board]
        chunk = posts[start : start + self.posts_per_page]
        rows = []
        for post in chunk:
            html, _ = self.render(thread, post)
            handle, number = self.account(post.persona)
            row = f"row{1 + post.index % 2}"
            edited = self.edited_at(post)
            edit_note = (f'<br /><br /><span class="gensmall">Last edited by {esc(handle)} on {phpbb_date(edited)}; edited 1 time in total</span>'
                         if edited else "")
            rows.append(
                f'<tr>\n<td valign="top" class="{row}" rowspan="2"><span class="name"><a name="{post.number}" id="{post.number}"></a><strong>{esc(handle)}</strong></span><br />\n'
                f'<span class="postdetails">Member<br />\n<br /><br />\nJoined: 20 Oct 2008<br />\nPosts: {10 + number % 300}</span><br />\n'
                '<img src="images/spacer.gif" alt="" width="150" height="1" />\n</td>\n'
                f'<td class="{row}" valign="top">\n<table width="100%" border="0" cellspacing="0" cellpadding="0">\n<tr>\n'
                f'<td class="postdetails"><a href="viewtopic.php?p={post.number}#{post.number}"><img src="templates/fiappleblue/images/icon_minipost.gif" width="12" height="9" alt="Post" title="Post" /></a>Posted: \n{phpbb_date(post.created)}</td>\n'
                f'<td align="right" valign="top" nowrap="nowrap"><a href="posting.php?mode=quote&amp;p={post.number}"><img src="templates/fiappleblue/images/lang_english/icon_quote.gif" width="56" height="23" alt="Reply with quote" title="Reply with quote" border="0" /></a></td>\n'
                '</tr>\n</table>\n<table width="100%" border="0" cellpadding="0" cellspacing="0">\n<tr>\n'
                f'<td valign="top" class="postbody">\n<hr />\n{html}</td>\n</tr>\n<tr>\n'
                f'<td height="40" valign="bottom" class="genmed"><br />_________________<br />{esc(handle)}{edit_note}<span class="postdetails"></span></td>\n'
                '</tr>\n</table>\n</td>\n</tr>\n<tr>\n'
                f'<td valign="bottom" nowrap="nowrap" class="{row}"><a href="profile.php?mode=viewprofile&amp;u={number}"><img src="templates/fiappleblue/images/lang_english/icon_profile.gif" width="56" height="23" alt="View user\'s profile" title="View user\'s profile" border="0" /></a>'
                f'<a href="privmsg.php?mode=post&amp;u={number}"><img src="templates/fiappleblue/images/lang_english/icon_pm.gif" width="56" height="23" alt="Send private message" title="Send private message" border="0" /></a></td>\n'
                '</tr>\n<tr>\n<td class="spacerow" colspan="2" height="1"><img src="images/spacer.gif" alt="" width="1" height="1" /></td>\n</tr>\n'
            )
        base = f"viewtopic.php?t={spec.number}&amp;postdays=0&amp;postorder=asc"
        nav = self._goto(base, len(posts), self.posts_per_page, start)
        body = ('<table width="100%" border="0" cellspacing="0" cellpadding="2">\n<tr>\n'
                f'<td class="maintitle" valign="top">&nbsp;<a href="viewtopic.php?t={spec.number}&amp;start={start}&amp;postdays=0&amp;postorder=asc&amp;highlight=">{esc(thread.title)}</a></td>\n'
                '</tr>\n</table>\n<table width="100%" border="0" cellspacing="0" cellpadding="0">\n\t<tr>\n'
                f'\t\t<td class="nav" width="100%">&nbsp;&nbsp;&nbsp;<a href="index.php">{SITENAME["phpbb2"]} Forum Index</a> &raquo; <a href="viewforum.php?f={board.number}">{esc(board.title)}</a></td>\n'
                f'\t\t<td class="nav" nowrap="nowrap">{nav}</td>\n\t</tr>\n</table>\n'
                '<table class="forumline" width="100%" cellspacing="1" cellpadding="3" border="0">\n<tr>\n'
                '<th width="150" height="28">Author</th>\n<th width="100%">Message</th>\n</tr>\n'
                + "".join(rows) + "</table>\n"
                f'<table width="100%" border="0"><tr><td class="nav" nowrap="nowrap">{nav}</td></tr></table>')
        return self._page(f"View topic - {thread.title}", body)
