"""The Detector protocol, its registry, and what every detector shares: devices, paths, sections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from misusewatch.registry import Registry

# The repository root: shipped models live at <root>/models whatever the working directory.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_MODELS = PROJECT_ROOT / "models"


@runtime_checkable
class Detector(Protocol):
    """Scores texts with P(machine-written) in [0, 1], one float per text, in input order.

    ``name`` and ``version`` key the enrichment; bump ``version`` when scores would change.
    Implementations batch internally; callers pass as many texts as they have.
    """

    name: str
    version: str

    def score(self, texts: Sequence[str]) -> np.ndarray: ...


detectors: Registry[Detector] = Registry("detector")


def resolve_model_path(path_or_id: str | Path) -> str:
    """A local directory if one exists (as given, then in ``models/``), else a hub id.

    Relative paths such as ``models/tfidf`` work from any working directory because the
    shipped copy is found beside the package.
    """
    text = str(path_or_id)
    candidate = Path(text).expanduser()
    if candidate.exists():
        return str(candidate)
    for base in (PROJECT_ROOT, SHIPPED_MODELS):
        shipped = base / text
        if shipped.exists():
            return str(shipped)
    return text


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; explicit names pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_dtype_for(device: str, dtype: str = "auto"):
    """bf16 on CUDA (tensor cores, half the memory), fp32 on CPU where bf16 matmuls are slow."""
    import torch

    if dtype != "auto":
        return getattr(torch, dtype)
    return torch.bfloat16 if device.startswith("cuda") else torch.float32


def load_pretrained(auto_class: str, path_or_id: str, device: str = "auto", dtype: str = "auto"):
    """(tokenizer, model in eval mode on its device, device, source) for a ``transformers`` Auto
    class named ``auto_class``, from a local directory or a hub id."""
    import transformers

    device = resolve_device(device)
    source = resolve_model_path(path_or_id)
    tokenizer = transformers.AutoTokenizer.from_pretrained(source)
    model = getattr(transformers, auto_class).from_pretrained(source, dtype=torch_dtype_for(device, dtype))
    model.to(device).eval()
    return tokenizer, model, device, source


_WORDS = re.compile(r"\S+\s*")


def split_sections(text: str, max_words: int) -> list[str]:
    """Cut a long text into consecutive sections of at most ``max_words`` words.

    The report found that scoring long documents in sections and combining the scores
    works better than truncating; a short trailing piece is merged into the one before it
    so no section is a scrap that carries no signal.
    """
    words = _WORDS.findall(text.strip())
    if len(words) <= max_words:
        return [text.strip()]
    sections = ["".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]
    if len(sections) > 1 and len(_WORDS.findall(sections[-1])) < max_words // 4:
        tail = sections.pop()  # popped first: ``s[-2] += s.pop()`` indexes before the pop
        sections[-1] += tail
    return sections


def length_sorted_batches(lengths: Sequence[int], max_tokens: int, max_batch: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, each within a padded-token budget.

    Sorting by length means a batch is padded only to its own longest member, so almost
    no compute goes to padding; the budget keeps memory flat across short and long posts.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        longest = lengths[current[0]] if current else lengths[index]
        if current and (len(current) + 1) * longest > max_tokens or len(current) >= max_batch:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def padded_batches(sequences: Sequence[Sequence[int]], pad: int, max_tokens: int, max_batch: int, device: Any):
    """(indices, input ids, attention mask) per length-sorted batch, on ``device``.

    Each batch is padded only to its own longest sequence (see length_sorted_batches).
    """
    import torch

    for batch in length_sorted_batches([len(s) for s in sequences], max_tokens, max_batch):
        width = max(len(sequences[i]) for i in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, : len(sequences[i])] = torch.tensor(sequences[i])
            mask[row, : len(sequences[i])] = 1
        yield batch, ids.to(device), mask.to(device)
