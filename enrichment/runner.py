"""The enrich job: work through the backlog per enricher, then refresh actors and signals.

Idempotent per (post, enricher, version): ``store.iter_pending`` yields only posts without a
successful enrichment at that version. Each batch is written as it completes, so a killed run
resumes where it stopped. A batch that raises is retried post by post; a post that still
fails is written with ``error`` set and stays pending for the next run.
"""

from __future__ import annotations

import importlib
import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from enrichment.actor_tier import (
    PostEvidence,
    actor_history,
    stix_resource_level,
    tier_for_actor,
)
from enrichment.base import Enricher, enrichers
from enrichment.metadata import (
    ClusterIndex,
    cadence,
    clusters_by_actor,
    from_micros,
    signed_batches,
    time_of_day,
    to_micros,
)
from misusewatch.errors import InputError
from misusewatch.ids import split_id
from misusewatch.records import Actor, Assessment, Enrichment, Post, utcnow
from misusewatch.registry import UnknownNameError
from threat_model.tiers import stix_sophistication

CLUSTERS_ASSESSMENT = "campaign_clusters"


def load_enricher_plugins() -> None:
    """Import the packages that register enrichers: the tagger and the detectors."""
    importlib.import_module("enrichment.tagger")
    try:
        importlib.import_module("enrichment.detectors")
    except ImportError:  # pragma: no cover - a build without the detectors package
        pass


def default_enrichers(detectors_section: dict[str, Any]) -> list[str]:
    """The tagger, then one ``detector:<name>`` per configured detector not ``enabled = false``."""
    try:
        from enrichment.detectors.decision import enabled_detectors
    except ImportError:  # pragma: no cover - a build without the detectors package
        return ["tagger"]
    return ["tagger", *(f"detector:{name}" for name in enabled_detectors(detectors_section))]


# The [enrichment] keys that are not an enricher's own table.
SECTION_KEYS = ("enrichers", "actor_processes")


def enrichers_from_settings(
    section: dict[str, Any], names: Sequence[str] = (), detectors_section: dict[str, Any] | None = None
) -> list[Enricher]:
    """The enrichers named on the command line, else in ``[enrichment] enrichers``.

    Without either, the tagger runs and every configured detector (``[detectors.<name>]``; by
    default the shipped ``tfidf`` and ``stacked``). ``detector:NAME``
    builds the detectors package's ``detector`` enricher for detector NAME with its
    ``[detectors.NAME]`` settings. Other per-enricher settings come from ``[enrichment.<name>]``.
    A name no one registered is a user error.
    """
    load_enricher_plugins()
    unknown = sorted(key for key in section if key not in SECTION_KEYS and key not in enrichers)
    if unknown:
        raise InputError(
            f"[enrichment]: unknown setting(s) {unknown} (known: {', '.join(SECTION_KEYS)},"
            f" or a table per enricher: {', '.join(enrichers.names())})"
        )
    detectors_section = detectors_section or {}
    chosen = list(names) or list(section.get("enrichers") or []) or default_enrichers(detectors_section)
    built = []
    for name in chosen:
        if name not in enrichers and name.startswith("detector:") and "detector" in enrichers:
            detector = name.partition(":")[2]
            config = detectors_section.get(detector) or {}
            built.append(enrichers.create("detector", {"detector": detector, "config": config}))
            continue
        if name not in enrichers:
            known = ", ".join(enrichers.names()) or "none"
            raise InputError(f"unknown enricher {name!r} (known: {known}, detector:<name>)")
        config = section.get(name) or {}
        if not isinstance(config, dict):
            raise InputError(f"[enrichment.{name}] must be a table")
        try:
            built.append(enrichers.create(name, config))
        except UnknownNameError as exc:
            raise InputError(f"[enrichment.{name}]: {exc}") from None
    return built


def actor_processes(section: dict[str, Any]) -> int:
    """``[enrichment] actor_processes``: worker processes that hash posts for the actors pass."""
    value = section.get("actor_processes", 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"[enrichment] actor_processes must be a whole number of at least 1, got {value!r}")
    return value


def run_enrich(
    app, *, names: Sequence[str] = (), batch_size: int = 500, progress: bool = False, actors: bool = True
) -> dict[str, Any]:
    """The scheduler's enrich service (and the CLI's): every enricher, then actors."""
    settings = app.settings
    built = enrichers_from_settings(settings.section("enrichment"), names, settings.section("detectors"))
    reports = []
    for enricher in built:
        try:
            reports.append(run_enricher(app.store, enricher, batch_size=batch_size, progress=progress))
        finally:
            close = getattr(enricher, "close", None)
            if close:
                close()
    summary: dict[str, Any] = {"enrichers": [r.line() for r in reports]}
    if actors:
        actor_report = update_actors(
            app.store, progress=progress, processes=actor_processes(settings.section("enrichment"))
        )
        summary["actors"] = actor_report.actors
        summary["clusters"] = actor_report.clusters
    return summary


