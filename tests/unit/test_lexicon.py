"""The JSONL lexicon: every file loads, bad lines name their place, prefilters lose nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from enrichment.lexicon import (
    LABELS,
    LEXICON_DIR,
    CompiledLexicon,
    LexiconError,
    load_patterns,
)
from misusewatch.records import CATEGORIES
from tests.conftest import FIXTURES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def test_shipped_lexicon_loads_and_covers_every_category() -> None:
    patterns = load_patterns()
    assert len(patterns) > 2000
    assert {p.label for p in patterns} <= LABELS
    categories = {p.value for p in patterns if p.label == "MISUSE"}
    assert categories == set(CATEGORIES)
    gpt2_sizes = {p.value for p in patterns if p.label == "MODEL_SIZE"}
    assert {"124M", "355M", "774M", "1.5B"} <= gpt2_sizes


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ('{"label": "MODEL", "pattern": "x"}', "missing field id"),
        ('{"id": "a", "label": "NOPE", "pattern": "x"}', "label 'NOPE'"),
        ('{"id": "a", "label": "MODEL"}', "exactly one of pattern, regex"),
        ('{"id": "a", "label": "MODEL", "regex": "("}', "bad regex"),
        ('{"id": "a", "label": "MODEL", "pattern": "x", "flags": ["loud"]}', "unknown flag"),
        ('{"id": "a", "label": "MODEL", "pattern": "x", "requires": ["x"]}', "requires"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "mine.jsonl").write_text('{"id": "ok", "label": "MODEL", "pattern": "gpt-2"}\n' + line + "\n")
    with pytest.raises(LexiconError) as caught:
        load_patterns(tmp_path)
    assert "mine.jsonl:2: " in str(caught.value)
    assert message in str(caught.value)


def test_phrase_token_and_regex_patterns_all_match(tmp_path: Path, nlp) -> None:
    rows = [
        {"id": "p", "label": "MODEL", "value": "gpt-2", "pattern": "gpt-2 simple"},
        {"id": "t", "label": "INTENT", "pattern": [{"LOWER": "going"}, {"LOWER": "to"}, {"IS_ALPHA": True}]},
        {"id": "r", "label": "CODE", "regex": r"github\.com/\S+", "requires": ["github"]},
        {"id": "o", "label": "MODEL", "pattern": "CTRL", "attr": "ORTH"},
    ]
    (tmp_path / "x.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    lexicon = CompiledLexicon(nlp, load_patterns(tmp_path))
    text = "I'm going to use GPT-2 simple from github.com/a/b and ctrl and CTRL"
    hits = {(h.rule, text[h.start : h.end]) for h in lexicon(nlp(text))}
    assert hits == {("p", "GPT-2 simple"), ("t", "going to use"), ("r", "github.com/a/b"), ("o", "CTRL")}


def test_requires_prefilter_loses_no_match(nlp) -> None:
    """``requires`` is only a speed-up: with and without it the hits are the same."""
    lexicon = CompiledLexicon(nlp, load_patterns(LEXICON_DIR))
    texts = [
        json.loads(line)["text"]
        for name in ("labelled.jsonl", "heldout.jsonl")
        for line in (FIXTURES / "tagger" / name).open()
    ]
    texts += [
        "Running the 1.5B on 8x V100s, top_p=0.9, temperature=0.7, pip install gpt-2-simple",
        "my 40 bots got 3k karma before the mods noticed; made $300 so far, posted 500 reviews",
        "```\nimport gpt_2_simple as gpt2\n```  pastebin.com/abc  r/politics /pol/ @handle x.com",
    ]
    for text in texts:
        doc = nlp(text)
        assert lexicon(doc, prefilter=True) == lexicon(doc, prefilter=False), text


def test_docs_describe_every_label_and_file() -> None:
    doc = (REPO / "docs" / "lexicon.md").read_text()
    for label in LABELS:
        assert f"`{label}`" in doc, label
    for path in LEXICON_DIR.glob("*.jsonl"):
        assert path.name in doc, path.name


def test_every_enrichment_setting_is_documented() -> None:
    import re

    from enrichment.base import enrichers
    from enrichment.runner import load_enricher_plugins

    load_enricher_plugins()
    text = (REPO / "docs" / "configuration.md").read_text()
    section = text.split("## `[enrichment.tagger]`", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)) == set(enrichers.get("tagger").defaults)
    assert "| `enrichers` |" in text.split("## `[enrichment]`", 1)[1]
