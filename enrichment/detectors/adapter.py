"""Any detector as an Enricher: writes ``detector:<name>`` enrichments with score, label, reason."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from enrichment.base import enrichers
from enrichment.detectors.base import Detector, detectors
from enrichment.detectors.decision import DecisionRule, split_config
from misusewatch.records import Enrichment, Post


class DetectorEnricher:
    """Scores a batch of posts with one detector; a failed batch marks every post with ``error``."""

    def __init__(self, detector: Detector, rule: DecisionRule):
        self.detector = detector
        self.rule = rule
        self.name = f"detector:{detector.name}"
        self.version = str(detector.version)

    def enrich(self, posts: Sequence[Post]) -> list[Enrichment]:
        texts = [p.text or "" for p in posts]
        try:
            decisions = self.rule.decide(self.detector, texts, [p.source for p in posts])
        except Exception as exc:  # noqa: BLE001 - recorded per post so the runner retries them
            error = f"{type(exc).__name__}: {exc}"
            return [Enrichment(p.id, self.name, self.version, error=error) for p in posts]
        out = []
        for post, decision in zip(posts, decisions, strict=True):
            facets = {} if decision["score"] is None else {"detector_scores": {self.detector.name: decision["score"]}}
            out.append(Enrichment(post.id, self.name, self.version, data=decision, facets=facets))
        return out


@enrichers.register("detector", defaults={"detector": "tfidf", "config": {}})
def make_detector_enricher(detector: str, config: Mapping[str, Any]) -> DetectorEnricher:
    """Runs one registered detector over posts (detector settings + decision keys)."""
    detector_config, decision_config = split_config(config)
    return DetectorEnricher(detectors.create(detector, detector_config), DecisionRule.from_config(decision_config))
