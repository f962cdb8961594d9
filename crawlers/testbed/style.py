"""How a persona writes: capitalisation, slang, abbreviations and typos applied to clean text."""

from __future__ import annotations

import re
from random import Random

STYLES = ("clean", "casual", "sloppy", "chan", "terse")

ABBREVIATIONS = {
    "you": "u", "your": "ur", "please": "pls", "though": "tho", "because": "cuz", "people": "ppl",
    "really": "rly", "probably": "prob", "don't": "dont", "i'm": "im", "can't": "cant",
    "with": "w/", "without": "w/o", "thanks": "thx", "anyone": "any1", "before": "b4",
    "about": "abt", "something": "smth", "right now": "rn", "to be honest": "tbh",
}
COMMON_MISSPELLINGS = {
    "receive": "recieve", "definitely": "definately", "separate": "seperate", "the": "teh",
    "weird": "wierd", "until": "untill", "believe": "beleive", "environment": "enviroment",
    "their": "there", "its": "it's", "lose": "loose", "tomorrow": "tommorow",
}
CHAN_TAILS = ["kek", "desu", "lmao", "anon", "fren", "tbh", "lol", "ngmi", "wagmi", "cope"]
CASUAL_TAILS = ["lol", "haha", "tbh", "imo", ":)", "lmao", "idk", "..."]


def apply_style(text: str, style: str, rng: Random) -> str:
    """One sentence or line rewritten in a persona's style (URLs and code are left alone)."""
    if not text or "://" in text:
        return text
    if style == "clean":
        return _capitalise(text, rng)
    if style == "terse":
        return _capitalise(text, rng).rstrip(".")
    text = text[:1].lower() + text[1:] if rng.random() < 0.8 else text
    if style in ("sloppy", "chan") or rng.random() < 0.25:
        text = _abbreviate(text, rng, 0.35 if style == "sloppy" else 0.15)
    if style == "sloppy":
        text = _typos(text, rng, 0.035)
    elif rng.random() < 0.3:
        text = _typos(text, rng, 0.02)
    if text.endswith(".") and rng.random() < 0.6:
        text = text[:-1]
    tails = CHAN_TAILS if style == "chan" else CASUAL_TAILS
    if rng.random() < (0.18 if style == "chan" else 0.1):
        text = f"{text} {tails[int(rng.random() * len(tails))]}"
    return text


_LONE_I = re.compile(r"(?<![\w'])i(?![\w'])")
_IM = re.compile(r"\bim\b")
_ABBREVIATION_PATTERNS = [(full, re.compile(rf"\b{re.escape(full)}\b"), short) for full, short in ABBREVIATIONS.items()]


def _capitalise(text: str, rng: Random) -> str:
    text = text[:1].upper() + text[1:]
    if "i" in text:
        text = _LONE_I.sub("I", text)
        if "im" in text:
            text = _IM.sub("I'm", text)
    if text[-1:].isalnum() and rng.random() < 0.85:
        text += "."
    return text


def _abbreviate(text: str, rng: Random, rate: float) -> str:
    for full, pattern, short in _ABBREVIATION_PATTERNS:
        if full in text and rng.random() < rate:
            text = pattern.sub(short, text, count=1)
    return text


def _typos(text: str, rng: Random, rate: float) -> str:
    rnd = rng.random
    words = text.split(" ")
    changed = False
    for k, word in enumerate(words):
        low = word.lower()
        if low in COMMON_MISSPELLINGS:
            if rnd() < rate * 5:
                words[k] = COMMON_MISSPELLINGS[low]
                changed = True
            continue
        if len(word) < 4 or rnd() >= rate or not word.isalpha():
            continue
        i = 1 + int(rnd() * (len(word) - 2))
        op = rnd()
        if op < 0.4:  # swapped letters
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif op < 0.7:  # dropped letter
            word = word[:i] + word[i + 1 :]
        else:  # doubled letter
            word = word[:i] + word[i] + word[i:]
        words[k] = word
        changed = True
    return " ".join(words) if changed else text
