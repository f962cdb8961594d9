"""Training the stacked detector: out-of-fold component logits, statistics, trees, calibration."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from enrichment.detectors.evaluation import LabelledSet

# Each component is one logistic regression over these TF-IDF blocks, keeping at most
# ``max_features`` n-grams per block (the bucket n-grams' long tail adds size, not accuracy).
COMPONENTS: dict[str, dict[str, Any]] = {
    "word_band": {
        "blocks": [{"kind": "word", "ngram": [1, 2]}, {"kind": "band", "ngram": [1, 3]}],
        "max_features": 100_000,
    },
    "zipf": {"blocks": [{"kind": "zipf", "ngram": [1, 4]}], "max_features": 50_000},
    "bpe": {"blocks": [{"kind": "bpe", "ngram": [1, 4]}], "max_features": 50_000},
}
TREE_SETTINGS = {"max_iter": 300, "learning_rate": 0.05}


def train_stacked(
    data: LabelledSet,
    out: str | Path,
    *,
    folds: int = 4,
    c: float = 30.0,
    min_words: int = 30,
    max_words: int = 200,
    dropout: float = 0.0,
    long_words: int = 150,
    long_weight: float = 3.0,
    valid_fraction: float = 0.2,
    seed: int = 0,
    bpe: str | Path | None = None,
    name: str = "stacked",
) -> dict[str, Any]:
    """Fit, calibrate on a held-out validation split, save without pickle; returns the config.

    The trees must learn how far to trust each component on texts it has not seen, so they
    are trained on out-of-fold logits (each component refitted ``folds`` times, each time
    without one fold); the saved components are then fitted on all training texts.
    Documents of ``long_words`` or more words weigh ``long_weight`` in the trees' loss, so
    the few long documents are not drowned by the many short ones.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    from enrichment.detectors.docstats import document_statistics
    from enrichment.detectors.stacked import StackedModel
    from enrichment.detectors.training import augment, calibrate_and_save, fit_blocks, text_resources
    from enrichment.detectors.trees import TreeEnsemble

    train_set, valid_set = data.split(valid_fraction, seed)
    texts, labels = train_set.texts, np.asarray(train_set.labels)
    resources = text_resources([{"kind": "stats"}], train_set.human, bpe=bpe)
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, folds, len(texts))

    def fit(indices: np.ndarray, spec: dict[str, Any]):
        subset = LabelledSet(
            "fold",
            [texts[i] for i in indices if labels[i] == 0],
            [texts[i] for i in indices if labels[i] == 1],
        )
        pieces, piece_labels = augment(subset, rng, min_words, max_words, dropout)
        return fit_blocks(
            pieces, piece_labels, spec["blocks"], resources, c, max_features=spec["max_features"]
        )

    out_of_fold = np.zeros((len(texts), len(COMPONENTS)))
    components = {}
    steps = tqdm(total=len(COMPONENTS) * (folds + 1), desc="components", file=sys.stderr)
    for column, (component, spec) in enumerate(COMPONENTS.items()):
        for k in range(folds):
            held = np.flatnonzero(fold == k)
            model = fit(np.flatnonzero(fold != k), spec)
            out_of_fold[held, column] = model.raw_scores([texts[i] for i in held])
            steps.update()
        components[component] = fit(np.arange(len(texts)), spec)
        steps.update()
    steps.close()

    print("document statistics and trees ...", file=sys.stderr)
    features = np.column_stack([out_of_fold, document_statistics(texts, resources)])
    words = np.array([len(t.split()) for t in texts])
    weight = np.where(words >= long_words, long_weight, 1.0)
    classifier = HistGradientBoostingClassifier(**TREE_SETTINGS, random_state=seed)
    classifier.fit(features, labels, sample_weight=weight)

    model = StackedModel(components, TreeEnsemble.from_sklearn(classifier), resources)
    training = {
        "components": COMPONENTS,
        "trees": TREE_SETTINGS,
        "folds": folds,
        "C": c,
        "section_words_range": [min_words, max_words],
        "token_dropout": dropout,
        "long_document": {"words": long_words, "weight": long_weight},
        "bpe": str(bpe) if bpe else "trained on the human training texts (8000 pieces)",
    }
    version = f"stacked-{'-'.join(COMPONENTS)}-seed{seed}"
    return calibrate_and_save(model, name, version, training, train_set, valid_set, seed, out)
