"""The tagger's fast path: prove from the raw text that no lexicon pattern can hint at an LM.

``tag`` (enrichment/rules.py) gives a post with no language-model hint (no ``MODEL``,
``MODEL_SIZE``, ``LM_TERM`` or non-automation ``TOOL`` hit; see ``is_lm_hint``) the empty
result: ladder ``none``, no categories, no evidence. Most forum posts are such chatter, so
``LmScreen.might_hint_lm(text)`` decides, before spaCy tokenises anything, whether a post can
have such a hit; a post that cannot gets the empty result without tokenizer, matchers or rules.

The screen must never say "no" for a post the full path would find a hint in (it may say
"maybe" for one it would not: that post just takes the full path). It is built from the same
patterns as the matchers:

* a regex pattern is run as it is on the raw text, whenever one of its ``requires`` strings
  occurs (the same gate the lexicon uses, tested never to lose a match);
* a phrase is found by its longest token with one Aho-Corasick pass over the lower-cased text,
  then confirmed by a regex of all its tokens with any whitespace between them, bounded the way
  the tokenizer bounds tokens. spaCy's English tokenizer splits a token from a neighbouring
  ASCII letter or digit only after a digit (units and currencies: "124M", "5US$") or where a
  tokenizer exception splits a word ("gonna" -> "gon" "na", "ain't" -> "ai" "n't"): so a
  phrase's end token may also touch the piece an exception puts beside it;
* a token pattern needs one literal token it cannot match without; a token pattern without
  one switches the screen off (every post takes the full path).

``tests/unit/test_screen.py`` checks the screen against the full path on our fixtures, the
testbed and adversarial spellings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from enrichment.lexicon import Pattern, string_automaton

_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Words too common to look a phrase up by ("on my pc" is found by "pc"); any token is sound.
_COMMON = frozenset(
    "a an the on in of to for by at it its is be my me i we our you your this that these those "
    "with from as or and but not no so do did use used using run ran full new large small".split()
)
# Token-pattern operators under which a token spec must match at least once.
_REQUIRED_OPS = (None, "1", "+")


class LmScreen:
    """Says whether a text might contain a language-model hint (see the module docstring)."""

    def __init__(
        self,
        patterns: Sequence[Pattern],
        tokenize: Callable[[str], Sequence[tuple[str, bool]]],
        exceptions: Iterable[Sequence[str]],
        wanted: Callable[[str, str], bool],
    ):
        """``tokenize(text)`` gives (token text, is whitespace) pairs as the tokenizer would;
        ``exceptions`` are the token texts of each tokenizer exception ("ain't" -> "ai",
        "n't"); ``wanted(label, value)`` says which patterns matter (``rules.is_lm_hint``)."""
        neighbours = _Neighbours(exceptions)
        phrases: dict[str, list[str]] = defaultdict(list)
        self.disabled = False
        self._always: list[re.Pattern[str]] = []
        regexes_by_key: dict[str, list[re.Pattern[str]]] = defaultdict(list)
        for p in patterns:
            if not wanted(p.label, p.value):
                continue
            if p.kind == "regex":
                if not p.requires:
                    self._always.append(p.pattern)
                for required in p.requires:
                    regexes_by_key[required].append(p.pattern)
            elif p.kind == "phrase":
                tokens = [text.lower() for text, space in tokenize(p.pattern) if not space]
                if tokens:
                    key = max(tokens, key=lambda t: (t not in _COMMON, len(t)))
                    phrases[key].append(_phrase_regex(tokens, neighbours))
            else:
                choices = _required_token(p.pattern)
                if choices is None:
                    self.disabled = True
                for choice in choices or ():
                    phrases[choice].append(_phrase_regex([choice], neighbours))
        # One alternation per key, over the lower-cased text; the raw-text regexes keep theirs.
        self._phrase_checks = {key: re.compile("|".join(sorted(set(parts)))) for key, parts in phrases.items()}
        self._regex_checks = {key: _unique(found) for key, found in regexes_by_key.items()}
        self._automaton = string_automaton([*self._phrase_checks, *self._regex_checks])

    def might_hint_lm(self, text: str) -> bool:
        """False only when no wanted pattern can match ``text``."""
        if self.disabled:
            return True
        for regex in self._always:
            if _nonempty_match(regex, text):
                return True
        if self._automaton is None:
            return False
        lowered = text.lower()
        found = {key for _, key in self._automaton.iter(lowered)}
        if not found:
            return False
        tried: set[int] = set()
        for key in found:
            check = self._phrase_checks.get(key)
            if check is not None and check.search(lowered):
                return True
            for regex in self._regex_checks.get(key, ()):
                if id(regex) not in tried:
                    tried.add(id(regex))
                    if _nonempty_match(regex, text):
                        return True
        return False


class _Neighbours:
    """For each token text an exception produces, the texts it has beside it there."""

    def __init__(self, exceptions: Iterable[Sequence[str]]):
        self.left: dict[str, set[str]] = defaultdict(set)
        self.right: dict[str, set[str]] = defaultdict(set)
        for pieces in exceptions:
            lowered = [p.lower() for p in pieces]
            for a, b in zip(lowered, lowered[1:], strict=False):
                self.right[a].add(b)
                self.left[b].add(a)


def _phrase_regex(tokens: Sequence[str], neighbours: _Neighbours) -> str:
    """The phrase's tokens in order, any whitespace between, bounded like tokenizer tokens.

    The left boundary is checked after the first character ("u(?<![a-z]u)se"), not before it:
    a pattern that opens with a literal lets ``re`` skip ahead to it, one that opens with a
    lookbehind is tried at every position (ten times slower here).
    """
    first, rest = tokens[0][0], tokens[0][1:]
    body = r"\s*".join([re.escape(rest), *(re.escape(t) for t in tokens[1:])])
    return re.escape(first) + _before(tokens[0], neighbours) + body + _after(tokens[-1], neighbours)


def _before(token: str, neighbours: _Neighbours) -> str:
    """Lookbehinds, placed after the token's first character, for what may precede it."""
    first = token[0]
    if first not in _ASCII_ALNUM:
        return ""
    # After a digit a letter can start a token ("124" "m"); after a letter nothing can,
    # except the piece an exception puts before it.
    me = re.escape(first)
    bound = f"(?<![a-z]{me})" if first.isalpha() else f"(?<![a-z0-9]{me})"
    beside = sorted(neighbours.left.get(token, ()))
    return f"(?:{'|'.join([bound, *(f'(?<={re.escape(b)}{me})' for b in beside)])})" if beside else bound


