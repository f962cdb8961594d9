"""The TF-IDF detector: the fast scorer equals scikit-learn, saves without pickle, ships a model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from enrichment.detectors import detectors
from enrichment.detectors.base import SHIPPED_MODELS
from enrichment.detectors.evaluation import LabelledSet, auroc
from enrichment.detectors.features import FrequencyLexicon, make_analyzer
from enrichment.detectors.tfidf import TfidfModel
from enrichment.detectors.training import train_tfidf
from tests.unit.detectors.data import assert_safe_model_files, synthetic


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    human, machine = synthetic(80)
    out = tmp_path_factory.mktemp("tfidf")
    train_tfidf(
        LabelledSet("synthetic", human, machine),
        out,
        features="word+band",
        min_words=10,
        max_words=40,
    )
    return out, human, machine


def test_saved_in_safe_formats_only(trained):
    out, _, _ = trained
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json",
        "lexicon.json",
        "vocabulary.json",
        "weights.safetensors",
    ]
    assert_safe_model_files(out)


def test_fast_scorer_matches_sklearn(trained):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    out, human, machine = trained
    model = TfidfModel.load(out)
    lexicon = model.meta["_lexicon"]
    texts = human[:5] + machine[:5] + ["unseen words entirely xyzzy plugh"]
    columns = []
    for block in model.blocks:
        vectorizer = TfidfVectorizer(
            analyzer=make_analyzer(block.config, lexicon), sublinear_tf=True
        )
        vectorizer.vocabulary_ = block.vocabulary
        vectorizer.idf_ = np.asarray(block.idf)
        columns.append(vectorizer.transform(texts))
    coef = np.concatenate([np.asarray(b.coef) for b in model.blocks])
    expected = hstack(columns).tocsr() @ coef + model.intercept
    np.testing.assert_allclose(model.raw_scores(texts), expected, rtol=1e-5, atol=1e-6)


def test_loaded_detector_separates_the_classes(trained):
    out, _, _ = trained
    detector = detectors.create("tfidf", {"path": str(out)})
    human, machine = synthetic(30, seed=7)
    scores = detector.score(human + machine)
    assert auroc([0] * 30 + [1] * 30, scores) > 0.95
    assert np.all((scores >= 0) & (scores <= 1))


def test_frequency_bands():
    lexicon = FrequencyLexicon(frozenset({"the", "cat"}), frozenset({"aardvark"}))
    assert [lexicon.band(t) for t in ["the", "The", "aardvark", "Aardvark", "Zqx", "42", ","]] == [
        "the",
        "the^",
        "<knownl>",
        "<knownC>",
        "<rareC>",
        "<num>",
        ",",
    ]


@pytest.mark.skipif(
    not (SHIPPED_MODELS / "tfidf" / "config.json").exists(), reason="no shipped model"
)
def test_shipped_model_loads_and_scores():
    detector = detectors.create("tfidf")
    config = json.loads((SHIPPED_MODELS / "tfidf" / "config.json").read_text())
    assert config["calibration"]["fitted"] and "0.01" in config["thresholds"]
    scores = detector.score(["The committee met on Tuesday to discuss the budget.", "x " * 300])
    assert scores.shape == (2,) and np.all((scores > 0) & (scores < 1))
    assert detector.default_threshold == config["thresholds"]["0.01"]
