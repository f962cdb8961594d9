"""Fine-tuned classifier: a RoBERTa sequence classifier (OpenAI's GPT-2 output detector recipe)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from enrichment.calibration import PlattScaling
from enrichment.detectors.base import (
    detectors,
    load_pretrained,
    padded_batches,
)

MACHINE_NAMES = ("fake", "machine", "generated", "ai", "gpt", "synthetic")
HUMAN_NAMES = ("real", "human", "original")
CALIBRATION_FILE = "misusewatch.json"


def machine_label_index(id2label: Mapping[int | str, str]) -> int:
    """Which output is "machine-written", read from the checkpoint's label names.

    OpenAI's ``roberta-base-openai-detector`` says ``{0: "Fake", 1: "Real"}``; our own training
    writes ``{0: "human", 1: "machine"}``. Generic ``LABEL_0/LABEL_1`` means index 1, the
    usual positive class. Anything else is refused rather than guessed.
    """
    names = {int(k): str(v).strip().lower() for k, v in id2label.items()}
    machine = [i for i, n in names.items() if n in MACHINE_NAMES]
    if len(machine) == 1:
        return machine[0]
    human = [i for i, n in names.items() if n in HUMAN_NAMES]
    if len(names) == 2 and len(human) == 1:
        return next(i for i in names if i != human[0])
    if sorted(names.values()) == ["label_0", "label_1"]:
        return 1
    raise ValueError(f"cannot tell which label means machine-written from id2label={names}")


def with_special_tokens(tokenizer, ids: list[int]) -> list[int]:
    """``<s> ids </s>``: RoBERTa's single-sequence layout (cls/sep around the tokens)."""
    cls = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    sep = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    return [cls, *ids, sep]


@lru_cache(maxsize=4)
def load_classifier(path_or_id: str, device: str = "auto", dtype: str = "auto"):
    """(tokenizer, model, device, source) of a sequence classifier, cached per process."""
    return load_pretrained("AutoModelForSequenceClassification", path_or_id, device, dtype)


class RobertaDetector:
    """Sequence-classifier P(machine); long texts scored in token sections, log-odds averaged."""

    def __init__(
        self,
        name: str,
        model: str,
        device: str = "auto",
        dtype: str = "auto",
        max_tokens: int = 512,
        batch_tokens: int = 16384,
        calibration: str = "",
    ):
        self.name = name
        self.tokenizer, self.model, self.device, source = load_classifier(model, device, dtype)
        self.machine_index = machine_label_index(self.model.config.id2label)
        positions = getattr(self.model.config, "max_position_embeddings", max_tokens + 2)
        # RoBERTa's positions start after the padding index, so two are not usable.
        self.max_tokens = min(max_tokens, positions - 2)
        self.batch_tokens = batch_tokens
        self.version = "1"
        self.calibration = PlattScaling(1.0, 0.0, fitted=False)
        self.default_threshold = None
        calibration_path = Path(calibration) if calibration else Path(source) / CALIBRATION_FILE
        if calibration_path.is_file():
            data = json.loads(calibration_path.read_text(encoding="utf-8"))
            self.calibration = PlattScaling.from_dict(data["calibration"])
            self.default_threshold = data.get("thresholds", {}).get("0.01")
            self.version = str(data.get("version", self.version))

    def sections(self, text: str) -> list[list[int]]:
        ids = self.tokenizer(text.strip(), add_special_tokens=False)["input_ids"]
        room = self.max_tokens - 2
        chunks = [ids[i : i + room] for i in range(0, max(len(ids), 1), room)] or [[]]
        return [with_special_tokens(self.tokenizer, chunk) for chunk in chunks]

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Machine-vs-human log-odds per text (mean over its sections)."""
        import torch

        sequences, owner = [], []
        for index, text in enumerate(texts):
            for section in self.sections(text):
                sequences.append(section)
                owner.append(index)
        log_odds = np.zeros(len(sequences))
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for batch, ids, mask in padded_batches(sequences, pad, self.batch_tokens, 256, self.device):
                logits = self.model(input_ids=ids, attention_mask=mask).logits
                logp = torch.log_softmax(logits.float(), dim=-1)
                machine = logp[:, self.machine_index]
                other = torch.logsumexp(
                    torch.cat([logp[:, : self.machine_index], logp[:, self.machine_index + 1 :]], dim=-1),
                    dim=-1,
                )
                log_odds[batch] = (machine - other).cpu().numpy()
        totals = np.zeros(len(texts))
        counts = np.zeros(len(texts))
        np.add.at(totals, owner, log_odds)
        np.add.at(counts, owner, 1)
        return totals / np.maximum(counts, 1)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return self.calibration(self.raw_scores(texts))


@detectors.register(
    "roberta",
    defaults={
        "model": "openai-community/roberta-base-openai-detector",
        "device": "auto",
        "dtype": "auto",
        "max_tokens": 512,
        "batch_tokens": 16384,
        "calibration": "",
    },
)
def make_roberta(**config) -> RobertaDetector:
    """A fine-tuned RoBERTa sequence classifier (label order read from the checkpoint)."""
    return RobertaDetector("roberta", **config)
