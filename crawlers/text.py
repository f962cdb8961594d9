"""Shared parsing helpers: HTML -> plain text, sanitized HTML, forum time stamps."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html
import nh3
from lxml import etree

from misusewatch.records import RecordError, parse_time

# Elements whose content is never visible text.
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "iframe", "object"})
# Block elements: their content starts and ends on its own line.
_BLOCK = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "center",
    }
)
# Paragraph-like blocks are separated by a blank line, as a reader sees them.
_PARAGRAPH = frozenset(
    {"p", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
)
_CELL = frozenset({"td", "th"})

_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_PLAIN = re.compile(r"[<&]")
_BLANK_LINES = re.compile(r"\n{3,}")

# Markers kept in the flat output until the end, so whitespace inside text nodes can be
# collapsed without touching the line structure the markup gave.
_NL = "\x00"
_PARA = "\x01"


def html_to_text(markup: str | None) -> str:
    """Visible text of an HTML fragment or page, as a reader would copy it.

    ``<br>`` is a line break, paragraphs and other blocks are separated by blank lines or
    line breaks, runs of HTML whitespace collapse to one space (``<pre>`` keeps its own),
    entities are decoded, scripts and styles are dropped and images contribute nothing.
    The result has no leading or trailing whitespace on any line.
    """
    if not markup:
        return ""
    if not _PLAIN.search(markup):
        return _tidy(_SPACES.sub(" ", markup))
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        # Not parseable as markup at all: decode entities and keep the characters.
        return _tidy(_SPACES.sub(" ", htmllib.unescape(re.sub(r"<[^>]*>", " ", markup))))
    parts: list[str] = []
    _walk(root, parts, pre=False)
    return _finish("".join(parts))


def _walk(element: etree._Element, parts: list[str], *, pre: bool) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag in _SKIP:
        return
    if tag == "br":
        parts.append(_NL)
    elif tag == "wbr":
        pass
    else:
        inner_pre = pre or tag in ("pre", "textarea")
        if tag in _PARAGRAPH or tag == "p":
            parts.append(_PARA)
        elif tag in _BLOCK:
            parts.append(_NL)
        if tag in ("li",):
            parts.append("- ")
        if element.text and tag:
            parts.append(_keep(element.text) if inner_pre else _SPACES.sub(" ", element.text))
        for child in element:
            _walk(child, parts, pre=inner_pre)
        if tag in _CELL:
            parts.append(" ")
        if tag in _PARAGRAPH or tag == "p":
            parts.append(_PARA)
        elif tag in _BLOCK:
            parts.append(_NL)
    if element.tail:
        parts.append(_keep(element.tail) if pre else _SPACES.sub(" ", element.tail))


def _keep(text: str) -> str:
    """Text inside <pre>: its line breaks are real line breaks."""
    return text.replace("\r\n", "\n").replace("\n", _NL)


def _finish(flat: str) -> str:
    # A paragraph marker next to line breaks means one blank line, however many markers.
    flat = re.sub(f"[{_NL}{_PARA} ]*{_PARA}[{_NL}{_PARA} ]*", "\n\n", flat)
    flat = flat.replace(_NL, "\n")
    return _tidy(flat)


def _tidy(text: str) -> str:
    lines = [line.strip(" \t\u00a0") for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalise_text(text: str | None) -> str:
    """Plain text as stored: unix newlines, no trailing spaces, at most one blank line."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _tidy(text)


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


def sanitize_html(markup: str | None) -> str | None:
    """Markup safe to render: a fixed allow-list of tags and attributes (``nh3``)."""
    if not markup:
        return None
    return nh3.clean(markup, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES)


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
