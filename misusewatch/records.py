"""The one schema: Post, Actor, Enrichment, Assessment, Alert, Delivery, Label, CrawlRun."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from misusewatch import ids

LADDER_STEPS = ("none", "discussion", "plan", "code", "deployment")
CATEGORIES = (
    "spam",
    "phishing",
    "disinformation",
    "impersonation",
    "fake_reviews",
    "extremist_propaganda",
    "harassment",
    "academic_dishonesty",
    "malicious_prompting",
)
TIERS = (1, 2, 3)
DETECTOR_LABELS = ("machine", "human", "abstain")


class RecordError(ValueError):
    """A record failed validation; ``str()`` is one line naming the field."""


# ---------------------------------------------------------------- time helpers


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(value: Any, field_name: str = "time") -> datetime:
    """An aware UTC datetime from ISO-8601 text, a unix timestamp or a datetime.

    Naive values are taken to be UTC: forum APIs that omit the zone (4chan's ``time``,
    Reddit's ``created_utc``) are UTC, and guessing a local zone would shift the stages.
    """
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        dt = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise RecordError(f"{field_name}: not an ISO-8601 time: {value!r}") from None
    else:
        raise RecordError(f"{field_name}: expected an ISO-8601 time, got {value!r}")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def format_time(dt: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z`` suffix (seconds, or microseconds when present)."""
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    spec = "microseconds" if dt.microsecond else "seconds"
    return dt.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def content_hash(text: str, thread_title: str | None = None) -> str:
    """What decides "unchanged" on re-crawl: the visible content, not collection metadata."""
    digest = hashlib.sha256()
    digest.update((thread_title or "").encode())
    digest.update(b"\x00")
    digest.update(text.encode())
    return digest.hexdigest()


# ---------------------------------------------------------------- (de)serialisation


class _Record:
    """Shared JSON round-trip for the dataclasses below: datetimes as ISO-8601 UTC strings."""

    _time_fields: ClassVar[tuple[str, ...]] = ()
    _required: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            out[f.name] = format_time(value) if f.name in self._time_fields else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        if not isinstance(data, dict):
            raise RecordError(f"expected a JSON object, got {type(data).__name__}")
        data = cls._prepare(dict(data))
        missing = [name for name in cls._required if data.get(name) in (None, "")]
        if missing:
            raise RecordError(f"missing field {', '.join(missing)}")
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        kwargs = {k: v for k, v in data.items() if k in known}
        for name in cls._time_fields:
            if kwargs.get(name) not in (None, ""):
                kwargs[name] = parse_time(kwargs[name], name)
            else:
                kwargs.pop(name, None)
        return cls(**kwargs)

    @classmethod
    def _prepare(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Hook for a record to check or default raw fields before construction."""
        return data

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


# ---------------------------------------------------------------- records


@dataclass(slots=True)
class Post(_Record):
    """One forum post, comment, reply or feed entry, as collected."""

    id: str
    source: str
    platform: str
    site: str
    thread_id: str
    post_id: str
    created_at: datetime
    text: str
    board: str | None = None
    thread_title: str | None = None
    author: str | None = None
    author_id: str | None = None
    edited_at: datetime | None = None
    html: str | None = None
    reply_to: list[str] = field(default_factory=list)
    url: str | None = None
    collected_at: datetime = field(default_factory=utcnow)
    content_hash: str = ""
    raw: Any = None

    _time_fields: ClassVar[tuple[str, ...]] = ("created_at", "edited_at", "collected_at")
    _required: ClassVar[tuple[str, ...]] = (
        "source",
        "platform",
        "site",
        "thread_id",
        "post_id",
        "created_at",
    )

    def __post_init__(self) -> None:
        if self.text is None:
            raise RecordError("missing field text")
        for name in ("thread_id", "post_id"):
            setattr(self, name, str(getattr(self, name)))
        if not self.id:
            self.id = ids.post_id(self.platform, self.site, self.thread_id, self.post_id, self.board)
        self.reply_to = [str(r) for r in (self.reply_to or [])]
        # Always recomputed: a stale or hand-written hash would make an edit look unchanged.
        self.content_hash = content_hash(self.text, self.thread_title)

    @classmethod
    def _prepare(cls, data: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(data.get("text"), str):
            raise RecordError("missing field text")
        data.setdefault("id", "")
        data.setdefault("content_hash", "")
        return data

    @property
    def thread_key(self) -> str:
        return ids.thread_key(self.platform, self.site, self.thread_id, self.board)

    @property
    def actor_id(self) -> str | None:
        handle = self.author_id or self.author
        return ids.actor_id(self.platform, self.site, handle) if handle else None


@dataclass(slots=True)
class Actor(_Record):
    """An account (or a 4chan poster id within a thread) and what we concluded about it."""

    id: str
    platform: str
    site: str
    handle: str
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    post_count: int = 0
    tier: int | None = None
    tier_confidence: float | None = None
    # post ids that justify the tier, signals (cadence, clusters...), the analyst override.
    evidence: list[str] = field(default_factory=list)
    signals: dict[str, Any] = field(default_factory=dict)
    override: dict[str, Any] | None = None
    updated_at: datetime = field(default_factory=utcnow)

    _time_fields: ClassVar[tuple[str, ...]] = ("first_seen", "last_seen", "updated_at")
    _required: ClassVar[tuple[str, ...]] = ("id", "platform", "site", "handle")

    @property
    def effective_tier(self) -> int | None:
        """The analyst's override wins over the computed tier."""
        if self.override and self.override.get("tier") is not None:
            return int(self.override["tier"])
        return self.tier


@dataclass(slots=True)
class Enrichment(_Record):
    """What one enricher (tagger, a detector...) concluded about one post, at one version.

    ``data`` holds the full result with its evidence (matched spans, token ranks...).
    ``facets`` is the small searchable summary the store indexes; its keys are fixed:
    ``lm_related`` (bool), ``categories`` (list of CATEGORIES), ``ladder`` (a LADDER_STEP),
    ``tier`` (1-3 or None), ``detector_scores`` ({detector name: probability machine-written}).
    ``error`` is set when the enricher failed on this post; such posts stay pending.
    """

    post_id: str
    enricher: str
    version: str
    data: dict[str, Any] = field(default_factory=dict)
    facets: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: datetime = field(default_factory=utcnow)

    FACET_KEYS: ClassVar[frozenset[str]] = frozenset(
        {"lm_related", "categories", "ladder", "tier", "detector_scores"}
    )
    _time_fields: ClassVar[tuple[str, ...]] = ("created_at",)
    _required: ClassVar[tuple[str, ...]] = ("post_id", "enricher", "version")

    def __post_init__(self) -> None:
        unknown = set(self.facets) - self.FACET_KEYS
        if unknown:
            raise RecordError(f"facets: unknown key(s) {sorted(unknown)}")
        ladder = self.facets.get("ladder")
        if ladder is not None and ladder not in LADDER_STEPS:
            raise RecordError(f"facets.ladder: {ladder!r} is not one of {LADDER_STEPS}")
        bad = set(self.facets.get("categories") or ()) - set(CATEGORIES)
        if bad:
            raise RecordError(f"facets.categories: unknown {sorted(bad)}")
        tier = self.facets.get("tier")
        if tier is not None and tier not in TIERS:
            raise RecordError(f"facets.tier: {tier!r} is not one of {TIERS}")

    @property
    def key(self) -> str:
        return f"{self.post_id}|{self.enricher}|{self.version}"


@dataclass(slots=True)
class Assessment(_Record):
    """A computed threat-model result: indicators for a stage, a summary, actor tiers..."""

    id: str
    kind: str
    data: dict[str, Any]
    stage: str | None = None
    created_at: datetime = field(default_factory=utcnow)

    _time_fields: ClassVar[tuple[str, ...]] = ("created_at",)
    _required: ClassVar[tuple[str, ...]] = ("id", "kind")


@dataclass(slots=True)
class Alert(_Record):
    """A rule firing on evidence; stored (the outbox) before anything is sent."""

    id: str
    rule_id: str
    severity: str
    title: str
    body: str
    dedup_key: str
    evidence: list[str] = field(default_factory=list)
    tlp: str = "amber"
    data: dict[str, Any] = field(default_factory=dict)
    status: str = "new"
    created_at: datetime = field(default_factory=utcnow)

    _time_fields: ClassVar[tuple[str, ...]] = ("created_at",)
    _required: ClassVar[tuple[str, ...]] = ("id", "rule_id", "severity", "title", "dedup_key")


@dataclass(slots=True)
class Delivery(_Record):
    """One (alert, recipient, channel) send, its attempts and its outcome: the audit trail."""

    alert_id: str
    recipient: str
    channel: str
    idempotency_key: str
    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    updated_at: datetime = field(default_factory=utcnow)

    _time_fields: ClassVar[tuple[str, ...]] = ("next_attempt_at", "sent_at", "updated_at")
    _required: ClassVar[tuple[str, ...]] = ("alert_id", "recipient", "channel", "idempotency_key")


@dataclass(slots=True)
class Label(_Record):
    """An analyst's act on a post, thread or actor: a status, a tag, a note, a tier override.

    Labels are append-only: the latest label of a kind is the current value, the rest is the
    audit trail (who, when, what).
    """

    target_type: str  # post | thread | actor | alert
    target_id: str
    kind: str  # status | tag | note | tier_override | snooze
    value: str
    author: str
    note: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None

    _time_fields: ClassVar[tuple[str, ...]] = ("created_at",)
    _required: ClassVar[tuple[str, ...]] = ("target_type", "target_id", "kind", "author")


@dataclass(slots=True)
class CrawlRun(_Record):
    """One crawl of one source, for the source-health page and silent-failure alerts."""

    id: str
    source: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"  # running | finished | failed
    pages: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    errors: int = 0
    bans_suspected: int = 0
    data: dict[str, Any] = field(default_factory=dict)

    _time_fields: ClassVar[tuple[str, ...]] = ("started_at", "finished_at")
    _required: ClassVar[tuple[str, ...]] = ("id", "source", "started_at")

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def posts_seen(self) -> int:
        """Posts the run read, new, edited or unchanged: how silent-source checks judge a run."""
        return self.posts_new + self.posts_updated + self.posts_unchanged


_RUN_COUNTS = ("pages", "posts_new", "posts_updated", "posts_unchanged", "errors", "bans_suspected")


def _shard_count(run: CrawlRun) -> int:
    """N of the run's ``data.shard`` ("k/N"), or 1."""
    _, _, count = str((run.data or {}).get("shard") or "").partition("/")
    return int(count) if count.isdigit() else 1


def merge_shard_runs(runs: list[CrawlRun]) -> list[CrawlRun]:
    """Runs as crawls: the shards of one crawl (a source split over processes, ``data.crawl``)
    become one run, counts added, from the first start to the last end; it is running while
    a shard runs and failed if a shard failed or never recorded a run (part of the source was
    not crawled: its process died before the crawl opened). Other
    runs pass unchanged; the order of each crawl's first run is kept.
    """
    crawls: dict[tuple[str, str], list[CrawlRun]] = {}
    out: list[CrawlRun | tuple[str, str]] = []
    for run in runs:
        crawl = (run.data or {}).get("crawl")
        if crawl is None:
            out.append(run)
            continue
        key = (run.source, crawl)
        if key not in crawls:
            crawls[key] = []
            out.append(key)
        crawls[key].append(run)
    return [item if isinstance(item, CrawlRun) else _merged(crawls[item]) for item in out]


def _merged(shards: list[CrawlRun]) -> CrawlRun:
    expected = _shard_count(shards[0])
    if len(shards) == 1 and expected <= 1:
        return shards[0]
    first = min(shards, key=lambda r: (r.started_at, r.id))
    statuses = {r.status for r in shards}
    status = "running" if "running" in statuses else "failed" if "failed" in statuses else "finished"
    finished = None if status == "running" else max(r.finished_at or r.started_at for r in shards)
    data = {**first.data, "shards": len(shards)}
    data.pop("shard", None)
    failed = next((r for r in shards if r.status == "failed"), None)
    if failed is not None:
        data.update({k: v for k, v in failed.data.items() if k in ("reason", "error", "last_error")})
    elif status == "finished" and len(shards) < expected:
        # A shard whose process died before it opened left no run: its part was not crawled.
        status = "failed"
        data["error"] = f"{expected - len(shards)} of {expected} shards recorded no run (their crawl process failed)"
    counts = {name: sum(getattr(r, name) for r in shards) for name in _RUN_COUNTS}
    return first.replace(finished_at=finished, status=status, data=data, **counts)
