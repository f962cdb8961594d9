"""Alert rules: pure functions from gathered facts to firings, each registered by id."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any, ClassVar

from misusewatch.registry import Registry
from threat_model.stats import binomial_tail

SEVERITIES = ("low", "medium", "high", "critical")
# Traffic Light Protocol 2.0, least to most restricted.
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")
AUDIENCES = ("misuse", "operations")


def normalise_tlp(value: object) -> str:
    """``"TLP:AMBER+STRICT"`` -> ``"amber+strict"``; TLP 1.0's ``white`` is ``clear``."""
    text = str(value).strip().casefold().removeprefix("tlp:")
    text = {"white": "clear"}.get(text, text)
    if text not in TLP_LEVELS:
        raise ValueError(f"TLP {value!r} is not one of {', '.join(TLP_LEVELS)}")
    return text


def tlp_allows(clearance: str, tlp: str) -> bool:
    """Whether someone cleared for ``clearance`` may receive material marked ``tlp``."""
    return TLP_LEVELS.index(normalise_tlp(tlp)) <= TLP_LEVELS.index(normalise_tlp(clearance))


def severity_at_least(severity: str, minimum: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(minimum)


def mentions(term: str, text: str) -> bool:
    """``term`` occurs in ``text`` as whole words, case-insensitively.

    A domain also matches its subdomains and look-alikes built on it (``login.example.com``,
    ``example.com.evil.io``), which is what impersonation plans use.
    """
    term = term.strip()
    if not term:
        return False
    return re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.IGNORECASE) is not None


# ---------------------------------------------------------------- facts (rule input)


@dataclass(frozen=True, slots=True)
class PostFact:
    """One enriched post as the rules see it (tagger facets, actor tier, campaign cluster)."""

    post_id: str
    thread_key: str
    source: str
    created_at: datetime
    ladder: str = "none"
    categories: tuple[str, ...] = ()
    lm_related: bool = False
    post_tier: int | None = None
    actor_id: str | None = None
    actor_tier: int | None = None
    targets: tuple[str, ...] = ()
    title: str = ""
    excerpt: str = ""
    url: str | None = None
    cluster_id: str | None = None

    @property
    def tier(self) -> int | None:
        """The actor's (effective) tier when known, else what this post alone suggests."""
        return self.actor_tier if self.actor_tier is not None else self.post_tier

    @property
    def dedup_key(self) -> str:
        """One alert per campaign cluster, else per thread: never one per post."""
        return f"cluster:{self.cluster_id}" if self.cluster_id else f"thread:{self.thread_key}"


GROUPINGS = ("cluster:", "thread:")


def post_group(dedup_key: str) -> tuple[str, str] | None:
    """``(grouping, rest)`` of a dedup key built on ``PostFact.dedup_key``, else None.

    ``"cluster:C|named:x"`` -> ``("cluster:C", "named:x")``; ``"stage:355M"`` -> None. Rules
    add what else a finding is about after a ``|`` (thread keys never hold one: ids quote it).
    The grouping moves when clustering regroups posts; the outbox uses this split to see that
    posts under a new grouping were already alerted by the same rule for the same rest.
    """
    if not dedup_key.startswith(GROUPINGS):
        return None
    grouping, _, rest = dedup_key.partition("|")
    return grouping, rest


def grouped_key(grouping: str, rest: str) -> str:
    """The inverse of ``post_group``."""
    return f"{grouping}|{rest}" if rest else grouping


@dataclass(frozen=True, slots=True)
class DetectorRate:
    """Posts a detector judged (``n``) and flagged machine-written (``k``) in one scope/month."""

    scope: str  # source | actor
    key: str
    detector: str
    period: str  # "YYYY-MM"
    n: int
    k: int
    fpr: float
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WeeklySeries:
    """Per ISO week (Monday, UTC): matching posts and all posts collected that week."""

    scope: str  # "all" or "category:<id>"
    weeks: tuple[tuple[datetime, int, int], ...]
    category: str | None = None


