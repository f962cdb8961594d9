"""Deterministic ids: the same post always gets the same id, so storage is an idempotent upsert."""

from __future__ import annotations

from urllib.parse import quote, unquote

SEPARATOR = ":"


def _component(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("id components must be non-empty")
    # ':' separates components and '%' escapes; a host:port site must not split the id.
    return quote(text, safe="-._~@/+!$&'()*,;=")


def post_id(platform: str, site: str, thread_id: object, post_no: object) -> str:
    """``<platform>:<site>:<thread>:<post>``, e.g. ``4chan:boards.4chan.org:456354102:456354139``."""
    return SEPARATOR.join(_component(c) for c in (platform, site, thread_id, post_no))


def actor_id(platform: str, site: str, handle: object) -> str:
    """``<platform>:<site>:<handle>``; 4chan poster ids are scoped by thread by the spider."""
    return SEPARATOR.join(_component(c) for c in (platform, site, handle))


def thread_key(platform: str, site: str, thread_id: object) -> str:
    """``<platform>:<site>:<thread>``: the prefix every post id of that thread starts with."""
    return SEPARATOR.join(_component(c) for c in (platform, site, thread_id))


def split_id(record_id: str) -> list[str]:
    """The unescaped components of a post, actor or thread id."""
    return [unquote(part) for part in record_id.split(SEPARATOR)]
