"""The misuse lexicon: JSONL pattern files (docs/lexicon.md) compiled into spaCy matchers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from spacy.attrs import ORTH
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from misusewatch.errors import InputError

LEXICON_DIR = Path(__file__).parent / "lexicon"

# Every label the tagger understands; a pattern with another label is a typo, not a new feature.
LABELS = frozenset(
    {
        "MODEL",
        "MODEL_SIZE",
        "LM_TERM",
        "TOOL",
        "MISUSE",
        "MISUSE_GENERIC",
        "EVASION",
        "SUPPRESS",
        "CODE",
        "INTENT",
        "DEPLOY",
        "NEG",
        "HYPO",
        "SARCASM",
        "REPORTED",
        "SKILL",
        "RESOURCE",
        "PLATFORM",
        "DOMAIN",
        "HANDLE",
    }
)
FLAGS = frozenset({"weak", "neg_ok", "local"})
PHRASE_ATTRS = ("LOWER", "ORTH")


class LexiconError(InputError):
    """A lexicon line that cannot be compiled; the message names the file and line."""


class Hit(NamedTuple):
    """One lexicon match, in character offsets into the document text."""

    label: str
    rule: str
    value: str
    start: int
    end: int
    weak: bool
    neg_ok: bool
    # The trigger needs misuse or LM talk in its own sentence ("sent" alone means little).
    local: bool = False


@dataclass(frozen=True, slots=True)
class Pattern:
    """One lexicon line: an EntityRuler-style pattern (or a regex) with our metadata."""

    id: str
    label: str
    value: str
    kind: str  # phrase | tokens | regex
    pattern: Any
    attr: str
    flags: frozenset[str]
    where: str  # "file:line", for errors and docs
    # A regex runs only on texts whose lower-cased form contains one of these strings.
    requires: tuple[str, ...] = ()


def parse_line(raw: str, where: str) -> Pattern | None:
    """A Pattern from one JSONL line (None for blank lines); LexiconError names ``where``."""
    if not raw.strip():
        return None
    path, _, line = where.rpartition(":")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LexiconError(f"not JSON ({exc.msg})", path=path, line=int(line)) from None
    if not isinstance(data, dict):
        raise LexiconError("expected a JSON object", path=path, line=int(line))

    def fail(message: str) -> LexiconError:
        return LexiconError(message, path=path, line=int(line))

    rule_id, label = data.get("id"), data.get("label")
    if not isinstance(rule_id, str) or not rule_id:
        raise fail("missing field id")
    if label not in LABELS:
        raise fail(f"label {label!r} is not one of {sorted(LABELS)}")
    flags = frozenset(data.get("flags") or ())
    if not flags <= FLAGS:
        raise fail(f"unknown flag(s) {sorted(flags - FLAGS)}")
    attr = data.get("attr", "LOWER")
    if attr not in PHRASE_ATTRS:
        raise fail(f"attr {attr!r} is not one of {PHRASE_ATTRS}")
    has_pattern, has_regex = "pattern" in data, "regex" in data
    if has_pattern == has_regex:
        raise fail("needs exactly one of pattern, regex")
    if has_regex:
        kind, pattern = "regex", data["regex"]
        try:
            pattern = re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise fail(f"bad regex: {exc}") from None
    elif isinstance(data["pattern"], str) and data["pattern"].strip():
        kind, pattern = "phrase", data["pattern"]
    elif isinstance(data["pattern"], list) and all(isinstance(t, dict) for t in data["pattern"]):
        kind, pattern = "tokens", data["pattern"]
    else:
        raise fail("pattern must be a phrase (string) or a token pattern (list of objects)")
    requires = data.get("requires") or ()
    if requires and (kind != "regex" or not all(isinstance(r, str) and r for r in requires)):
        raise fail("requires must be a list of non-empty strings, on a regex pattern")
    value = str(data.get("value") or rule_id.rsplit(".", 1)[-1])
    return Pattern(rule_id, label, value, kind, pattern, attr, flags, where, tuple(r.lower() for r in requires))


def load_patterns(directory: Path | str = LEXICON_DIR) -> list[Pattern]:
    """Every pattern in ``directory/*.jsonl``, in file then line order."""
    directory = Path(directory)
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise LexiconError("no *.jsonl lexicon files", path=directory)
    patterns: list[Pattern] = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, 1):
                parsed = parse_line(raw, f"{path}:{number}")
                if parsed is not None:
                    patterns.append(parsed)
    return patterns


class CompiledLexicon:
    """Phrase patterns in PhraseMatchers (by attr), token patterns in a Matcher, regexes over text.

    Patterns that share (id, label, value, flags) share one matcher key, so a few thousand
    phrases cost one hash lookup per token rather than one Python call each.
    """

    def __init__(self, nlp, patterns: Sequence[Pattern]):
        self.patterns = list(patterns)
        self._phrase = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in PHRASE_ATTRS}
        self._tokens = Matcher(nlp.vocab)
        self._meta: dict[int, tuple[str, str, str, bool, bool, bool]] = {}
        self._regexes: list[tuple[re.Pattern[str], frozenset[str], tuple[str, str, str, bool, bool, bool]]] = []
        phrases: dict[tuple[str, str], list[Doc]] = {}
        tokens: dict[str, list[list[dict]]] = {}
        for p in self.patterns:
            meta = (p.label, p.id, p.value, "weak" in p.flags, "neg_ok" in p.flags, "local" in p.flags)
            key = f"{p.label}|{p.id}|{p.value}|{','.join(sorted(p.flags))}"
            self._meta[nlp.vocab.strings.add(key)] = meta
            if p.kind == "regex":
                self._regexes.append((p.pattern, frozenset(p.requires), meta))
            elif p.kind == "phrase":
                phrases.setdefault((p.attr, key), []).append(nlp.make_doc(p.pattern))
            else:
                tokens.setdefault(key, []).append(p.pattern)
        self._requires = sorted({r for _, requires, _ in self._regexes for r in requires})
        self._automaton = string_automaton(self._requires)
        self.screen = _lm_screen(nlp, self.patterns)
        for (attr, key), docs in phrases.items():
            self._phrase[attr].add(key, docs)
        for key, token_patterns in tokens.items():
            try:
                self._tokens.add(key, token_patterns)
            except ValueError as exc:
                raise LexiconError(f"bad token pattern for {key.split('|')[1]}: {exc}") from None

    def __call__(self, doc: Doc, *, text: str | None = None, prefilter: bool = True) -> list[Hit]:
        hits: list[Hit] = []
        for matcher in (self._phrase["LOWER"], self._phrase["ORTH"], self._tokens):
            if len(matcher) == 0:
                continue
            for key, start, end in matcher(doc):
                label, rule, value, weak, neg_ok, local = self._meta[key]
                span = doc[start:end]
                hits.append(Hit(label, rule, value, span.start_char, span.end_char, weak, neg_ok, local))
        text = doc.text if text is None else text
        lowered = text.lower()
        # Most regexes cannot match most posts; substring tests are far cheaper than re.
        present = self._present(lowered) if prefilter else set()
        for regex, requires, (label, rule, value, weak, neg_ok, local) in self._regexes:
            if prefilter and requires and requires.isdisjoint(present):
                continue
            for m in regex.finditer(text):
                if m.end() > m.start():
                    hits.append(Hit(label, rule, value, m.start(), m.end(), weak, neg_ok, local))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def _present(self, lowered: str) -> set[str]:
        """The ``requires`` strings that occur in the text: one Aho-Corasick pass."""
        if self._automaton is not None:
            return {found for _, found in self._automaton.iter(lowered)}
        return {r for r in self._requires if r in lowered}


def string_automaton(strings: Iterable[str]):
    """An Aho-Corasick automaton over the distinct strings, each found as itself; None if none."""
    import ahocorasick

    keys = sorted(set(strings))
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key in keys:
        automaton.add_word(key, key)
    automaton.make_automaton()
    return automaton


def _lm_screen(nlp, patterns: Sequence[Pattern]):
    # Imported here: the screen needs the rules' idea of an LM hint, and rules imports Hit.
    from enrichment.rules import is_lm_hint
    from enrichment.screen import LmScreen

    return LmScreen(
        patterns,
        lambda text: [(t.text, t.is_space) for t in nlp.make_doc(text)],
        [[piece[ORTH] for piece in pieces] for pieces in nlp.tokenizer.rules.values()],
        is_lm_hint,
    )


def iter_rules(patterns: Iterable[Pattern]) -> dict[str, Pattern]:
    """The first pattern of each rule id (for docs and evidence lookups)."""
    rules: dict[str, Pattern] = {}
    for p in patterns:
        rules.setdefault(p.id, p)
    return rules
