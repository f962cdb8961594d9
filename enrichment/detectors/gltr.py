"""Zero-shot: GLTR's per-token rank buckets (top-10/100/1000/rest), plus token evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors
from enrichment.detectors.lm import CausalLMScorer, TokenStats
from enrichment.detectors.zeroshot import ZERO_SHOT_DEFAULTS, ZeroShotDetector

BUCKETS = (10, 100, 1000)
BUCKET_NAMES = ("10", "100", "1000", "rest")


def bucket_of(rank: int) -> str:
    for limit, name in zip(BUCKETS, BUCKET_NAMES, strict=False):
        if rank <= limit:
            return name
    return "rest"


def bucket_fractions(ranks: np.ndarray) -> np.ndarray:
    """Share of tokens whose rank falls in top-10, 11-100, 101-1000 and beyond."""
    if ranks.size == 0:
        return np.zeros(4)
    edges = np.searchsorted(np.array(BUCKETS), ranks, side="left")
    return np.bincount(edges, minlength=4)[:4] / ranks.size


class GLTRDetector(ZeroShotDetector):
    """A linear score over the four bucket fractions; weights fitted by ``detectors train gltr``.

    Untrained, the score is the top-10 share minus the beyond-1000 share: GLTR's visual cue
    (sampled text is mostly green, human text has more purple and red).
    """

    default_calibration = PlattScaling(8.0, -4.0, fitted=False)
    weights = np.array([1.0, 0.0, 0.0, -1.0])

    def load_extra(self, extra: dict[str, Any]) -> None:
        if "bucket_weights" in extra:
            self.weights = np.asarray(extra["bucket_weights"], dtype=np.float64)

    def criterion(self, stats: TokenStats) -> float:
        return float(bucket_fractions(stats.rank) @ self.weights)

    def features(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([bucket_fractions(s.rank) for s in self.lm.stats(texts)])


def token_evidence(scorer: CausalLMScorer, text: str) -> list[dict[str, Any]]:
    """Per-token ``{token, rank, prob, bucket}`` for the dashboard's GLTR view of one text."""
    stats = scorer.stats([text])[0]
    tokens = scorer.tokenizer.convert_ids_to_tokens(stats.token_ids.tolist())
    decoder = getattr(scorer.tokenizer, "convert_tokens_to_string", None)
    return [
        {
            "token": decoder([token]) if decoder else token,
            "rank": int(rank),
            "prob": float(np.exp(logprob)),
            "bucket": bucket_of(int(rank)),
        }
        for token, rank, logprob in zip(tokens, stats.rank, stats.logprob, strict=True)
    ]


@detectors.register("gltr", defaults=dict(ZERO_SHOT_DEFAULTS))
def make_gltr(**config) -> GLTRDetector:
    """GLTR: shares of tokens in GPT-2's top-10/100/1000 ranks, combined linearly."""
    return GLTRDetector("gltr", **config)