@dataclass(slots=True)
class EnrichReport:
    enricher: str
    version: str
    pending: int = 0
    written: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.enricher} {self.version}: {self.written} enriched, {self.failed} failed (of {self.pending} pending)"
        )


def run_enricher(
    store, enricher: Enricher, *, batch_size: int = 500, progress: bool = True, limit: int | None = None
) -> EnrichReport:
    """Enrich every pending post with one enricher, committing batch by batch."""
    report = EnrichReport(enricher.name, enricher.version)
    report.pending = store.count_pending(enricher.name, enricher.version)
    total = report.pending if limit is None else min(limit, report.pending)
    bar = tqdm(
        total=total,
        desc=f"enrich {enricher.name}",
        unit="post",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    failed_ids: set[str] = set()
    try:
        for batch in store.iter_pending(enricher.name, enricher.version, batch_size=batch_size):
            # Posts that failed earlier in this run are still pending; don't loop on them.
            batch = [p for p in batch if p.id not in failed_ids]
            if limit is not None:
                batch = batch[: max(0, limit - report.written - report.failed)]
            if not batch:
                if limit is not None and report.written + report.failed >= limit:
                    break
                continue
            results = _enrich_isolating_failures(enricher, batch)
            store.write_enrichments(results)
            for result in results:
                if result.error:
                    report.failed += 1
                    failed_ids.add(result.post_id)
                    if len(report.errors) < 20:
                        report.errors.append(f"{result.post_id}: {result.error}")
                else:
                    report.written += 1
            bar.update(len(results))
            if limit is not None and report.written + report.failed >= limit:
                break
    finally:
        bar.close()
    return report


def _enrich_isolating_failures(enricher: Enricher, batch: list[Post]) -> list[Enrichment]:
    try:
        results = enricher.enrich(batch)
        if len(results) != len(batch):
            raise RuntimeError(f"returned {len(results)} results for {len(batch)} posts")
        return results
    except Exception:  # noqa: BLE001 - one bad post must not sink its batch
        if len(batch) == 1:
            return [_failed(enricher, batch[0], sys.exc_info()[1])]
    out = []
    for post in batch:
        try:
            out.extend(enricher.enrich([post]))
        except Exception as exc:  # noqa: BLE001
            out.append(_failed(enricher, post, exc))
    return out


def _failed(enricher: Enricher, post: Post, exc: BaseException | None) -> Enrichment:
    message = f"{type(exc).__name__}: {exc}" if exc else "failed"
    return Enrichment(post_id=post.id, enricher=enricher.name, version=enricher.version, error=message[:500])


# ---------------------------------------------------------------- actors and metadata signals


@dataclass(slots=True)
class ActorReport:
    actors: int = 0
    tiered: int = 0
    posts: int = 0
    clusters: int = 0


def update_actors(
    store,
    *,
    tagger_version: str | None = None,
    progress: bool = True,
    cluster_threshold: float = 0.6,
    processes: int = 1,
) -> ActorReport:
    """Recompute every actor from its posts and the tagger's verdicts, keep analysts'
    overrides, and write the campaign clusters assessment.

    With ``processes`` > 1 the MinHash signatures (most of the work) are computed in that many
    forked workers while this process reads the store.

    Memory is what a million posts can afford (docs/benchmarks.md, "Enrichment"): a post the
    tagger found nothing in is 8 bytes of time in its actor's record; only the others keep
    their evidence; the cluster index holds a 256-byte signature and the id of each post long
    enough to have one, and fetches the texts of the cluster samples from the store at the end;
    actors are written a thousand at a time as they are computed.
    """
    # Any version when none is given: the latest written wins (iteration order).
    notable: dict[str, PostEvidence] = {}
    for enrichment in store.iter_enrichments("tagger", version=tagger_version):
        if enrichment.error is None:
            evidence = PostEvidence.from_tagger(enrichment.post_id, None, enrichment.facets, enrichment.data)
            if evidence.plain:
                notable.pop(enrichment.post_id, None)
            else:
                notable[enrichment.post_id] = evidence
    overrides = _existing_overrides(store)
    per_actor: dict[str, _ActorPosts] = {}
    identity: dict[str, tuple[str, str, str]] = {}
    index = ClusterIndex(threshold=cluster_threshold, keep_samples=False, capacity=store.count_posts())
    report = ActorReport()
    bar = tqdm(desc="actors", unit="post", file=sys.stderr, disable=not progress, dynamic_ncols=True)

    def batches() -> Iterator[list[tuple[str, str | None, Any, str]]]:
        # Reads the store and files each post under its actor; the texts go on to be hashed.
        pending_texts: list[tuple[str, str | None, Any, str]] = []
        for post in store.iter_posts():
            report.posts += 1
            bar.update(1)
            actor_id = post.actor_id
            pending_texts.append((post.id, actor_id, post.created_at, post.text))
            if len(pending_texts) >= 1000:
                yield pending_texts
                pending_texts = []
            if actor_id is None:
                continue
            record = per_actor.get(actor_id)
            if record is None:
                record = per_actor[actor_id] = _ActorPosts()
                identity[actor_id] = (post.platform, post.site, _handle(post, actor_id))
            evidence = notable.pop(post.id, None)
            if evidence is not None:
                evidence.created_at = post.created_at
                record.notable[len(record.times)] = evidence
            record.times.append(to_micros(post.created_at))
        if pending_texts:
            yield pending_texts

    for items, signed in signed_batches(index.hasher, batches(), processes):
        index.add_many(items, signed=signed)
    bar.close()
    clusters = index.clusters(sample_of=lambda ids: {p.id: p.text for p in store.get_posts(ids)})
    store.write_assessment(
        Assessment(
            id=CLUSTERS_ASSESSMENT,
            kind=CLUSTERS_ASSESSMENT,
            data={"clusters": clusters, "threshold": cluster_threshold, "posts_indexed": report.posts},
        )
    )
    report.clusters = len(clusters)
    cluster_ids = clusters_by_actor(clusters)
    batch: list[Actor] = []
    for actor_id in list(per_actor):
        posts = per_actor.pop(actor_id).evidence()
        platform, site, handle = identity.pop(actor_id)
        actor = _actor(actor_id, platform, site, handle, posts, cluster_ids.get(actor_id, []), overrides.get(actor_id))
        report.tiered += actor.tier is not None
        report.actors += 1
        batch.append(actor)
        if len(batch) >= 1000:
            store.upsert_actors(batch)
            batch = []
    if batch:
        store.upsert_actors(batch)
    return report


@dataclass(slots=True)
class _ActorPosts:
    """An actor's posts in store order: every post's time, and evidence only where there is some."""

    times: array = field(default_factory=lambda: array("q"))
    notable: dict[int, PostEvidence] = field(default_factory=dict)

    def evidence(self) -> list[PostEvidence]:
        # A plain post is never named in any output (only tiered and misuse posts are), so it
        # needs no id here.
        return [self.notable.get(i) or PostEvidence("", from_micros(micros)) for i, micros in enumerate(self.times)]


def _actor(
    actor_id: str,
    platform: str,
    site: str,
    handle: str,
    posts: list[PostEvidence],
    clusters: list[str],
    override: dict | None,
) -> Actor:
    verdict = tier_for_actor(posts)
    times = [p.created_at for p in posts]
    level = stix_resource_level(posts)
    innovation = any(p.innovation for p in posts)
    signals = {
        "cadence": cadence(times),
        "time_of_day": time_of_day(times),
        "clusters": clusters,
        "history": actor_history(posts),
        "tier_basis": verdict.basis,
        "stix": {
            "sophistication": stix_sophistication(
                verdict.tier,
                confidence=verdict.confidence,
                resource_level=level,
                innovation=innovation,
            ),
            "resource_level": level,
            "innovation": innovation,
        },
    }
    return Actor(
        id=actor_id,
        platform=platform,
        site=site,
        handle=handle,
        first_seen=min(times),
        last_seen=max(times),
        post_count=len(posts),
        tier=verdict.tier,
        tier_confidence=verdict.confidence,
        evidence=verdict.evidence,
        signals=signals,
        override=override,
        updated_at=utcnow(),
    )


def _handle(post: Post, actor_id: str) -> str:
    if post.author:
        return post.author
    return split_id(actor_id)[-1]


def _existing_overrides(store) -> dict[str, dict]:
    overrides: dict[str, dict] = {}
    offset = 0
    while True:
        page = store.list_actors(limit=1000, offset=offset)
        if not page:
            return overrides
        for actor in page:
            if actor.override:
                overrides[actor.id] = actor.override
        offset += len(page)
