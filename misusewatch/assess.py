"""The assess service: store aggregates -> threat_model's pure functions -> Assessment records.

Only counts and small samples are read from the store (never every post), so assessing a
million posts costs a few dozen aggregate queries per release stage.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from tqdm import tqdm

from misusewatch.config import ConfigError, Settings
from misusewatch.records import Assessment, Post, format_time, merge_shard_runs, utcnow
from misusewatch.store import COUNT_FIELDS, PostFilter, Store
from threat_model import ladder
from threat_model.gaps import Gap, GapPolicy, SourceWeeks, find_gaps, source_spans
from threat_model.indicators import (
    IndicatorPolicy,
    SyntheticCounts,
    WindowCounts,
    combine_counts,
    stage_indicators,
)
from threat_model.render import render
from threat_model.stages import StageWindow, Timeline, timeline_from_config
from threat_model.stix import TLP, to_stix_json
from threat_model.summary import SummaryPolicy, build_summary, evidence_threads

log = logging.getLogger(__name__)

ALL = "all"
FORMATS = ("md", "html", "json", "stix")
# Every count_by_field call wants all values, not a top-N.
UNLIMITED = 10**9
# Posts read per ladder step for evidence: rare steps are read whole, discussion sampled.
EVIDENCE_LIMITS = {"deployment": 200, "code": 200, "plan": 200, "discussion": 25}
POSTS_PER_THREAD = 5
EXCERPT_CHARS = 240
STIX_ACTORS = 50
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass(slots=True)
class AssessConfig:
    """What ``[stages]`` and ``[assess]`` in misusewatch.toml configure."""

    timeline: Timeline
    indicators: IndicatorPolicy = field(default_factory=IndicatorPolicy)
    summary: SummaryPolicy = field(default_factory=SummaryPolicy)
    gaps: GapPolicy = field(default_factory=GapPolicy)
    detectors: list[str] | None = None
    tlp: str = "amber"


_ASSESS_KEYS: dict[str, tuple[str, str, type]] = {
    # key in [assess] -> (policy, attribute, type)
    "confidence": ("indicators", "confidence", float),
    "ci_method": ("indicators", "method", str),
    "actor_min_posts": ("indicators", "actor_min_posts", int),
    "significance": ("indicators", "significance", float),
    "predominant_share": ("summary", "predominant_share", float),
    "few_plans": ("summary", "few_plans", int),
    "few_plans_share": ("summary", "few_plans_share", float),
    "evidence_threads": ("summary", "evidence_threads", int),
    "gap_low_fraction": ("gaps", "low_fraction", float),
    "gap_alpha": ("gaps", "alpha", float),
    "gap_neighbours": ("gaps", "neighbours", int),
}


def assess_config(settings: Settings) -> AssessConfig:
    """Parse ``[stages]`` and ``[assess]``; a wrong key or value names the file and key."""
    where = settings.config_path or "misusewatch.toml"
    config = AssessConfig(timeline_from_config(settings.section("stages"), where))
    section = settings.section("assess")
    allowed = set(_ASSESS_KEYS) | {"detectors", "tlp"}
    unknown = set(section) - allowed
    if unknown:
        raise ConfigError(f"{where}: [assess] unknown key(s) {sorted(unknown)} "
                          f"(allowed: {', '.join(sorted(allowed))})")
    changes: dict[str, dict[str, Any]] = {"indicators": {}, "summary": {}, "gaps": {}}
    for key, (policy, attribute, kind) in _ASSESS_KEYS.items():
        if key in section:
            try:
                changes[policy][attribute] = kind(section[key])
            except (TypeError, ValueError):
                raise ConfigError(f"{where}: [assess] {key} = {section[key]!r} is not a "
                                  f"{kind.__name__}") from None
    if changes["indicators"].get("method", "exact") not in ("exact", "wald"):
        raise ConfigError(f"{where}: [assess] ci_method must be exact or wald")
    config.indicators = replace(config.indicators, **changes["indicators"])
    config.summary = replace(config.summary, **changes["summary"])
    config.gaps = replace(config.gaps, **changes["gaps"])
    if "detectors" in section:
        detectors = section["detectors"]
        if not isinstance(detectors, list) or not all(isinstance(d, str) for d in detectors):
            raise ConfigError(f"{where}: [assess] detectors must be a list of detector names")
        config.detectors = detectors
    if "tlp" in section:
        if str(section["tlp"]).lower() not in TLP:
            raise ConfigError(f"{where}: [assess] tlp must be one of {', '.join(TLP)}")
        config.tlp = str(section["tlp"]).lower()
    return config


# ---------------------------------------------------------------- reading aggregates


class StoreAggregates:
    """The store questions the threat model asks, each answered by an aggregate query."""

    def __init__(self, store: Store, config: AssessConfig):
        self.store = store
        self.config = config
        # Count by actor id when the backend can; by author handle otherwise (4chan's
        # "Anonymous" would then merge many posters, so prefer the id).
        self.actor_field = "actor" if "actor" in COUNT_FIELDS else "author"
        self.misuse_actors: dict[str, set[Any]] = {}

    # -- collection volume and gaps

    @cached_property
    def sources(self) -> list[str]:
        return sorted(self.store.count_by_field("source", limit=UNLIMITED))

    @cached_property
    def spans(self) -> list[SourceWeeks]:
        weekly = {
            source: dict(self.store.count_by_time("week", PostFilter(source=source)))
            for source in self.sources
        }
        return source_spans(weekly)

    @cached_property
    def gaps(self) -> list[Gap]:
        runs = []
        for source in self.sources:
            runs += merge_shard_runs(self.store.list_crawl_runs(source=source, limit=UNLIMITED))
        return find_gaps(self.spans, runs, self.config.gaps)

    # -- actors

    @cached_property
    def actor_index(self) -> dict[str, dict[str, Any]]:
        """Actor id (and handle, for the by-author fallback) -> what we know of the actor."""
        index: dict[str, dict[str, Any]] = {}
        offset, page = 0, 5000
        while True:
            batch = self.store.list_actors(limit=page, offset=offset)
            for actor in batch:
                entry = {
                    "id": actor.id, "handle": actor.handle, "platform": actor.platform,
                    "tier": actor.effective_tier, "tier_confidence": actor.tier_confidence,
                    "first_seen": format_time(actor.first_seen),
                    "last_seen": format_time(actor.last_seen), "evidence": list(actor.evidence),
                    "stix": (actor.signals or {}).get("stix"),
                }
                index[actor.id] = entry
                if self.actor_field == "author":
                    known = index.get(f"handle:{actor.handle}")
                    if known is None or (entry["tier"] or 0) > (known["tier"] or 0):
                        index[f"handle:{actor.handle}"] = entry
            if len(batch) < page:
                return index
            offset += page

    def actor(self, key: Any) -> dict[str, Any] | None:
        if self.actor_field == "author":
            return self.actor_index.get(f"handle:{key}")
        return self.actor_index.get(str(key))

    # -- detectors

    @cached_property
    def detectors(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Detector -> source -> (threshold, fpr) it flags at, read from its latest enrichment
        on one scored post of each source (detectors may calibrate per source)."""
        names = self.config.detectors
        if names is None:
            names = _registered_detectors()
        out = {}
        for name in names:
            calibration = {}
            for source in self.sources:
                found = self._calibration(name, source)
                if found is not None:
                    calibration[source] = found
            if calibration:
                out[name] = calibration
            else:
                log.info("detector %s: no calibrated enrichments in the store; skipped", name)
        return out

    def _calibration(self, name: str, source: str) -> tuple[float, float] | None:
        newest = self.store.search("", PostFilter(source=source, detector=name), limit=1,
                                   sort="newest")
        for post in newest.posts:
            for enrichment in self.store.get_enrichments(post.id):
                data = enrichment.data or {}
                threshold, fpr = _number(data.get("threshold")), _number(data.get("fpr"))
                if enrichment.enricher == f"detector:{name}" and threshold is not None \
                        and fpr is not None and 0 < fpr < 1:
                    return threshold, fpr
        return None

    # -- one window

    def window_filter(self, window: StageWindow, **extra: Any) -> PostFilter:
        return PostFilter(since=window.since, until=window.until, **extra)

    def window_counts(self, window: StageWindow) -> WindowCounts:
        """One stage window's counts; actor-level detector tests are left to the whole span."""
        store, wf = self.store, self.window_filter
        steps = {str(k): n for k, n in store.count_by_field("ladder", wf(window)).items()}
        post_tiers: dict[Any, int] = {}
        misuse_actors: set[Any] = set()
        for step in ladder.MISUSE_STEPS:
            if not steps.get(step):
                continue
            for tier, n in store.count_by_field("tier", wf(window, ladder=step)).items():
                post_tiers[tier] = post_tiers.get(tier, 0) + n
            misuse_actors |= set(
                store.count_by_field(self.actor_field, wf(window, ladder=step), limit=UNLIMITED)
            )
        self.misuse_actors[window.name] = misuse_actors
        return WindowCounts(
            window=window,
            posts=store.count_posts(wf(window)),
            ladder=steps,
            categories=store.count_by_field("category", wf(window), limit=UNLIMITED),
            lm_related=store.count_posts(wf(window, lm_related=True)),
            post_tiers=post_tiers,
            actor_tiers=self._tiers_of(misuse_actors),
            by_source=store.count_by_field("source", wf(window), limit=UNLIMITED),
            synthetic=[self._synthetic_sources(window, name, calibration)
                       for name, calibration in self.detectors.items()],
        )

    def span_counts(self, window: StageWindow, parts: Sequence[WindowCounts]) -> WindowCounts:
        """The whole timeline: the stage windows partition it, so their counts add up; only
        distinct actors (a union) and the per-actor detector tests need the store again."""
        actors = set().union(*(self.misuse_actors.get(p.window.name, set()) for p in parts))
        combined = combine_counts(window, parts, self._tiers_of(actors))
        combined.synthetic = [
            replace(synthetic, **self._synthetic_actors(window, synthetic.detector,
                                                        synthetic.calibration))
            for synthetic in combined.synthetic
        ]
        return combined

    def _tiers_of(self, actor_keys: set[Any]) -> dict[int, int]:
        tiers: dict[int, int] = {}
        for key in actor_keys:
            actor = self.actor(key)
            if actor and actor["tier"]:
                tiers[actor["tier"]] = tiers.get(actor["tier"], 0) + 1
        return tiers

    def _flag_filters(self, window, name, calibration):
        """(source, fpr, scored filter, flagged filter): flagged = score strictly above the
        source's threshold, the detector's own "machine" label."""
        for source, (threshold, fpr) in calibration.items():
            yield (source, fpr,
                   self.window_filter(window, source=source, detector=name),
                   self.window_filter(window, source=source, detector=name,
                                      min_score=math.nextafter(threshold, math.inf)))

    def _synthetic_sources(self, window: StageWindow, name: str,
                           calibration: dict[str, tuple[float, float]]) -> SyntheticCounts:
        """Scored posts per source in one aggregate; flagged posts in one per distinct
        threshold (usually one), keeping each source's own threshold."""
        scored = self.store.count_by_field(
            "source", self.window_filter(window, detector=name), limit=UNLIMITED
        )
        by_threshold: dict[float, set[str]] = {}
        for source, (threshold, _) in calibration.items():
            by_threshold.setdefault(threshold, set()).add(source)
        flagged: dict[str, int] = {}
        for threshold, sources in by_threshold.items():
            counts = self.store.count_by_field("source", self.window_filter(
                window, detector=name, min_score=math.nextafter(threshold, math.inf)
            ), limit=UNLIMITED)
            flagged.update({s: int(n) for s, n in counts.items() if s in sources})
        by_source = {
            source: (flagged.get(source, 0), int(n))
            for source, n in scored.items() if source in calibration and n
        }
        return SyntheticCounts(name, calibration, by_source)

    def _synthetic_actors(self, window: StageWindow, name: str,
                          calibration: dict[str, tuple[float, float]]) -> dict[str, Any]:
        """Per-actor (flagged, scored) over the window: a pattern across an account's whole
        history is the strong evidence, so this runs once, on the full span.

        Scored posts per actor are one aggregate; flagged posts (a few percent at a calibrated
        threshold) are streamed, since each source may have its own threshold.
        """
        totals = self.store.count_by_field(
            self.actor_field, self.window_filter(window, detector=name), limit=UNLIMITED
        )
        hits: dict[str, int] = {}
        actor_fpr: dict[str, float] = {}
        for _, fpr, _, flagged in self._flag_filters(window, name, calibration):
            for post in self.store.iter_posts(flagged, batch_size=5000):
                key = post.author if self.actor_field == "author" else post.actor_id
                if key is None:
                    continue
                hits[key] = hits.get(key, 0) + 1
                # an actor seen on several sources is tested against the highest rate
                actor_fpr[key] = max(actor_fpr.get(key, 0.0), fpr)
        by_actor = {str(a): (hits.get(str(a), 0), int(n)) for a, n in totals.items()}
        return {"by_actor": by_actor, "actor_fpr": actor_fpr}

    def evidence_posts(self, window: StageWindow) -> dict[str, list[dict[str, Any]]]:
        """Newest posts at each misuse step (rare steps whole, up to a cap), as references."""
        out = {}
        for step in ladder.MISUSE_STEPS:
            result = self.store.search(
                "", self.window_filter(window, ladder=step), limit=EVIDENCE_LIMITS[step],
                sort="newest",
            )
            out[step] = [post_reference(p) for p in result.posts]
        return out

    def decorate(self, posts: Sequence[dict[str, Any]]) -> None:
        """Add the tagger's categories, links and an excerpt around its evidence, in place."""
        for ref in posts:
            tagger = next(
                (e for e in self.store.get_enrichments(ref["id"]) if e.enricher == "tagger"), None
            )
            if tagger is None or tagger.error:
                continue
            ref["categories"] = list(tagger.facets.get("categories") or [])
            spans = [s for s in (tagger.data or {}).get("evidence", []) if isinstance(s, dict)]
            urls = []
            for span in spans:
                for text in (span.get("value"), span.get("text")):
                    urls += _URL.findall(str(text or ""))
            ref["shared_urls"] = sorted(set(urls))
            ref["evidence"] = [
                {k: s.get(k) for k in ("kind", "value", "rule")} for s in spans[:10]
            ]
            starts = [s["start"] for s in spans if isinstance(s.get("start"), int)]
            if starts and "_text" in ref:
                ref["excerpt"] = excerpt(ref["_text"], min(starts))


