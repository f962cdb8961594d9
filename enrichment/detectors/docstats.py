"""Per-document statistics for the stacked detector: rarity, repetition, layout, punctuation.

Top-k 40 sampling never picks a token outside the model's 40 likeliest, so sampled text uses
fewer rare words and rare BPE pieces, and small models repeat themselves; n-gram classifiers
see these effects only one feature at a time. These numbers summarise them per document so a
tree ensemble can weigh them against each other and against length. Every statistic is a
share or a ratio, so documents of any length are comparable; the two length features let the
trees learn how the others vary with length.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np

from enrichment.detectors.features import _WORD as _TOKEN
from enrichment.detectors.features import TextResources

_ALPHA_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MATTR_WINDOW = 50
BPE_EDGES = (0, 6, 7, 8, 9, 10, 11, 12, 13, 99)
ZIPF_EDGES = (-1, 0.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 99)
MARKS = "!?-\u2014\u2026*/[]&%$#@,\"\n():;'"

NAMES: tuple[str, ...] = (
    "log_words",
    "log_bpe_tokens",
    "bpe_per_char",
    "bpe_per_word",
    "bpe_logid_mean",
    "bpe_logid_std",
    "bpe_logid_q75",
    "bpe_logid_q90",
    "bpe_logid_q99",
    *(f"bpe_logid_{lo}_{hi}" for lo, hi in zip(BPE_EDGES, BPE_EDGES[1:], strict=False)),
    "bpe_distinct",
    "bpe_repeated_3grams",
    "zipf_mean",
    "zipf_std",
    "zipf_q05",
    "zipf_q10",
    "zipf_q25",
    *(f"zipf_{lo}_{hi}" for lo, hi in zip(ZIPF_EDGES, ZIPF_EDGES[1:], strict=False)),
    "new_rare_words",
    "repeated_rare_share",
    "rare_capitalised_share",
    "zlib_ratio",
    "zlib_ratio_first_2000",
    "halves_compression_distance",
    "repeated_word_2grams",
    "repeated_word_3grams",
    "repeated_word_4grams",
    "moving_type_token_ratio",
    "duplicate_sentences",
    "log_sentence_words_mean",
    "log_sentence_words_std",
    "log_paragraph_words_mean",
    "log_paragraph_words_std",
    "short_paragraphs",
    "paragraphs_per_word",
    "digits_per_char",
    "uppercase_per_char",
    "mean_word_length",
    *(f"mark_{ord(c):x}_per_word" for c in MARKS),
)


def _repeated(items: Sequence, n: int) -> float:
    """Share of n-grams that already occurred earlier in the document."""
    total = len(items) - n + 1
    if total <= 0:
        return 0.0
    grams = Counter(zip(*(items[i:] for i in range(n)), strict=False))
    return (total - len(grams)) / total


def _moving_ttr(words: list[str]) -> float:
    """Mean type-token ratio over sliding windows: lexical variety independent of length."""
    if len(words) <= MATTR_WINDOW:
        return len(set(words)) / max(len(words), 1)
    window = Counter(words[:MATTR_WINDOW])
    total = len(window)
    for i in range(MATTR_WINDOW, len(words)):
        window[words[i]] += 1
        old = words[i - MATTR_WINDOW]
        window[old] -= 1
        if not window[old]:
            del window[old]
        total += len(window)
    return total / (len(words) - MATTR_WINDOW + 1) / MATTR_WINDOW


def _compression(data: bytes) -> tuple[float, float, float]:
    if not data:
        return 0.0, 0.0, 0.0
    whole = len(zlib.compress(data))
    half = len(data) // 2
    first, second = len(zlib.compress(data[:half])), len(zlib.compress(data[half:]))
    distance = (whole - min(first, second)) / max(first, second, 1)
    head = data[:2000]
    return whole / len(data), len(zlib.compress(head)) / len(head), distance


class _Ragged:
    """Values of many documents in one array, with per-document mean, spread, quantiles and
    histogram shares computed for all documents at once (the same numbers as numpy's per-array
    ``mean``, ``std``, ``quantile`` and ``histogram``). A document without values counts as a
    single 0, as the per-document statistics always did."""

    def __init__(self, per_doc: Sequence[Sequence[float]]):
        sizes = np.array([len(v) for v in per_doc], dtype=np.int64)
        empty = sizes == 0
        values = [v if len(v) else (0.0,) for v in per_doc]
        self.sizes = np.where(empty, 1, sizes)
        self.doc = np.repeat(np.arange(len(per_doc)), self.sizes)
        self.values = np.fromiter(
            (x for v in values for x in v), dtype=np.float64, count=int(self.sizes.sum())
        )
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])

    def mean(self) -> np.ndarray:
        return np.bincount(self.doc, self.values, len(self.sizes)) / self.sizes

    def std(self) -> np.ndarray:
        deviation = self.values - self.mean()[self.doc]
        return np.sqrt(np.bincount(self.doc, deviation * deviation, len(self.sizes)) / self.sizes)

    def quantiles(self, qs: Sequence[float]) -> list[np.ndarray]:
        ordered = self.values[np.lexsort((self.values, self.doc))]
        out = []
        for q in qs:
            position = q * (self.sizes - 1)
            low = np.floor(position).astype(np.int64)
            high = np.minimum(low + 1, self.sizes - 1)
            below, above = ordered[self.starts + low], ordered[self.starts + high]
            t = position - low
            # numpy's linear interpolation, including its form for t >= 0.5
            out.append(
                np.where(t >= 0.5, above - (above - below) * (1 - t), below + (above - below) * t)
            )
        return out

    def shares(self, edges: Sequence[float]) -> list[np.ndarray]:
        edges = np.asarray(edges, dtype=np.float64)
        bins = np.searchsorted(edges, self.values, side="right") - 1
        inside = (bins >= 0) & (bins < len(edges) - 1)
        width = len(edges) - 1
        counts = np.bincount(
            self.doc[inside] * width + bins[inside], minlength=len(self.sizes) * width
        ).reshape(len(self.sizes), width)
        return list((counts / self.sizes[:, None]).T)


def document_statistics(texts: Sequence[str], resources: TextResources) -> np.ndarray:
    """(len(texts), len(NAMES)) statistics; needs the model's Zipf table and BPE tokenizer."""
    if resources.zipf is None or resources.bpe is None:
        raise ValueError("document statistics need a Zipf table and a BPE tokenizer")
    if not texts:
        return np.zeros((0, len(NAMES)))
    zipf = resources.zipf.zipf
    bpe_ids = resources.bpe.ids(texts)
    words = [[w.lower() for w in _ALPHA_WORD.findall(t)] for t in texts]
    log_id = _Ragged([np.log2(np.asarray(ids, dtype=np.float64) + 1.0) for ids in bpe_ids])
    z = _Ragged([[zipf.get(w, 0.0) for w in ws] for ws in words])
    n_ids = np.array([max(len(ids), 1) for ids in bpe_ids], dtype=np.float64)
    columns = {
        "bpe_logid_mean": log_id.mean(),
        "bpe_logid_std": log_id.std(),
        "zipf_mean": z.mean(),
        "zipf_std": z.std(),
    }
    for name, value in zip(
        ("bpe_logid_q75", "bpe_logid_q90", "bpe_logid_q99"),
        log_id.quantiles((0.75, 0.9, 0.99)),
        strict=True,
    ):
        columns[name] = value
    for name, value in zip(
        ("zipf_q05", "zipf_q10", "zipf_q25"), z.quantiles((0.05, 0.1, 0.25)), strict=True
    ):
        columns[name] = value
    for lo, hi, value in zip(BPE_EDGES, BPE_EDGES[1:], log_id.shares(BPE_EDGES), strict=False):
        columns[f"bpe_logid_{lo}_{hi}"] = value
    for lo, hi, value in zip(ZIPF_EDGES, ZIPF_EDGES[1:], z.shares(ZIPF_EDGES), strict=False):
        columns[f"zipf_{lo}_{hi}"] = value
    columns["log_bpe_tokens"] = np.log(n_ids)
    columns["bpe_per_char"] = np.array([len(i) for i in bpe_ids]) / np.array(
        [max(len(t), 1) for t in texts]
    )
    columns["bpe_per_word"] = np.array([len(i) for i in bpe_ids]) / np.array(
        [max(len(w), 1) for w in words]
    )
    columns["bpe_distinct"] = np.array([len(set(i)) for i in bpe_ids]) / n_ids
    columns["bpe_repeated_3grams"] = np.array([_repeated(i, 3) for i in bpe_ids])
    rest = np.array(
        [_per_document(t, ws, zipf) for t, ws in zip(texts, words, strict=True)],
        dtype=np.float64,
    )
    for j, name in enumerate(_PER_DOCUMENT):
        columns[name] = rest[:, j]
    return np.column_stack([columns[name] for name in NAMES])


