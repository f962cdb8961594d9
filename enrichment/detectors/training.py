"""Training detectors: data loading, the report's augmentation recipe, TF-IDF and zero-shot fits."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from enrichment.calibration import PlattScaling, Thresholds
from enrichment.detectors.evaluation import LabelledSet, evaluate_scores
from misusewatch.errors import InputError

_WORDS = re.compile(r"\S+\s*")


def read_texts(path: str | Path, field: str = "text") -> list[str]:
    """The ``text`` of every line of a JSONL file; a bad line is an InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=path)
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"not JSON: {exc.msg}", path=path, line=number) from None
            if not isinstance(record, dict) or not isinstance(record.get(field), str):
                raise InputError(
                    f"expected an object with a string {field!r}", path=path, line=number
                )
            texts.append(record[field])
    if not texts:
        raise InputError("no texts in file", path=path)
    return texts


def load_labelled(
    human: Iterable[str | Path], machine: Iterable[str | Path], name: str = ""
) -> LabelledSet:
    human_texts = [t for p in human for t in read_texts(p)]
    machine_texts = [t for p in machine for t in read_texts(p)]
    return LabelledSet(name or "data", human_texts, machine_texts)


def random_sections(
    text: str, rng: np.random.Generator, min_words: int, max_words: int, dropout: float
) -> list[str]:
    """The report's recipe: random-length training sequences, with token (word) dropout.

    Cutting each document into consecutive pieces of random length teaches the classifier
    every length it will meet (forum posts are short), and dropping words at random keeps
    it from leaning on any single n-gram.
    """
    words = _WORDS.findall(text.strip())
    pieces: list[str] = []
    i = 0
    while i < len(words):
        n = int(rng.integers(min_words, max_words + 1))
        piece = words[i : i + n]
        if dropout > 0 and len(piece) > 4:
            keep = rng.random(len(piece)) >= dropout
            piece = [w for w, k in zip(piece, keep, strict=True) if k]
        pieces.append("".join(piece))
        i += n
    return pieces or [text]


def augment(
    data: LabelledSet, rng: np.random.Generator, min_words: int, max_words: int, dropout: float
) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    labels: list[int] = []
    for text, label in tqdm(
        zip(data.texts, data.labels, strict=True),
        total=len(data.labels),
        desc="sections",
        file=sys.stderr,
    ):
        for piece in random_sections(text, rng, min_words, max_words, dropout):
            texts.append(piece)
            labels.append(label)
    return texts, labels


def fit_decision_rule(
    detector: str, raw: np.ndarray, labels: Sequence[int], texts: Sequence[str]
) -> tuple[PlattScaling, dict[str, float], dict[str, Any]]:
    """Platt calibration, thresholds at 1%/0.1% FPR and metrics, all from one validation set."""
    calibration = PlattScaling.fit(raw, labels)
    probabilities = calibration(raw)
    human = probabilities[np.asarray(labels) == 0]
    thresholds = Thresholds.fit(detector, {"*": human}).by_source["*"]
    report = evaluate_scores(detector, "validation", texts, labels, probabilities)
    return calibration, {str(k): v for k, v in thresholds.items()}, report.to_dict()


# ---------------------------------------------------------------- TF-IDF


def text_resources(
    blocks: Sequence[dict[str, Any]], human_texts: Sequence[str], bpe: str | Path | None = None
):
    """The lexicon, Zipf table and BPE tokenizer the feature blocks need, built for training.

    Frequencies come from ``wordfreq``; the BPE tokenizer is learned from the human training
    texts unless ``bpe`` names a directory of GPT-2-format ``vocab.json`` + ``merges.txt``.
    """
    from enrichment.detectors.features import BpeBands, FrequencyLexicon, TextResources, ZipfTable

    kinds = {b["kind"] for b in blocks}
    resources = TextResources()
    if kinds & {"zipf", "stats"}:
        resources.zipf = ZipfTable.from_wordfreq()
        resources.lexicon = resources.zipf.lexicon()
    elif "band" in kinds:
        resources.lexicon = FrequencyLexicon.from_wordfreq()
    if kinds & {"bpe", "stats"}:
        resources.bpe = BpeBands.from_files(bpe) if bpe else BpeBands.train(human_texts)
    return resources


TFIDF_PRESETS: dict[str, list[dict[str, Any]]] = {
    # The report's baseline features, plus the same bigrams over frequency bands.
    "word": [{"kind": "word", "ngram": [1, 2]}],
    "word+band": [{"kind": "word", "ngram": [1, 2]}, {"kind": "band", "ngram": [1, 3]}],
    "word+band+zipf+bpe": [
        {"kind": "word", "ngram": [1, 2]},
        {"kind": "band", "ngram": [1, 3]},
        {"kind": "zipf", "ngram": [1, 4]},
        {"kind": "bpe", "ngram": [1, 4]},
    ],
    "word+band+char": [
        {"kind": "word", "ngram": [1, 2]},
        {"kind": "band", "ngram": [1, 3]},
        {"kind": "char", "ngram": [2, 5]},
    ],
}


