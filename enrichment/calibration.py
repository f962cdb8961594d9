"""Scores to decisions: Platt calibration, thresholds at fixed FPRs, abstention, actor tests."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_FPRS = (0.01, 0.001)
DEFAULT_MIN_WORDS = 20
DEFAULT_SOURCE = "*"  # thresholds fitted on the pooled reference set, used for unknown sources


# ---------------------------------------------------------------- Platt scaling


@dataclass(slots=True)
class PlattScaling:
    """P(machine) = sigmoid(slope * raw + intercept), fitted on a labelled reference set."""

    slope: float = 1.0
    intercept: float = 0.0
    fitted: bool = False

    @classmethod
    def fit(cls, raw: Sequence[float], labels: Sequence[int]) -> PlattScaling:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(raw, dtype=np.float64).reshape(-1, 1)
        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) < 2:
            raise ValueError("calibration needs both human (0) and machine (1) examples")
        model = LogisticRegression(C=1e4, max_iter=1000).fit(x, y)
        return cls(float(model.coef_[0, 0]), float(model.intercept_[0]), True)

    def __call__(self, raw: Sequence[float] | np.ndarray) -> np.ndarray:
        z = self.slope * np.asarray(raw, dtype=np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))

    def to_dict(self) -> dict[str, Any]:
        return {"slope": self.slope, "intercept": self.intercept, "fitted": self.fitted}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlattScaling:
        return cls(float(data["slope"]), float(data["intercept"]), bool(data.get("fitted", True)))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> PlattScaling:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


# ---------------------------------------------------------------- thresholds at fixed FPR


def threshold_at_fpr(human_scores: Sequence[float], fpr: float) -> float:
    """The lowest threshold t such that at most ``fpr`` of the human scores are > t.

    "Flag when score > t": with n human posts, at most floor(fpr * n) of them are flagged.
    When n is too small for the requested rate (n * fpr < 1) no human post may be flagged,
    so t is the highest human score: the FPR is then only bounded by 1/n, which
    ``Thresholds.reference_size`` records so a reader can judge.
    """
    scores = np.sort(np.asarray(human_scores, dtype=np.float64))[::-1]
    if scores.size == 0:
        raise ValueError("no human reference scores to set a threshold on")
    allowed = int(math.floor(fpr * scores.size + 1e-9))
    return float(scores[min(allowed, scores.size - 1)])


@dataclass(slots=True)
class Thresholds:
    """Per-source score thresholds at fixed false-positive rates, fitted on human posts.

    ``by_source[source][fpr]`` is the threshold; ``reference_size[source]`` how many human
    posts it was set on. Unknown sources fall back to the pooled ``"*"`` entry.
    """

    detector: str
    by_source: dict[str, dict[float, float]] = field(default_factory=dict)
    reference_size: dict[str, int] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        detector: str,
        human_scores_by_source: Mapping[str, Sequence[float]],
        fprs: Iterable[float] = DEFAULT_FPRS,
    ) -> Thresholds:
        fprs = tuple(fprs)
        result = cls(detector)
        pooled: list[float] = []
        for source, scores in human_scores_by_source.items():
            scores = list(scores)
            pooled.extend(scores)
            result.by_source[source] = {f: threshold_at_fpr(scores, f) for f in fprs}
            result.reference_size[source] = len(scores)
        if DEFAULT_SOURCE not in result.by_source and pooled:
            result.by_source[DEFAULT_SOURCE] = {f: threshold_at_fpr(pooled, f) for f in fprs}
            result.reference_size[DEFAULT_SOURCE] = len(pooled)
        return result

    def threshold(self, source: str | None, fpr: float) -> float:
        table = self.by_source.get(source or DEFAULT_SOURCE) or self.by_source.get(DEFAULT_SOURCE)
        if not table:
            raise KeyError(f"no thresholds for source {source!r} in detector {self.detector!r}")
        if fpr not in table:
            known = ", ".join(str(f) for f in sorted(table))
            raise KeyError(f"no threshold at FPR {fpr} (fitted: {known})")
        return table[fpr]

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "thresholds": {
                source: {str(f): t for f, t in sorted(table.items())}
                for source, table in self.by_source.items()
            },
            "reference_size": dict(self.reference_size),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        by_source = {
            source: {float(f): float(t) for f, t in table.items()}
            for source, table in data.get("thresholds", {}).items()
        }
        return cls(str(data.get("detector", "")), by_source, dict(data.get("reference_size", {})))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Thresholds:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


# ---------------------------------------------------------------- abstention

# The 60 most frequent English words: running English text is ~40-50% these; other
# languages, code, link lists and base64 are far below. No language model download needed.
ENGLISH_STOPWORDS = frozenset(
    """the of and to a in is that for it as was with be by on not he i this are or his from at
    which but have an they you were her she there one all we their has been would will if can
    more so when what no who my about up out them do than some its our your had""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@dataclass(slots=True, frozen=True)
