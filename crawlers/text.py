"""HTML to the plain ``Post.text`` every spider stores: one rule, shared by spiders and testbed.

The rule (documented in docs/testbed.md, "Plain text"):

* ``<br>`` is a line break; block elements (``p``, ``div``, ``blockquote``, ``pre``, ``ul``,
  ``table``, ``h1``-``h6``, ``hr``, ``aside``...) start and end a paragraph (a blank line);
  ``li``, ``tr``, ``dt``, ``dd`` and ``cite`` start and end a line; table cells are separated by
  a space. Breaks do not add up beyond a blank line, except consecutive ``<br>`` which count
  one newline each (still at most two in a row).
* Outside ``<pre>`` runs of whitespace collapse to one space and spaces next to a break are
  dropped; inside ``<pre>`` spaces and newlines are kept (newlines count as ``<br>``).
* Entities are unescaped, ``&nbsp;`` becomes a plain space; ``script``, ``style``, comments
  and images contribute nothing; links contribute their text (so a 4chan quotelink stays
  ``>>123``).
* The result has no leading or trailing blank lines or spaces.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html
import nh3
from lxml import etree

from misusewatch.records import RecordError, parse_time

# Private-use sentinels mark breaks while text is assembled; they never occur in real posts
# (any that do are dropped on input so they cannot forge a break).
_BR = "\ue000"
_LINE = "\ue001"
_PARA = "\ue002"
_PRE_SPACE = "\ue003"
_SENTINELS = _BR + _LINE + _PARA + _PRE_SPACE

PARAGRAPH_TAGS = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr main menu nav ol p pre section summary "
    "table ul".split()
)
LINE_TAGS = frozenset("li tr dt dd cite caption".split())
CELL_TAGS = frozenset(("td", "th"))
SKIPPED_TAGS = frozenset("script style head title noscript template img iframe object".split())

# Runs of whitespace, each replaced by one space. A lone space is already that, so the pattern
# leaves it out: most text is words and single spaces, and each match costs (2.6 -> 1.6 us a post).
_WHITESPACE = re.compile(r"[\t\n\r\f\v\xa0][ \t\n\r\f\v\xa0]*| [ \t\n\r\f\v\xa0]+")
_DROP_SENTINELS = str.maketrans("", "", _SENTINELS)
# Characters libxml2 refuses (it raises on them): dropped, like the sentinels, before parsing.
_DROP_SENTINELS.update(dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))
_DROPPED_CHARS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{_SENTINELS}]")


def html_to_text(html: Any) -> str:
    """The plain text of an HTML fragment (a string) or an lxml element, per the rule above."""
    if html is None:
        return ""
    if isinstance(html, str):
        if _DROPPED_CHARS.search(html) is not None:
            html = html.translate(_DROP_SENTINELS)
        if not html.strip():
            return ""
        if "<" not in html and "&" not in html:
            # No markup: the rule reduces to collapsing whitespace; skip the parser (a crawl
            # calls this for every author name and every plain post).
            plain = _WHITESPACE.sub(" ", html).strip(" ")
            return plain if plain.strip() else ""
        pieces_text = _simple_markup_text(html)
        if pieces_text is not None:
            return _assemble(pieces_text)
        return _parsed_text(_parse_fragment(html))
    return _parsed_text(html)


def _parsed_text(root: etree._Element) -> str:
    """The rule applied to a parsed tree (what the fast path must always agree with)."""
    pieces: list[str] = []
    _walk(root, pieces, in_pre=False)
    return _assemble("".join(pieces))


def _parse_fragment(html: str) -> etree._Element:
    # A bare <td>/<tr> fragment would lose its tag outside a table; the container keeps it.
    wrapper = "<table><tr>{}</tr></table>" if re.match(r"\s*<t[dh][\s>]", html, re.I) else "{}"
    try:
        return lxml.html.fragment_fromstring(wrapper.format(html), create_parent="div")
    except etree.ParserError:
        return lxml.html.fragment_fromstring("<p></p>", create_parent="div")


def _walk(element: etree._Element, out: list[str], in_pre: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower().rpartition("}")[2]
    if tag in SKIPPED_TAGS or not isinstance(element.tag, str):
        # Comments and processing instructions have a callable tag; their tail still counts.
        _text(element.tail, out, in_pre)
        return
    marker = _PARA if tag in PARAGRAPH_TAGS else _LINE if tag in LINE_TAGS else ""
    if tag == "br":
        out.append(_BR)
    else:
        if marker:
            out.append(marker)
        elif tag in CELL_TAGS:
            out.append(" ")
        inner_pre = in_pre or tag == "pre"
        _text(element.text, out, inner_pre)
        for child in element:
            _walk(child, out, inner_pre)
        if marker:
            out.append(marker)
        elif tag in CELL_TAGS:
            out.append(" ")
    _text(element.tail, out, in_pre)


def _text(value: str | None, out: list[str], in_pre: bool) -> None:
    if not value:
        return
    if in_pre:
        out.append(
            value.replace("\r\n", "\n")
            .replace("\xa0", " ")
            .replace(" ", _PRE_SPACE)
            .replace("\t", _PRE_SPACE * 4)
            .replace("\n", _BR)
        )
    else:
        out.append(_WHITESPACE.sub(" ", value))


@lru_cache(maxsize=256)
def _break_for(run: str) -> str:
    newlines = run.count(_BR)
    if _PARA in run:
        newlines = max(newlines, 2)
    elif _LINE in run:
        newlines = max(newlines, 1)
    return "\n" * min(newlines, 2)


_MULTI_SPACE = re.compile(" {2,}")
# A run of breaks with the spaces in and around it (spaces next to a break are dropped).
_BREAK_RUN = re.compile(f"[ {_BR}{_LINE}{_PARA}]*[{_BR}{_LINE}{_PARA}][ {_BR}{_LINE}{_PARA}]*")


def _assemble(raw: str) -> str:
    if "  " in raw:
        raw = _MULTI_SPACE.sub(" ", raw)
    text = _BREAK_RUN.sub(_break_for_match, raw.strip(" " + _BR + _LINE + _PARA))
    return text.replace(_PRE_SPACE, " ") if _PRE_SPACE in text else text


def _break_for_match(match: re.Match) -> str:
    return _break_for(match[0])


# ---------------------------------------------------------------- the fast path
# Most posts are simple markup: paragraphs, quotes, links, <br>, <pre>, comments, entities.
# For those, reading the tags in order gives exactly the pieces _walk would take from
# libxml2's tree, without building it (a 4chan post: ~90 -> ~30 us). Anything libxml2 might
# restructure (a block inside a paragraph or a link, a stray or mismatched end tag, <p/>,
# tables, unknown tags, unusual entities or characters) is not simple: the fast path returns
# None and the parser decides. Elements left open at the end are closed there, as libxml2
# does, and a block start ends an open <p> (Hacker News writes "para<p>para").
# tests/unit/test_crawler_text.py checks the two paths agree on testbed posts, on every
# fixture, and on thousands of generated, partly hostile fragments.

_INLINE_TAGS = frozenset(
    "a abbr b cite code del em font i kbd q s samp small span strike strong sub sup tt u var".split()
)
# Blocks the fast path knows; p, hN and pre hold only inline content, like inline elements.
_BLOCK_TAGS = frozenset("p div blockquote aside ul ol li pre h1 h2 h3 h4 h5 h6".split())
_PHRASING_BLOCKS = frozenset("p pre h1 h2 h3 h4 h5 h6".split())
# Blocks whose start ends an open <p> in libxml2 (HN writes "para<p>para" without end tags).
_CLOSES_P = frozenset("p div blockquote ul ol pre h1 h2 h3 h4 h5 h6".split())
_VOID_TAGS = frozenset(("br", "wbr", "img", "hr"))
# A start or end tag (attributes well quoted) or a comment; re.split keeps the tag's groups.
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*(/?)>"
    r"|<!--(?!-?>)(?:(?!--)[^\x00])*-->"
)
_COMMON_ENTITIES = (("&gt;", ">"), ("&lt;", "<"), ("&quot;", '"'), ("&#039;", "'"), ("&#x27;", "'"),
                    ("&#39;", "'"), ("&apos;", "'"), ("&nbsp;", "\xa0"))
_NUMERIC_ENTITY = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")
# Characters libxml2 may drop, replace or refuse: left to the parser.
_UNUSUAL_CHARS = re.compile("[\r\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


class _NotSimple(Exception):
    pass


def _numeric_entity(match: re.Match) -> str:
    code = int(match[1]) if match[1] is not None else int(match[2], 16)
    if not (0x20 <= code < 0x7F or 0xA0 <= code < 0xD800 or 0xE004 <= code < 0xFDD0
            or 0xFDF0 <= code <= 0x10FFFF) or code & 0xFFFE == 0xFFFE:
        raise _NotSimple  # NUL, controls, C1 (cp1252 in HTML), our sentinels, non-characters
    return chr(code)


def _decode(text: str) -> str:
    """Text between tags with its entities decoded; _NotSimple for a bare "<" or "&"."""
    if "&" not in text:
        if "<" in text:
            raise _NotSimple
        return text
    if "<" in text:
        raise _NotSimple
    for entity, char in _COMMON_ENTITIES:
        if entity in text:
            text = text.replace(entity, char)
    if "&#" in text:
        text = _NUMERIC_ENTITY.sub(_numeric_entity, text)
    # Decoded last, so "&amp;gt;" stays "&gt;"; any other "&" is the parser's to judge.
    if text.count("&") != text.count("&amp;"):
        raise _NotSimple
    return text.replace("&amp;", "&")


def _pre_text(value: str) -> str:
    pieces: list[str] = []
    _text(value, pieces, in_pre=True)
    return "".join(pieces)


def _marker(tag: str) -> str:
    return _PARA if tag in _BLOCK_TAGS and tag != "li" else _LINE if tag in ("li", "cite") else ""


def _simple_markup_text(html: str) -> str | None:
    """The pieces of ``html`` as _walk would emit them, or None when it is not simple markup."""
    if _UNUSUAL_CHARS.search(html):
        return None
    parts = _TAG.split(html)  # text, (end "/", name, self-closing "/", text)...
    try:
        out = [_decode(parts[0])]
        stack: list[str] = []
        phrasing = 0  # open inline elements, <p>, <pre>, <hN>: no block may start inside them
        in_pre = False
        for i in range(1, len(parts), 4):
            name = parts[i + 1]
            if name is not None:  # else a comment: no text of its own
                tag = name.lower()
                if tag in _VOID_TAGS:
                    if parts[i] or (tag == "hr" and phrasing):
                        return None
                    out.append(_BR if tag == "br" else _PARA + _PARA if tag == "hr" else "")
                elif parts[i + 2]:
                    return None  # <p/>: libxml2 honours the slash, HTML does not
                elif parts[i]:
                    if not stack or stack[-1] != tag:
                        return None
                    stack.pop()
                    out.append(_marker(tag))
                    if tag in _INLINE_TAGS or tag in _PHRASING_BLOCKS:
                        phrasing -= 1
                    if tag == "pre":
                        in_pre = False
                else:
                    if tag in _INLINE_TAGS:
                        if tag == "a" and "a" in stack:
                            return None
                    elif tag in _BLOCK_TAGS:
                        if stack and stack[-1] == "p" and tag in _CLOSES_P:
                            stack.pop()  # libxml2 ends the paragraph here
                            out.append(_PARA)
                            phrasing -= 1
                        if phrasing or (tag == "li") != (bool(stack) and stack[-1] in ("ul", "ol")):
                            return None
                    else:
                        return None
                    if tag in _INLINE_TAGS or tag in _PHRASING_BLOCKS:
                        phrasing += 1
                    if tag == "pre":
                        in_pre = True
                    out.append(_marker(tag))
                    stack.append(tag)
            text = parts[i + 3]
            if text:
                text = _decode(text)
                out.append(_pre_text(text) if in_pre else text)
    except _NotSimple:
        return None
    for tag in reversed(stack):  # still open at the end: closed there
        out.append(_marker(tag))
    # Whitespace outside <pre> collapses as _text does; <pre>'s own is already sentinels.
    return _WHITESPACE.sub(" ", "".join(out))


# ---------------------------------------------------------------- helpers the spiders add
# (text normalisation, sanitized HTML, forum time stamps)

_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_text(text: str | None) -> str:
    """Plain text as stored: unix newlines, no control characters, no outer whitespace.

    Deliberately nothing more: html_to_text's output (indentation in ``<pre>`` included)
    and a Reddit body's Markdown pass through unchanged.
    """
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


# Tags and attributes a post's stored HTML may keep; everything else (scripts, styles,
# event handlers, iframes) is removed so the dashboard can show it safely.
_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "span": {"class"}}


_CLEANER = nh3.Cleaner(tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES)


# Text nh3 would change: markup and entities, what the HTML tokenizer rewrites (CR, NUL),
# what its serializer escapes (NBSP), a leading byte-order mark, and lone surrogates (which
# nh3 refuses). Without any of these nh3 returns its input unchanged, so it is skipped.
_NEEDS_CLEANING = re.compile("[<>&\r\x00\xa0\ud800-\udfff]|^\ufeff")


def sanitize_html(markup: str | None) -> str | None:
    """Markup safe to render: a fixed allow-list of tags and attributes (``nh3``)."""
    if not markup:
        return None
    if _NEEDS_CLEANING.search(markup) is None:
        return markup
    return _CLEANER.clean(markup)


# ---------------------------------------------------------------- time stamps


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo | type[UTC] | None:
    """The time zone a forum shows its times in (IANA name); ``None`` or "UTC" is UTC."""
    if not name or name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecordError(f"unknown time zone {name!r}") from None


# phpBB 2 and 3 and many boards print times like these when no machine-readable one exists.
FORUM_TIME_FORMATS = (
    "%a %b %d, %Y %I:%M %p",  # Wed Jun 02, 2010 11:01 pm (phpBB2 default)
    "%a %b %d, %Y %H:%M",  # Wed Jun 02, 2010 23:01
    "%a %b %d, %Y %I:%M:%S %p",
    "%a %b %d, %Y %H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y, %H:%M",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y, %I:%M %p",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)

_TIME_PREFIX = re.compile(r"^\s*(posted|date|time|written)\s*:?\s*", re.IGNORECASE)
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b")


def parse_forum_time(
    text: str, fmt: str | None = None, tz: str | None = None, *, now: datetime | None = None
) -> datetime:
    """An aware UTC datetime from the way a forum prints a time.

    ``fmt`` is a ``strftime`` pattern, ``"iso"`` or ``"unix"``; without one, ISO-8601 and
    :data:`FORUM_TIME_FORMATS` are tried. ``tz`` is the zone the forum prints times in.
    "Today"/"Yesterday" prefixes are resolved against ``now`` (the fetch time).
    """
    raw = text
    text = _SPACES.sub(" ", _TIME_PREFIX.sub("", text or "")).strip(" \u00a0»,-")
    if not text:
        raise RecordError(f"time: empty time stamp {raw!r}")
    if fmt == "unix" or (fmt is None and re.fullmatch(r"\d{9,11}(\.\d+)?", text)):
        try:
            return parse_time(float(text), "time")
        except ValueError:
            raise RecordError(f"time: not a unix time: {raw!r}") from None
    zone_info = zone(tz)
    if fmt in (None, "iso"):
        try:
            parsed = parse_time(text, "time")
            if re.search(r"(Z|[+-]\d\d:?\d\d)$", text, re.IGNORECASE):
                return parsed
            return parsed.replace(tzinfo=zone_info).astimezone(UTC)
        except RecordError:
            if fmt == "iso":
                raise
    day_offset = None
    lowered = text.lower()
    for word, offset in (("today", 0), ("yesterday", 1)):
        if lowered.startswith(word):
            day_offset = offset
            text = text[len(word) :].strip(" ,")
            break
    text = _ORDINAL.sub(r"\1", text)
    if day_offset is not None:
        base = (now or datetime.now(UTC)).astimezone(zone_info)
        clock = _parse_clock(text, raw)
        local = datetime.combine(base.date() - timedelta(days=day_offset), clock)
        return local.replace(tzinfo=zone_info).astimezone(UTC)
    for candidate in (fmt,) if fmt else FORUM_TIME_FORMATS:
        try:
            local = datetime.strptime(text, candidate)
        except ValueError:
            continue
        return local.replace(tzinfo=zone_info).astimezone(UTC)
    raise RecordError(f"time: {raw!r} does not match {fmt or 'any known forum time format'}")


def _parse_clock(text: str, raw: str):
    for pattern in ("%I:%M %p", "%H:%M", "%I:%M:%S %p", "%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise RecordError(f"time: {raw!r} has no clock time after Today/Yesterday")