def _after(token: str, neighbours: _Neighbours) -> str:
    last = token[-1]
    if last not in _ASCII_ALNUM:
        return ""
    bound = "(?![a-z0-9])" if last.isalpha() else "(?![0-9])"
    beside = sorted(neighbours.right.get(token, ()))
    return f"(?:{'|'.join([bound, *(f'(?={re.escape(b)})' for b in beside)])})" if beside else bound


def _required_token(specs: list[dict]) -> list[str] | None:
    """The lower-cased texts one of which a token pattern cannot match without (None: unknown)."""
    best: list[str] | None = None
    for spec in specs:
        if spec.get("OP") not in _REQUIRED_OPS:
            continue
        for attr in ("LOWER", "ORTH", "TEXT"):
            value = spec.get(attr)
            if isinstance(value, str):
                choices = [value.lower()]
            elif isinstance(value, dict) and set(value) == {"IN"} and all(isinstance(v, str) for v in value["IN"]):
                choices = [v.lower() for v in value["IN"]]
            else:
                continue
            if choices and all(choices) and (best is None or min(map(len, choices)) > min(map(len, best))):
                best = choices
    return best


def _nonempty_match(regex: re.Pattern[str], text: str) -> bool:
    return any(m.end() > m.start() for m in regex.finditer(text))


def _unique(regexes: Iterable[re.Pattern[str]]) -> list[re.Pattern[str]]:
    return list({id(r): r for r in regexes}.values())
