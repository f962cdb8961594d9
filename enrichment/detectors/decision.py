"""From detector scores to labels: thresholds, abstention and the configured detector set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from enrichment.calibration import DEFAULT_MIN_WORDS, Abstention, Thresholds, label_for
from enrichment.detectors.base import Detector, detectors

# Keys in a [detectors.<name>] section that set the decision, not the detector itself.
DECISION_KEYS = ("threshold", "fpr", "thresholds", "min_words", "enabled")
# With nothing configured, the report's TF-IDF baseline runs beside the best shipped detector.
DEFAULT_CONFIGURED = {"tfidf": {}, "stacked": {}}


@dataclass(slots=True)
class DecisionRule:
    """Score -> machine/human/abstain: a fixed threshold, or one per source at a target FPR."""

    fpr: float = 0.01
    threshold: float | None = None
    thresholds: Thresholds | None = None
    abstention: Abstention = field(default_factory=Abstention)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DecisionRule:
        thresholds = Thresholds.load(config["thresholds"]) if config.get("thresholds") else None
        threshold = config.get("threshold")
        return cls(
            fpr=float(config.get("fpr", 0.01)),
            threshold=float(threshold) if threshold is not None else None,
            thresholds=thresholds,
            abstention=Abstention(min_words=int(config.get("min_words", DEFAULT_MIN_WORDS))),
        )

    def threshold_for(self, detector: Detector, source: str | None) -> tuple[float, str]:
        """The threshold and where it came from (see docs/detectors.md)."""
        if self.threshold is not None:
            return self.threshold, "configured"
        if self.thresholds is not None:
            return self.thresholds.threshold(source, self.fpr), f"reference set at FPR {self.fpr:g}"
        default = getattr(detector, "default_threshold", None)
        if default is not None and self.fpr == 0.01:
            return float(default), "model validation set at FPR 0.01"
        return 0.5, "probability 0.5"

    def decide(
        self, detector: Detector, texts: Sequence[str], sources: Sequence[str | None] | None = None
    ) -> list[dict[str, Any]]:
        """One ``{score, label, threshold, fpr, reason}`` per text (abstentions unscored)."""
        sources = list(sources) if sources is not None else [None] * len(texts)
        reasons = [self.abstention.reason(t) for t in texts]
        scored = [i for i, r in enumerate(reasons) if r is None]
        scores = np.full(len(texts), np.nan)
        if scored:
            scores[scored] = detector.score([texts[i] for i in scored])
        out = []
        for i, reason in enumerate(reasons):
            threshold, origin = self.threshold_for(detector, sources[i])
            if reason is not None:
                out.append(
                    {
                        "score": None,
                        "label": "abstain",
                        "threshold": threshold,
                        "fpr": self.fpr,
                        "reason": reason,
                    }
                )
                continue
            score = float(scores[i])
            out.append(
                {
                    "score": score,
                    "label": label_for(score, threshold),
                    "threshold": threshold,
                    "fpr": self.fpr,
                    "reason": f"threshold from {origin}",
                }
            )
        return out


def split_config(config: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(detector settings, decision settings) from one ``[detectors.<name>]`` section."""
    detector = {k: v for k, v in config.items() if k not in DECISION_KEYS}
    decision = {k: v for k, v in config.items() if k in DECISION_KEYS}
    return detector, decision


def configured_detectors(section: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``[detectors.<name>]`` tables -> {name: config}; the shipped models when none are set."""
    configured = {name: dict(value) for name, value in section.items() if isinstance(value, Mapping)}
    for name in configured:
        detectors.get(name)  # unknown names fail here, listing the known ones
    return configured or {k: dict(v) for k, v in DEFAULT_CONFIGURED.items()}


def enabled_detectors(section: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The configured detectors that run as enrichers and join the ensemble (not ``enabled = false``)."""
    return {n: c for n, c in configured_detectors(section).items() if c.get("enabled", True) is not False}


def build_detector(name: str, section: Mapping[str, Any]) -> tuple[Detector, DecisionRule]:
    """The detector called ``name`` (or the configured ensemble) and its decision rule."""
    configured = configured_detectors(section)
    if name == "ensemble":
        members = {n: split_config(c)[0] for n, c in enabled_detectors(section).items() if n != "ensemble"}
        own = configured.get("ensemble", {})
        detector_config, decision_config = split_config(own)
        detector_config.setdefault("members", members)
        return detectors.create("ensemble", detector_config), DecisionRule.from_config(decision_config)
    detector_config, decision_config = split_config(configured.get(name, {}))
    return detectors.create(name, detector_config), DecisionRule.from_config(decision_config)
