"""Metadata signals: posting cadence, burstiness, time of day, and near-duplicate campaigns.

The report: "metadata will continue to be central". These are computed per actor from
post times, and across actors from post texts (MinHash + LSH, in numpy), and shown as
evidence beside the tagger's verdicts; alert rules read them from ``Actor.signals`` and the
``campaign_clusters`` assessment (docs/tagger.md, "Metadata signals").
"""

from __future__ import annotations

import hashlib
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

import numpy as np

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
        k = self.shingle
        return list({zlib.crc32(" ".join(words[i : i + k]).encode()) for i in range(len(words) - k + 1)})

    def signatures(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Signatures of many texts with one numpy pass (per-text numpy calls cost more
        than the arithmetic)."""
        hashes = [self._shingle_hashes(t) for t in texts]
        kept = [h for h in hashes if h]
        if not kept:
            return [None] * len(texts)
        lengths = np.fromiter((len(h) for h in kept), dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        x = np.fromiter((v for h in kept for v in h), dtype=np.uint64, count=int(lengths.sum()))
        with np.errstate(over="ignore"):
            hashed = (self._a[:, None] * x[None, :] + self._b[:, None]) >> _SHIFT
        mins = np.minimum.reduceat(hashed, offsets, axis=1).astype(np.uint32).T
        rows = iter(mins)
        return [np.ascontiguousarray(next(rows)) if h else None for h in hashes]

    def band_keys(self, signature: np.ndarray) -> list[bytes]:
        rows = self.num_perm // self.bands
        return [bytes([b]) + signature[b * rows : (b + 1) * rows].tobytes() for b in range(self.bands)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures."""
    return float(np.mean(a == b))


@dataclass(slots=True)
class ClusterIndex:
    """Posts added in batches (id, actor, time, text); ``clusters()`` groups near-duplicates.

    Memory per post is its signature (``num_perm`` x 4 bytes), a short sample and its ids: the
    LSH buckets are built only in ``clusters()``, one band at a time, by sorting band keys.
    """

    hasher: MinHasher = field(default_factory=MinHasher)
    threshold: float = 0.6
    sample_chars: int = 160
    _ids: list[str] = field(default_factory=list)
    _actors: list[str | None] = field(default_factory=list)
    _times: list[datetime] = field(default_factory=list)
    _samples: list[str] = field(default_factory=list)
    _sigs: list[np.ndarray] = field(default_factory=list)

    def add(self, post_id: str, actor_id: str | None, created_at: datetime, text: str) -> None:
        self.add_many([(post_id, actor_id, created_at, text)])

    def add_many(self, items: Sequence[tuple[str, str | None, datetime, str]]) -> None:
        """Add (post id, actor id, time, text) tuples; batches of hundreds are fastest."""
        signatures = self.hasher.signatures([text for _, _, _, text in items])
        for (post_id, actor_id, created_at, text), sig in zip(items, signatures, strict=True):
            if sig is not None:
                self._ids.append(post_id)
                self._actors.append(actor_id)
                self._times.append(created_at)
                self._samples.append(text[: self.sample_chars])
                self._sigs.append(sig)

    def _candidate_groups(self, sigs: np.ndarray) -> Iterator[np.ndarray]:
        """Row indices sharing a band (LSH buckets of two or more), band by band."""
        rows = self.hasher.num_perm // self.hasher.bands
        weights = np.arange(1, rows + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        for band in range(self.hasher.bands):
            with np.errstate(over="ignore"):
                keys = (sigs[:, band * rows : (band + 1) * rows].astype(np.uint64) * weights).sum(axis=1)
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
            ends = np.r_[starts[1:], len(order)]
            for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
                yield order[start:end]

    def clusters(self, *, min_actors: int = 2, min_posts: int = 2) -> list[dict[str, Any]]:
        """Groups of near-duplicate posts spanning at least ``min_actors`` accounts.

        Within a bucket each member is compared with the bucket's first member (a star, not
        all pairs), so a boilerplate bucket of 10,000 posts costs 10,000 comparisons.
        """
        if len(self._ids) < 2:
            return []
        sigs = np.vstack(self._sigs)
        parent = list(range(len(self._ids)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for members in self._candidate_groups(sigs):
            head, others = int(members[0]), members[1:]
            similar = others[(sigs[others] == sigs[head]).mean(axis=1) >= self.threshold]
            for other in similar.tolist():
                root_other, root_head = find(other), find(head)
                if root_other != root_head:
                    parent[root_other] = root_head
        groups: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self._ids)):
            groups[find(i)].append(i)
        out = []
        for members in groups.values():
            if len(members) < min_posts:
                continue
            actors = sorted({a for a in (self._actors[i] for i in members) if a})
            if len(members) < min_posts or len(actors) < min_actors:
                continue
            members.sort(key=lambda i: (self._times[i], self._ids[i]))
            ids = [self._ids[i] for i in members]
            head = sigs[members[0]]
            sims = [similarity(head, sigs[i]) for i in members[1:]]
            out.append(
                {
                    "id": "cluster:" + hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()[:12],
                    "posts": ids,
                    "actors": actors,
                    "size": len(ids),
                    "accounts": len(actors),
                    "first_seen": format_time(self._times[members[0]]),
                    "last_seen": format_time(self._times[members[-1]]),
                    "similarity": round(sum(sims) / len(sims), 3) if sims else 1.0,
                    "sample": self._samples[members[0]],
                }
            )
        out.sort(key=lambda c: (-c["accounts"], -c["size"], c["id"]))
        return out


def clusters_by_actor(clusters: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """actor id -> the ids of the campaign clusters it appears in."""
    by_actor: dict[str, list[str]] = defaultdict(list)
    for cluster in clusters:
        for actor in cluster["actors"]:
            by_actor[actor].append(cluster["id"])
    return dict(by_actor)
