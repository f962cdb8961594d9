"""Fault modes for integration tests: slow pages, 429/503 with Retry-After, broken bodies, 10 MB pages.

A :class:`Fault` applies to requests whose path (with query) matches ``match`` (a prefix
starting with ``/``, else a regular expression), to the first ``first`` requests of each
distinct URL (0: every request). Faults are given to the server (``serve(faults=[...])``, CLI
``--fault KIND:MATCH[:FIRST]``) or per request with ``?_fault=KIND`` (see docs/testbed.md).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("slow", "429", "503", "malformed", "truncate", "huge", "drop")
HUGE_BYTES = 10 * 1024 * 1024


@dataclass
class Fault:
    kind: str
    match: str = "/"
    first: int = 0
    delay: float = 1.0  # seconds, for "slow"
    retry_after: int | None = 1  # seconds, for 429/503 (None: no header)
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(KINDS)}")
        if not self.match.startswith("/"):
            self._pattern = re.compile(self.match)

    def matches(self, target: str) -> bool:
        if self._pattern is not None:
            return bool(self._pattern.search(target))
        return target.startswith(self.match)

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """``KIND[:MATCH[:FIRST]]``, e.g. ``429:/discourse/t/:2`` or ``slow:/4chan/:0``."""
        parts = spec.split(":")
        kind = parts[0]
        match = parts[1] if len(parts) > 1 and parts[1] else "/"
        try:
            first = int(parts[2]) if len(parts) > 2 else 0
        except ValueError:
            raise ValueError(f"fault {spec!r}: FIRST must be a number") from None
        return cls(kind, match, first)


class FaultPlan:
    """Decides which fault, if any, hits a request; counts requests per URL to do so."""

    def __init__(self, faults: list[Fault] | tuple[Fault, ...] = ()):
        self.faults = list(faults)
        self.counts: Counter = Counter()
        self.lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.counts.clear()

    def pick(self, target: str) -> list[Fault]:
        """The faults for this request (at most one per kind), counting it once per rule."""
        chosen: dict[str, Fault] = {}
        with self.lock:
            for index, fault in enumerate(self.faults):
                if not fault.matches(target):
                    continue
                key = (index, target)
                self.counts[key] += 1
                if (not fault.first or self.counts[key] <= fault.first) and fault.kind not in chosen:
                    chosen[fault.kind] = fault
        return list(chosen.values())


def corrupt(body: bytes, content_type: str) -> bytes:
    """A body that no longer parses as its type (the start is intact, like a broken upstream)."""
    cut = body[: max(1, len(body) // 2)]
    if "json" in content_type:
        return cut + b'{"error": <!-- upstream -->'
    if "xml" in content_type:
        return cut + b"<item><title>broken</title"
    return b"<html><body><div class=\"error\"><p>Database error: unexpected</div><span><table><tr><td>" + cut[:200]


def inflate(body: bytes, content_type: str) -> bytes:
    """The same document padded past 10 MB without changing what it says."""
    missing = max(0, HUGE_BYTES - len(body)) + 1024
    if "json" in content_type or "xml" in content_type:
        return body + b" " * missing  # trailing whitespace is allowed after a JSON/XML document
    padding = b"<!-- " + b"padding " * (missing // 8) + b" -->"
    lower = body.lower()
    end = lower.rfind(b"</body>")
    if end < 0:
        return body + padding
    return body[:end] + padding + body[end:]
