"""Targets of misuse: platforms, organisations, domains and handles named where the misuse is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from enrichment.context import Context
from enrichment.lexicon import Hit

TARGET_LABELS = ("PLATFORM", "DOMAIN", "HANDLE")
ENTITY_LABELS = frozenset({"ORG"})
# Hits that name the tools of misuse, never its target (NER often calls GPT-2 an ORG).
TOOL_LABELS = frozenset({"MODEL", "MODEL_SIZE", "LM_TERM", "TOOL", "CODE", "SKILL"})
NOT_TARGETS = frozenset(
    """openai open ai google colab colab hugging face huggingface github gitlab pastebin kaggle
    allen institute ai2 allenai anthropic salesforce nvidia pytorch tensorflow keras gpt gpt-2 gpt2
    gpt-3 chatgpt llama grover ctrl ai api apis dm pm btc eth lol lmao vram gpu gpus cuda tpu
    quillbot gptzero turnitin originality.ai openai.com huggingface.co colab.research.google.com
    github.com gitlab.com pastebin.com rentry.co mega.nz op mods jannies""".split()
)


def find_targets(
    text: str,
    hits: Sequence[Hit],
    ctx: Context,
    focus_sentences: Iterable[int],
    entities: Iterable[tuple[str, int, int]] = (),
) -> list[dict[str, Any]]:
    """Targets named in the focus sentences (where misuse or a trigger is).

    ``entities`` are (label, start, end) from NER; only ORG is kept, and never a span that
    overlaps a model, tool or code match.
    """
    focus = set(focus_sentences)
    if not focus:
        return []
    tool_spans = [(h.start, h.end) for h in hits if h.label in TOOL_LABELS]

    def usable(start: int, end: int) -> bool:
        if ctx.sentence_of(start) not in focus:
            return False
        return not any(s < end and start < e for s, e in tool_spans)

    found: dict[tuple[str, str], dict[str, Any]] = {}
    for h in hits:
        if h.label not in TARGET_LABELS or not usable(h.start, h.end):
            continue
        surface = text[h.start : h.end]
        kind = {"PLATFORM": "platform", "DOMAIN": "domain", "HANDLE": "handle"}[h.label]
        value = _domain(surface) if kind == "domain" else h.value if h.value != "handle" else surface
        if kind == "platform" and h.rule == "target.subreddit":
            kind, value = "subreddit", surface.lstrip("/").lower()
        if value.lower() in NOT_TARGETS:
            continue
        found.setdefault((kind, value.lower()), _target(kind, value, surface, h.start, h.end, h.rule))
    platform_names = {v for (k, v) in found if k == "platform"}
    for label, start, end in entities:
        surface = text[start:end]
        name = surface.strip().removeprefix("the ").removeprefix("The ")
        if label not in ENTITY_LABELS or not usable(start, end) or name.lower() in NOT_TARGETS:
            continue
        if name.lower() in platform_names or len(name) < 2:
            continue
        found.setdefault(("org", name.lower()), _target("org", name, surface, start, end, "ner:ORG"))
    return sorted(found.values(), key=lambda t: t["start"])


def _domain(surface: str) -> str:
    host = surface.lower().split("://")[-1]
    return host.removeprefix("www.").split("/")[0]


def _target(kind: str, value: str, text: str, start: int, end: int, rule: str) -> dict[str, Any]:
    return {"kind": kind, "value": value, "text": text, "start": start, "end": end, "rule": rule}
