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
from itertools import chain, repeat
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import detectors, resolve_model_path, split_sections
from enrichment.detectors.features import _WORD as _TOKEN
from enrichment.detectors.features import TextResources, make_analyzer
from enrichment.detectors.ngrams import NgramIndex, TokenTable, tfidf_dot

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


class BatchScorer:
    """Sum of the blocks' decisions for a batch, on the integer fast path where one exists.

    Word, band and zipf blocks read the same regex tokens, so a batch is tokenised once for
    all of them (``ngrams.TokenTable``); a bpe block maps BPE token ids to bands by array
    lookup; other kinds (characters) use their block's own analyzer.
    """

    def __init__(self, blocks: Sequence[FeatureBlock], resources: TextResources):
        self.slow = [b for b in blocks if b.config["kind"] not in (*TOKEN_TYPERS, "bpe")]
        self.regex = [b for b in blocks if b.config["kind"] in TOKEN_TYPERS]
        self.bpe = [b for b in blocks if b.config["kind"] == "bpe"]
        self.indexes = {id(b): NgramIndex(b.vocabulary, *b.config["ngram"]) for b in blocks}
        typers = [
            TOKEN_TYPERS[b.config["kind"]](self.indexes[id(b)].types, resources)
            for b in self.regex
        ]
        self.tokens = TokenTable(typers)
        self.resources = resources

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        total = np.zeros(len(texts))
        for block in self.slow:
            total += block.decisions(texts)
        if self.regex:
            per_text = list(map(_TOKEN.findall, texts))
            doc = np.repeat(np.arange(len(texts)), list(map(len, per_text)))
            ids = self.tokens.ids(list(chain.from_iterable(per_text)))
            for j, block in enumerate(self.regex):
                total += self._block(block, ids[:, j], doc, len(texts))
        if self.bpe:
            bpe = self.resources.bpe
            if bpe is None:
                raise ValueError("a 'bpe' feature block needs a BPE tokenizer")
            per_text = bpe.ids(texts)
            doc = np.repeat(np.arange(len(texts)), list(map(len, per_text)))
            bands = bpe.band_of_id[np.fromiter(chain.from_iterable(per_text), dtype=np.int64)]
            for block in self.bpe:
                index = self.indexes[id(block)]
                type_of_band = np.array([index.types.get(n, -1) for n in bpe.names], np.int64)
                total += self._block(block, type_of_band[bands], doc, len(texts))
        return total

    def _block(self, block: FeatureBlock, ids: np.ndarray, doc: np.ndarray, n: int) -> np.ndarray:
        index = self.indexes[id(block)]
        keys, docs = index.ngram_keys(ids, doc)
        return tfidf_dot(index.columns_of(keys), docs, n, block.idf, block.coef)


def _word_typer(types: dict[str, int], resources: TextResources):
    return lambda token: types.get(token.lower(), -1)


def _band_typer(types: dict[str, int], resources: TextResources):
    lexicon = resources.lexicon
    if lexicon is None:
        raise ValueError("a 'band' feature block needs a frequency lexicon")
    return lambda token: types.get(lexicon.band(token), -1)


def _zipf_typer(types: dict[str, int], resources: TextResources):
    table = resources.zipf
    if table is None:
        raise ValueError("a 'zipf' feature block needs a Zipf table")
    return lambda token: types.get(table.bucket(token), -1)


# Block kinds whose analyzer is "n-grams over a per-token type of the shared regex tokens".
TOKEN_TYPERS = {"word": _word_typer, "band": _band_typer, "zipf": _zipf_typer}


@dataclass(slots=True)
class TfidfModel:
    """A trained n-gram logistic regression; ``raw_scores`` are logits, combined over sections."""

    blocks: list[FeatureBlock]
    intercept: float
    section_words: int = 0
    calibration: PlattScaling = field(default_factory=PlattScaling)
    meta: dict[str, Any] = field(default_factory=dict)

    _scorer: BatchScorer | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def resources(self) -> TextResources:
        return TextResources.of(self.meta.get("_resources", self.meta.get("_lexicon")))

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
        if self._scorer is None:
            self._scorer = BatchScorer(self.blocks, self.resources)
        logits = self.intercept + self._scorer.decisions(parts)
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
        if self.meta.get("_save_resources", True):
            self.resources.save(out)
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
    def load(cls, directory: str | Path, resources: TextResources | None = None) -> TfidfModel:
        """From a directory; ``resources`` default to the lexicon/tables saved beside it."""
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
        if resources is None:
            resources = TextResources.load(path)
        blocks = []
        for i, block_config in enumerate(config["blocks"]):
            blocks.append(
                FeatureBlock(
                    config=block_config,
                    vocabulary={feature: j for j, feature in enumerate(vocabularies[i])},
                    idf=tensors[f"block{i}.idf"].astype(np.float64),
                    coef=tensors[f"block{i}.coef"].astype(np.float64),
                    analyzer=make_analyzer(block_config, resources),
                )
            )
        meta = {
            k: v
            for k, v in config.items()
            if k not in {"format", "blocks", "section_words", "calibration"}
        }
        meta["_resources"] = resources
        meta["_lexicon"] = resources.lexicon
        return cls(
            blocks=blocks,
            intercept=float(tensors["intercept"][0]),
            section_words=int(config.get("section_words", 0)),
            calibration=PlattScaling.from_dict(config["calibration"]),
            meta=meta,
        )


class SavedModelDetector:
    """A detector whose whole state is a model directory that ``detectors train`` saved."""

    model_class: Any  # loads the directory; gives probabilities, raw_scores and meta

    def __init__(self, name: str, path: str):
        self.name = name
        self.path = resolve_model_path(path)
        self.model = self.model_class.load(self.path)
        self.version = str(self.model.meta.get("version", "1"))
        self.default_threshold = self.model.meta.get("thresholds", {}).get("0.01")

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.probabilities([t.strip() for t in texts])

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.raw_scores([t.strip() for t in texts])


class TfidfDetector(SavedModelDetector):
    """TF-IDF n-gram logistic regression (the report's baseline), from a saved model directory."""

    model_class = TfidfModel


@detectors.register("tfidf", defaults={"path": "models/tfidf"})
def make_tfidf(path: str) -> TfidfDetector:
    """Logistic regression on TF-IDF word unigrams+bigrams (the report's simple classifier)."""
    return TfidfDetector("tfidf", path)


@detectors.register("tfidf_char", defaults={"path": "models/tfidf-char"})
def make_tfidf_char(path: str) -> TfidfDetector:
    """The same classifier with character 2-5-grams added: stronger, about 10x slower."""
    return TfidfDetector("tfidf_char", path)
