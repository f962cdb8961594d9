"""Zero-shot: mean log-rank of each token under GPT-2 (DetectGPT's strongest simple baseline)."""

from __future__ import annotations

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors
from enrichment.detectors.lm import TokenStats
from enrichment.detectors.zeroshot import ZERO_SHOT_DEFAULTS, ZeroShotDetector


class LogRankDetector(ZeroShotDetector):
    """Criterion = -mean(log rank): sampled text keeps to the model's top choices."""

    default_calibration = PlattScaling(3.0, 3.0, fitted=False)

    def criterion(self, stats: TokenStats) -> float:
        if stats.rank.size == 0:
            return float("-inf")
        return float(-np.log(stats.rank.astype(np.float64)).mean())


@detectors.register("logrank", defaults=dict(ZERO_SHOT_DEFAULTS))
def make_logrank(**config) -> LogRankDetector:
    """Mean log-rank of the observed tokens under a GPT-2 LM (lower rank = more machine-like)."""
    return LogRankDetector("logrank", **config)
