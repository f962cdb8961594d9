"""Escaping, links and dates shared by the platform renderers."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def esc(text: str) -> str:
    """HTML-escape text and attribute values the way most forum software does."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&#x27;")
    )


def esc_4chan(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&quot;").replace("'", "&#039;")
    )


def esc_hn(text: str) -> str:
    return esc(text).replace("/", "&#x2F;")


def linkify(text: str, attrs: str = "", escape=esc) -> str:
    """Escape raw text, wrapping its URLs in ``<a>`` tags whose text is the URL itself."""
    if "://" not in text:
        return escape(text)
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(f'<a href="{url}"{attrs}>{url}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def iso(ts: int) -> str:
    year, month, day, hour, minute, second = time.gmtime(ts)[:6]
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"


def iso_ms(ts: int) -> str:
    return iso(ts)[:-1] + ".000Z"


def phpbb_date(ts: int) -> str:
    """phpBB's default date format, e.g. ``Wed Jun 02, 2010 11:01 pm`` (board time is UTC)."""
    dt = datetime.fromtimestamp(ts, UTC)
    hour = dt.hour % 12 or 12
    return f"{dt:%a %b %d, %Y} {hour}:{dt:%M} {'am' if dt.hour < 12 else 'pm'}"


def rfc822(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def http_date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def _us_eastern_offset(dt: datetime) -> timedelta:
    """US Eastern offset by the post-2007 rule: DST from the 2nd Sunday of March to the 1st of November."""
    year = dt.year
    march = datetime(year, 3, 8, 7, tzinfo=UTC)  # 2 am EST = 7 am UTC
    dst_start = march + timedelta(days=(6 - march.weekday()) % 7)
    november = datetime(year, 11, 1, 6, tzinfo=UTC)  # 2 am EDT = 6 am UTC
    dst_end = november + timedelta(days=(6 - november.weekday()) % 7)
    return timedelta(hours=-4) if dst_start <= dt < dst_end else timedelta(hours=-5)


def fourchan_now(ts: int) -> str:
    """4chan's ``now`` field: board-local (US Eastern) ``MM/DD/YY(Day)HH:MM:SS``."""
    dt = datetime.fromtimestamp(ts, UTC)
    local = dt + _us_eastern_offset(dt)
    return f"{local:%m/%d/%y}({local:%a}){local:%H:%M:%S}"


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "topic"
