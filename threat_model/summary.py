"""The release committee's threat summary: findings in plain words, generated from indicators."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from threat_model import ladder, tiers

SCHEMA = "misusewatch.summary/1"


@dataclass(frozen=True, slots=True)
class SummaryPolicy:
    """Thresholds that turn numbers into sentences; see docs/threat-model.md, "Findings"."""

    predominant_share: float = 0.6  # a tier "predominates" at this share of tiered actors
    few_plans: int = 5  # at most this many plan posts is "only a small number"
    few_plans_share: float = 0.05  # ...or at most this share of misuse posts
    top_categories: int = 3
    evidence_threads: int = 5
    evidence_per_finding: int = 10


@dataclass(frozen=True, slots=True)
class Finding:
    """One headline: the sentence, the numbers behind it, and the posts that show it.

    ``filters`` is a PostFilter-shaped dict that lists exactly the posts behind ``numbers``
    (e.g. ``misusewatch search "" --ladder plan --since ... --until ...``); a list value
    means "any of these".
    """

    id: str
    text: str
    level: str  # info | notice | warning
    numbers: dict[str, Any]
    evidence: list[str]
    filters: dict[str, Any]
    thresholds: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_summary(
    scope: str,
    indicators: Mapping[str, Any],
    *,
    family: str,
    stage_rows: Sequence[Mapping[str, Any]] = (),
    evidence_posts: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    policy: SummaryPolicy | None = None,
    generated_at: str | None = None,
) -> dict[str, Any]:
    """The summary for one stage (``scope`` = its name) or for all stages (``scope="all"``).

    ``indicators`` is :func:`threat_model.indicators.stage_indicators` output for the scope's
    window; ``stage_rows`` the per-stage indicators in timeline order (for the trend table);
    ``evidence_posts`` maps a ladder step to post references (``id``, ``url``, ``thread``,
    ``thread_title``, ``author``, ``actor``, ``created_at``, ``excerpt``), newest first.
    """
    policy = policy or SummaryPolicy()
    evidence_posts = evidence_posts or {}
    window = indicators["stage"]
    counts = indicators["counts"]
    filters = {"since": window["since"], "until": window["until"]}
    findings = [
        _code_finding(counts, evidence_posts, filters, policy),
        _deployment_finding(counts, evidence_posts, filters, policy),
        _plan_finding(counts, evidence_posts, filters, policy),
        _tier_finding(counts, filters, policy),
        _category_finding(counts, filters, policy),
        _trend_finding(scope, indicators, stage_rows, filters),
        *_synthetic_findings(indicators, filters),
    ]
    findings = [f for f in findings if f is not None]
    threads = evidence_threads(evidence_posts, policy.evidence_threads)
    return {
        "schema": SCHEMA,
        "scope": scope,
        "family": family,
        "generated_at": generated_at,
        "stage": window,
        "headline": [f.text for f in findings],
        "findings": [f.to_dict() for f in findings],
        "numbers": {
            "posts": indicators["coverage"]["posts"],
            "tagged": indicators["coverage"]["tagged"],
            "misuse": counts["misuse"],
            "lm_related": counts["lm_related"],
            "ladder": counts["ladder"],
            "categories": counts["categories"],
            "tiers": counts["tiers"],
            "per_1000_posts": indicators["rates"]["per_1000_posts"],
        },
        "trend": _trend_rows(stage_rows),
        "change": indicators.get("change"),
        "evidence_threads": threads,
        "coverage": indicators["coverage"],
        "caveats": caveats(indicators),
        "synthetic": indicators.get("synthetic", []),
        "definitions": {
            "ladder": {s: ladder.DEFINITIONS[s] for s in ladder.DEFINITIONS},
            "tiers": {str(t): text for t, text in tiers.DEFINITIONS.items()},
        },
    }


# ---------------------------------------------------------------- findings


def _ids(evidence_posts, steps: Sequence[str], limit: int) -> list[str]:
    out: list[str] = []
    for step in steps:
        out.extend(p["id"] for p in evidence_posts.get(step, ()))
    return out[:limit]


def _threads(evidence_posts, steps: Sequence[str], counts) -> str:
    """" in N threads", or "in at least N threads" when only a sample of the posts was read."""
    seen = {p.get("thread") or p["id"] for step in steps for p in evidence_posts.get(step, ())}
    if not seen:
        return ""
    complete = all(len(evidence_posts.get(s, ())) >= counts["ladder"][s] for s in steps)
    return f" in {'' if complete else 'at least '}{_n(len(seen), 'thread')}"


def _code_finding(counts, evidence_posts, filters, policy) -> Finding:
    steps = counts["ladder"]
    misuse, shared = counts["misuse"], steps["code"] + steps["deployment"]
    numbers = {"misuse_posts": misuse, "code_posts": steps["code"],
               "deployment_posts": steps["deployment"], "discussion_posts": steps["discussion"]}
    if misuse == 0:
        text, level = "No discussion of language-model misuse observed.", "info"
    elif shared == 0:
        text = (f"Discussion of misuse ({_n(misuse, 'post')}) but no code sharing observed: "
                "no post shares code, tools or fine-tuned models for misuse.")
        level = "info"
    else:
        threads = _threads(evidence_posts, ("code", "deployment"), counts)
        text = (f"Code or tools for misuse shared: {_n(shared, 'post')} at the code or "
                f"deployment step{threads}.")
        level = "warning"
    return Finding("code_sharing", text, level, numbers,
                   _ids(evidence_posts, ("code", "deployment"), policy.evidence_per_finding),
                   {**filters, "ladder": ["code", "deployment"]}, {})


def _deployment_finding(counts, evidence_posts, filters, policy) -> Finding | None:
    n = counts["ladder"]["deployment"]
    if counts["misuse"] == 0:
        return None
    if n == 0:
        text, level = "No evidence of misuse deployed in the wild.", "info"
    else:
        threads = _threads(evidence_posts, ("deployment",), counts)
        text = f"Evidence of use in the wild: {_n(n, 'post')}{threads}."
        level = "warning"
    return Finding("deployment", text, level, {"deployment_posts": n},
                   _ids(evidence_posts, ("deployment",), policy.evidence_per_finding),
                   {**filters, "ladder": "deployment"}, {})


def _plan_finding(counts, evidence_posts, filters, policy) -> Finding | None:
    plans, misuse = counts["ladder"]["plan"], counts["misuse"]
    if misuse == 0:
        return None
    share = plans / misuse
    thresholds = {"few_plans": policy.few_plans, "few_plans_share": policy.few_plans_share}
    numbers = {"plan_posts": plans, "misuse_posts": misuse, "plan_share": round(share, 4)}
    threads = _threads(evidence_posts, ("plan",), counts)
    if plans == 0:
        text, level = "No explicit public plans to misuse a model observed.", "info"
    elif plans <= policy.few_plans or share <= policy.few_plans_share:
        text = (f"Only a small number of explicit public plans: {_n(plans, 'post')}"
                f"{threads} ({_pct(share)} of misuse posts).")
        level = "notice"
    else:
        text = (f"Explicit public plans in {_n(plans, 'post')}{threads}: "
                f"{_pct(share)} of misuse posts.")
        level = "warning"
    return Finding("plans", text, level, numbers,
                   _ids(evidence_posts, ("plan",), policy.evidence_per_finding),
                   {**filters, "ladder": "plan"}, thresholds)


def _tier_finding(counts, filters, policy) -> Finding | None:
    actor_counts = tiers.complete_counts(counts["tiers"]["actors"])
    basis = "actors"
    if sum(actor_counts.values()) == 0:
        actor_counts, basis = tiers.complete_counts(counts["tiers"]["posts"]), "posts"
    total = sum(actor_counts.values())
    if total == 0:
        return None
    shares = {t: n / total for t, n in actor_counts.items()}
    numbers = {f"tier_{t}": n for t, n in actor_counts.items()} | {"basis": basis, "total": total}
    thresholds = {"predominant_share": policy.predominant_share}
    noun = "misuse actors" if basis == "actors" else "misuse posts"
    if shares[1] >= policy.predominant_share:
        text = (f"Actors predominantly tier 1 with limited technical understanding of ML: "
                f"{_pct(shares[1])} of {total} tiered {noun}.")
        level = "info"
    elif shares[3] >= policy.predominant_share or (shares[3] > 0 and shares[3] >= shares[1]):
        text = (f"Advanced (tier 3) actors present: {actor_counts[3]} of {total} tiered {noun} "
                f"({_pct(shares[3])}).")
        level = "warning"
    else:
        text = (f"A mix of skill levels among {total} tiered {noun}: tier 1 {_pct(shares[1])}, "
                f"tier 2 {_pct(shares[2])}, tier 3 {_pct(shares[3])}.")
        level = "notice"
    return Finding("actor_tiers", text, level, numbers, [], _tier_filters(filters, basis),
                   thresholds)


def _tier_filters(filters, basis: str) -> dict[str, Any]:
    """Tiered misuse posts; for the actor basis, the misuse posts the actors were found from:
    an actor's tier is its own record's, which no PostFilter field selects on."""
    misuse = {**filters, "ladder": list(ladder.MISUSE_STEPS)}
    return misuse if basis == "actors" else {**misuse, "min_tier": 1}


def _category_finding(counts, filters, policy) -> Finding | None:
    ranked = sorted(
        ((n, c) for c, n in counts["categories"].items() if n > 0), key=lambda x: (-x[0], x[1])
    )[: policy.top_categories]
    if not ranked:
        return None
    parts = ", ".join(f"{c.replace('_', ' ')} ({n})" for n, c in ranked)
    return Finding("categories", f"Most discussed misuse categories: {parts}.", "info",
                   {c: n for n, c in ranked}, [], {**filters, "category": ranked[0][1]},
                   {"top_categories": policy.top_categories})


def _trend_finding(scope, indicators, stage_rows, filters) -> Finding | None:
    if scope == "all":
        return _trend_across(stage_rows, filters)
    change = indicators.get("change")
    window = indicators["stage"]
    if not change:
        return Finding("trend", f"{window['name']} is the first window: no earlier stage to "
                       "compare with.", "info", {}, [], filters, {})
    if not change.get("misuse"):
        return Finding("trend", f"No trend: {change['previous_stage']} or {window['name']} has "
                       "no tagged posts to compare.", "info", {}, [], filters, {})
    rr = change["misuse"]
    rate_now = indicators["rates"]["per_1000_posts"]["misuse"]
    words = {"down": "declining", "up": "rising", "flat": "not significantly changed"}
    released = (window["since"] or "")[:10]
    text = (f"Misuse discussion {words[rr['direction']]} by the {window['name']} release "
            f"({released}): {_rate(rate_now)} per 1,000 posts vs {change['previous_stage']} "
            f"(rate ratio {_ratio(rr)}).")
    if indicators["coverage"].get("gap_caveat"):
        text += " Collection gaps in this window may distort the comparison."
    level = "notice" if rr["direction"] == "up" else "info"
    return Finding("trend", text, level, {"misuse_per_1000": rate_now, "rate_ratio": rr}, [],
                   {**filters, "ladder": list(ladder.MISUSE_STEPS)},
                   {"confidence": rr["confidence"], "method": rr["method"]})


def _trend_across(stage_rows, filters) -> Finding | None:
    moves = []
    for row in stage_rows:
        rr = (row.get("change") or {}).get("misuse")
        if rr and rr["direction"] != "flat":
            verb = "declined" if rr["direction"] == "down" else "rose"
            moves.append(f"{verb} by the {row['stage']['name']} release ({_ratio(rr)})")
    if not stage_rows:
        return None
    if not moves:
        text = "Misuse discussion did not change significantly between release stages."
    else:
        text = "Misuse discussion " + "; ".join(moves) + "."
    text += _gap_caveat_across(stage_rows)
    return Finding("trend", text, "info", {"stages": len(stage_rows)}, [], filters, {})


def _gap_caveat_across(stage_rows) -> str:
    """The per-stage gap caveat, naming the stages that carry it: an outage in any of them
    can make a move (or its absence) between stages."""
    gapped = [row["stage"]["name"] for row in stage_rows
              if (row.get("coverage") or {}).get("gap_caveat")]
    if not gapped:
        return ""
    return f" Collection gaps in {', '.join(gapped)} may distort the comparison."


def _synthetic_findings(indicators, filters) -> list[Finding]:
    out = []
    for result in indicators.get("synthetic", []):
        hot = [(s, r) for s, r in result["sources"].items() if r["significant"]]
        detector, fpr = result["detector"], result["fpr"]
        numbers = {"detector": detector, "fpr": fpr, "overall": result["overall"],
                   "actors_significant": result["actors_significant"]}
        if hot:
            parts = ", ".join(f"{s} {_pct(r['rate'])} (p={r['p_value']:.2g})" for s, r in hot)
            text = (f"Machine-written text above the {detector} detector's {_pct(fpr)} "
                    f"false-positive rate on: {parts}.")
            level = "warning"
        else:
            scored = result["overall"]["scored"]
            text = (f"No source shows machine-written text above the {detector} detector's "
                    f"{_pct(fpr)} false-positive rate ({_n(scored, 'post')} scored).")
            level = "info"
        if result["actors_significant"]:
            text += (f" {_n(result['actors_significant'], 'actor')} post machine-written text "
                     "significantly more often than the false-positive rate explains.")
            level = "warning"
        out.append(Finding(f"synthetic_text:{detector}", text, level, numbers, [],
                           _synthetic_filter(filters, detector, result["thresholds"]),
                           {"significance": "p < 0.01 (actors: Bonferroni-corrected)"}))
    return out


def _synthetic_filter(filters, detector: str, thresholds: Mapping[str, float]) -> dict:
    """Posts the detector flagged: score strictly above the threshold (one shared threshold),
    or every scored post when sources were calibrated separately (see numbers)."""
    distinct = set(thresholds.values())
    if len(distinct) == 1:
        return {**filters, "detector": detector, "min_score": math.nextafter(distinct.pop(), 2)}
    return {**filters, "detector": detector}


# ---------------------------------------------------------------- evidence, trend, caveats


def evidence_threads(
    evidence_posts: Mapping[str, Sequence[Mapping[str, Any]]], limit: int
) -> list[dict[str, Any]]:
    """Threads ordered by the highest ladder step they reach, then by how many posts show it."""
    threads: dict[str, dict[str, Any]] = {}
    for step in reversed(ladder.MISUSE_STEPS):
        for post in evidence_posts.get(step, ()):
            key = post.get("thread") or post["id"]
            entry = threads.setdefault(key, {
                "thread": key, "title": post.get("thread_title"), "url": post.get("url"),
                "highest_step": step, "posts": [],
            })
            entry["posts"].append({**post, "step": step})
    ordered = sorted(
        threads.values(), key=lambda t: (-ladder.rank(t["highest_step"]), -len(t["posts"]))
    )
    return ordered[:limit]


def _trend_rows(stage_rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for row in stage_rows:
        counts, rates = row["counts"], row["rates"]["per_1000_posts"]
        rr = (row.get("change") or {}).get("misuse")
        rows.append({
            "stage": row["stage"]["name"],
            "since": row["stage"]["since"],
            "until": row["stage"]["until"],
            "posts": row["coverage"]["posts"],
            "misuse": counts["misuse"],
            "misuse_per_1000": rates["misuse"],
            "plan": counts["ladder"]["plan"],
            "code": counts["ladder"]["code"],
            "deployment": counts["ladder"]["deployment"],
            "gap_source_weeks": row["coverage"]["gap_source_weeks"],
            "direction": rr["direction"] if rr else None,
            "rate_ratio": rr,
        })
    return rows


def caveats(indicators: Mapping[str, Any]) -> list[str]:
    """What a reader must know before trusting the numbers."""
    coverage = indicators["coverage"]
    out = []
    if coverage["posts"] == 0:
        out.append("No posts were collected in this window; nothing can be concluded.")
    if coverage["untagged"]:
        out.append(f"{_n(coverage['untagged'], 'post')} collected but not yet tagged; rates use "
                   f"the {coverage['tagged']} tagged posts.")
    if coverage["gap_source_weeks"]:
        sources = sorted({g["source"] for g in coverage["gaps"] if g["reason"] in
                          ("no_posts", "below_norm")})
        out.append(f"Collection gaps: {coverage['gap_source_weeks']:g} source-weeks collected "
                   f"nothing or far below normal ({', '.join(sources)}); counts there are "
                   "incomplete, which is not the same as misuse dropping.")
    crawl = sorted({g["source"] for g in coverage["gaps"] if g["reason"] in
                    ("no_crawl", "crawl_failed")})
    if crawl:
        out.append(f"Weeks without a successful crawl run on: {', '.join(crawl)}.")
    if not indicators.get("synthetic"):
        out.append("No detector scores: synthetic-text prevalence is not assessed.")
    out.append("Counts come from automatic tagging; spot-check the evidence posts before "
               "acting on them. Public forums show only what actors choose to say in public.")
    return out


# ---------------------------------------------------------------- wording helpers


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _pct(share: float) -> str:
    value = 100 * share
    return f"{value:.0f}%" if value >= 10 or value == 0 else f"{value:.1f}%"


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _ratio(rr: Mapping[str, Any]) -> str:
    def fmt(x: Any) -> str:
        # to_dict() writes infinity as "inf" and leaves no estimate (0 vs 0) as None.
        if x is None:
            return "n/a"
        return "inf" if x == "inf" else f"{x:.2f}"

    pct = int(round(100 * rr["confidence"]))
    return f"{fmt(rr['estimate'])}, {pct}% CI {fmt(rr['lower'])}-{fmt(rr['upper'])}"
