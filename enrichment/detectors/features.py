"""Text -> n-gram feature strings for the TF-IDF detectors: words, frequency bands, characters.

Kinds: ``word`` (lower-cased words), ``band`` (rare words replaced by a frequency band),
``zipf`` (every word replaced by its half-Zipf frequency bucket), ``bpe`` (byte-level BPE tokens
replaced by their merge-rank bucket), ``char`` (character n-grams within words).

One analyzer per feature block is used both to train (as scikit-learn's ``analyzer``) and to
score (by the fast scorer), so the two can never disagree about what a feature is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

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


@dataclass(slots=True)
class ZipfTable:
    """Word -> Zipf frequency (log10 per billion words), floored to 0.1; unknown words are 0.

    From ``wordfreq``'s English list at training time (words at Zipf >= 2, about 100k), shipped
    inside the model so scores never change with the installed package.
    """

    zipf: dict[str, float]

    def __call__(self, word: str) -> float:
        return self.zipf.get(word.lower(), 0.0)

    def bucket(self, token: str) -> str:
        """Half-Zipf bucket with a capitalisation mark; numbers and punctuation as themselves."""
        if token[0].isalpha():
            return ("C" if token[0].isupper() else "l") + str(int(2 * self(token)))
        return "<num>" if token[0].isdigit() else token

    def lexicon(self, common_zipf: float = 3.5, known_zipf: float = 2.0) -> FrequencyLexicon:
        return FrequencyLexicon(
            frozenset(w for w, z in self.zipf.items() if z >= common_zipf),
            frozenset(w for w, z in self.zipf.items() if known_zipf <= z < common_zipf),
        )

    def to_dict(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for word, z in sorted(self.zipf.items()):
            grouped.setdefault(f"{z:.1f}", []).append(word)
        return grouped

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[str]]) -> ZipfTable:
        return cls({w: float(z) for z, words in data.items() for w in words})

    @classmethod
    def from_wordfreq(cls, min_zipf: float = 2.0) -> ZipfTable:
        import wordfreq

        table = {}
        for word, freq in wordfreq.get_frequency_dict("en").items():
            z = math.floor(math.log10(freq * 1e9) * 10 + 1e-9) / 10
            if z >= min_zipf:
                table[word] = z
        return cls(table)


class BpeBands:
    """Byte-level BPE tokens -> rarity bands: whether the token starts a word, its case, and
    log2 of its id (BPE ids follow merge order, so a high id is a rare piece of text).

    Top-k sampling never picks a token outside the model's 40 likeliest, so machine text uses
    fewer rare pieces and in different places; n-grams of these bands capture that without
    any vocabulary. The tokenizer is trained by ``detectors train`` on the human training
    texts (or given) and saved with the model as ``tokenizer.json``.
    """

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self._last: tuple[tuple[str, ...], list[list[int]]] = ((), [])
        vocabulary = tokenizer.get_vocab()
        self.names: list[str] = []
        name_index: dict[str, int] = {}
        self.band_of_id = np.zeros(max(vocabulary.values()) + 1, dtype=np.int64)
        for piece, token_id in vocabulary.items():
            name = self._band(piece, token_id)
            self.band_of_id[token_id] = name_index.setdefault(name, len(name_index))
        self.names = list(name_index)

    @staticmethod
    def _band(piece: str, token_id: int) -> str:
        starts = piece.startswith("\u0120")  # byte-level BPE's mark for a leading space
        core = piece[1:] if starts else piece
        case = "C" if core[:1].isupper() else ("a" if core[:1].isalpha() else "o")
        return f"<{'G' if starts else '_'}{case}{int(math.log2(token_id + 1))}>"

    def ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text. The last batch is remembered: the stacked detector's BPE
        component and its document statistics tokenise the same batch one after the other."""
        key = tuple(texts)
        if key != self._last[0]:
            self._last = (key, [e.ids for e in self.tokenizer.encode_batch(list(key))])
        return self._last[1]

    def bands(self, text: str) -> list[str]:
        names = self.names
        return [names[b] for b in self.band_of_id[self.tokenizer.encode(text).ids]]

    def save(self, path: str | Path) -> None:
        self.tokenizer.save(str(path))

    @classmethod
    def load(cls, path: str | Path) -> BpeBands:
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(path)))

    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int = 8000) -> BpeBands:
        """A GPT-2-style byte-level BPE learned from ``texts`` (the human training texts)."""
        from tokenizers import ByteLevelBPETokenizer

        trainer = ByteLevelBPETokenizer()
        trainer.train_from_iterator(
            texts, vocab_size=vocab_size, min_frequency=2, show_progress=False
        )
        return cls(trainer)

    @classmethod
    def from_files(cls, directory: str | Path) -> BpeBands:
        """From GPT-2-format ``vocab.json`` + ``merges.txt`` (e.g. GPT-2's own files)."""
        from tokenizers import ByteLevelBPETokenizer

        directory = Path(directory)
        trainer = ByteLevelBPETokenizer(
            str(directory / "vocab.json"), str(directory / "merges.txt")
        )
        return cls(trainer)


@dataclass(slots=True)
class TextResources:
    """What the analyzers need besides the text; saved beside the model, one file each."""

    lexicon: FrequencyLexicon | None = None
    zipf: ZipfTable | None = None
    bpe: BpeBands | None = None

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        if self.lexicon is not None and self.zipf is None:  # else derived from the Zipf table
            (directory / "lexicon.json").write_text(json.dumps(self.lexicon.to_dict()), "utf-8")
        if self.zipf is not None:
            (directory / "zipf.json").write_text(json.dumps(self.zipf.to_dict()), "utf-8")
        if self.bpe is not None:
            self.bpe.save(directory / "tokenizer.json")

    @classmethod
    def load(cls, directory: str | Path) -> TextResources:
        directory = Path(directory)
        found = cls()
        if (directory / "lexicon.json").exists():
            data = json.loads((directory / "lexicon.json").read_text("utf-8"))
            found.lexicon = FrequencyLexicon.from_dict(data)
        if (directory / "zipf.json").exists():
            found.zipf = ZipfTable.from_dict(json.loads((directory / "zipf.json").read_text("utf-8")))
            if found.lexicon is None:
                found.lexicon = found.zipf.lexicon()
        if (directory / "tokenizer.json").exists():
            found.bpe = BpeBands.load(directory / "tokenizer.json")
        return found

    @classmethod
    def of(cls, value: TextResources | FrequencyLexicon | None) -> TextResources:
        if isinstance(value, TextResources):
            return value
        return cls(lexicon=value)


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
    block: Mapping[str, Any], resources: TextResources | FrequencyLexicon | None
) -> Callable[[str], list[str]]:
    """The analyzer for one feature block (kind word|band|zipf|bpe|char, ngram)."""
    kind = block["kind"]
    low, high = block["ngram"]
    resources = TextResources.of(resources)
    lexicon = resources.lexicon
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
    if kind == "zipf":
        if resources.zipf is None:
            raise ValueError("a 'zipf' feature block needs a Zipf table")
        bucket = lru_cache(maxsize=1 << 18)(resources.zipf.bucket)
        return lambda text: _ngrams(list(map(bucket, _WORD.findall(text))), low, high)
    if kind == "bpe":
        if resources.bpe is None:
            raise ValueError("a 'bpe' feature block needs a BPE tokenizer")
        bands = resources.bpe.bands
        return lambda text: _ngrams(bands(text), low, high)
    if kind == "char":
        return lambda text: _char_ngrams(text, low, high)
    raise ValueError(f"unknown feature kind {kind!r} (known: word, band, zipf, bpe, char)")