@dataclass(frozen=True, slots=True)
class RunFact:
    source: str
    run_id: str
    started_at: datetime
    status: str  # running | finished | failed
    posts_seen: int = 0
    errors: int = 0
    error: str | None = None

    @property
    def unhealthy(self) -> bool:
        return self.status == "failed" or (self.status == "finished" and self.posts_seen == 0)


@dataclass(frozen=True, slots=True)
class ReleaseStage:
    name: str
    start: datetime


# GPT-2's staged release (Solaiman et al., 2019). A stand-in until threat_model/stages.py lands;
# the facts service passes the configured stages when it can.
DEFAULT_STAGES = (
    ReleaseStage("124M", datetime(2019, 2, 14, tzinfo=UTC)),
    ReleaseStage("355M", datetime(2019, 5, 3, tzinfo=UTC)),
    ReleaseStage("774M", datetime(2019, 8, 20, tzinfo=UTC)),
    ReleaseStage("1.5B", datetime(2019, 11, 5, tzinfo=UTC)),
)


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the rules read. ``watched`` maps a stakeholder to its organisations/domains."""

    now: datetime
    posts: tuple[PostFact, ...] = ()
    rates: tuple[DetectorRate, ...] = ()
    series: tuple[WeeklySeries, ...] = ()
    runs: tuple[RunFact, ...] = ()
    stages: tuple[ReleaseStage, ...] = DEFAULT_STAGES
    watched: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# ---------------------------------------------------------------- firings (rule output)


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule's finding: becomes one Alert, identified by (rule_id, dedup_key)."""

    rule_id: str
    dedup_key: str
    severity: str
    tlp: str
    title: str
    body: str
    evidence: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # Names interests are matched against: targets, sources, actors, thread titles.
    subjects: tuple[str, ...] = ()
    audience: str = "misuse"
    data: Mapping[str, Any] = field(default_factory=dict)


class Rule:
    """Base for rules: class attributes say what it is, ``__init__`` takes its params."""

    id: ClassVar[str]
    # Which Facts fields the rule reads, so the facts service gathers only those.
    needs: ClassVar[tuple[str, ...]] = ("posts",)
    severity: str = "medium"
    tlp: str = "amber"
    audience: str = "misuse"

    @property
    def description(self) -> str:
        return (type(self).__doc__ or "").strip().splitlines()[0]

    @property
    def params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in ("severity", "tlp")}

    def evaluate(self, facts: Facts) -> list[Firing]:
        raise NotImplementedError

    def firing(self, dedup_key: str, title: str, body: str, **kw: Any) -> Firing:
        return Firing(self.id, dedup_key, self.severity, self.tlp, title, body,
                      audience=self.audience, **kw)


rules: Registry[Rule] = Registry("rule")


def evaluate(rule: Rule, facts: Facts) -> list[Firing]:
    """Firings sorted by dedup key, so runs and tests see them in a stable order."""
    return sorted(rule.evaluate(facts), key=lambda f: f.dedup_key)


# ---------------------------------------------------------------- helpers


def _group(posts: Iterable[PostFact]) -> dict[str, list[PostFact]]:
    groups: dict[str, list[PostFact]] = defaultdict(list)
    for post in sorted(posts, key=lambda p: (p.created_at, p.post_id)):
        groups[post.dedup_key].append(post)
    return groups


def _describe(posts: Sequence[PostFact], limit: int = 3) -> str:
    lines = []
    for post in posts[:limit]:
        who = post.actor_id or "unknown author"
        tier = f" (tier {post.tier})" if post.tier else ""
        where = f" {post.url}" if post.url else ""
        lines.append(f"- {post.created_at:%Y-%m-%d} {post.source} {who}{tier}: "
                     f"{post.excerpt[:280]}{where}")
    if len(posts) > limit:
        lines.append(f"- ... and {len(posts) - limit} more post(s)")
    return "\n".join(lines)


def _post_subjects(posts: Sequence[PostFact]) -> tuple[str, ...]:
    names: set[str] = set()
    for post in posts:
        names.update(post.targets)
        names.update(x for x in (post.source, post.actor_id, post.title) if x)
    return tuple(sorted(names))


