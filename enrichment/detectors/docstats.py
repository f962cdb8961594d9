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


def _shares(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    return (np.histogram(values, bins=edges)[0] / max(len(values), 1)).tolist()


def document_statistics(texts: Sequence[str], resources: TextResources) -> np.ndarray:
    """(len(texts), len(NAMES)) statistics; needs the model's Zipf table and BPE tokenizer."""
    if resources.zipf is None or resources.bpe is None:
        raise ValueError("document statistics need a Zipf table and a BPE tokenizer")
    zipf = resources.zipf
    bpe_ids = resources.bpe.ids(texts)
    rows = np.zeros((len(texts), len(NAMES)))
    for row, (text, ids_list) in enumerate(zip(texts, bpe_ids, strict=True)):
        rows[row] = _one(text, np.asarray(ids_list, dtype=np.int64), zipf)
    return rows


def _one(text: str, ids: np.ndarray, zipf) -> list[float]:
    words = [w.lower() for w in _ALPHA_WORD.findall(text)]
    n_words = max(len(words), 1)
    n_ids = max(len(ids), 1)
    chars = max(len(text), 1)
    log_id = np.log2(ids + 1.0) if len(ids) else np.zeros(1)
    z = np.array([zipf.zipf.get(w, 0.0) for w in words]) if words else np.zeros(1)

    seen: set[str] = set()
    new_rare = repeated_rare = 0
    for word, value in zip(words, z, strict=False):
        if value < 3.0:
            if word in seen:
                repeated_rare += 1
            else:
                new_rare += 1
        seen.add(word)
    capitalised = [t for t in _ALPHA_WORD.findall(text)[1:] if t[0].isupper()]
    rare_capitalised = (
        float(np.mean([zipf(t) < 3.0 for t in capitalised])) if capitalised else 0.0
    )
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    sentence_words = np.array([len(s.split()) for s in sentences] or [0])
    paragraphs = [p for p in text.split("\n") if p.strip()]
    paragraph_words = np.array([len(p.split()) for p in paragraphs] or [0])
    tokens = _TOKEN.findall(text)
    return [
        np.log(n_words),
        np.log(n_ids),
        len(ids) / chars,
        len(ids) / n_words,
        log_id.mean(),
        log_id.std(),
        *np.quantile(log_id, (0.75, 0.9, 0.99)),
        *_shares(log_id, BPE_EDGES),
        len(set(ids.tolist())) / n_ids,
        _repeated(ids.tolist(), 3),
        z.mean(),
        z.std(),
        *np.quantile(z, (0.05, 0.1, 0.25)),
        *_shares(z, ZIPF_EDGES),
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
        float(np.mean([len(t) for t in tokens if t[0].isalpha()] or [0])),
        *(text.count(c) / n_words for c in MARKS),
    ]
