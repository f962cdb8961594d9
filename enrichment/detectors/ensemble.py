"""The ensemble: the mean P(machine) of several configured detectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from enrichment.detectors.base import detectors


class EnsembleDetector:
    """Averages its members' calibrated probabilities (each member already maps to P(machine))."""

    def __init__(self, name: str, members: Mapping[str, Mapping[str, Any]]):
        if not members:
            raise ValueError("the ensemble needs at least one member detector")
        if "ensemble" in members:
            raise ValueError("the ensemble cannot contain itself")
        self.name = name
        self.members = {
            member: detectors.create(member, config) for member, config in members.items()
        }
        self.version = "+".join(f"{n}@{d.version}" for n, d in sorted(self.members.items()))
        self.default_threshold = None

    def member_scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return {name: detector.score(texts) for name, detector in self.members.items()}

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return np.mean(list(self.member_scores(texts).values()), axis=0)


@detectors.register("ensemble", defaults={"members": {"tfidf": {}}})
def make_ensemble(members: Mapping[str, Mapping[str, Any]]) -> EnsembleDetector:
    """Mean probability of the configured detectors (``[detectors.*]`` sections)."""
    return EnsembleDetector("ensemble", members)
