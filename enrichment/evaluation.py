"""Tagger accuracy against labelled posts: precision and recall per ladder step and category.

``python -m enrichment.evaluation FILE.jsonl`` prints the Markdown tables of docs/tagger.md for
a file of posts labelled ``{"id", "text", "lm_related", "categories", "ladder", "tier"}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from misusewatch.records import CATEGORIES, LADDER_STEPS, TIERS


@dataclass(frozen=True, slots=True)
class Score:
    label: Hashable
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def single_label_scores(pairs: Iterable[tuple[Hashable, Hashable]], labels: Sequence[Hashable]) -> list[Score]:
    """Per-label precision/recall for (truth, prediction) pairs of one label each."""
    pairs = list(pairs)
    return [
        Score(
            label,
            sum(1 for t, _ in pairs if t == label),
            sum(1 for _, p in pairs if p == label),
            sum(1 for t, p in pairs if t == p == label),
        )
        for label in labels
    ]


def multi_label_scores(
    pairs: Iterable[tuple[Iterable[Hashable], Iterable[Hashable]]], labels: Sequence[Hashable]
) -> list[Score]:
    """Per-label precision/recall for (truth set, predicted set) pairs."""
    pairs = [(set(t), set(p)) for t, p in pairs]
    return [
        Score(
            label,
            sum(1 for t, _ in pairs if label in t),
            sum(1 for _, p in pairs if label in p),
            sum(1 for t, p in pairs if label in t and label in p),
        )
        for label in labels
    ]


def micro(scores: Sequence[Score]) -> Score:
    return Score(
        "all",
        sum(s.support for s in scores),
        sum(s.predicted for s in scores),
        sum(s.correct for s in scores),
    )


def accuracy(pairs: Iterable[tuple[Any, Any]]) -> float:
    pairs = list(pairs)
    return sum(1 for t, p in pairs if t == p) / len(pairs) if pairs else 1.0


@dataclass(slots=True)
class Evaluation:
    ladder: list[Score]
    categories: list[Score]
    tier: list[Score]
    lm_accuracy: float
    ladder_accuracy: float
    n: int

    def markdown(self, title: str) -> str:
        lines = [f"### {title} ({self.n} posts)", ""]
        lines += [f"lm_related accuracy {self.lm_accuracy:.2f}; ladder accuracy {self.ladder_accuracy:.2f}", ""]
        for name, scores in (("ladder step", self.ladder), ("category", self.categories), ("tier", self.tier)):
            lines += [f"| {name} | n | precision | recall |", "|---|---:|---:|---:|"]
            for s in [*scores, micro(scores)] if name == "category" else scores:
                lines.append(f"| {s.label} | {s.support} | {s.precision:.2f} | {s.recall:.2f} |")
            lines.append("")
        return "\n".join(lines)


def evaluate(truth: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> Evaluation:
    """Compare labelled posts with the tagger's output for the same posts, in order."""
    return Evaluation(
        ladder=single_label_scores(
            ((t["ladder"], p["ladder"]) for t, p in zip(truth, predicted, strict=True)), LADDER_STEPS
        ),
        categories=multi_label_scores(
            ((t["categories"], p["categories"]) for t, p in zip(truth, predicted, strict=True)), CATEGORIES
        ),
        tier=single_label_scores(
            ((t.get("tier"), p["tier"]) for t, p in zip(truth, predicted, strict=True) if "tier" in t), (*TIERS, None)
        ),
        lm_accuracy=accuracy((t["lm_related"], p["lm_related"]) for t, p in zip(truth, predicted, strict=True)),
        ladder_accuracy=accuracy((t["ladder"], p["ladder"]) for t, p in zip(truth, predicted, strict=True)),
        n=len(truth),
    )


def load_labelled(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: Sequence[str]) -> None:
    from enrichment.tagger import Tagger

    tagger = Tagger()
    for path in argv:
        rows = load_labelled(path)
        results = tagger.tag_texts([r["text"] for r in rows], [r.get("thread_title") for r in rows])
        print(evaluate(rows, results).markdown(Path(path).name))


if __name__ == "__main__":
    main(sys.argv[1:])


def evaluate_actors(truth_rows: Sequence[dict[str, Any]], predicted: Sequence[dict[str, Any]]) -> list[Score]:
    """Per-actor tier against ground truth rows carrying ``actor`` and ``actor_tier``.

    Predicted actor tiers come from the same aggregation the enrich job uses
    (``tier_for_actor`` over the actor's posts). Actors whose truth tier is null are benign.
    """
    from collections import defaultdict

    from enrichment.actor_tier import PostEvidence, tier_for_actor
    from misusewatch.records import parse_time

    posts: dict[str, list[PostEvidence]] = defaultdict(list)
    truth_tier: dict[str, Any] = {}
    for row, result in zip(truth_rows, predicted, strict=True):
        actor = row.get("actor")
        if not actor:
            continue
        truth_tier.setdefault(actor, row.get("actor_tier"))
        posts[actor].append(PostEvidence.from_tagger(row["id"], parse_time(row["created_at"]), result, result))
    pairs = [(truth_tier[a], tier_for_actor(p).tier) for a, p in posts.items()]
    return single_label_scores(pairs, (*TIERS, None))
