"""Per-token statistics under a causal LM (GPT-2), batched by length: zero-shot input.

One forward pass per batch gives, for every token after the first: its log-probability, its
rank in the model's distribution, and the mean and variance of the log-probability under a
sampling model's distribution (the Fast-DetectGPT analytic terms). Batches are sorted by
length under a token budget, so padding is at most a batch's spread; bf16 on CUDA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from enrichment.detectors.base import (
    load_pretrained,
    padded_batches,
)


@dataclass(slots=True)
class TokenStats:
    """Arrays of one text's predicted tokens (the first token has no prediction and is skipped)."""

    token_ids: np.ndarray
    logprob: np.ndarray  # log q(x_t | x_<t)
    rank: np.ndarray  # 1 = the model's top choice
    expected_logprob: np.ndarray  # sum_v p_s(v) log q(v)
    variance_logprob: np.ndarray  # sum_v p_s(v) log q(v)^2 - expected^2


@lru_cache(maxsize=4)
def load_causal_lm(path_or_id: str, device: str = "auto", dtype: str = "auto"):
    """(tokenizer, model, device) from a local directory or a hub id, cached per process."""
    return load_pretrained("AutoModelForCausalLM", path_or_id, device, dtype)[:3]


class CausalLMScorer:
    """Computes TokenStats for texts with a scoring model (and a sampling model)."""

    def __init__(
        self,
        model: str,
        sampling_model: str = "",
        device: str = "auto",
        dtype: str = "auto",
        max_tokens: int = 512,
        batch_tokens: int = 16384,
        max_batch: int = 64,
    ):
        self.tokenizer, self.model, self.device = load_causal_lm(model, device, dtype)
        self.sampler = None
        if sampling_model and sampling_model != model:
            _, self.sampler, _ = load_causal_lm(sampling_model, device, dtype)
        self.max_tokens = min(max_tokens, getattr(self.model.config, "n_positions", max_tokens) or max_tokens)
        # The [batch, tokens, vocab] logits dominate memory: on CPU keep them to ~0.5 GB.
        self.batch_tokens = batch_tokens if self.device.startswith("cuda") else min(batch_tokens, 2048)
        self.max_batch = max_batch

    def encode(self, text: str) -> list[list[int]]:
        """Token ids in sections of at most ``max_tokens``, each led by the BOS/EOS token.

        GPT-2 has no BOS; its ``<|endoftext|>`` serves, so the first real token is predicted too.
        """
        ids = self.tokenizer(text.strip(), add_special_tokens=False)["input_ids"]
        bos = self.tokenizer.bos_token_id
        if bos is None:
            bos = self.tokenizer.eos_token_id
        room = self.max_tokens - (1 if bos is not None else 0)
        sections = [ids[i : i + room] for i in range(0, max(len(ids), 1), room)] or [[]]
        return [([bos] if bos is not None else []) + s for s in sections]

    def stats(self, texts: Sequence[str]) -> list[TokenStats]:
        import torch

        sequences: list[list[int]] = []
        owner: list[int] = []
        for index, text in enumerate(texts):
            for section in self.encode(text):
                sequences.append(section)
                owner.append(index)
        per_sequence: list[tuple[np.ndarray, ...]] = [()] * len(sequences)
        pad = self.tokenizer.pad_token_id
        pad = pad if pad is not None else (self.tokenizer.eos_token_id or 0)
        with torch.inference_mode():
            for batch, ids, mask in padded_batches(sequences, pad, self.batch_tokens, self.max_batch, self.device):
                logits = self.model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
                sample_logits = logits
                if self.sampler is not None:
                    sample_logits = self.sampler(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
                for row, i in enumerate(batch):
                    n = len(sequences[i]) - 1
                    per_sequence[i] = _token_stats(logits[row, :n], sample_logits[row, :n], ids[row, 1 : n + 1])
        merged: list[list[tuple[np.ndarray, ...]]] = [[] for _ in texts]
        for i, index in enumerate(owner):
            merged[index].append(per_sequence[i])
        return [TokenStats(*(np.concatenate([part[k] for part in parts]) for k in range(5))) for parts in merged]


def _token_stats(logits, sample_logits, targets) -> tuple[np.ndarray, ...]:
    """Vectorised per-position statistics for one sequence (tensors of shape [n, vocab])."""
    import torch

    logq = torch.log_softmax(logits, dim=-1)
    target_logq = logq.gather(-1, targets[:, None]).squeeze(-1)
    target_logit = logits.gather(-1, targets[:, None])
    rank = (logits > target_logit).sum(-1) + 1
    p_sample = torch.softmax(sample_logits, dim=-1)
    expected = (p_sample * logq).sum(-1)
    variance = (p_sample * logq.square()).sum(-1) - expected.square()
    return (
        targets.cpu().numpy(),
        target_logq.cpu().numpy().astype(np.float64),
        rank.cpu().numpy(),
        expected.cpu().numpy().astype(np.float64),
        variance.clamp_min(0).cpu().numpy().astype(np.float64),
    )