# Statistics that need Python per document (regexes, counters, compression), in this order.
_PER_DOCUMENT = (
    "log_words",
    "new_rare_words",
    "repeated_rare_share",
    "rare_capitalised_share",
    "zlib_ratio",
    "zlib_ratio_first_2000",
    "halves_compression_distance",
    "repeated_word_2grams",
    "repeated_word_3grams",
    "repeated_word_4grams",
    "moving_type_token_ratio",
    "duplicate_sentences",
    "log_sentence_words_mean",
    "log_sentence_words_std",
    "log_paragraph_words_mean",
    "log_paragraph_words_std",
    "short_paragraphs",
    "paragraphs_per_word",
    "digits_per_char",
    "uppercase_per_char",
    "mean_word_length",
    *(f"mark_{ord(c):x}_per_word" for c in MARKS),
)


def _per_document(text: str, words: list[str], zipf: dict[str, float]) -> list[float]:
    n_words = max(len(words), 1)
    chars = max(len(text), 1)
    seen: set[str] = set()
    new_rare = repeated_rare = 0
    for word in words:
        if zipf.get(word, 0.0) < 3.0:
            if word in seen:
                repeated_rare += 1
            else:
                new_rare += 1
        seen.add(word)
    capitalised = [t for t in _ALPHA_WORD.findall(text)[1:] if t[0].isupper()]
    rare_capitalised = (
        sum(zipf.get(t.lower(), 0.0) < 3.0 for t in capitalised) / len(capitalised)
        if capitalised
        else 0.0
    )
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    sentence_words = np.array([len(s.split()) for s in sentences] or [0])
    paragraphs = [p for p in text.split("\n") if p.strip()]
    paragraph_words = np.array([len(p.split()) for p in paragraphs] or [0])
    word_lengths = [len(t) for t in _TOKEN.findall(text) if t[0].isalpha()]
    return [
        np.log(n_words),
        new_rare / n_words,
        repeated_rare / max(new_rare + repeated_rare, 1),
        rare_capitalised,
        *_compression(text.encode("utf-8")),
        _repeated(words, 2),
        _repeated(words, 3),
        _repeated(words, 4),
        _moving_ttr(words),
        (len(sentences) - len(set(sentences))) / max(len(sentences), 1),
        np.log1p(sentence_words.mean()),
        np.log1p(sentence_words.std()),
        np.log1p(paragraph_words.mean()),
        np.log1p(paragraph_words.std()),
        float((paragraph_words < 8).mean()),
        len(paragraphs) / n_words,
        sum(map(str.isdigit, text)) / chars,
        sum(map(str.isupper, text)) / chars,
        sum(word_lengths) / len(word_lengths) if word_lengths else 0.0,
        *(text.count(c) / n_words for c in MARKS),
    ]
