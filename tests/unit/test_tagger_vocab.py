"""The tagger's vocabulary cap: spaCy's vocabulary grows with every new word; past
``max_vocab`` entries the pipeline is reloaded, and results do not change."""

from __future__ import annotations

import json

from enrichment.tagger import Tagger
from tests.conftest import FIXTURES


def test_vocabulary_cap_reloads_the_pipeline_and_keeps_results() -> None:
    texts = [json.loads(line)["text"] for line in (FIXTURES / "tagger" / "labelled.jsonl").open() if line.strip()]
    steady = Tagger()
    base = len(steady.nlp.vocab)  # as loaded
    expected = steady.tag_texts(texts)
    capped = Tagger(max_vocab=base + 50)
    first = capped.tag_texts(texts[:100])
    assert capped.reloads == 1  # the first batch added more than 50 words
    assert len(capped.nlp.vocab) <= base + 50
    assert first + capped.tag_texts(texts[100:]) == expected
    assert steady.reloads == 0
