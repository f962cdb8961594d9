"""The stacked detector: trees equal scikit-learn, statistics equal naive counts, model round-trips."""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from enrichment.detectors import detectors
from enrichment.detectors.base import SHIPPED_MODELS
from enrichment.detectors.docstats import MATTR_WINDOW, NAMES, document_statistics
from enrichment.detectors.evaluation import LabelledSet, auroc
from enrichment.detectors.features import BpeBands, TextResources, ZipfTable
from enrichment.detectors.stacked import StackedModel
from enrichment.detectors.stacked_training import train_stacked
from enrichment.detectors.trees import TreeEnsemble
from tests.unit.detectors.data import assert_safe_model_files, synthetic


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    human, machine = synthetic(80)
    out = tmp_path_factory.mktemp("stacked")
    train_stacked(LabelledSet("synthetic", human, machine), out, min_words=10, max_words=40)
    return out


def test_saved_in_safe_formats_and_separates_the_classes(trained):
    assert_safe_model_files(trained)
    assert sorted(p.name for p in (trained / "components").iterdir()) == ["bpe", "word_band", "zipf"]
    detector = detectors.create("stacked", {"path": str(trained)})
    human, machine = synthetic(30, seed=7)
    scores = detector.score(human + machine)
    assert auroc([0] * 30 + [1] * 30, scores) > 0.95
    assert np.all((scores >= 0) & (scores <= 1))


def test_trees_are_fed_component_logits_then_statistics(trained):
    model = StackedModel.load(trained)
    texts = synthetic(3, seed=3)[0]
    features = model.features(texts)
    for column, component in enumerate(model.components.values()):
        np.testing.assert_allclose(features[:, column], component.raw_scores(texts))
    np.testing.assert_allclose(features[:, len(model.components) :], document_statistics(texts, model.resources))
    np.testing.assert_allclose(model.raw_scores(texts), model.trees.decision_function(features))


def test_exported_trees_equal_sklearn_with_missing_values(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 6))
    y = (x[:, 0] * x[:, 1] + x[:, 2] > 0).astype(int)
    x[rng.random(x.shape) < 0.05] = np.nan
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(x, y)
    TreeEnsemble.from_sklearn(model).save(tmp_path / "trees.safetensors")
    trees = TreeEnsemble.load(tmp_path / "trees.safetensors")
    test = rng.normal(size=(300, 6))
    test[rng.random(test.shape) < 0.1] = np.nan
    np.testing.assert_allclose(trees.decision_function(test), model.decision_function(test))


@pytest.fixture(scope="module")
def resources():
    zipf = ZipfTable({"the": 7.7, "cat": 4.9, "sat": 4.2, "zebra": 3.6, "quokka": 2.1})
    bpe = BpeBands.train(["the cat sat on the mat"] * 10, vocab_size=280)
    return TextResources(lexicon=zipf.lexicon(), zipf=zipf, bpe=bpe)


def _stat(text, resources, name):
    return document_statistics([text], resources)[0, NAMES.index(name)]


def test_statistics_against_naive_counts(resources):
    text = "The cat sat. The cat sat. A quokka met a zebra and a quokka.\n\nThe end."
    words = [w.lower().strip(".") for w in text.split()]
    grams = list(zip(words, words[1:], strict=False))
    repeated = sum(1 for i, g in enumerate(grams) if g in grams[:i]) / len(grams)
    assert _stat(text, resources, "repeated_word_2grams") == pytest.approx(repeated)
    rare = [w for w in words if resources.zipf(w) < 3.0]  # a, quokka, met, a, and, a, quokka, end
    new = len(set(rare))
    assert _stat(text, resources, "new_rare_words") == pytest.approx(new / len(words))
    assert _stat(text, resources, "repeated_rare_share") == pytest.approx((len(rare) - new) / len(rare))
    assert _stat(text, resources, "zlib_ratio") == pytest.approx(len(zlib.compress(text.encode())) / len(text.encode()))
    # sentences: "The cat sat." twice, then two more distinct ones
    assert _stat(text, resources, "duplicate_sentences") == pytest.approx(1 / 4)
    assert _stat(text, resources, "zipf_mean") == pytest.approx(np.mean([resources.zipf(w) for w in words]))
    assert np.exp(_stat(text, resources, "log_words")) == pytest.approx(len(words))
    ids = resources.bpe.tokenizer.encode(text).ids
    assert _stat(text, resources, "bpe_logid_mean") == pytest.approx(np.log2(np.array(ids) + 1).mean())


def test_moving_type_token_ratio_against_every_window(resources):
    rng = np.random.default_rng(1)
    vocabulary = [a + b for a in "abcdefg" for b in "hijklmn"]
    tokens = [str(w) for w in rng.choice(vocabulary, size=130)]
    windows = [tokens[i : i + MATTR_WINDOW] for i in range(len(tokens) - MATTR_WINDOW + 1)]
    naive = np.mean([len(set(w)) / MATTR_WINDOW for w in windows])
    assert _stat(" ".join(tokens), resources, "moving_type_token_ratio") == pytest.approx(naive)


def test_statistics_of_empty_and_odd_texts_are_finite(resources):
    stats = document_statistics(["", "!!!", "42", "Ünïcödé ДОБРЫЙ"], resources)
    assert stats.shape == (4, len(NAMES)) and np.isfinite(stats).all()


@pytest.mark.skipif(not (SHIPPED_MODELS / "stacked" / "config.json").exists(), reason="no shipped model")
def test_shipped_model_loads_and_scores_without_shared_data():
    detector = detectors.create("stacked")
    config = json.loads((SHIPPED_MODELS / "stacked" / "config.json").read_text())
    assert config["calibration"]["fitted"] and "0.01" in config["thresholds"]
    assert_safe_model_files(SHIPPED_MODELS / "stacked")
    scores = detector.score(["The committee met on Tuesday to discuss the budget.", "x " * 300])
    assert scores.shape == (2,) and np.all((scores > 0) & (scores < 1))
    assert detector.default_threshold == config["thresholds"]["0.01"]


def test_cli_trains_stacked_and_detect_uses_it_by_default(tmp_path):
    from click.testing import CliRunner

    from misusewatch.cli import cli
    from tests.unit.detectors.data import write_jsonl

    human, machine = synthetic(60)
    model = tmp_path / "model"
    args = ["detectors", "train", "stacked", "--out", str(model)]
    args += ["--human", str(write_jsonl(tmp_path / "h.jsonl", human))]
    args += ["--machine", str(write_jsonl(tmp_path / "m.jsonl", machine))]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "AUROC" in result.output and (model / "trees.safetensors").exists()

    config = tmp_path / "misusewatch.toml"
    config.write_text(f'[detectors.stacked]\npath = "{model}"\n', encoding="utf-8")
    h2, m2 = synthetic(2, seed=5)
    posts = write_jsonl(tmp_path / "posts.jsonl", h2 + m2)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        cli, ["--config", str(config), "detect", "--input", str(posts), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["detector"] for r in rows] == ["stacked"] * 4
    assert [r["label"] for r in rows] == ["human", "human", "machine", "machine"]