def post_reference(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "url": post.url,
        "thread": post.thread_key,
        "thread_title": post.thread_title,
        "author": post.author,
        "actor": post.actor_id,
        "source": post.source,
        "created_at": format_time(post.created_at),
        "excerpt": excerpt(post.text, 0),
        "_text": post.text,
    }


def excerpt(text: str, start: int) -> str:
    """About EXCERPT_CHARS of text around ``start``, whitespace collapsed."""
    begin = max(0, start - EXCERPT_CHARS // 3)
    piece = text[begin: begin + EXCERPT_CHARS]
    piece = " ".join(piece.split())
    return ("..." if begin else "") + piece + ("..." if begin + EXCERPT_CHARS < len(text) else "")


def _registered_detectors() -> list[str]:
    """Detector names from the detectors registry, when that package is installed."""
    try:
        from enrichment.detectors import detectors  # type: ignore[attr-defined]
    except ImportError:
        return []
    return list(detectors.names())


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- computing


@dataclass(slots=True)
class AssessResult:
    assessments: list[Assessment]

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.assessments]


def _all_window(timeline: Timeline) -> StageWindow:
    return StageWindow(ALL, timeline.start, timeline.end, f"all {timeline.family} stages", -1)


def compute(
    store: Store, config: AssessConfig, *, scopes: Sequence[str] | None = None,
    progress: bool = False,
) -> AssessResult:
    """Indicators for every stage and summaries for ``scopes`` (default: every stage + all)."""
    aggregates = StoreAggregates(store, config)
    windows = config.timeline.windows()
    wanted = list(scopes) if scopes is not None else [w.name for w in windows] + [ALL]
    steps = tqdm(total=len(windows) + (ALL in wanted), desc="assess", unit="stage",
                 disable=not progress, file=None)
    generated = format_time(utcnow().replace(microsecond=0))
    counts: list[WindowCounts] = []
    rows: list[dict[str, Any]] = []
    for window in windows:
        counts.append(aggregates.window_counts(window))
        previous = counts[-2] if len(counts) > 1 else None
        rows.append(stage_indicators(counts[-1], previous, aggregates.spans, aggregates.gaps,
                                     config.indicators))
        steps.update()
    out: list[Assessment] = []
    for window, row in zip(windows, rows, strict=True):
        out.append(Assessment(f"indicators:{window.name}", "stage_indicators",
                              {"family": config.timeline.family, **row}, stage=window.name))
        if window.name in wanted:
            summary = _summary(aggregates, config, window, row, rows, generated)
            out.append(Assessment(f"summary:{window.name}", "summary", summary,
                                  stage=window.name))
    if ALL in wanted:
        window = _all_window(config.timeline)
        row = stage_indicators(aggregates.span_counts(window, counts), None, aggregates.spans,
                               aggregates.gaps, config.indicators)
        out.append(Assessment(f"summary:{ALL}", "summary",
                              _summary(aggregates, config, window, row, rows, generated),
                              stage=None))
        steps.update()
    steps.close()
    return AssessResult(out)


