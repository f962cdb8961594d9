"""Metadata signals: posting cadence, burstiness, time of day, and near-duplicate campaigns.

The report: "metadata will continue to be central". These are computed per actor from
post times, and across actors from post texts (MinHash + LSH, in numpy), and shown as
evidence beside the tagger's verdicts; alert rules read them from ``Actor.signals`` and the
``campaign_clusters`` assessment (docs/tagger.md, "Metadata signals").
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import re
import zlib
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from statistics import median
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from enrichment.context import quote_spans
from misusewatch.records import format_time

NIGHT_HOURS = frozenset({0, 1, 2, 3, 4, 5})  # UTC; a hint only, actors live in every zone


def burstiness(times: Sequence[datetime]) -> float | None:
    """Goh & Barabási (2008) B = (σ - μ) / (σ + μ) of inter-post gaps, in [-1, 1].

    -1 is a metronome (a scheduled bot), 0 a Poisson process, towards 1 bursts then silence.
    None with fewer than three posts (two gaps), or when every post has the same time.
    """
    if len(times) < 3:
        return None
    ordered = sorted(t.timestamp() for t in times)
    gaps = np.diff(np.asarray(ordered, dtype=float))
    mu, sigma = float(gaps.mean()), float(gaps.std())
    if mu + sigma == 0:
        return None
    return round((sigma - mu) / (sigma + mu), 4)


def cadence(times: Sequence[datetime]) -> dict[str, Any]:
    """How often and how regularly an actor posts."""
    if not times:
        return {"posts": 0}
    ordered = sorted(times)
    span_s = (ordered[-1] - ordered[0]).total_seconds()
    gaps = [(b - a).total_seconds() for a, b in zip(ordered, ordered[1:], strict=False)]
    days = max(span_s / 86400.0, 1.0)
    return {
        "posts": len(ordered),
        "first_seen": format_time(ordered[0]),
        "last_seen": format_time(ordered[-1]),
        "active_days": len({t.date() for t in ordered}),
        "posts_per_day": round(len(ordered) / days, 3),
        "median_gap_s": median(gaps) if gaps else None,
        "min_gap_s": min(gaps) if gaps else None,
        "burstiness": burstiness(ordered),
    }


def time_of_day(times: Sequence[datetime]) -> dict[str, Any]:
    """Posts per UTC hour, the peak hour, and how evenly spread they are (0 one hour, 1 flat).

    Round-the-clock posting with a flat profile is a hint of automation; a person sleeps.
    """
    hours = [0] * 24
    for t in times:
        hours[t.hour] += 1
    total = sum(hours)
    if not total:
        return {"hours": hours, "peak_hour": None, "entropy": None, "night_share": None}
    probs = [h / total for h in hours if h]
    entropy = -sum(p * math.log(p) for p in probs) / math.log(24)
    return {
        "hours": hours,
        "peak_hour": max(range(24), key=hours.__getitem__),
        "entropy": round(entropy, 4),
        "night_share": round(sum(hours[h] for h in NIGHT_HOURS) / total, 4),
    }


# ---------------------------------------------------------------- near-duplicates (MinHash + LSH)

_WORD = re.compile(r"[a-z0-9']+")
_URL = re.compile(r"https?://\S+|www\.\S+|>>\d+")


def own_words(text: str) -> str:
    """The text without what it quotes: a reply quoting a post is not a near-duplicate of it."""
    spans = quote_spans(text)
    if not spans:
        return text
    keep, last = [], 0
    for start, end in sorted(spans):
        if start > last:
            keep.append(text[last:start])
        last = max(last, end)
    keep.append(text[last:])
    return " ".join(keep)


# Multiply-shift hashing: ((a*x + b) mod 2^64) >> 32 with random odd a is a universal family,
# and uint64 arithmetic wraps mod 2^64 for free: no slow integer modulo over the whole matrix.
_SHIFT = np.uint64(32)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(slots=True)
class MinHasher:
    """MinHash signatures of word shingles, with a fixed seed so signatures are comparable.

    ``num_perm`` = ``bands`` x ``rows``; two texts share an LSH bucket with probability
    1 - (1 - J^rows)^bands for Jaccard similarity J (about 0.5 at J = 0.5 for 16 x 4).
    """

    num_perm: int = 64
    bands: int = 16
    shingle: int = 3
    seed: int = 1
    # Short posts ("thanks, works for me") repeat everywhere without any campaign behind them.
    min_words: int = 12
    # Shingles hashed per numpy pass: bounds the temporary to num_perm x 8 bytes x this (8 MB),
    # which also keeps it in cache (faster than one big pass).
    chunk_shingles: int = 1 << 14
    _a: np.ndarray = field(init=False, repr=False)
    _b: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError("num_perm must be a multiple of bands")
        rng = np.random.default_rng(self.seed)
        self._a = rng.integers(0, 2**63, self.num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, self.num_perm, dtype=np.uint64)

    def signature(self, text: str) -> np.ndarray | None:
        """The signature of ``text``, or None when it is too short to say anything."""
        return self.signatures([text])[0]

    def _shingle_hashes(self, text: str) -> list[int] | None:
        words = _WORD.findall(_URL.sub(" ", own_words(text).lower()))
        if len(words) < self.min_words:
            return None
        # crc32 of each distinct "w1 w2 w3"; map and zip keep the loop in C.
        shingles = zip(*(words[i:] for i in range(self.shingle)), strict=False)
        return list(set(map(zlib.crc32, map(str.encode, map(" ".join, shingles)))))

    def signatures(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """One signature (or None) per text."""
        matrix, kept = self.signature_matrix(texts)
        out: list[np.ndarray | None] = [None] * len(texts)
        for row, i in enumerate(kept):
            out[i] = matrix[row]
        return out

    def signature_matrix(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Signatures of the texts long enough to have one, as rows of a (n, num_perm) uint32
        matrix, and the indices of those texts. Hashing runs over ``chunk_shingles`` at a time:
        per-text numpy calls cost more than the arithmetic, one pass over everything more
        memory than the signatures themselves."""
        hashes: list[list[int]] = []
        kept: list[int] = []
        for i, text in enumerate(texts):
            h = self._shingle_hashes(text)
            if h:
                hashes.append(h)
                kept.append(i)
        matrix = np.empty((len(hashes), self.num_perm), dtype=np.uint32)
        start = 0
        while start < len(hashes):
            stop, size = start, 0
            while stop < len(hashes) and (stop == start or size + len(hashes[stop]) <= self.chunk_shingles):
                size += len(hashes[stop])
                stop += 1
            matrix[start:stop] = self._min_hashes(hashes[start:stop], size)
            start = stop
        return matrix, kept

    def _min_hashes(self, hashes: list[list[int]], size: int) -> np.ndarray:
        lengths = np.fromiter(map(len, hashes), dtype=np.int64, count=len(hashes))
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        x = np.fromiter(chain.from_iterable(hashes), dtype=np.uint64, count=size)
        with np.errstate(over="ignore"):
            hashed = np.multiply(self._a[:, None], x[None, :])
            hashed += self._b[:, None]
        hashed >>= _SHIFT
        return np.minimum.reduceat(hashed, offsets, axis=1).T.astype(np.uint32)

    def band_keys(self, signature: np.ndarray) -> list[bytes]:
        rows = self.num_perm // self.bands
        return [bytes([b]) + signature[b * rows : (b + 1) * rows].tobytes() for b in range(self.bands)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures."""
    return float(np.mean(a == b))


def to_micros(when: datetime) -> int:
    """Microseconds since the epoch: exact, and 8 bytes in an array instead of a 48-byte datetime."""
    if when.tzinfo is None:
        when = when.astimezone(UTC)  # as format_time would read it
    return (when - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime ``to_micros`` was given."""
    return _EPOCH + micros * _MICROSECOND


@dataclass(slots=True)
class ClusterIndex:
    """Posts added in batches (id, actor, time, text); ``clusters()`` groups near-duplicates.

    Memory per indexed post: its signature (``num_perm`` x 4 bytes of a uint32 matrix), its id,
    8 bytes of time and 4 of actor number; the text sample only with ``keep_samples`` (else
    ``clusters(sample_of=...)`` fetches the few it shows). LSH buckets are built only in
    ``clusters()``, one band at a time, by sorting band keys. ``capacity`` (an upper bound on
    the posts to come, such as the store's post count) lets the matrix be filled in place
    rather than joined from batches at the end, which would briefly need it twice.
    """

    hasher: MinHasher = field(default_factory=MinHasher)
    threshold: float = 0.6
    sample_chars: int = 160
    keep_samples: bool = True
    capacity: int = 0
    # Pairs compared per numpy pass in clusters(): bounds its temporaries (2 x 256 bytes each).
    compare_chunk: int = 1 << 16
    _ids: list[str] = field(default_factory=list)
    _actor_numbers: dict[str | None, int] = field(default_factory=dict)
    _actor_names: list[str | None] = field(default_factory=list)
    _actors: array = field(default_factory=lambda: array("i"))
    _times: array = field(default_factory=lambda: array("q"))
    _samples: list[str] = field(default_factory=list)
    _blocks: list[np.ndarray] = field(default_factory=list)
    _buffer: np.ndarray | None = None
    _filled: int = 0

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, post_id: str, actor_id: str | None, created_at: datetime, text: str) -> None:
        self.add_many([(post_id, actor_id, created_at, text)])

    def add_many(
        self,
        items: Sequence[tuple[str, str | None, datetime, str]],
        signed: tuple[np.ndarray, list[int]] | None = None,
    ) -> None:
        """Add (post id, actor id, time, text) tuples; batches of hundreds are fastest.

        ``signed`` is ``hasher.signature_matrix`` of their texts when it was computed elsewhere
        (``signed_batches`` computes it in worker processes)."""
        matrix, kept = signed if signed is not None else self.hasher.signature_matrix([t for _, _, _, t in items])
        if not kept:
            return
        if self._buffer is None and self.capacity and not self._blocks:
            # Untouched pages cost no memory: rows past the posts that come are never resident.
            self._buffer = np.empty((self.capacity, self.hasher.num_perm), dtype=np.uint32)
        if self._buffer is not None and not self._blocks and self._filled + len(kept) <= len(self._buffer):
            self._buffer[self._filled : self._filled + len(kept)] = matrix
            self._filled += len(kept)
        else:
            self._blocks.append(matrix)
        for i in kept:
            post_id, actor_id, created_at, text = items[i]
            number = self._actor_numbers.get(actor_id)
            if number is None:
                number = self._actor_numbers[actor_id] = len(self._actor_names)
                self._actor_names.append(actor_id)
            self._ids.append(post_id)
            self._actors.append(number)
            self._times.append(to_micros(created_at))
            if self.keep_samples:
                self._samples.append(text[: self.sample_chars])

    def _signatures(self) -> np.ndarray:
        parts = ([self._buffer[: self._filled]] if self._buffer is not None else []) + self._blocks
        if not parts:
            return np.empty((0, self.hasher.num_perm), dtype=np.uint32)
        if len(parts) > 1:
            # One matrix from here on: the parts are dropped as soon as they are joined.
            self._buffer, self._filled, self._blocks = None, 0, [np.concatenate(parts)]
            return self._blocks[0]
        return parts[0]

    def _similar_pairs(self, sigs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(member, head) row pairs that share an LSH bucket and pass the threshold.

        Within a bucket each member is compared with the bucket's first member (a star, not all
        pairs), so a boilerplate bucket of 10,000 posts costs 10,000 comparisons.
        """
        rows = self.hasher.num_perm // self.hasher.bands
        weights = np.arange(1, rows + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        members_out, heads_out = [], []
        for band in range(self.hasher.bands):
            with np.errstate(over="ignore"):
                keys = (sigs[:, band * rows : (band + 1) * rows].astype(np.uint64) * weights).sum(axis=1)
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            opens = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
            starts = np.flatnonzero(opens)
            bucket = np.cumsum(opens) - 1
            sizes = np.diff(np.r_[starts, len(order)])
            positions = np.flatnonzero((sizes[bucket] > 1) & ~opens)
            members, heads = order[positions], order[starts[bucket[positions]]]
            for lo in range(0, len(members), self.compare_chunk):
                m, h = members[lo : lo + self.compare_chunk], heads[lo : lo + self.compare_chunk]
                similar = (sigs[m] == sigs[h]).mean(axis=1) >= self.threshold
                members_out.append(m[similar])
                heads_out.append(h[similar])
        if not members_out:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return np.concatenate(members_out), np.concatenate(heads_out)

    def clusters(
        self,
        *,
        min_actors: int = 2,
        min_posts: int = 2,
        sample_of: Callable[[list[str]], dict[str, str]] | None = None,
    ) -> list[dict[str, Any]]:
        """Groups of near-duplicate posts spanning at least ``min_actors`` accounts.

        A group is a connected component of the similar pairs the LSH buckets propose.
        ``sample_of(post ids)`` gives the texts of the posts shown as samples when the index
        was built without ``keep_samples``.
        """
        n = len(self._ids)
        if n < 2:
            return []
        sigs = self._signatures()
        members, heads = self._similar_pairs(sigs)
        graph = coo_matrix((np.ones(len(members), dtype=np.int8), (members, heads)), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        counts = np.bincount(labels)
        clustered = np.flatnonzero(counts[labels] >= min_posts)
        clustered = clustered[np.argsort(labels[clustered], kind="stable")]
        bounds = np.flatnonzero(np.r_[True, labels[clustered][1:] != labels[clustered][:-1], True])
        out = []
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            group = clustered[lo:hi].tolist()
            actors = sorted({a for a in (self._actor_names[self._actors[i]] for i in group) if a})
            if len(actors) < min_actors:
                continue
            group.sort(key=lambda i: (self._times[i], self._ids[i]))
            ids = [self._ids[i] for i in group]
            sims = (sigs[group[1:]] == sigs[group[0]]).mean(axis=1).tolist()
            out.append(
                {
                    "id": "cluster:" + hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()[:12],
                    "posts": ids,
                    "actors": actors,
                    "size": len(ids),
                    "accounts": len(actors),
                    "first_seen": format_time(from_micros(self._times[group[0]])),
                    "last_seen": format_time(from_micros(self._times[group[-1]])),
                    "similarity": round(sum(sims) / len(sims), 3) if sims else 1.0,
                    "sample": self._samples[group[0]] if self.keep_samples else group[0],
                }
            )
        if not self.keep_samples:
            wanted = [self._ids[c["sample"]] for c in out]
            texts = sample_of(wanted) if sample_of is not None and wanted else {}
            for cluster, post_id in zip(out, wanted, strict=True):
                cluster["sample"] = (texts.get(post_id) or "")[: self.sample_chars]
        out.sort(key=lambda c: (-c["accounts"], -c["size"], c["id"]))
        return out


Item = tuple[str, str | None, datetime, str]
_WORKER_HASHER: MinHasher | None = None


def signed_batches(
    hasher: MinHasher, batches: Iterable[list[Item]], processes: int = 1
) -> Iterator[tuple[list[Item], tuple[np.ndarray, list[int]]]]:
    """Each batch with its texts' ``signature_matrix``, in order; with ``processes`` > 1 the
    hashing runs in that many forked workers while the caller produces the next batches
    (at most two per worker in flight, so memory stays a few batches)."""
    if processes <= 1:
        for batch in batches:
            yield batch, hasher.signature_matrix([text for _, _, _, text in batch])
        return
    global _WORKER_HASHER
    _WORKER_HASHER = hasher
    in_flight: deque = deque()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for batch in batches:
            in_flight.append((batch, pool.apply_async(_sign, ([text for _, _, _, text in batch],))))
            while len(in_flight) > 2 * processes:
                done, result = in_flight.popleft()
                yield done, result.get()
        while in_flight:
            done, result = in_flight.popleft()
            yield done, result.get()


def _sign(texts: list[str]) -> tuple[np.ndarray, list[int]]:
    assert _WORKER_HASHER is not None
    return _WORKER_HASHER.signature_matrix(texts)


def clusters_by_actor(clusters: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """actor id -> the ids of the campaign clusters it appears in."""
    by_actor: dict[str, list[str]] = defaultdict(list)
    for cluster in clusters:
        for actor in cluster["actors"]:
            by_actor[actor].append(cluster["id"])
    return dict(by_actor)
