"""One spider per forum platform; importing this package registers them all in SPIDERS."""

from __future__ import annotations

from importlib import import_module

from crawlers.spiders.base import SPIDERS, ForumSpider, PageError, register

# Adding a platform: one module here (a ForumSpider subclass decorated with @register).
SPIDER_MODULES = (
    "crawlers.spiders.fourchan",
    "crawlers.spiders.reddit",
    "crawlers.spiders.discourse",
    "crawlers.spiders.phpbb",
    "crawlers.spiders.hackernews",
    "crawlers.spiders.feed",
    "crawlers.spiders.generic",
)

for _module in SPIDER_MODULES:
    import_module(_module)

__all__ = ["SPIDERS", "ForumSpider", "PageError", "register", "spider_for"]


def spider_for(platform: str) -> type[ForumSpider]:
    """The spider class of a platform id, or ValueError listing the known ones."""
    try:
        return SPIDERS[platform]
    except KeyError:
        raise ValueError(f"unknown platform {platform!r} (known: {', '.join(sorted(SPIDERS))})") from None