def fit_blocks(
    texts: Sequence[str],
    labels: Sequence[int],
    blocks_config: Sequence[dict[str, Any]],
    resources,
    c: float = 30.0,
    min_df: int = 2,
    max_features: int = 100_000,
    sample_weight: Sequence[float] | None = None,
):
    """One logistic regression over the TF-IDF blocks of ``texts``; an uncalibrated TfidfModel."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from enrichment.detectors.features import make_analyzer
    from enrichment.detectors.tfidf import FeatureBlock, TfidfModel

    vectorizers, matrices = [], []
    for block in blocks_config:
        vectorizer = TfidfVectorizer(
            analyzer=make_analyzer(block, resources),
            min_df=min_df,
            sublinear_tf=True,
            max_features=max_features,
            dtype=np.float32,
        )
        matrices.append(vectorizer.fit_transform(texts))
        vectorizers.append(vectorizer)
    classifier = LogisticRegression(C=c, max_iter=5000).fit(
        hstack(matrices).tocsr(), labels, sample_weight=sample_weight
    )
    blocks, offset = [], 0
    for block_config, vectorizer in zip(blocks_config, vectorizers, strict=True):
        size = len(vectorizer.vocabulary_)
        blocks.append(
            FeatureBlock(
                config=dict(block_config),
                vocabulary={k: int(v) for k, v in vectorizer.vocabulary_.items()},
                idf=vectorizer.idf_.astype(np.float64),
                coef=classifier.coef_[0, offset : offset + size].astype(np.float64),
                analyzer=make_analyzer(block_config, resources),
            )
        )
        offset += size
    return TfidfModel(blocks, float(classifier.intercept_[0]), meta={"_resources": resources})


def train_tfidf(
    data: LabelledSet,
    out: str | Path,
    *,
    features: str = "word+band",
    c: float = 30.0,
    min_df: int = 2,
    max_features: int = 100_000,
    min_words: int = 30,
    max_words: int = 200,
    dropout: float = 0.0,
    valid_fraction: float = 0.2,
    seed: int = 0,
    section_words: int = 0,
    name: str = "tfidf",
    bpe: str | Path | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit, calibrate on a held-out validation split, save without pickle; returns the config."""
    if features not in TFIDF_PRESETS:
        raise InputError(f"unknown feature set {features!r} (known: {', '.join(TFIDF_PRESETS)})")
    blocks_config = TFIDF_PRESETS[features]
    rng = np.random.default_rng(seed)
    train_set, valid_set = data.split(valid_fraction, seed)
    texts, labels = augment(train_set, rng, min_words, max_words, dropout)
    resources = text_resources(blocks_config, train_set.human, bpe=bpe)

    model = fit_blocks(texts, labels, blocks_config, resources, c, min_df, max_features)
    model.section_words = section_words
    training = {
        "features": features,
        "C": c,
        "min_df": min_df,
        "max_features": max_features,
        "section_words_range": [min_words, max_words],
        "token_dropout": dropout,
        "sections": len(texts),
    }
    return calibrate_and_save(
        model, name, f"{features}-c{c:g}-seed{seed}", training, train_set, valid_set, seed, out,
        extra_meta={**(extra_meta or {}), "_resources": resources},
    )


def calibrate_and_save(
    model: Any,
    name: str,
    version: str,
    training: dict[str, Any],
    train_set: LabelledSet,
    valid_set: LabelledSet,
    seed: int,
    out: str | Path,
    extra_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit a trained model's decision rule on the validation split, record how it was made
    (``training`` plus the split sizes and seed) and save it; returns its saved config."""
    raw = model.raw_scores(valid_set.texts)
    calibration, thresholds, metrics = fit_decision_rule(name, raw, valid_set.labels, valid_set.texts)
    model.calibration = calibration
    model.meta = {
        "detector": name,
        "version": version,
        "thresholds": thresholds,
        "training": {
            **training,
            "documents": {"human": len(train_set.human), "machine": len(train_set.machine)},
            "validation": {"human": len(valid_set.human), "machine": len(valid_set.machine)},
            "seed": seed,
        },
        "validation_metrics": metrics,
        **(extra_meta or {}),
    }
    model.save(out)
    return json.loads((Path(out) / "config.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- zero-shot: fit the decision rule


def fit_zero_shot(
    name: str,
    data: LabelledSet,
    out: str | Path,
    config: dict[str, Any],
    progress: Callable[[Iterable], Iterable] | None = None,
) -> dict[str, Any]:
    """Zero-shot detectors learn no weights, only how to read their criterion: Platt scaling,
    FPR thresholds and, for GLTR, bucket weights. Written to ``OUT/calibration.json``; point
    the detector's ``calibration`` setting at it.
    """
    from sklearn.linear_model import LogisticRegression

    from enrichment.detectors.base import detectors

    detector = detectors.create(name, config)
    extra: dict[str, Any] = {}
    if name == "gltr":
        features = detector.features(data.texts)
        weights = LogisticRegression(C=10, max_iter=1000).fit(features, data.labels).coef_[0]
        extra["bucket_weights"] = weights.tolist()
        detector.load_extra(extra)
    raw = detector.raw_scores(data.texts)
    calibration, thresholds, metrics = fit_decision_rule(name, raw, data.labels, data.texts)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = {
        "detector": name,
        "model": config.get("model"),
        "calibration": calibration.to_dict(),
        "thresholds": thresholds,
        "extra": extra,
        "metrics_on_fit_set": metrics,
    }
    (out / "calibration.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result
