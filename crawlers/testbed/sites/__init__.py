"""The platforms the testbed serves, one module each, registered by forum key."""

from __future__ import annotations

from crawlers.testbed.sites import (  # noqa: F401  (importing registers each platform)
    discourse,
    feed,
    fourchan,
    generic,
    hackernews,
    phpbb,
    reddit,
)
from crawlers.testbed.sites.base import SITE, SITES, Response, Site

__all__ = ["SITE", "SITES", "Response", "Site", "build_sites"]


def build_sites(community) -> dict[str, Site]:
    """One Site per hosted forum of the community, keyed by its path prefix."""
    return {forum.key: SITES[forum.key](community, forum) for forum in community.forums}
