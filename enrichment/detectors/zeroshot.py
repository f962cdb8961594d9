"""What the zero-shot detectors share: an LM scorer, a criterion over TokenStats, a calibration."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.lm import CausalLMScorer, TokenStats


class ZeroShotDetector:
    """A criterion computed from one LM forward pass, mapped to P(machine) by Platt scaling.

    Subclasses define ``criterion`` (higher = more machine-like) and ``default_calibration``,
    a rough uncalibrated mapping used until ``misusewatch detectors train NAME`` has fitted
    one on labelled data and written it to a calibration file named in the config.
    """

    name = "zero-shot"
    version = "1"
    default_calibration = PlattScaling(1.0, 0.0, fitted=False)

    def __init__(
        self,
        name: str,
        model: str,
        calibration: str = "",
        sampling_model: str = "",
        device: str = "auto",
        dtype: str = "auto",
        max_tokens: int = 512,
        batch_tokens: int = 16384,
    ):
        self.name = name
        self.model_id = model
        self.lm = CausalLMScorer(model, sampling_model, device, dtype, max_tokens, batch_tokens)
        self.calibration = self.default_calibration
        self.extra: dict[str, Any] = {}
        self.default_threshold = None
        if calibration:
            data = json.loads(Path(calibration).read_text(encoding="utf-8"))
            self.calibration = PlattScaling.from_dict(data["calibration"])
            self.extra = data.get("extra", {})
            self.default_threshold = data.get("thresholds", {}).get("0.01")
            self.load_extra(self.extra)

    def load_extra(self, extra: dict[str, Any]) -> None:
        """Hook: learned parameters beyond Platt scaling (GLTR's bucket weights)."""

    def criterion(self, stats: TokenStats) -> float:
        raise NotImplementedError

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.criterion(s) for s in self.lm.stats(texts)], dtype=np.float64)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return self.calibration(self.raw_scores(texts))


ZERO_SHOT_DEFAULTS = {
    "model": "openai-community/gpt2",
    "calibration": "",
    "sampling_model": "",
    "device": "auto",
    "dtype": "auto",
    "max_tokens": 512,
    "batch_tokens": 16384,
}
