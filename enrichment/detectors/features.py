"""Text -> n-gram feature strings for the TF-IDF detectors: words, frequency bands, characters.

One analyzer per feature block is used both to train (as scikit-learn's ``analyzer``) and to
score (by the fast scorer), so the two can never disagree about what a feature is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+|[^\w\s]", re.UNICODE)


def word_tokens(text: str) -> list[str]:
    """Lower-cased words, numbers and single punctuation marks."""
    return [t.lower() for t in _WORD.findall(text)]


@dataclass(slots=True)
class FrequencyLexicon:
    """Which words are common or known in English, so rare words become a shared band token.

    With a few thousand training documents most rare words are seen once and teach nothing;
    mapping them to ``<known>``/``<rare>`` (with a capitalisation mark) lets the classifier
    learn *how* rare vocabulary is used, which is where GPT-2 samples differ from people.
    Built at training time from a word-frequency list and shipped inside the model.
    """

    common: frozenset[str]
    known: frozenset[str]

    def band(self, token: str) -> str:
        if not token[0].isalpha():
            return "<num>" if token[0].isdigit() else token
        lower = token.lower()
        if lower in self.common:
            return lower if token[0].islower() else lower + "^"
        mark = "C" if token[0].isupper() else "l"
        return f"<known{mark}>" if lower in self.known else f"<rare{mark}>"

    def to_dict(self) -> dict[str, list[str]]:
        return {"common": sorted(self.common), "known": sorted(self.known)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[str]]) -> FrequencyLexicon:
        return cls(frozenset(data["common"]), frozenset(data["known"]))

    @classmethod
    def from_wordfreq(cls, common_zipf: float = 3.5, known_zipf: float = 2.0) -> FrequencyLexicon:
        """From the ``wordfreq`` package's English list (shipped in its wheel, no download)."""
        import math

        import wordfreq

        freqs = wordfreq.get_frequency_dict("en")
        zipf = {w: math.log10(f * 1e9) for w, f in freqs.items()}
        return cls(
            frozenset(w for w, z in zipf.items() if z >= common_zipf),
            frozenset(w for w, z in zipf.items() if known_zipf <= z < common_zipf),
        )


def _ngrams(tokens: list[str], low: int, high: int) -> list[str]:
    out = tokens[:] if low <= 1 else []
    if low <= 2 <= high:
        out.extend(map(" ".join, zip(tokens, tokens[1:], strict=False)))
    if low <= 3 <= high:
        out.extend(map(" ".join, zip(tokens, tokens[1:], tokens[2:], strict=False)))
    for n in range(max(low, 4), high + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Characters n-grams inside word boundaries, like scikit-learn's ``char_wb``."""
    out: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def make_analyzer(
    block: Mapping[str, Any], lexicon: FrequencyLexicon | None
) -> Callable[[str], list[str]]:
    """The analyzer for one feature block (kind word|band|char, ngram)."""
    kind = block["kind"]
    low, high = block["ngram"]
    if kind == "word":
        return lambda text: _ngrams(word_tokens(text), low, high)
    if kind == "band":
        if lexicon is None:
            raise ValueError("a 'band' feature block needs a frequency lexicon")
        raw = _WORD.findall
        # Forum text repeats its vocabulary; caching the band per token halves the cost.
        band = lru_cache(maxsize=1 << 18)(lexicon.band)

        def band_analyzer(text: str) -> list[str]:
            return _ngrams(list(map(band, raw(text))), low, high)

        return band_analyzer
    if kind == "char":
        return lambda text: _char_ngrams(text, low, high)
    raise ValueError(f"unknown feature kind {kind!r} (known: word, band, char)")
