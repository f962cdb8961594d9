"""The tagger's fast path (enrichment/screen.py) never changes a result, and does skip chatter."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import spacy

from enrichment.lexicon import CompiledLexicon, load_patterns
from enrichment.rules import is_lm_hint
from enrichment.tagger import Tagger
from tests.conftest import FIXTURES

LABELLED = [FIXTURES / "tagger" / "labelled.jsonl", FIXTURES / "tagger" / "heldout.jsonl"]
# What the tokenizer may find beside a phrase: punctuation, digits (units split after them),
# letters (no split), and words its exceptions split ("gonna", "ain't", "cannot").
LEFT = ["", " ", "x", "5", "(", "'", "-", "$", "US$", "\n", "gonna ", "ain't ", "/", "#", "@"]
RIGHT = ["", " ", "x", "5", ")", "n't", "'s", ".", "m", "-", "!", "?", "/", ":", "...", "ing"]


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


@pytest.fixture(scope="module")
def lexicon(nlp) -> CompiledLexicon:
    return CompiledLexicon(nlp, load_patterns())


def _texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()]


def _full_path_hints(nlp, lexicon: CompiledLexicon, text: str) -> bool:
    return any(is_lm_hint(h.label, h.value) for h in lexicon(nlp.make_doc(text)))


def test_fast_and_full_paths_agree_on_the_labelled_posts() -> None:
    texts = [t for path in LABELLED for t in _texts(path)]
    fast, full = Tagger(fast_path=True), Tagger(fast_path=False)
    assert fast.tag_texts(texts) == full.tag_texts(texts)
    # Thread titles: a title that names a model makes an otherwise plain reply LM-related.
    titles = ["GPT-2 1.5B released", "What did you have for lunch?"] * (len(texts) // 2) + [None] * (len(texts) % 2)
    assert fast.tag_texts(texts, titles) == full.tag_texts(texts, titles)


def test_screen_skips_chatter_and_keeps_every_lm_post(nlp, lexicon) -> None:
    screen = lexicon.screen
    chatter = [
        "I went to the store and bought some milk, then the bus was late again.",
        "Nobody got time for that, I cannot stay. Gonna watch the game tonight.",
        "The main train line said it would reopen on Monday; against all odds it did.",
        "Both of them said the robot vacuum was a waste of money.",
    ]
    for text in chatter:
        assert not _full_path_hints(nlp, lexicon, text)
        assert not screen.might_hint_lm(text), text
    lm_posts = [t for path in LABELLED for t in _texts(path) if _full_path_hints(nlp, lexicon, t)]
    assert len(lm_posts) > 150
    assert all(screen.might_hint_lm(t) for t in lm_posts)


def test_screen_never_misses_a_phrase_whatever_sits_beside_it(nlp, lexicon) -> None:
    """Every LM phrase of the lexicon, in three casings, glued to what the tokenizer might
    split it from (or not): where the full path finds an LM hint the screen must say maybe."""
    phrases = [p.pattern for p in load_patterns() if p.kind == "phrase" and is_lm_hint(p.label, p.value)]
    assert len(phrases) > 200
    rng = random.Random(5)
    cases = []
    for phrase in phrases:
        for surface in (phrase, phrase.upper(), phrase.title(), phrase.replace(" ", "  "), phrase.replace("-", " - ")):
            cases.extend(f"so {left}{surface} ok" for left in LEFT)
            cases.extend(f"so {surface}{right} ok" for right in RIGHT)
            cases.extend(f"so {rng.choice(LEFT)}{surface}{rng.choice(RIGHT)} ok" for _ in range(4))
    found = 0
    for text in cases:
        if _full_path_hints(nlp, lexicon, text):
            found += 1
            assert lexicon.screen.might_hint_lm(text), text
    assert found > len(phrases) * 5  # the cases do exercise the matchers


def test_a_token_pattern_without_a_literal_switches_the_screen_off(tmp_path: Path, nlp) -> None:
    lines = [
        {"id": "lm.x", "label": "LM_TERM", "value": "lm", "pattern": [{"LOWER": "llm"}, {"IS_DIGIT": True}]},
        {"id": "misuse.spam", "label": "MISUSE", "value": "spam", "pattern": "spam"},
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    screen = CompiledLexicon(nlp, load_patterns(tmp_path)).screen
    assert screen.might_hint_lm("an llm 7 here") and not screen.might_hint_lm("plain spam here")
    lines.append({"id": "lm.y", "label": "LM_TERM", "value": "lm", "pattern": [{"IS_UPPER": True}, {"IS_DIGIT": True}]})
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    screen = CompiledLexicon(nlp, load_patterns(tmp_path)).screen
    assert screen.disabled and screen.might_hint_lm("plain spam here")


def test_units_split_from_digits_are_found(tmp_path: Path, nlp) -> None:
    """ "5mb" is two tokens ("5" "mb"), so a phrase "mb" matches there: the screen must agree."""
    lines = [{"id": "lm.unit", "label": "LM_TERM", "value": "lm", "pattern": "mb"}]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    lexicon = CompiledLexicon(nlp, load_patterns(tmp_path))
    for text, hinted in [("about 5mb of text", True), ("a mb here", True), ("an mbox file", False), ("xmb", False)]:
        assert _full_path_hints(nlp, lexicon, text) is hinted, text
        assert lexicon.screen.might_hint_lm(text) is hinted, text
