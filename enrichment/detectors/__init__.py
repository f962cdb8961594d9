"""GPT-2 output detectors: one file per detector, each registered by name with a default config."""

from __future__ import annotations

from importlib import import_module

from enrichment.detectors.base import Detector, detectors

# Importing a module registers its detector; a new detector is one file plus one line here.
BUILTIN_MODULES = (
    "tfidf",
    "stacked",
    "logprob",
    "gltr",
    "logrank",
    "fast_detectgpt",
    "roberta",
    "ensemble",
    "adapter",
)
for _module in BUILTIN_MODULES:
    import_module(f"enrichment.detectors.{_module}")

__all__ = ["Detector", "detectors"]
