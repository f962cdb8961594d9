"""Zero-shot: the report's baseline, a threshold on the text's log-probability under GPT-2."""

from __future__ import annotations

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors
from enrichment.detectors.lm import TokenStats
from enrichment.detectors.zeroshot import ZERO_SHOT_DEFAULTS, ZeroShotDetector


class LogProbDetector(ZeroShotDetector):
    """Mean per-token log-probability (``reduce="total"`` for the sum); sampled text scores high."""

    # Uncalibrated guess: GPT-2 small gives human web text ~-3.5 nats/token, samples ~-2.5.
    default_calibration = PlattScaling(3.0, 9.0, fitted=False)

    def __init__(self, name: str, reduce: str = "mean", **config):
        if reduce not in ("mean", "total"):
            raise ValueError(f"logprob reduce must be 'mean' or 'total', got {reduce!r}")
        self.reduce = reduce
        super().__init__(name, **config)

    def criterion(self, stats: TokenStats) -> float:
        if stats.logprob.size == 0:
            return float("-inf")
        return float(stats.logprob.sum() if self.reduce == "total" else stats.logprob.mean())


@detectors.register("logprob", defaults={**ZERO_SHOT_DEFAULTS, "reduce": "mean"})
def make_logprob(**config) -> LogProbDetector:
    """Total/mean log-probability under a GPT-2 LM, thresholded (report baseline)."""
    return LogProbDetector("logprob", **config)
