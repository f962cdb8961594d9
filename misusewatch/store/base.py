"""The Store protocol: one interface over the SQLite and Elasticsearch backends."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from misusewatch.records import (
    Actor,
    Alert,
    Assessment,
    CrawlRun,
    Delivery,
    Enrichment,
    Label,
    Post,
)

TimeBucket = Literal["day", "week", "month"]
# Fields count_by_field accepts; "category" and "label" are multi-valued per post; "actor" is
# Post.actor_id (4chan's "Anonymous" handle hides many posters, their actor ids do not).
COUNT_FIELDS = ("source", "platform", "site", "board", "author", "actor", "ladder", "tier", "category", "label")


class StoreError(RuntimeError):
    """The backend refused or failed an operation; the message says which and why."""


class StoreURLError(ValueError):
    """A store URL that names no known backend."""


@dataclass(slots=True)
class PostFilter:
    """Filters shared by search, export, counts and the dashboard. ``None`` means any.

    ``since`` is inclusive and ``until`` exclusive, so adjacent stage windows never overlap.
    ``min_score`` applies to ``detector`` when given, else to the highest detector score.
    ``label`` matches posts carrying a label of that value (any kind) at any time.
    ``author`` is a handle or a platform author id; ``actor`` an actor id (``ids.actor_id``):
    one account's posts, by the indexed id they are stored with.
    """

    source: str | None = None
    platform: str | None = None
    site: str | None = None
    author: str | None = None
    actor: str | None = None
    thread_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None
    ladder: str | None = None
    tier: int | None = None
    min_tier: int | None = None
    lm_related: bool | None = None
    detector: str | None = None
    min_score: float | None = None
    label: str | None = None
    ids: Sequence[str] | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__slots__)


@dataclass(slots=True)
class UpsertResult:
    """What an upsert did: new posts, changed posts (old text kept as a revision), no-ops."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    inserted_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.inserted_ids += other.inserted_ids
        self.updated_ids += other.updated_ids
        return self


@dataclass(slots=True)
class SearchResult:
    total: int
    posts: list[Post]


@dataclass(slots=True)
class Revision:
    """A post's text before an edit replaced it."""

    post_id: str
    text: str
    thread_title: str | None
    content_hash: str
    edited_at: datetime | None
    replaced_at: datetime


@runtime_checkable
class Store(Protocol):
    """Everything misusewatch persists. Both backends pass tests/integration/test_store_contract.py.

    Writes are idempotent: posts are keyed by their deterministic id, enrichments by
    (post, enricher, version), actors by id, alerts by id, deliveries by idempotency key.
    """

    url: str

    # -- lifecycle
    def init(self) -> None:
        """Create tables/indices/templates. Safe to call on an initialised store."""

    def close(self) -> None: ...

    # -- posts
    def upsert_posts(self, posts: Iterable[Post]) -> UpsertResult:
        """Insert new posts, update changed ones (keeping the old text as a revision)."""

    def get_post(self, post_id: str) -> Post | None: ...

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        """The posts that exist, in the order asked for."""

    def revisions(self, post_id: str) -> list[Revision]:
        """Earlier texts of an edited post, oldest first."""

    def search(
        self,
        query: str = "",
        filters: PostFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        sort: Literal["relevance", "newest", "oldest"] = "relevance",
    ) -> SearchResult:
        """Full-text search (words, quoted phrases) over text and thread title, filtered.

        ``query`` is user text, never query syntax: operators and quotes in it cannot break
        the query. An empty query lists matching posts by ``sort`` (relevance means newest).
        """

    def iter_posts(
        self, filters: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        """Every matching post, oldest first, streamed in batches (exports, jobs)."""

    def count_posts(self, filters: PostFilter | None = None) -> int: ...

    def count_by_time(
        self, bucket: TimeBucket, filters: PostFilter | None = None
    ) -> list[tuple[datetime, int]]:
        """Posts per UTC day / ISO week (Monday) / month, ascending, empty buckets omitted."""

    def count_by_field(
        self, field_name: str, filters: PostFilter | None = None, *, limit: int = 1000
    ) -> dict[Any, int]:
        """Posts per value of one of COUNT_FIELDS, largest first."""

    # -- enrichment
    def iter_pending(
        self, enricher: str, version: str, *, batch_size: int = 500,
        filters: PostFilter | None = None,
    ) -> Iterator[list[Post]]:
        """Batches of posts with no successful enrichment by (enricher, version).

        Safe to write enrichments while iterating; posts that fail stay pending for next time.
        """

    def count_pending(self, enricher: str, version: str) -> int: ...

    def write_enrichments(self, enrichments: Iterable[Enrichment]) -> int:
        """Upsert by (post, enricher, version) and refresh the post's search facets."""

    def get_enrichments(self, post_id: str) -> list[Enrichment]:
        """The latest enrichment of each enricher for this post."""

    def iter_enrichments(
        self, enricher: str, *, version: str | None = None, batch_size: int = 1000
    ) -> Iterator[Enrichment]: ...

    # -- actors
    def upsert_actors(self, actors: Iterable[Actor]) -> int: ...

    def get_actor(self, actor_id: str) -> Actor | None: ...

    def list_actors(
        self, *, min_tier: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[Actor]:
        """Actors by effective tier (highest first), then post count."""

    # -- labels (append-only audit trail)
    def add_label(self, label: Label) -> Label:
        """Store and return the label with its id."""

    def labels_for(self, target_type: str, target_id: str) -> list[Label]:
        """All labels on one target, oldest first."""

    def list_labels(
        self, *, kind: str | None = None, target_type: str | None = None, limit: int = 1000
    ) -> list[Label]:
        """Newest first."""

    # -- assessments
    def write_assessment(self, assessment: Assessment) -> None: ...

    def get_assessment(self, assessment_id: str) -> Assessment | None: ...

    def list_assessments(self, kind: str | None = None) -> list[Assessment]: ...

    # -- alerts and their deliveries (the outbox)
    def write_alert(self, alert: Alert) -> bool:
        """Store an alert; False (and nothing changes) when one with this id exists."""

    def update_alert_status(self, alert_id: str, status: str) -> None: ...

    def get_alert(self, alert_id: str) -> Alert | None: ...

    def list_alerts(self, *, status: str | None = None, limit: int = 1000) -> list[Alert]: ...

    def upsert_delivery(self, delivery: Delivery) -> None: ...

    def list_deliveries(
        self, *, alert_id: str | None = None, status: str | None = None, limit: int = 10000
    ) -> list[Delivery]: ...

    # -- crawling
    def get_cursor(self, source: str, key: str) -> Any:
        """The JSON value saved under (source, key), or None."""

    def set_cursor(self, source: str, key: str, value: Any) -> None: ...

    def set_cursors(self, cursors: Iterable[tuple[str, str, Any]]) -> None:
        """Several (source, key, value) cursors at once: one write where the backend can."""

    def record_crawl_run(self, run: CrawlRun) -> None:
        """Insert or update a crawl run by id."""

    def list_crawl_runs(
        self, *, source: str | None = None, limit: int = 100, per_source: int | None = None
    ) -> list[CrawlRun]:
        """Newest first, at most ``limit``; with ``per_source``, also at most that many of each
        source, so a source crawled daily keeps its newest runs beside sources crawled hourly."""