def _summary(aggregates, config, window, row, rows, generated) -> dict[str, Any]:
    evidence = aggregates.evidence_posts(window)
    chosen = evidence_threads(evidence, config.summary.evidence_threads)
    shown = {p["id"] for thread in chosen for p in thread["posts"][:POSTS_PER_THREAD]}
    aggregates.decorate([ref for refs in evidence.values() for ref in refs if ref["id"] in shown])
    for posts in evidence.values():
        for ref in posts:
            ref.pop("_text", None)
    summary = build_summary(
        window.name, row, family=config.timeline.family, stage_rows=rows,
        evidence_posts=evidence, policy=config.summary, generated_at=generated,
    )
    for thread in summary["evidence_threads"]:
        thread["post_count"] = len(thread["posts"])
        thread["posts"] = thread["posts"][:POSTS_PER_THREAD]
    summary["stix_actors"] = _stix_actors(aggregates, summary)
    return summary


def _stix_actors(aggregates: StoreAggregates, summary: Mapping[str, Any]) -> list[dict]:
    """The actors behind the evidence threads, then the highest-tier actors, up to a cap."""
    seen: dict[str, dict[str, Any]] = {}
    for thread in summary["evidence_threads"]:
        for post in thread["posts"]:
            actor = aggregates.actor_index.get(post.get("actor") or "")
            if actor is None and post.get("actor"):
                actor = {"id": post["actor"], "handle": post.get("author"),
                         "platform": post["actor"].split(":")[0], "tier": None,
                         "evidence": [post["id"]]}
            if actor is not None:
                seen.setdefault(actor["id"], actor)
    return list(seen.values())[:STIX_ACTORS]