def _post_firing_kw(posts: Sequence[PostFact]) -> dict[str, Any]:
    cats = sorted({c for p in posts for c in p.categories})
    return {"evidence": tuple(p.post_id for p in posts), "categories": tuple(cats),
            "subjects": _post_subjects(posts),
            "data": {"threads": sorted({p.thread_key for p in posts}),
                     "sources": sorted({p.source for p in posts}),
                     "actors": sorted({p.actor_id for p in posts if p.actor_id})}}


# ---------------------------------------------------------------- the rules


@rules.register("tier2_code_sharing",
                defaults={"min_tier": 2, "ladder_steps": ["code", "deployment"]})
class Tier2CodeSharing(Rule):
    """A tier 2+ actor shares code or tooling for misuse (ladder code/deployment)."""

    id = "tier2_code_sharing"
    severity = "high"
    tlp = "amber"

    def __init__(self, min_tier: int, ladder_steps: Sequence[str]):
        self.min_tier = int(min_tier)
        self.ladder_steps = tuple(ladder_steps)

    def evaluate(self, facts: Facts) -> list[Firing]:
        hits = [p for p in facts.posts
                if p.ladder in self.ladder_steps and (p.tier or 0) >= self.min_tier]
        out = []
        for key, posts in _group(hits).items():
            tier = max(p.tier or 0 for p in posts)
            title = f"Tier {tier} actor shares misuse code: {posts[0].title or posts[0].thread_key}"
            body = (f"A tier {tier} actor shared code or tooling for misuse "
                    f"({len(posts)} post(s)).\n{_describe(posts)}")
            out.append(self.firing(key, title, body, **_post_firing_kw(posts)))
        return out


@rules.register("plan_names_stakeholder",
                defaults={"ladder_steps": ["plan", "code", "deployment"]})
class PlanNamesStakeholder(Rule):
    """An explicit plan (ladder plan or beyond) names a stakeholder's organisation or domain."""

    id = "plan_names_stakeholder"
    severity = "high"
    tlp = "amber"

    def __init__(self, ladder_steps: Sequence[str]):
        self.ladder_steps = tuple(ladder_steps)

    def evaluate(self, facts: Facts) -> list[Firing]:
        named: dict[tuple[str, str], list[PostFact]] = defaultdict(list)
        terms_hit: dict[tuple[str, str], set[str]] = defaultdict(set)
        for post in facts.posts:
            if post.ladder not in self.ladder_steps or not post.targets:
                continue
            for stakeholder, terms in facts.watched.items():
                hit = {t for t in terms for target in post.targets if mentions(t, target)}
                if hit:
                    named[(stakeholder, post.dedup_key)].append(post)
                    terms_hit[(stakeholder, post.dedup_key)] |= hit
        out = []
        for (stakeholder, key), posts in sorted(named.items()):
            posts.sort(key=lambda p: (p.created_at, p.post_id))
            terms = sorted(terms_hit[(stakeholder, key)])
            title = f"Plan names {stakeholder} ({', '.join(terms)}): " \
                    f"{posts[0].title or posts[0].thread_key}"
            body = (f"An explicit misuse plan names {', '.join(terms)}.\n{_describe(posts)}")
            kw = _post_firing_kw(posts)
            kw["subjects"] = tuple(sorted(set(kw["subjects"]) | set(terms)))
            kw["data"] = {**kw["data"], "stakeholder": stakeholder, "terms": terms}
            out.append(self.firing(grouped_key(key, f"named:{stakeholder}"), title, body, **kw))
        return out


@rules.register("synthetic_prevalence",
                defaults={"alpha": 0.01, "min_posts": 20, "min_flagged": 3, "detectors": []})
