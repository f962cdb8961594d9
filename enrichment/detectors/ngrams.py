"""Fast n-gram scoring: text -> integer n-gram keys -> TF-IDF columns, in bulk numpy operations.

Training uses scikit-learn with the string analyzers of ``features.py``; scoring must give the
same numbers many times faster. Each feature block's vocabulary is turned, once at load time,
into a sorted array of integer keys (an n-gram of type ids read as a number in base
``types + 1``). A batch is then scored with one regex pass per text, one dict lookup per
token, and whole-batch numpy work: n-gram keys by shifted array arithmetic, columns by
``searchsorted``, term counts by ``unique``, and the sublinear-tf, idf, L2-norm and dot product
with the coefficients by ``bincount``. No Python code runs per n-gram.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import repeat

import numpy as np


class NgramIndex:
    """One block's vocabulary as integer keys: n-gram of type ids -> column index."""

    def __init__(self, vocabulary: Mapping[str, int], low: int, high: int):
        self.low, self.high = low, high
        self.types: dict[str, int] = {}
        split = [feature.split(" ") for feature in vocabulary]
        for parts in split:
            for part in parts:
                self.types.setdefault(part, len(self.types))
        self.base = len(self.types) + 1
        if self.base ** high >= 2**63:
            raise ValueError(f"{high}-grams over {self.base - 1} types overflow 64-bit keys")
        keys = np.empty(len(split), dtype=np.int64)
        for row, parts in enumerate(split):
            key = 0
            for part in parts:
                key = key * self.base + self.types[part] + 1
            keys[row] = key
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
        order = np.argsort(keys)
        self.keys, self.columns = keys[order], columns[order]

    def ngram_keys(self, ids: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys of every n-gram (low..high) inside one document, and that document's index.

        ``ids`` are type ids per token of the whole batch (-1: not in any feature), ``doc``
        the document each token belongs to (non-decreasing). An n-gram with an unknown type
        or spanning two documents is dropped: it cannot be a feature.
        """
        keys, docs = [], []
        for n in range(self.low, self.high + 1):
            m = len(ids) - n + 1
            if m <= 0:
                break
            key = np.zeros(m, dtype=np.int64)
            valid = doc[:m] == doc[n - 1 :]
            for j in range(n):
                part = ids[j : j + m]
                valid &= part >= 0
                key = key * self.base + part + 1
            keys.append(key[valid])
            docs.append(doc[:m][valid])
        if not keys:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(keys), np.concatenate(docs)

    def columns_of(self, keys: np.ndarray) -> np.ndarray:
        """Column per key, -1 where the key is not in the vocabulary."""
        if not len(self.keys):
            return np.full(len(keys), -1, dtype=np.int64)
        position = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
        return np.where(self.keys[position] == keys, self.columns[position], -1)


def tfidf_dot(
    columns: np.ndarray,
    docs: np.ndarray,
    n_docs: int,
    idf: np.ndarray,
    coef: np.ndarray,
) -> np.ndarray:
    """coef . l2normalise((1 + log tf) * idf) per document, from (column, document) pairs."""
    known = columns >= 0
    columns, docs = columns[known], docs[known]
    width = len(idf)
    pairs, counts = np.unique(docs * width + columns, return_counts=True)
    doc, column = pairs // width, pairs % width
    weight = (1.0 + np.log(counts)) * idf[column]
    norm = np.sqrt(np.bincount(doc, weight * weight, minlength=n_docs))
    dot = np.bincount(doc, weight * coef[column], minlength=n_docs)
    return np.divide(dot, norm, out=np.zeros(n_docs), where=norm > 0)


class TokenTable:
    """Regex token -> its type id in each block that reads regex tokens (word, band).

    The mapping from a token to its type (lower-cased word, frequency band) is computed once
    per distinct token and remembered, so a batch costs one dict lookup per token. Memory is
    bounded: past ``limit`` distinct tokens new ones are resolved but not remembered.
    """

    def __init__(self, typers: Sequence[Callable[[str], int]], limit: int = 1 << 20):
        self.typers = list(typers)
        self.limit = limit
        self.index: dict[str, int] = {}
        self.table = np.zeros((0, len(self.typers)), dtype=np.int64)

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """(len(tokens), blocks) type ids."""
        rows = np.fromiter(
            map(self.index.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens)
        )
        missing = np.flatnonzero(rows < 0)
        if len(missing) == 0:
            return self.table[rows]
        new = list(dict.fromkeys(tokens[i] for i in missing))
        resolved = np.array([[typer(t) for typer in self.typers] for t in new], dtype=np.int64)
        room = max(self.limit - len(self.index), 0)
        if room:
            start = len(self.table)
            self.table = np.concatenate([self.table, resolved[:room]])
            self.index.update(zip(new[:room], range(start, start + room), strict=False))
        out = np.empty((len(tokens), len(self.typers)), dtype=np.int64)
        seen = rows >= 0
        out[seen] = self.table[rows[seen]]
        position = {t: i for i, t in enumerate(new)}
        out[missing] = resolved[[position[tokens[i]] for i in missing]]
        return out
