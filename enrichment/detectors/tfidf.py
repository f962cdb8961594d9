"""The report's simple classifier: logistic regression on TF-IDF n-grams, saved without pickle.

A model directory holds ``config.json`` (feature blocks, calibration, default threshold,
metrics), ``vocabulary.json`` (feature strings per block, in index order),
``weights.safetensors`` (per block: ``idf``, ``coef``; plus ``intercept``) and, when a
frequency-band block is used, ``lexicon.json``. Scoring rebuilds a small sparse scorer
from those: no scikit-learn objects at run time, and far less per-call overhead.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors, resolve_model_path, split_sections
from enrichment.detectors.features import FrequencyLexicon, make_analyzer

FORMAT = "misusewatch-tfidf/1"


@dataclass(slots=True)
class FeatureBlock:
    """One TF-IDF vectoriser's worth of the model: analyzer config, vocabulary, idf, weights."""

    config: dict[str, Any]
    vocabulary: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    analyzer: Any = None

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """This block's share of the logit per text: coef . l2norm(sublinear_tf * idf).

        All texts' features go through one C-level ``map`` over the vocabulary and two
        ``bincount`` calls, so Python does no per-feature arithmetic.
        """
        keys: list[str] = []
        counts: list[int] = []
        sizes: list[int] = []
        for text in texts:
            counted = Counter(self.analyzer(text))
            keys.extend(counted)
            counts.extend(counted.values())
            sizes.append(len(counted))
        index = np.fromiter(
            map(self.vocabulary.get, keys, repeat(-1)), dtype=np.int64, count=len(keys)
        )
        doc = np.repeat(np.arange(len(texts)), sizes)
        known = index >= 0
        index, doc = index[known], doc[known]
        weight = (1.0 + np.log(np.asarray(counts, dtype=np.float64)[known])) * self.idf[index]
        norm = np.sqrt(np.bincount(doc, weight * weight, minlength=len(texts)))
        dot = np.bincount(doc, weight * self.coef[index], minlength=len(texts))
        return np.divide(dot, norm, out=np.zeros(len(texts)), where=norm > 0)


@dataclass(slots=True)
class TfidfModel:
    """A trained n-gram logistic regression; ``raw_scores`` are logits, combined over sections."""

    blocks: list[FeatureBlock]
    intercept: float
    section_words: int = 0
    calibration: PlattScaling = field(default_factory=PlattScaling)
    meta: dict[str, Any] = field(default_factory=dict)

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Logits; with ``section_words`` long texts are scored in sections, logits averaged."""
        if not texts:
            return np.zeros(0)
        owner = np.arange(len(texts))
        parts = list(texts)
        if self.section_words:
            pieces = [split_sections(t, self.section_words) for t in texts]
            owner = np.repeat(owner, [len(p) for p in pieces])
            parts = [piece for p in pieces for piece in p]
        logits = self.intercept + sum(block.decisions(parts) for block in self.blocks)
        return np.bincount(owner, logits, minlength=len(texts)) / np.bincount(
            owner, minlength=len(texts)
        )

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.calibration(self.raw_scores(texts))

    # ------------------------------------------------------------ persistence (no pickle)

    def save(self, directory: str | Path) -> Path:
        from safetensors.numpy import save_file

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        tensors: dict[str, np.ndarray] = {"intercept": np.array([self.intercept], dtype=np.float64)}
        vocabularies = []
        for i, block in enumerate(self.blocks):
            tensors[f"block{i}.idf"] = block.idf.astype(np.float32)
            tensors[f"block{i}.coef"] = block.coef.astype(np.float32)
            ordered = [""] * len(block.vocabulary)
            for feature, index in block.vocabulary.items():
                ordered[index] = feature
            vocabularies.append(ordered)
        save_file(tensors, str(out / "weights.safetensors"))
        (out / "vocabulary.json").write_text(
            json.dumps(vocabularies, ensure_ascii=False), encoding="utf-8"
        )
        lexicon = self.meta.get("_lexicon")
        if lexicon is not None:
            (out / "lexicon.json").write_text(json.dumps(lexicon.to_dict()), encoding="utf-8")
        config = {
            "format": FORMAT,
            "blocks": [b.config for b in self.blocks],
            "section_words": self.section_words,
            "calibration": self.calibration.to_dict(),
            **{k: v for k, v in self.meta.items() if not k.startswith("_")},
        }
        (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> TfidfModel:
        from safetensors.numpy import load_file

        path = Path(directory)
        config_file = path / "config.json"
        if not config_file.exists():
            raise FileNotFoundError(f"{path}: not a TF-IDF model directory (no config.json)")
        config = json.loads(config_file.read_text(encoding="utf-8"))
        if config.get("format") != FORMAT:
            raise ValueError(f"{config_file}: format {config.get('format')!r}, expected {FORMAT!r}")
        tensors = load_file(str(path / "weights.safetensors"))
        vocabularies = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
        lexicon = None
        if (path / "lexicon.json").exists():
            lexicon = FrequencyLexicon.from_dict(
                json.loads((path / "lexicon.json").read_text("utf-8"))
            )
        blocks = []
        for i, block_config in enumerate(config["blocks"]):
            blocks.append(
                FeatureBlock(
                    config=block_config,
                    vocabulary={feature: j for j, feature in enumerate(vocabularies[i])},
                    idf=tensors[f"block{i}.idf"].astype(np.float64),
                    coef=tensors[f"block{i}.coef"].astype(np.float64),
                    analyzer=make_analyzer(block_config, lexicon),
                )
            )
        meta = {
            k: v
            for k, v in config.items()
            if k not in {"format", "blocks", "section_words", "calibration"}
        }
        meta["_lexicon"] = lexicon
        return cls(
            blocks=blocks,
            intercept=float(tensors["intercept"][0]),
            section_words=int(config.get("section_words", 0)),
            calibration=PlattScaling.from_dict(config["calibration"]),
            meta=meta,
        )


class TfidfDetector:
    """TF-IDF n-gram logistic regression (the report's baseline), from a saved model directory."""

    def __init__(self, name: str, path: str):
        self.name = name
        resolved = resolve_model_path(path)
        self.model = TfidfModel.load(resolved)
        self.path = resolved
        self.version = str(self.model.meta.get("version", "1"))
        self.default_threshold = self.model.meta.get("thresholds", {}).get("0.01")

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.probabilities([t.strip() for t in texts])

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.raw_scores([t.strip() for t in texts])


@detectors.register("tfidf", defaults={"path": "models/tfidf"})
def make_tfidf(path: str) -> TfidfDetector:
    """Logistic regression on TF-IDF word unigrams+bigrams (the report's simple classifier)."""
    return TfidfDetector("tfidf", path)


@detectors.register("tfidf_char", defaults={"path": "models/tfidf-char"})
def make_tfidf_char(path: str) -> TfidfDetector:
    """The same classifier with character 2-5-grams added: stronger, about 10x slower."""
    return TfidfDetector("tfidf_char", path)
