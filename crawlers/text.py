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

_WHITESPACE = re.compile(r"[ \t\n\r\f\v\xa0]+")
_SPACES_AROUND_BREAKS = re.compile(f"[ ]*([{_BR}{_LINE}{_PARA}]+)[ ]*")
_DROP_SENTINELS = str.maketrans("", "", _SENTINELS)
# Characters libxml2 refuses (it raises on them): dropped, like the sentinels, before parsing.
_DROP_SENTINELS.update(dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]))


def html_to_text(html: Any) -> str:
    """The plain text of an HTML fragment (a string) or an lxml element, per the rule above."""
    if html is None:
        return ""
    if isinstance(html, str):
        if not html.strip():
            return ""
        if "<" not in html and "&" not in html:
            # No markup: the rule reduces to collapsing whitespace; skip the parser (a crawl
            # calls this for every author name and every plain post).
            plain = _WHITESPACE.sub(" ", html.translate(_DROP_SENTINELS)).strip(" ")
            return plain if plain.strip() else ""
        root = _parse_fragment(html.translate(_DROP_SENTINELS))
    else:
        root = html
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


def _break_for(run: str) -> str:
    newlines = run.count(_BR)
    if _PARA in run:
        newlines = max(newlines, 2)
    elif _LINE in run:
        newlines = max(newlines, 1)
    return "\n" * min(newlines, 2)


def _assemble(raw: str) -> str:
    text = _SPACES_AROUND_BREAKS.sub(lambda m: m.group(1), re.sub(" {2,}", " ", raw))
    text = text.strip(" " + _BR + _LINE + _PARA)
    text = re.sub(f"[{_BR}{_LINE}{_PARA}]+", lambda m: _break_for(m.group(0)), text)
    return text.replace(_PRE_SPACE, " ")


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


def sanitize_html(markup: str | None) -> str | None:
    """Markup safe to render: a fixed allow-list of tags and attributes (``nh3``)."""
    if not markup:
        return None
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
