"""A seeded word-trigram sampler: our stand-in for GPT-2 when writing machine-written posts.

We have no language model here, so campaign posts are sampled from a trigram model trained on
expanded campaign templates: locally fluent, globally drifting, with the repetitive phrasing
that made early GPT-2 output detectable. Near-duplicates come from rewriting one sample.
"""

from __future__ import annotations

import re
from functools import cache
from random import Random

from crawlers.testbed.grammar import Lexicon, compile_template, expand
from crawlers.testbed.lexicon.campaign import CAMPAIGN_SOURCE, PARAPHRASES

START = "\x02"
END = "\x03"
CORPUS_SIZE = 300  # expanded templates per category: enough variety, built in ~0.1 s
_TOKEN = re.compile(r"[\w'$%/-]+|[.,!?;:]")


class TrigramModel:
    """Next-word lists keyed by the previous two words; sentences start after ``START START``."""

    def __init__(self, sentences: list[list[str]]):
        table: dict[tuple[str, str], list[str]] = {}
        for words in sentences:
            seq = [START, START, *words, END]
            for a, b, c in zip(seq, seq[1:], seq[2:], strict=False):
                table.setdefault((a, b), []).append(c)
        self.table = table

    def sentence(self, rng: Random, max_words: int = 40) -> str:
        a, b = START, START
        words: list[str] = []
        while len(words) < max_words:
            options = self.table.get((a, b))
            if not options:
                break
            word = options[int(rng.random() * len(options))]
            if word == END:
                break
            words.append(word)
            a, b = b, word
        return detokenize(words)

    def paragraph(self, rng: Random, sentences: int) -> str:
        return " ".join(self.sentence(rng) for _ in range(sentences))


def detokenize(words: list[str]) -> str:
    text = " ".join(words)
    text = re.sub(r" ([.,!?;:])", r"\1", text)
    return text[:1].upper() + text[1:]


def _split_sentences(text: str) -> list[list[str]]:
    sentences, current = [], []
    for token in _TOKEN.findall(text):
        current.append(token)
        if token in ".!?":
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


@cache
def model_for(category: str) -> TrigramModel:
    """The sampler for one campaign category, trained on a fixed expansion of its templates."""
    rng = Random(f"markov:{category}")
    lexicon = Lexicon()
    templates = [compile_template(t) for t in CAMPAIGN_SOURCE[category]]
    sentences: list[list[str]] = []
    for i in range(CORPUS_SIZE):
        sentences.extend(_split_sentences(expand(templates[i % len(templates)], rng, lexicon)))
    return TrigramModel(sentences)


def campaign_categories() -> tuple[str, ...]:
    return tuple(CAMPAIGN_SOURCE)


def rewrite(text: str, rng: Random) -> str:
    """A near-duplicate: a few paraphrase swaps, maybe a dropped or reordered sentence."""
    for a, b in PARAPHRASES:
        if rng.random() < 0.35:
            if a in text:
                text = text.replace(a, b, 1)
            elif b in text:
                text = text.replace(b, a, 1)
    parts = re.split(r"(?<=[.!?]) ", text)
    if len(parts) > 2 and rng.random() < 0.3:
        del parts[int(rng.random() * len(parts))]
    if len(parts) > 1 and rng.random() < 0.3:
        i = int(rng.random() * (len(parts) - 1))
        parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join(parts)
