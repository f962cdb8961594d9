"""Fine-tuning the RoBERTa detector: from a base or a config."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from enrichment.detectors.evaluation import LabelledSet
from enrichment.detectors.roberta import CALIBRATION_FILE, with_special_tokens
from enrichment.detectors.training import fit_decision_rule
from misusewatch.errors import InputError

# A small encoder for training from scratch when no pretrained base exists (CPU-sized).
SMALL_CONFIG = {
    "num_hidden_layers": 4,
    "hidden_size": 256,
    "num_attention_heads": 4,
    "intermediate_size": 1024,
}


def roberta_layout(bpe_dir: str | Path, out_dir: str | Path) -> Path:
    """GPT-2 BPE files re-laid out the RoBERTa way: ``<s> <pad> </s> <unk>`` first, ``<mask>`` last.

    RoBERTa's position embeddings use the padding id as their padding index, so ``<pad>``
    must have a small id; the byte-level BPE itself is unchanged.
    """
    bpe_dir, out_dir = Path(bpe_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    vocab = json.loads((bpe_dir / "vocab.json").read_text(encoding="utf-8"))
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    ordered = specials + [
        t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if t not in specials
    ]
    layout = {t: i for i, t in enumerate(ordered)}
    layout.setdefault("<mask>", len(layout))
    (out_dir / "vocab.json").write_text(json.dumps(layout), encoding="utf-8")
    (out_dir / "merges.txt").write_text(
        (bpe_dir / "merges.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return out_dir


def _tokenizer(source: str):
    import tempfile

    from transformers import AutoTokenizer, RobertaTokenizerFast

    path = Path(source)
    if path.is_dir() and not (path / "tokenizer_config.json").exists():
        # Bare GPT-2 BPE files (vocab.json + merges.txt): RoBERTa uses the same byte-level BPE.
        with tempfile.TemporaryDirectory() as tmp:
            return RobertaTokenizerFast.from_pretrained(str(roberta_layout(path, tmp)))
    return AutoTokenizer.from_pretrained(source)


def train_roberta(
    data: LabelledSet,
    out: str | Path,
    *,
    base: str = "",
    tokenizer: str = "",
    model_config: dict[str, Any] | None = None,
    epochs: int = 1,
    batch_size: int = 16,
    learning_rate: float = 2e-5,
    max_tokens: int = 256,
    min_tokens: int = 16,
    dropout: float = 0.05,
    valid_fraction: float = 0.2,
    seed: int = 0,
    device: str = "auto",
) -> dict[str, Any]:
    """Fine-tune (or train from ``model_config``) a 2-label classifier, save with safetensors.

    Each step sees a random-length window of each document (``min_tokens``..``max_tokens``)
    with token dropout (ids replaced by ``<mask>``), as in the report's detector recipe.
    """
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        RobertaConfig,
        RobertaForSequenceClassification,
    )

    from enrichment.detectors.base import resolve_device, resolve_model_path
    from enrichment.detectors.roberta import RobertaDetector, load_classifier

    device = resolve_device(device)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    labels_map = {"id2label": {0: "human", 1: "machine"}, "label2id": {"human": 0, "machine": 1}}
    if base:
        source = resolve_model_path(base)
        tok = _tokenizer(tokenizer or source)
        model = AutoModelForSequenceClassification.from_pretrained(
            source, num_labels=2, ignore_mismatched_sizes=True, **labels_map
        )
    else:
        if not tokenizer:
            raise InputError(
                "training without --base needs --tokenizer DIR (vocab.json + merges.txt)"
            )
        tok = _tokenizer(resolve_model_path(tokenizer))
        settings = {**SMALL_CONFIG, **(model_config or {})}
        config = RobertaConfig(
            vocab_size=len(tok),
            max_position_embeddings=max_tokens + 2,
            pad_token_id=tok.pad_token_id,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            num_labels=2,
            **labels_map,
            **settings,
        )
        model = RobertaForSequenceClassification(config)
    model.to(device).train()
    train_set, valid_set = data.split(valid_fraction, seed)
    encoded = [
        tok(t, add_special_tokens=False)["input_ids"]
        for t in tqdm(train_set.texts, desc="tokenise", file=sys.stderr)
    ]
    labels = np.array(train_set.labels)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    room = max_tokens - 2
    steps = epochs * int(np.ceil(len(encoded) / batch_size))
    progress = tqdm(total=steps, desc="train", file=sys.stderr)
    for _ in range(epochs):
        order = rng.permutation(len(encoded))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            rows = []
            for i in batch:
                ids = encoded[i]
                length = int(rng.integers(min(min_tokens, room), room + 1))
                offset = int(rng.integers(0, max(len(ids) - length, 0) + 1))
                window = np.array(ids[offset : offset + length] or [tok.unk_token_id])
                window[rng.random(len(window)) < dropout] = tok.mask_token_id
                rows.append(with_special_tokens(tok, window.tolist()))
            width = max(len(r) for r in rows)
            input_ids = torch.full((len(rows), width), tok.pad_token_id, dtype=torch.long)
            mask = torch.zeros_like(input_ids)
            for r, row in enumerate(rows):
                input_ids[r, : len(row)] = torch.tensor(row)
                mask[r, : len(row)] = 1
            target = torch.tensor(labels[batch], dtype=torch.long)
            loss = model(
                input_ids=input_ids.to(device),
                attention_mask=mask.to(device),
                labels=target.to(device),
            ).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
            progress.update(1)
            progress.set_postfix(loss=f"{loss.item():.3f}")
    progress.close()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    load_classifier.cache_clear()
    detector = RobertaDetector("roberta", str(out), device=device, max_tokens=max_tokens)
    raw = detector.raw_scores(valid_set.texts)
    calibration, thresholds, metrics = fit_decision_rule(
        "roberta", raw, valid_set.labels, valid_set.texts
    )
    result = {
        "detector": "roberta",
        "version": f"roberta-{'base' if base else 'scratch'}-seed{seed}",
        "base": base or None,
        "calibration": calibration.to_dict(),
        "thresholds": thresholds,
        "validation_metrics": metrics,
        "training": {
            "epochs": epochs,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "tokens_range": [min_tokens, max_tokens],
            "token_dropout": dropout,
            "documents": {"human": len(train_set.human), "machine": len(train_set.machine)},
        },
    }
    (out / CALIBRATION_FILE).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    load_classifier.cache_clear()
    return result
