"""Tiny GPT-2 / RoBERTa models the tests build and save locally (nothing is downloaded)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO.parent / "shared" / "data"
GPT2_VOCAB = SHARED_DATA / "gpt2-vocab"


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character table (the base alphabet of byte-level BPE)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars), strict=True))


def bpe_files(directory: Path) -> Path:
    """vocab.json + merges.txt: the real GPT-2 files when ../shared has them, else bytes only."""
    directory.mkdir(parents=True, exist_ok=True)
    if GPT2_VOCAB.is_dir():
        vocab = json.loads((GPT2_VOCAB / "vocab.json").read_text(encoding="utf-8"))
        merges = (GPT2_VOCAB / "merges.txt").read_text(encoding="utf-8")
    else:
        vocab = {ch: i for i, ch in enumerate(_bytes_to_unicode().values())}
        vocab["<|endoftext|>"] = len(vocab)
        merges = "#version: 0.2\n"
    (directory / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (directory / "merges.txt").write_text(merges, encoding="utf-8")
    return directory


def tiny_gpt2(directory: Path, seed: int = 0) -> Path:
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    torch.manual_seed(seed)
    tokenizer = GPT2TokenizerFast.from_pretrained(str(bpe_files(directory / "bpe")))
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=128, n_embd=32, n_layer=2, n_head=2)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    return directory


def tiny_roberta(directory: Path, id2label: dict[int, str], seed: int = 0) -> Path:
    import torch
    from transformers import RobertaConfig, RobertaForSequenceClassification, RobertaTokenizerFast

    torch.manual_seed(seed)
    from enrichment.detectors.roberta_training import roberta_layout

    bpe = roberta_layout(bpe_files(directory / "bpe"), directory / "roberta-bpe")
    tokenizer = RobertaTokenizerFast.from_pretrained(str(bpe))
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=130,
        num_labels=2,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
        pad_token_id=tokenizer.pad_token_id,
    )
    RobertaForSequenceClassification(config).save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    return directory
