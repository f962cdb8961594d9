"""Zero-shot: Fast-DetectGPT's analytic sampling discrepancy in one forward pass (Bao et al.)."""

from __future__ import annotations

import math

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors
from enrichment.detectors.lm import TokenStats
from enrichment.detectors.zeroshot import ZERO_SHOT_DEFAULTS, ZeroShotDetector


class FastDetectGPTDetector(ZeroShotDetector):
    """(log q(x) - sum_t mu_t) / sqrt(sum_t var_t), mu/var of log q under the sampling model.

    Without a separate ``sampling_model`` the scoring model samples too (the paper's
    white-box setting). Machine text sits well above 0; human text near or below it.
    """

    default_calibration = PlattScaling(1.0, -2.0, fitted=False)

    def criterion(self, stats: TokenStats) -> float:
        if stats.logprob.size == 0:
            return float("-inf")
        spread = math.sqrt(max(float(stats.variance_logprob.sum()), 1e-12))
        return float((stats.logprob.sum() - stats.expected_logprob.sum()) / spread)


@detectors.register("fast_detectgpt", defaults=dict(ZERO_SHOT_DEFAULTS))
def make_fast_detectgpt(**config) -> FastDetectGPTDetector:
    """Fast-DetectGPT analytic sampling discrepancy under a GPT-2 LM (one forward pass)."""
    return FastDetectGPTDetector("fast_detectgpt", **config)
