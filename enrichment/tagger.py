"""The rule-based tagger as an Enricher: posts -> categories, ladder step, tier, with evidence.

Registered as ``tagger`` (docs/development.md facets table). Its version is the rules version
plus a digest of the lexicon and of the rule modules, so editing a pattern file or a rule
re-tags every post on the next run.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from enrichment.base import enrichers
from enrichment.lexicon import LEXICON_DIR
from enrichment.nlp import MODEL_NAME, load_pipeline, make_docs
from enrichment.rules import TagResult, lm_evidence
from misusewatch.records import Enrichment, Post

# (text, evidence from the thread title that the post is about an LM, or None)
Item = tuple[str, list[dict[str, Any]] | None]
RULES_VERSION = "1"
DATA_KEYS = ("evidence", "targets", "skill_markers", "resource_markers")
NAME = "tagger"


# The modules whose code decides a post's tags; their source is part of the version.
RULE_MODULES = ("rules.py", "context.py", "targets.py", "lexicon.py", "screen.py")
# A forked worker (or this process) reloads the pipeline once its vocabulary holds this many
# lexemes: spaCy adds one for every new word it sees and never drops any, and its memory
# zones cost more than twice the tokenizer's time here (docs/benchmarks.md, "Enrichment").
MAX_VOCAB = 500_000
MAX_CHUNK = 4096  # posts per message to a worker


def lexicon_digest(directory: Path | str = LEXICON_DIR) -> str:
    """Digest of the pattern files and the rule modules' source."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in [*sorted(Path(directory).glob("*.jsonl")), *(here / name for name in RULE_MODULES)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class Tagger:
    """Tags texts with the spaCy pipeline, in this process or ``n_process`` forked workers."""

    def __init__(
        self,
        model: str = MODEL_NAME,
        *,
        ner_gate: str = "plan",
        batch_size: int = 256,
        n_process: int = 1,
        lexicon_dir: str | Path | None = None,
        fast_path: bool = True,
        max_vocab: int = MAX_VOCAB,
    ):
        self.model = model
        self.fast_path = fast_path
        self.max_vocab = max_vocab
        self.reloads = 0
        self.ner_gate = ner_gate
        self.batch_size = batch_size
        self.n_process = max(1, int(n_process))
        self.lexicon_dir = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
        self._pool: Any = None
        self._title_cache: dict[str, list[dict[str, Any]]] = {}

    @cached_property
    def nlp(self):
        return load_pipeline(self.model, lexicon_dir=self.lexicon_dir, ner_gate=self.ner_gate)

    @cached_property
    def version(self) -> str:
        return f"{RULES_VERSION}+{lexicon_digest(self.lexicon_dir)}"

    def tag_texts(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> list[dict[str, Any]]:
        """One result dict per text (``TagResult.to_dict()``), in order.

        A thread title that names a language model makes its replies LM-related ("I've been
        running it on three accounts" under "GPT-2 1.5B released"); that evidence is marked
        ``"field": "thread_title"`` and its offsets are into the title.
        """
        contexts = [self._title_lm_evidence(t) if t else None for t in (titles or [])]
        items = list(zip(texts, contexts or [None] * len(texts), strict=True))
        if self.n_process > 1 and len(items) >= 2 * self.n_process:
            compact = self._tag_parallel(items)
        else:
            compact = self._tag_here(items)
        return [r if r is not None else TagResult().to_dict() for r in compact]

    def _tag_here(self, items: Sequence[Item]) -> list[dict[str, Any] | None]:
        """Results, None where the fast path applies (a worker sends less back that way)."""
        results = _tag_with(self.nlp, items, self.batch_size, fast_path=self.fast_path)
        if len(self.nlp.vocab) > self.max_vocab:
            # Results are plain dicts: nothing refers to the old pipeline's strings.
            del self.__dict__["nlp"]
            self.reloads += 1
        return results

    def _title_lm_evidence(self, title: str) -> list[dict[str, Any]] | None:
        if title not in self._title_cache:
            if len(self._title_cache) > 10_000:
                self._title_cache.clear()
            found = []
            if not self.fast_path or _screen(self.nlp).might_hint_lm(title):
                doc = self.nlp.get_pipe("misusewatch_lexicon")(self.nlp.make_doc(title))
                found = lm_evidence(title, doc._.mw_hits)
            self._title_cache[title] = [{**e, "field": "thread_title"} for e in found]
        return self._title_cache[title] or None

    def _tag_parallel(self, items: list[Item]) -> list[dict[str, Any] | None]:
        if self._pool is None:
            _ = self.nlp  # load before forking so workers share the model's memory
            global _WORKER_TAGGER
            _WORKER_TAGGER = self
            self._pool = multiprocessing.get_context("fork").Pool(self.n_process)
        # Four chunks a worker balances the load; most posts take microseconds, so a chunk
        # below a batch would cost more in messages than in work.
        chunk = max(self.batch_size, min(MAX_CHUNK, -(-len(items) // (4 * self.n_process))))
        chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
        out: list[dict[str, Any] | None] = []
        for part in self._pool.imap(_tag_chunk, chunks):
            out.extend(part)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


_WORKER_TAGGER: Tagger | None = None


def _tag_chunk(items: list[Item]) -> list[dict[str, Any] | None]:
    assert _WORKER_TAGGER is not None
    return _WORKER_TAGGER._tag_here(items)


def _screen(nlp):
    return nlp.get_pipe("misusewatch_lexicon").lexicon.screen


def _tag_with(nlp, items: Sequence[Item], batch_size: int, *, fast_path: bool = True) -> list[dict[str, Any] | None]:
    """Tag (text, title context) items; with ``fast_path`` a post the screen proves has no LM
    hint is not given to spaCy and gets None here, ``tag``'s empty result in ``tag_texts``
    (enrichment/screen.py)."""
    if fast_path:
        screen = _screen(nlp)
        full = [i for i, (text, context) in enumerate(items) if context or screen.might_hint_lm(text)]
    else:
        full = list(range(len(items)))
    results: list[dict[str, Any] | None] = [None] * len(items)
    docs = make_docs(nlp, [items[i][0] for i in full], [items[i][1] for i in full])
    for i, doc in zip(full, nlp.pipe(docs, batch_size=batch_size), strict=True):
        results[i] = doc._.mw_tags.to_dict()
    return results


def facets_of(result: dict[str, Any]) -> dict[str, Any]:
    return {key: result[key] for key in ("lm_related", "categories", "ladder", "tier")}


class TaggerEnricher:
    """The ``tagger`` enricher: one Enrichment per post with facets and evidence."""

    name = NAME

    def __init__(self, tagger: Tagger):
        self.tagger = tagger

    @property
    def version(self) -> str:
        return self.tagger.version

    def enrich(self, posts: Sequence[Post]) -> list[Enrichment]:
        results = self.tagger.tag_texts([p.text for p in posts], [p.thread_title for p in posts])
        return [
            Enrichment(
                post_id=post.id,
                enricher=self.name,
                version=self.version,
                data={key: result[key] for key in DATA_KEYS},
                facets=facets_of(result),
            )
            for post, result in zip(posts, results, strict=True)
        ]

    def close(self) -> None:
        self.tagger.close()


@enrichers.register(
    NAME,
    defaults={
        "model": MODEL_NAME,
        "ner_gate": "plan",
        "batch_size": 256,
        "n_process": 1,
        "lexicon_dir": None,
        "fast_path": True,
        "max_vocab": MAX_VOCAB,
    },
)
def make_tagger(
    model: str,
    ner_gate: str,
    batch_size: int,
    n_process: int,
    lexicon_dir: str | None,
    fast_path: bool,
    max_vocab: int,
) -> TaggerEnricher:
    """Rule-based tagger: categories, misuse ladder step, tier and targets, with evidence."""
    return TaggerEnricher(
        Tagger(
            model,
            ner_gate=ner_gate,
            batch_size=batch_size,
            n_process=n_process,
            lexicon_dir=lexicon_dir,
            fast_path=fast_path,
            max_vocab=max_vocab,
        )
    )


__all__ = ["Tagger", "TaggerEnricher", "facets_of", "lexicon_digest", "make_tagger"]