class SyntheticPrevalence(Rule):
    """Machine-flagged posts in a source or actor exceed the calibrated FPR (p < alpha)."""

    id = "synthetic_prevalence"
    needs = ("rates",)
    severity = "medium"
    tlp = "green"

    def __init__(self, alpha: float, min_posts: int, min_flagged: int, detectors: Sequence[str]):
        self.alpha = float(alpha)
        # Which detectors' verdicts to test; empty means every registered detector.
        self.detectors = tuple(detectors)
        self.min_posts = int(min_posts)
        self.min_flagged = int(min_flagged)

    def evaluate(self, facts: Facts) -> list[Firing]:
        out = []
        for r in facts.rates:
            if self.detectors and r.detector not in self.detectors:
                continue
            if r.n < self.min_posts or r.k < self.min_flagged or not 0 < r.fpr < 1:
                continue
            p_value = binomial_tail(r.k, r.n, r.fpr)
            if p_value >= self.alpha:
                continue
            title = (f"Synthetic text in {r.scope} {r.key} ({r.period}): {r.k}/{r.n} flagged by "
                     f"{r.detector}, expected {r.fpr:.1%}")
            body = (f"{r.detector} flagged {r.k} of {r.n} posts ({r.k / r.n:.1%}) in {r.scope} "
                    f"{r.key} during {r.period}; its calibrated false-positive rate is "
                    f"{r.fpr:.2%}. One-sided binomial test p = {p_value:.2e} < {self.alpha}.")
            out.append(self.firing(
                f"{r.scope}:{r.key}|{r.detector}|{r.period}", title, body,
                evidence=r.evidence, subjects=(r.key,),
                data={"scope": r.scope, "key": r.key, "detector": r.detector, "n": r.n,
                      "k": r.k, "fpr": r.fpr, "p_value": p_value, "period": r.period}))
        return out


@rules.register("discussion_spike",
                defaults={"trailing_weeks": 4, "min_trailing_weeks": 3, "alpha": 0.01,
                          "min_count": 5, "min_ratio": 2.0})
class DiscussionSpike(Rule):
    """LM-misuse posts in a week exceed the trailing weeks' share of collected posts (p < alpha)."""

    id = "discussion_spike"
    needs = ("series",)
    severity = "medium"
    tlp = "green"

    def __init__(self, trailing_weeks: int, min_trailing_weeks: int, alpha: float,
                 min_count: int, min_ratio: float):
        self.trailing_weeks = int(trailing_weeks)
        self.min_trailing_weeks = int(min_trailing_weeks)
        self.alpha = float(alpha)
        self.min_count = int(min_count)
        self.min_ratio = float(min_ratio)
        # "At least min_ratio times" must hold at the boundary: 3.0 * 0.2 is 0.6000000000000001
        # in floats, so compare exact fractions; str() gives the decimal the config wrote.
        self._min_ratio = Fraction(str(self.min_ratio))

    def evaluate(self, facts: Facts) -> list[Firing]:
        out = []
        for series in facts.series:
            weeks = _fill_weeks(series.weeks)
            for i in range(self.min_trailing_weeks, len(weeks)):
                firing = self._week(series, weeks[max(0, i - self.trailing_weeks):i], weeks[i])
                if firing:
                    out.append(firing)
        return out

    def _week(self, series: WeeklySeries, trailing, current) -> Firing | None:
        week, matching, total = current
        base_matching = sum(m for _, m, _ in trailing)
        base_total = sum(t for _, _, t in trailing)
        if total == 0 or base_total == 0 or matching < self.min_count:
            return None
        rate, base_rate = matching / total, base_matching / base_total
        if base_matching > 0 and (Fraction(matching, total)
                                  < self._min_ratio * Fraction(base_matching, base_total)):
            return None
        p_value = binomial_tail(matching, total, base_rate) if base_rate > 0 else 0.0
        if p_value >= self.alpha:
            return None
        label = f"{week:%G-W%V}"
        what = f"{series.category} posts" if series.category else "LM-misuse posts"
        title = f"Discussion spike ({what}) in week {label}: {rate:.1%} vs {base_rate:.1%}"
        body = (f"{matching} of {total} posts collected in week {label} were {what} "
                f"({rate:.1%}); the trailing {len(trailing)} weeks averaged {base_rate:.1%} "
                f"({base_matching}/{base_total}). Binomial test p = {p_value:.2e}.")
        return self.firing(
            f"{series.scope}|{label}", title, body,
            categories=(series.category,) if series.category else (),
            data={"scope": series.scope, "week": label, "matching": matching, "total": total,
                  "rate": rate, "baseline_rate": base_rate, "p_value": p_value})


