"""Hostile text made safe to show: escaped HTML we build ourselves, markdown-escaped labels, safe links."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

# Colours for the tagger's evidence kinds (enrichment/rules.py), grouped so a legend stays short.
KIND_COLOURS = {
    "category": "#ffd8a8", "misuse": "#ffd8a8", "evasion": "#ffec99",
    "discussion": "#ffc9c9", "plan": "#ffc9c9", "code": "#ffc9c9", "deployment": "#ffc9c9",
    "target": "#a5d8ff",
    "model": "#d0bfff", "model_size": "#d0bfff", "lm_term": "#d0bfff", "tool": "#d0bfff",
    "skill": "#b2f2bb", "resource": "#fcc2d7", "discounted": "#dee2e6",
}
DEFAULT_COLOUR = "#e9ecef"
# GLTR's buckets by 1-based rank: top 10, top 100, top 1000, beyond (Gehrmann et al., 2019).
GLTR_BUCKETS = ((10, "#b2f2bb", "top 10"), (100, "#ffec99", "top 100"), (1000, "#ffc9c9", "top 1000"),
                (None, "#d0bfff", "beyond 1000"))

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&>])")


def escape_markdown(text: str) -> str:
    """Backslash-escape everything markdown (and Streamlit's :colour[...] syntax) could act on."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text or "")


def safe_url(url: str | None) -> str | None:
    """The URL if it is plain http(s), else None: no javascript:, data: or odd schemes become links."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str
    title: str = ""


def evidence_items(data: dict) -> list[dict]:
    """Every highlightable item in a tagger result: evidence, targets, skill and resource markers.

    Targets carry their own kind (org, domain...); they are grouped as "target" for colouring.
    """
    items = [i for i in data.get("evidence") or () if isinstance(i, dict)]
    items += [{**t, "kind": "target", "value": f"{t.get('kind', '')}: {t.get('value', '')}"}
              for t in data.get("targets") or () if isinstance(t, dict)]
    for key in ("skill_markers", "resource_markers"):
        items += [i for i in data.get(key) or () if isinstance(i, dict)]
    return items


def spans_from_evidence(text: str, evidence: Iterable[dict]) -> list[Span]:
    """Evidence items -> valid, non-overlapping spans (the longest at a position wins), in order.

    Offsets come from another process; anything out of range or not an int is dropped rather
    than trusted.
    """
    spans = []
    for item in evidence or ():
        if not isinstance(item, dict):
            continue
        start, end = item.get("start"), item.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            continue
        kind = str(item.get("kind") or "evidence")
        title = " · ".join(str(item[k]) for k in ("kind", "value", "rule") if item.get(k) not in (None, ""))
        spans.append(Span(start, end, kind, title))
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    chosen: list[Span] = []
    for span in spans:
        if not chosen or span.start >= chosen[-1].end:
            chosen.append(span)
    return chosen


def highlight_html(text: str, spans: Sequence[Span]) -> str:
    """Post text as escaped HTML with ``<mark>`` around evidence spans; no byte of it is markup."""
    out, pos = [], 0
    for span in spans:
        out.append(html.escape(text[pos:span.start]))
        colour = KIND_COLOURS.get(span.kind, DEFAULT_COLOUR)
        out.append(f'<mark style="background:{colour}" title="{html.escape(span.title, quote=True)}">'
                   f"{html.escape(text[span.start:span.end])}</mark>")
        pos = span.end
    out.append(html.escape(text[pos:]))
    return f'<div class="mw-post" style="white-space:pre-wrap;font-family:inherit">{"".join(out)}</div>'


def legend_html(kinds: Iterable[str]) -> str:
    items = [f'<mark style="background:{KIND_COLOURS.get(k, DEFAULT_COLOUR)}">{html.escape(k)}</mark>'
             for k in sorted(set(kinds))]
    return f'<div class="mw-legend">{" ".join(items)}</div>' if items else ""


def gltr_bucket(rank: int) -> tuple[str, str]:
    for limit, colour, name in GLTR_BUCKETS:
        if limit is None or rank <= limit:
            return colour, name
    raise AssertionError("unreachable")


def gltr_html(tokens: Iterable[tuple[str, int]]) -> str:
    """GLTR colouring: each token's background says how highly the LM ranked it (escaped text)."""
    out = []
    for token, rank in tokens:
        colour, name = gltr_bucket(int(rank))
        out.append(f'<span style="background:{colour}" title="rank {int(rank)} ({name})">'
                   f"{html.escape(str(token))}</span>")
    legend = " ".join(f'<span style="background:{c}">{html.escape(n)}</span>' for _, c, n in GLTR_BUCKETS)
    return (f'<div class="mw-gltr" style="white-space:pre-wrap">{"".join(out)}</div>'
            f'<div class="mw-legend">{legend}</div>')


def excerpt(text: str, length: int = 140) -> str:
    """One line of plain text for tables (tables show text as text; this only shortens it)."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