def run_assess(store: Store, config: AssessConfig, *, progress: bool = True) -> AssessResult:
    """Compute and write every assessment; re-running overwrites the same ids."""
    result = compute(store, config, progress=progress)
    for assessment in result.assessments:
        store.write_assessment(assessment)
    return result


# ---------------------------------------------------------------- the summary verb


def scope_names(config: AssessConfig) -> list[str]:
    return [w.name for w in config.timeline.windows()] + [ALL]


def load_summary(
    store: Store, config: AssessConfig, scope: str = ALL, *, fresh: bool = False
) -> dict[str, Any]:
    """The stored summary for ``scope``, or one computed now (not written) if none is stored."""
    if scope not in scope_names(config):
        raise KeyError(scope)
    if not fresh:
        stored = store.get_assessment(f"summary:{scope}")
        if stored is not None and _same_timeline(stored.data, config.timeline):
            return stored.data
    result = compute(store, config, scopes=[scope])
    return next(a.data for a in result.assessments if a.id == f"summary:{scope}")


def _same_timeline(summary: Mapping[str, Any], timeline: Timeline) -> bool:
    """A stored summary still answers the question if the stages it was cut into are the
    configured ones (a changed [stages] table makes it stale)."""
    windows = [w.to_dict() for w in timeline.windows()]
    stored = [(r["stage"], r["since"], r["until"]) for r in summary.get("trend", [])]
    return summary.get("family") == timeline.family and stored == [
        (w["name"], w["since"], w["until"]) for w in windows
    ]


def render_summary(summary: Mapping[str, Any], fmt: str, *, tlp: str = "amber") -> str:
    if fmt == "stix":
        return to_stix_json(summary, summary.get("stix_actors") or [], tlp=tlp)
    return render(summary, fmt)



def scheduled_assess(app: Any) -> dict[str, Any]:
    """The scheduler's assess job: what ``misusewatch assess`` does, without a progress bar."""
    config = assess_config(app.settings)
    result = run_assess(app.store, config, progress=False)
    return {"assessments": len(result.assessments), "family": config.timeline.family}
