"""The Enricher protocol and its registry: anything that turns posts into Enrichment records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from misusewatch.records import Enrichment, Post
from misusewatch.registry import Registry


@runtime_checkable
class Enricher(Protocol):
    """Reads a batch of posts, returns one Enrichment per post (``error`` set on failure).

    ``name`` and ``version`` key the results: bump ``version`` when the output would change,
    and the runner re-enriches every post; otherwise each post is enriched once.
    """

    name: str
    version: str

    def enrich(self, posts: Sequence[Post]) -> list[Enrichment]: ...


enrichers: Registry[Enricher] = Registry("enricher")
