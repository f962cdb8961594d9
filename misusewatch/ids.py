"""Deterministic ids: the same post always gets the same id, so storage is an idempotent upsert."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote

SEPARATOR = ":"
# Platforms that number threads and posts per board (4chan's /g/ and /pol/ both have a thread
# 123456): the board joins the site component, so two boards' posts never share an id.
BOARD_SCOPED_PLATFORMS = frozenset({"4chan"})


_SAFE = "-._~@/+!$&'()*,;="
# A component made only of characters quote() keeps (most platforms, sites, numbers and
# handles) is itself; the rest (a host:port site) repeat, so their quoting is remembered. The
# store makes an actor id for every post it writes; quote() was most of that.
_UNQUOTED = re.compile(f"[A-Za-z0-9{re.escape(_SAFE)}]+\\Z")


@lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    return quote(text, safe=_SAFE)


def _component(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("id components must be non-empty")
    if _UNQUOTED.match(text):
        return text
    # ':' separates components and '%' escapes; a host:port site must not split the id.
    return _quoted(text)


def scoped_site(platform: str, site: str, board: object = None) -> str:
    """The site component of an id: ``site``, or ``site/board`` on board-scoped platforms."""
    if board and platform in BOARD_SCOPED_PLATFORMS:
        return f"{site}/{board}"
    return site


def post_id(platform: str, site: str, thread_id: object, post_no: object, board: object = None) -> str:
    """``<platform>:<site>:<thread>:<post>``, e.g. ``4chan:boards.4chan.org/v:456354102:456354139``."""
    site = scoped_site(platform, site, board)
    return SEPARATOR.join(_component(c) for c in (platform, site, thread_id, post_no))


def actor_id(platform: str, site: str, handle: object) -> str:
    """``<platform>:<site>:<handle>``; 4chan poster ids are scoped by thread by the spider."""
    return SEPARATOR.join(_component(c) for c in (platform, site, handle))


def thread_key(platform: str, site: str, thread_id: object, board: object = None) -> str:
    """``<platform>:<site>:<thread>``: the prefix every post id of that thread starts with."""
    site = scoped_site(platform, site, board)
    return SEPARATOR.join(_component(c) for c in (platform, site, thread_id))


def split_id(record_id: str) -> list[str]:
    """The unescaped components of a post, actor or thread id."""
    return [unquote(part) for part in record_id.split(SEPARATOR)]