def _fill_weeks(weeks: Sequence[tuple[datetime, int, int]]) -> list[tuple[datetime, int, int]]:
    """count_by_time omits empty weeks; a spike is judged against every week, quiet ones too."""
    by_week = {w: (m, t) for w, m, t in weeks}
    if not by_week:
        return []
    out, week, last = [], min(by_week), max(by_week)
    while week <= last:
        m, t = by_week.get(week, (0, 0))
        out.append((week, m, t))
        week += timedelta(days=7)
    return out


@rules.register("first_code_after_stage", defaults={"ladder_steps": ["code", "deployment"]})
class FirstCodeAfterStage(Rule):
    """The first code or tooling shared for misuse after a release stage, once per stage."""

    id = "first_code_after_stage"
    needs = ("posts", "stages")
    severity = "high"
    tlp = "amber"

    def __init__(self, ladder_steps: Sequence[str]):
        self.ladder_steps = tuple(ladder_steps)

    def evaluate(self, facts: Facts) -> list[Firing]:
        stages = sorted(facts.stages, key=lambda s: s.start)
        code = sorted((p for p in facts.posts if p.ladder in self.ladder_steps),
                      key=lambda p: (p.created_at, p.post_id))
        out = []
        for i, stage in enumerate(stages):
            end = stages[i + 1].start if i + 1 < len(stages) else None
            inside = [p for p in code if p.created_at >= stage.start
                      and (end is None or p.created_at < end)]
            if not inside:
                continue
            first = inside[0]
            days = (first.created_at - stage.start).days
            title = f"First misuse code after the {stage.name} release ({days} days later)"
            body = (f"The first code or tooling for misuse since the {stage.name} stage "
                    f"({stage.start:%Y-%m-%d}) appeared {days} days after release.\n"
                    f"{_describe([first])}")
            kw = _post_firing_kw([first])
            kw["data"] = {**kw["data"], "stage": stage.name, "days_after_release": days}
            out.append(self.firing(f"stage:{stage.name}", title, body, **kw))
        return out


@rules.register("source_silent", defaults={"runs": 3})
class SourceSilent(Rule):
    """A source failed or collected nothing for N crawl runs in a row (to operations)."""

    id = "source_silent"
    needs = ("runs",)
    severity = "medium"
    tlp = "amber"
    audience = "operations"

    def __init__(self, runs: int):
        self.runs = int(runs)
        if self.runs < 1:
            raise ValueError(f"runs must be 1 or more, not {runs!r}")

    def evaluate(self, facts: Facts) -> list[Firing]:
        by_source: dict[str, list[RunFact]] = defaultdict(list)
        for run in facts.runs:
            if run.status != "running":
                by_source[run.source].append(run)
        out = []
        for source, runs in sorted(by_source.items()):
            runs.sort(key=lambda r: (r.started_at, r.run_id), reverse=True)
            streak = []
            for run in runs:
                if not run.unhealthy:
                    break
                streak.append(run)
            if len(streak) < self.runs:
                continue
            # Keyed by the streak's first run: a longer streak is the same outage, not a new one.
            first = streak[-1]
            failed = sum(r.status == "failed" for r in streak)
            last_error = next((r.error for r in streak if r.error), None)
            title = f"Source {source} unhealthy for {len(streak)} crawl runs"
            body = (f"{source}: the last {len(streak)} crawl runs since "
                    f"{first.started_at:%Y-%m-%d %H:%M}Z collected nothing ({failed} failed)."
                    + (f"\nLast error: {last_error}" if last_error else ""))
            out.append(self.firing(
                f"source:{source}|since:{first.run_id}", title, body, subjects=(source,),
                data={"source": source, "runs": [r.run_id for r in streak], "failed": failed}))
        return out
