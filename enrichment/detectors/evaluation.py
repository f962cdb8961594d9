"""Detector metrics: AUROC, accuracy, TPR at fixed FPR, accuracy by length, transfer matrices."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from enrichment.calibration import threshold_at_fpr

# Word-count buckets for accuracy by length (the report's Figure 2 plots accuracy against length).
LENGTH_BUCKETS = (0, 16, 32, 64, 128, 256, 512, 10**9)
_WORD = re.compile(r"\S+")


def auroc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve, ties counted half (the Mann-Whitney statistic)."""
    from scipy.stats import rankdata

    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=np.float64)
    positives, negatives = int(y.sum()), int((1 - y).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def tpr_at_fpr(labels: Sequence[int], scores: Sequence[float], fpr: float) -> float:
    """Share of machine texts flagged at the threshold that flags at most ``fpr`` of human texts."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=np.float64)
    threshold = threshold_at_fpr(s[y == 0], fpr)
    return float((s[y == 1] > threshold).mean())


def length_bucket(words: int) -> str:
    for low, high in zip(LENGTH_BUCKETS, LENGTH_BUCKETS[1:], strict=False):
        if low <= words < high:
            return f"{low}-{high - 1}" if high < 10**9 else f"{low}+"
    return f"{LENGTH_BUCKETS[-2]}+"


@dataclass(slots=True)
class Report:
    """Metrics of one detector on one labelled set."""

    detector: str
    dataset: str
    n_human: int
    n_machine: int
    auroc: float
    accuracy: float
    tpr_at_1pct_fpr: float
    tpr_at_01pct_fpr: float
    accuracy_by_length: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "dataset": self.dataset,
            "n_human": self.n_human,
            "n_machine": self.n_machine,
            "auroc": self.auroc,
            "accuracy": self.accuracy,
            "tpr_at_1pct_fpr": self.tpr_at_1pct_fpr,
            "tpr_at_0.1pct_fpr": self.tpr_at_01pct_fpr,
            "accuracy_by_length": self.accuracy_by_length,
        }


def evaluate_scores(
    detector: str,
    dataset: str,
    texts: Sequence[str],
    labels: Sequence[int],
    probabilities: Sequence[float],
    threshold: float = 0.5,
) -> Report:
    """Metrics for given P(machine) scores; accuracy uses ``threshold``."""
    y = np.asarray(labels, dtype=int)
    p = np.asarray(probabilities, dtype=np.float64)
    predicted = (p > threshold).astype(int)
    by_length: dict[str, dict[str, float]] = {}
    buckets = [length_bucket(len(_WORD.findall(t))) for t in texts]
    for bucket in dict.fromkeys(
        sorted(set(buckets), key=lambda b: int(b.split("-")[0].rstrip("+")))
    ):
        mask = np.array([b == bucket for b in buckets])
        by_length[bucket] = {
            "n": int(mask.sum()),
            "accuracy": float((predicted[mask] == y[mask]).mean()),
        }
    return Report(
        detector=detector,
        dataset=dataset,
        n_human=int((y == 0).sum()),
        n_machine=int((y == 1).sum()),
        auroc=auroc(y, p),
        accuracy=float((predicted == y).mean()),
        tpr_at_1pct_fpr=tpr_at_fpr(y, p, 0.01),
        tpr_at_01pct_fpr=tpr_at_fpr(y, p, 0.001),
        accuracy_by_length=by_length,
    )


@dataclass(slots=True)
class LabelledSet:
    """Human and machine texts of one kind (e.g. WebText vs GPT-2 top-k 40), named for tables."""

    name: str
    human: list[str]
    machine: list[str]

    @property
    def texts(self) -> list[str]:
        return self.human + self.machine

    @property
    def labels(self) -> list[int]:
        return [0] * len(self.human) + [1] * len(self.machine)

    def split(self, fraction: float, seed: int = 0) -> tuple[LabelledSet, LabelledSet]:
        """A stratified (train, test) split: ``fraction`` of each class goes to test."""
        rng = np.random.default_rng(seed)

        def cut(items: list[str]) -> tuple[list[str], list[str]]:
            order = rng.permutation(len(items))
            n_test = max(1, int(round(len(items) * fraction)))
            test = {int(i) for i in order[:n_test]}
            return [t for i, t in enumerate(items) if i not in test], [
                items[i] for i in sorted(test)
            ]

        human_train, human_test = cut(self.human)
        machine_train, machine_test = cut(self.machine)
        return (
            LabelledSet(self.name, human_train, machine_train),
            LabelledSet(self.name, human_test, machine_test),
        )


def transfer_matrix(
    datasets: Mapping[str, tuple[LabelledSet, LabelledSet]],
    train: Callable[[LabelledSet], Callable[[Sequence[str]], np.ndarray]],
) -> dict[str, dict[str, float]]:
    """AUROC of a detector trained on each dataset's train part, tested on every test part.

    ``datasets`` maps name -> (train, test); ``train`` returns a scoring function. Rows are
    the training set, columns the test set, as in the report's Figure 1.
    """
    matrix: dict[str, dict[str, float]] = {}
    for train_name, (train_set, _) in datasets.items():
        scorer = train(train_set)
        matrix[train_name] = {
            test_name: auroc(test_set.labels, scorer(test_set.texts))
            for test_name, (_, test_set) in datasets.items()
        }
    return matrix
