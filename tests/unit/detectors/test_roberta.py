"""RoBERTa detector: label order read from the checkpoint, loading, sections, training."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from enrichment.detectors import detectors  # noqa: E402
from enrichment.detectors.evaluation import LabelledSet  # noqa: E402
from enrichment.detectors.roberta import load_classifier, machine_label_index  # noqa: E402
from tests.unit.detectors.data import synthetic  # noqa: E402
from tests.unit.detectors.tiny import bpe_files, tiny_roberta  # noqa: E402


@pytest.mark.parametrize(
    ("id2label", "machine"),
    [
        ({0: "Fake", 1: "Real"}, 0),  # openai-community/roberta-base-openai-detector
        ({"0": "Real", "1": "Fake"}, 1),
        ({0: "human", 1: "machine"}, 1),
        ({0: "LABEL_0", 1: "LABEL_1"}, 1),
        ({0: "Human", 1: "other"}, 1),
    ],
)
def test_machine_label_index(id2label, machine):
    assert machine_label_index(id2label) == machine


def test_unreadable_label_names_are_refused():
    with pytest.raises(ValueError, match="cannot tell"):
        machine_label_index({0: "positive", 1: "negative"})


def test_openai_label_order_is_honoured(tmp_path):
    path = tiny_roberta(tmp_path / "fake-real", {0: "Fake", 1: "Real"})
    detector = detectors.create("roberta", {"model": str(path), "device": "cpu"})
    assert detector.machine_index == 0
    text = "A short post about the weather and the garden."
    tokenizer, model, _, _ = load_classifier(str(path), "cpu")
    with torch.no_grad():
        logits = model(**tokenizer(text, return_tensors="pt")).logits[0]
    expected = torch.softmax(logits.float(), -1)[0].item()  # P("Fake")
    assert detector.score([text])[0] == pytest.approx(expected, abs=1e-5)


def test_long_texts_are_scored_in_sections(tmp_path):
    path = tiny_roberta(tmp_path / "m", {0: "human", 1: "machine"})
    detector = detectors.create("roberta", {"model": str(path), "device": "cpu", "max_tokens": 32})
    long_text = "words that go on and on " * 40
    assert len(detector.sections(long_text)) > 1
    assert all(len(s) <= 32 for s in detector.sections(long_text))
    parts = detector.sections(long_text)
    scores = detector.raw_scores([long_text, "short text"])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    assert len(parts) == -(
        -len(detector.tokenizer(long_text.strip(), add_special_tokens=False)["input_ids"]) // 30
    )


def test_train_from_config_saves_safetensors_and_loads(tmp_path):
    from enrichment.detectors.roberta_training import train_roberta

    human, machine = synthetic(24)
    out = tmp_path / "trained"
    result = train_roberta(
        LabelledSet("synthetic", human, machine),
        out,
        tokenizer=str(bpe_files(tmp_path / "bpe")),
        model_config={
            "num_hidden_layers": 1,
            "hidden_size": 32,
            "num_attention_heads": 2,
            "intermediate_size": 64,
        },
        epochs=2,
        batch_size=8,
        learning_rate=1e-3,
        max_tokens=64,
        device="cpu",
    )
    assert (out / "model.safetensors").exists() and not list(out.glob("*.bin"))
    assert result["calibration"]["fitted"]
    detector = detectors.create("roberta", {"model": str(out), "device": "cpu"})
    assert detector.machine_index == 1 and detector.calibration.fitted
    assert detector.score(human[:3]).shape == (3,)
