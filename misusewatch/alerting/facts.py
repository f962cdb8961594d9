"""Gather the facts the pure rules read from the Store (the only I/O the rules depend on)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from crawlers.sources import watchlist_states
from misusewatch.alerting.settings import AlertSettings
from misusewatch.errors import InputError
from misusewatch.records import CATEGORIES, Enrichment, Post, merge_shard_runs
from misusewatch.store import PostFilter, Store
from threat_model.ladder import MISUSE_STEPS
from threat_model.rules import DetectorRate, Facts, PostFact, Rule, RunFact, WeeklySeries

# Ladder steps the post-based rules look at; "none" and "discussion" posts never fire them.
ALERTABLE_STEPS = ("plan", "code", "deployment")
FALLBACK_DETECTORS = ("tfidf",)

log = logging.getLogger(__name__)


def gather_facts(store: Store, cfg: AlertSettings, rules: Iterable[Rule], now: datetime) -> Facts:
    rules = list(rules)
    needs = {need for rule in rules for need in rule.needs}
    return Facts(
        now=now,
        posts=tuple(post_facts(store)) if "posts" in needs else (),
        rates=tuple(detector_rates(store, _detector_names(rules))) if "rates" in needs else (),
        series=tuple(weekly_series(store)) if "series" in needs else (),
        runs=tuple(run_facts(store, watchlist=crawled_sources(cfg.sources_file))) if "runs" in needs else (),
        stages=cfg.stages,
        watched={s.name: s.watch_terms for s in cfg.stakeholders if s.watch_terms},
    )


def post_facts(store: Store) -> list[PostFact]:
    """Every post at ladder plan or beyond, with its tagger evidence, actor tier and cluster."""
    clusters = campaign_clusters(store)
    actors: dict[str, int | None] = {}
    out = []
    for step in ALERTABLE_STEPS:
        for post in store.iter_posts(PostFilter(ladder=step)):
            tagger = next((e for e in store.get_enrichments(post.id)
                           if e.enricher == "tagger" and e.error is None), None)
            if tagger is None:
                continue
            actor_id = post.actor_id
            if actor_id and actor_id not in actors:
                actor = store.get_actor(actor_id)
                actors[actor_id] = actor.effective_tier if actor else None
            out.append(_post_fact(post, tagger, actors.get(actor_id) if actor_id else None,
                                  clusters.get(post.id)))
    return out


def _post_fact(post: Post, tagger: Enrichment, actor_tier: int | None,
               cluster_id: str | None) -> PostFact:
    facets = tagger.facets
    return PostFact(
        post_id=post.id, thread_key=post.thread_key, source=post.source,
        created_at=post.created_at, ladder=facets.get("ladder") or "none",
        categories=tuple(facets.get("categories") or ()),
        lm_related=bool(facets.get("lm_related")), post_tier=facets.get("tier"),
        actor_id=post.actor_id, actor_tier=actor_tier, targets=targets_of(tagger.data),
        title=post.thread_title or "", excerpt=" ".join(post.text.split())[:400], url=post.url,
        cluster_id=cluster_id,
    )


def targets_of(data: dict[str, Any]) -> tuple[str, ...]:
    """Names a post targets: tagger ``targets`` plus evidence spans of kind ``target``.

    Tolerant of strings or ``{"text"|"value"|"name": ...}`` items, so a tagger version bump
    that enriches the shape does not silently blind the rule.
    """
    items = list(data.get("targets") or [])
    items += [e for e in data.get("evidence") or [] if isinstance(e, dict) and e.get("kind") == "target"]
    names = []
    for item in items:
        text = item if isinstance(item, str) else next(
            (item.get(k) for k in ("text", "value", "name") if isinstance(item, dict) and item.get(k)),
            None)
        if isinstance(text, str) and text.strip() and text.strip() not in names:
            names.append(text.strip())
    return tuple(names)


def campaign_clusters(store: Store) -> dict[str, str]:
    """post id -> cluster id from ``campaign_clusters`` assessments.

    Accepts ``data["clusters"] = [{"id", "post_ids"}...]`` or one assessment per cluster
    with ``data["post_ids"]``.
    """
    out: dict[str, str] = {}
    for assessment in store.list_assessments("campaign_clusters"):
        data = assessment.data or {}
        clusters = data.get("clusters")
        if not isinstance(clusters, list):
            clusters = [{"id": assessment.id, **data}]
        for i, cluster in enumerate(clusters):
            if not isinstance(cluster, dict):
                continue
            cid = str(cluster.get("id") or cluster.get("cluster_id") or f"{assessment.id}#{i}")
            members = cluster.get("post_ids") or cluster.get("posts") or cluster.get("members") or []
            for post_id in members:
                if len(members) > 1:  # a cluster of one is just a thread
                    out.setdefault(str(post_id), cid)
    return out


def detector_rates(store: Store, detectors: Iterable[str]) -> list[DetectorRate]:
    """Per (source | actor, detector, month): posts judged, posts flagged, calibrated FPR."""
    out = []
    for name in detectors:
        verdicts = {}
        for e in store.iter_enrichments(f"detector:{name}"):
            if e.error is None and e.data.get("label") in ("machine", "human"):
                previous = verdicts.get(e.post_id)
                if previous is None or previous.created_at <= e.created_at:
                    verdicts[e.post_id] = e
        groups: dict[tuple[str, str, str], list[Enrichment]] = defaultdict(list)
        ids = list(verdicts)
        for start in range(0, len(ids), 500):
            for post in store.get_posts(ids[start:start + 500]):
                period = f"{post.created_at:%Y-%m}"
                groups[("source", post.source, period)].append(verdicts[post.id])
                if post.actor_id:
                    groups[("actor", post.actor_id, period)].append(verdicts[post.id])
        for (scope, key, period), items in sorted(groups.items()):
            fprs = [float(e.data["fpr"]) for e in items if isinstance(e.data.get("fpr"), int | float)]
            flagged = [e.post_id for e in items if e.data.get("label") == "machine"]
            out.append(DetectorRate(scope=scope, key=key, detector=name, period=period,
                                    n=len(items), k=len(flagged),
                                    fpr=sum(fprs) / len(fprs) if fprs else 0.0,
                                    evidence=tuple(sorted(flagged)[:20])))
    return out


def weekly_series(store: Store) -> list[WeeklySeries]:
    """LM-misuse posts (ladder discussion or above) per week, overall and per category, beside
    all posts collected. Benign talk about language models is not misuse and does not count."""
    totals = dict(store.count_by_time("week"))
    out = []
    for category in (None, *CATEGORIES):
        matching: dict[Any, int] = defaultdict(int)
        for step in MISUSE_STEPS:  # one count per step: the stores filter on one ladder value
            for week, n in store.count_by_time("week", PostFilter(ladder=step, category=category)):
                matching[week] += n
        scope = "all" if category is None else f"category:{category}"
        if matching:
            weeks = tuple((w, matching.get(w, 0), t) for w, t in sorted(totals.items()))
            out.append(WeeklySeries(scope=scope, weeks=weeks, category=category))
    return out


def run_facts(store: Store, per_source: int = 200, watchlist: Mapping[str, bool] | None = None) -> list[RunFact]:
    """Each source's newest runs (a shard is a run of its own), however often others are crawled.

    With ``watchlist`` (name -> enabled), only the runs of the sources it has enabled: one it
    disables or no longer lists stopped being crawled on purpose, and its last runs are no outage.
    """
    return [
        RunFact(source=r.source, run_id=r.id, started_at=r.started_at, status=r.status,
                posts_seen=r.posts_seen, errors=r.errors,
                error=(r.data or {}).get("error") or (r.data or {}).get("last_error"))
        for r in merge_shard_runs(store.list_crawl_runs(limit=10**9, per_source=per_source))
        if watchlist is None or watchlist.get(r.source, False)
    ]


def crawled_sources(sources_file: Path | None) -> dict[str, bool] | None:
    """The watchlist's name -> enabled; None (judge every source) without one, or with one
    that cannot be read, so a typo there never silences the alert for the sources it lists."""
    if sources_file is None:
        return None
    try:
        return watchlist_states(sources_file)
    except InputError as exc:
        log.warning("source_silent judges every source with runs: watchlist not read (%s)", exc)
        return None


def _detector_names(rules: list[Rule]) -> list[str]:
    for rule in rules:
        if getattr(rule, "detectors", None):
            return list(rule.detectors)  # type: ignore[attr-defined]
    try:  # the detectors engineer's registry, when it is installed
        return list(import_module("enrichment.detectors").detectors.names()) or list(FALLBACK_DETECTORS)
    except (ImportError, AttributeError):
        return list(FALLBACK_DETECTORS)
