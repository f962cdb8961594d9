"""The people behind the posts: benign users, misuse actors of tiers 1-3 and campaign sock accounts.

A persona is the hidden truth; what a spider sees is an account per forum (handle, user
number, 4chan tripcode or per-thread poster id). The ground truth links both.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from random import Random

from crawlers.testbed.lexicon.common import HANDLE_PARTS
from crawlers.testbed.style import STYLES

STYLE_WEIGHTS = {
    None: {"clean": 3, "casual": 5, "sloppy": 1, "terse": 1},
    1: {"casual": 3, "sloppy": 5, "clean": 1},
    2: {"casual": 4, "clean": 3, "terse": 2, "sloppy": 1},
    3: {"terse": 5, "clean": 4, "casual": 1},
}


@dataclass(slots=True)
class Persona:
    key: str  # stable hidden id, e.g. "b12" (benign), "m3" (misuse), "s2.5" (sock of campaign 2)
    role: str  # benign | misuse | sock
    tier: int | None
    style: str
    forums: tuple[str, ...]
    # forum key -> (handle, user number); filled by the Community so handles are unique per forum.
    accounts: dict[str, tuple[str, int]] = field(default_factory=dict)
    trip: str | None = None  # 4chan tripcode, for the few who use one
    campaign: int | None = None


def pick_style(rng: Random, tier: int | None) -> str:
    weights = STYLE_WEIGHTS[tier]
    total = sum(weights.values())
    roll = rng.random() * total
    for style, weight in weights.items():
        roll -= weight
        if roll < 0:
            return style
    return STYLES[0]


def make_handle(rng: Random, role: str) -> str:
    parts = HANDLE_PARTS
    shape = rng.random()
    if role == "sock":
        first = parts["names"][int(rng.random() * len(parts["names"]))]
        last = parts["surnames"][int(rng.random() * len(parts["surnames"]))]
        return f"{first}_{last}{int(rng.random() * 9000) + 100}"
    if shape < 0.45:
        a = parts["first"][int(rng.random() * len(parts["first"]))]
        b = parts["second"][int(rng.random() * len(parts["second"]))]
        sep = ("", "_", "-", "")[int(rng.random() * 4)]
        digits = str(int(rng.random() * 100)) if rng.random() < 0.5 else ""
        return f"{a}{sep}{b}{digits}"
    if shape < 0.75:
        first = parts["names"][int(rng.random() * len(parts["names"]))]
        last = parts["surnames"][int(rng.random() * len(parts["surnames"]))]
        sep = (".", "_", "")[int(rng.random() * 3)]
        return f"{first}{sep}{last}"
    if shape < 0.85:
        return f"throwaway{int(rng.random() * 90000) + 1000}"
    first = parts["names"][int(rng.random() * len(parts["names"]))]
    return f"{first}{1970 + int(rng.random() * 35)}"


def tripcode(persona_key: str, seed: int) -> str:
    digest = hashlib.sha1(f"trip:{seed}:{persona_key}".encode()).digest()
    return "!" + base64.b64encode(digest).decode()[:10].replace("+", ".")


def poster_id(persona_key: str, thread_no: int, seed: int) -> str:
    """4chan's per-thread poster id: 8 characters, stable for one poster within one thread."""
    digest = hashlib.sha1(f"id:{seed}:{persona_key}:{thread_no}".encode()).digest()
    return base64.b64encode(digest).decode()[:8]
