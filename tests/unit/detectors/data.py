"""A small synthetic labelled set: 'machine' texts repeat stock phrases, 'human' ones vary."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

HUMAN_WORDS = (
    "river walk quietly yesterday neighbour wrote letter garden coffee train late "
    "strange window market bicycle winter morning aunt recipe broken chair"
).split()
MACHINE_PHRASES = (
    "in addition to the",
    "it is important to",
    "as well as the",
    "one of the most",
    "according to the report",
    "the fact that the",
)


def synthetic(n: int = 60, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    human, machine = [], []
    for _ in range(n):
        words = rng.choice(HUMAN_WORDS, size=int(rng.integers(40, 90)))
        human.append(
            "The "
            + " and the ".join(" ".join(words[i : i + 4]) for i in range(0, len(words), 4))
            + "."
        )
        parts = [
            str(rng.choice(MACHINE_PHRASES)) + " " + " ".join(rng.choice(HUMAN_WORDS, size=3))
            for _ in range(12)
        ]
        machine.append("The " + ", ".join(parts) + ".")
    return human, machine


def write_jsonl(path: Path, texts: list[str], **extra) -> Path:
    path.write_text(
        "".join(json.dumps({"text": t, **extra}) + "\n" for t in texts), encoding="utf-8"
    )
    return path


def assert_safe_model_files(directory: Path) -> None:
    """Every file of a model directory is JSON or safetensors, and loads as such (no pickle)."""
    from safetensors.numpy import load_file

    for path in Path(directory).rglob("*"):
        if path.is_dir() or path.name == "README.md":  # the model card
            continue
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".safetensors":
            load_file(str(path))
        else:
            raise AssertionError(f"{path}: neither JSON nor safetensors")