class Abstention:
    """Why a text gets no machine/human label."""

    min_words: int = DEFAULT_MIN_WORDS
    min_stopword_ratio: float = 0.12
    min_ascii_letter_ratio: float = 0.8

    def reason(self, text: str) -> str | None:
        words = _WORD.findall(text)
        if len(words) < self.min_words:
            return f"too short: {len(words)} words < {self.min_words}"
        letters = [ch for ch in text if ch.isalpha()]
        ascii_ratio = sum(ch.isascii() for ch in letters) / max(len(letters), 1)
        if ascii_ratio < self.min_ascii_letter_ratio:
            return f"not English: {ascii_ratio:.0%} of letters are ASCII"
        stop_ratio = sum(w.lower() in ENGLISH_STOPWORDS for w in words) / len(words)
        if stop_ratio < self.min_stopword_ratio:
            return f"not English: {stop_ratio:.0%} common English words"
        return None


def label_for(score: float, threshold: float) -> str:
    return "machine" if score > threshold else "human"


# ---------------------------------------------------------------- actor-level evidence


@dataclass(slots=True, frozen=True)
class ActorEvidence:
    """How surprising k flagged posts out of n are if the actor is human and the FPR is ``fpr``."""

    flagged: int
    posts: int
    fpr: float
    expected: float
    p_value: float
    interpretation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "flagged": self.flagged,
            "posts": self.posts,
            "fpr": self.fpr,
            "expected": self.expected,
            "p_value": self.p_value,
            "interpretation": self.interpretation,
        }


def actor_evidence(flagged: int, posts: int, fpr: float) -> ActorEvidence:
    """One-sided binomial test: P(X >= flagged) for X ~ Binomial(posts, fpr).

    A pure function for the threat model and dashboard. At a near-zero FPR even one or two
    percent of an actor's posts flagged is very unlikely by chance, which is the report's
    point: per-post detection is weak evidence, a pattern across an account is strong.
    """
    if posts < 0 or flagged < 0 or flagged > posts:
        raise ValueError(f"need 0 <= flagged <= posts, got {flagged} of {posts}")
    if not 0.0 < fpr < 1.0:
        raise ValueError(f"fpr must be in (0, 1), got {fpr}")
    from threat_model.stats import binomial_tail

    expected = posts * fpr
    p_value = 1.0 if posts == 0 else binomial_tail(flagged, posts, fpr)
    return ActorEvidence(
        flagged, posts, fpr, expected, p_value, _interpret(flagged, posts, fpr, p_value)
    )


def _interpret(flagged: int, posts: int, fpr: float, p_value: float) -> str:
    share = flagged / posts if posts else 0.0
    head = (
        f"{flagged} of {posts} posts flagged ({share:.1%}) where {fpr:.1%} of human posts would be"
    )
    if posts == 0 or flagged == 0:
        return f"{head}: no evidence of machine-written posts."
    if p_value < 1e-4:
        verdict = (
            "very unlikely by chance: strong evidence that this account posts machine-written text"
        )
    elif p_value < 0.01:
        verdict = (
            "unlikely by chance: reasonable suspicion that this account posts machine-written text"
        )
    elif p_value < 0.05:
        verdict = "somewhat unlikely by chance: weak evidence, worth a look alongside other signals"
    else:
        verdict = "consistent with chance false positives: no evidence on its own"
    return f"{head}; p = {p_value:.2g}, {verdict}."
