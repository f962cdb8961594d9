"""The misuse ladder: none < discussion < plan < code < deployment, its order and plain words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from misusewatch.records import LADDER_STEPS

# Steps at or above "discussion" are misuse-related; "none" is everything else collected.
MISUSE_STEPS = LADDER_STEPS[1:]

DEFINITIONS: dict[str, str] = {
    "none": "No misuse content: benign use, news, research or unrelated talk.",
    "discussion": "Talks about misusing language models (ideas, speculation, worry) without a "
    "concrete plan.",
    "plan": "States an explicit intention or plan to misuse a model against a target "
    "(who, what, when or how).",
    "code": "Shares or asks for working code, tools, fine-tuned models or step-by-step "
    "instructions that would enable misuse.",
    "deployment": "Shows evidence that generated text is being used in the wild "
    "(posted bots, campaigns, reviews, spam runs).",
}

# Severity for alerts and sorting: discussion is context, plans and code are actionable.
SEVERITY: dict[str, str] = {
    "none": "info",
    "discussion": "low",
    "plan": "medium",
    "code": "high",
    "deployment": "critical",
}


def rank(step: str | None) -> int:
    """0 for none (or unknown/missing), up to 4 for deployment."""
    if step is None:
        return 0
    try:
        return LADDER_STEPS.index(step)
    except ValueError:
        known = ", ".join(LADDER_STEPS)
        raise ValueError(f"unknown ladder step {step!r} (one of {known})") from None


def at_least(step: str) -> tuple[str, ...]:
    """The steps at or above ``step``, lowest first."""
    return LADDER_STEPS[rank(step):]


def highest(steps: Iterable[str | None]) -> str:
    """The highest step among ``steps``; ``none`` when there are none."""
    best = 0
    for step in steps:
        best = max(best, rank(step))
    return LADDER_STEPS[best]


def highest_by(items: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """Highest step reached per key (a thread or an actor) from (key, step) pairs."""
    out: dict[str, int] = {}
    for key, step in items:
        out[key] = max(out.get(key, 0), rank(step))
    return {key: LADDER_STEPS[value] for key, value in out.items()}


def describe(step: str) -> dict[str, Any]:
    """The step, its rank, severity and definition, for summaries and the dashboard."""
    return {
        "step": step,
        "rank": rank(step),
        "severity": SEVERITY[step],
        "definition": DEFINITIONS[step],
    }


def complete_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Every step present in ladder order, zero when missing."""
    return {step: int(counts.get(step, 0)) for step in LADDER_STEPS}
