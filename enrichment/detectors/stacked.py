"""The stacked detector: TF-IDF n-gram classifiers plus document statistics, combined by trees.

Each n-gram classifier sees one kind of evidence (words, frequency bands, Zipf buckets, BPE
rarity bands) one feature at a time; ``docstats`` summarises rarity, repetition and layout
per document. Gradient-boosted trees, trained on the classifiers' out-of-fold logits and the
statistics, weigh all of it together, including how each signal changes with length.

A model directory holds ``config.json`` (components, statistics, calibration, thresholds,
metrics), ``zipf.json`` and ``tokenizer.json`` (shared by all parts), ``trees.safetensors``
and ``components/<name>/`` (TF-IDF models in the ``tfidf`` format). No pickle anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors
from enrichment.detectors.docstats import NAMES, document_statistics
from enrichment.detectors.features import TextResources
from enrichment.detectors.tfidf import SavedModelDetector, TfidfModel
from enrichment.detectors.trees import TreeEnsemble

FORMAT = "misusewatch-stacked/1"


@dataclass(slots=True)
class StackedModel:
    """Named TF-IDF components + document statistics -> trees -> Platt-calibrated P(machine)."""

    components: dict[str, TfidfModel]
    trees: TreeEnsemble
    resources: TextResources
    calibration: PlattScaling = field(default_factory=PlattScaling)
    meta: dict[str, Any] = field(default_factory=dict)

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """The trees' inputs: one logit column per component, then ``docstats.NAMES``."""
        logits = [model.raw_scores(texts) for model in self.components.values()]
        stats = document_statistics(texts, self.resources)
        return np.column_stack([*logits, stats]) if len(texts) else np.zeros((0, 0))

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return self.trees.decision_function(self.features(texts))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.calibration(self.raw_scores(texts))

    def feature_names(self) -> list[str]:
        return [f"logit_{name}" for name in self.components] + list(NAMES)

    def save(self, directory: str | Path) -> Path:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.resources.save(out)
        for name, model in self.components.items():
            model.meta["_save_resources"] = False
            model.save(out / "components" / name)
        self.trees.save(out / "trees.safetensors")
        config = {
            "format": FORMAT,
            "components": list(self.components),
            "features": self.feature_names(),
            "calibration": self.calibration.to_dict(),
            **{k: v for k, v in self.meta.items() if not k.startswith("_")},
        }
        (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> StackedModel:
        path = Path(directory)
        config_file = path / "config.json"
        if not config_file.exists():
            raise FileNotFoundError(f"{path}: not a stacked model directory (no config.json)")
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if config.get("format") != FORMAT:
            raise ValueError(f"{config_file}: format {config.get('format')!r}, expected {FORMAT!r}")
        resources = TextResources.load(path)
        components = {
            name: TfidfModel.load(path / "components" / name, resources)
            for name in config["components"]
        }
        model = cls(
            components=components,
            trees=TreeEnsemble.load(path / "trees.safetensors"),
            resources=resources,
            calibration=PlattScaling.from_dict(config["calibration"]),
            meta={k: v for k, v in config.items() if k not in {"format", "calibration"}},
        )
        if config.get("features") != model.feature_names():
            raise ValueError(f"{config_file}: features differ from this version's statistics")
        return model


class StackedDetector(SavedModelDetector):
    """Stacked TF-IDF classifiers + document statistics, from a saved model directory."""

    model_class = StackedModel


@detectors.register("stacked", defaults={"path": "models/stacked"})
def make_stacked(path: str) -> StackedDetector:
    """TF-IDF word/band/Zipf/BPE classifiers + document statistics, combined by boosted trees."""
    return StackedDetector("stacked", path)
