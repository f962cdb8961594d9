"""Where a match sits in a post: sentence, clause, quote, question, and whose voice it is in.

Forum posts quote each other, joke, negate and speculate. A trigger phrase ("going to",
"posted 500 reviews") only counts as the author's own plan or deed when it is in the author's
voice: not inside a quote, not negated or hypothetical, not sarcastic, not reported speech,
and with a first-person (or elided) subject. Everything here works on character offsets and
regexes over the text, so it costs nothing per token.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the lexicon imports spaCy; metadata (quote_spans) must not pay for that
    from enrichment.lexicon import Hit

_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n+|(?<=\s)[-–—]{2,}(?=\s)")
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]]|\s[-–—]\s"
    r"|\b(?:but|though|although|however|whereas|because|cause|cuz|so that|unless)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")

# Lines quoting someone else: ">text" (not a ">>123" reply link) and attribution lines.
_QUOTE_LINE = re.compile(r"^[ \t]*>(?!>?\d)[^\n]*$", re.MULTILINE)
_GREENTEXT_STORY = re.compile(r"^[ \t]*>\s*(?:be|mfw|tfw|mrw|feels|decide|go|get)\b", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"^[ \t]*(?:quote(?:\s+from)?:?[^\n]*|originally posted by[^\n]*"
    r"|[^\n]{1,60}?\s(?:wrote|said|posted|says)"
    r"(?:\s+(?:on|at)\s[^\n]{1,40})?\s*:)[ \t]*\n",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_SPEECH = re.compile(r"\"[^\"\n]{12,}\"|“[^”\n]{12,}”|„[^“\n]{12,}“")

FIRST_PERSON = frozenset(
    "i i'm im i've ive i'll ill i'd id we we're we've we'll we'd me my mine our ours us myself "
    "ourselves lemme let's lets imma ima".split()
)
OTHER_PERSON = frozenset(
    "you you're youre u ur your yours y'all yall he he's hes she she's shes they they're theyre "
    "they've they'll them their it it's its this that these those someone somebody anyone anybody "
    "everyone everybody people person guy guys dude dudes man bro brother sister cousin friend "
    "friends roommate coworker students student kids teens spammers spammer scammers scammer "
    "trolls hackers attackers criminals researchers researcher journalists reporters "
    "mods mod admins admin moderators company companies firms agencies government governments "
    "russia russians china iran openai google facebook twitter reddit amazon microsoft op "
    "users user redditors anons anon one nobody others who which".split()
)
# Words after a trigger that are its object, not someone else acting ("going to use it").
OBJECT_WORDS = frozenset("it it's its this that these those them which who one".split())
OTHER_AGENTS = OTHER_PERSON - OBJECT_WORDS
# After a trigger only a pronoun can be its subject ("Tomorrow they're posting"); nouns there
# are objects or places ("hit twitter next").
OTHER_PRONOUNS = frozenset(
    "you you're youre u he he's hes she she's shes they they're theyre they've they'll someone somebody people".split()
)


@dataclass(slots=True)
class Context:
    """The segmentation of one post, built once and queried for every trigger."""

    text: str
    sentence_starts: list[int]
    sentence_ends: list[int]
    clause_starts: list[int]
    quotes: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Context:
        starts, ends = [], []
        position = 0
        for m in _SENTENCE_END.finditer(text):
            if m.end() > position and text[position : m.start()].strip():
                starts.append(position)
                ends.append(m.end())
            position = m.end()
        if text[position:].strip():
            starts.append(position)
            ends.append(len(text))
        if not starts:
            starts, ends = [0], [len(text)]
        clauses = sorted(set(starts) | {m.end() for m in _CLAUSE_BREAK.finditer(text)})
        return cls(text, starts, ends, clauses, quote_spans(text))

    # -- where
    def sentence_of(self, offset: int) -> int:
        return max(0, bisect_right(self.sentence_starts, offset) - 1)

    def sentence_span(self, index: int) -> tuple[int, int]:
        return self.sentence_starts[index], self.sentence_ends[index]

    def clause_start(self, offset: int) -> int:
        i = bisect_right(self.clause_starts, offset) - 1
        sentence_start = self.sentence_starts[self.sentence_of(offset)]
        return max(self.clause_starts[i] if i >= 0 else 0, sentence_start)

    def clause_end(self, offset: int) -> int:
        i = bisect_right(self.clause_starts, offset)
        sentence_end = self.sentence_ends[self.sentence_of(offset)]
        return min(self.clause_starts[i] if i < len(self.clause_starts) else len(self.text), sentence_end)

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_starts)

    # -- how
    def in_quote(self, start: int, end: int) -> bool:
        return any(qs <= start and end <= qe for qs, qe in self.quotes)

    def is_question(self, offset: int) -> bool:
        s, e = self.sentence_span(self.sentence_of(offset))
        return self.text[s:e].rstrip().endswith("?")

    def person(self, hit: Hit, *, marker: bool = False) -> str:
        """ "first", "other" or "elided": who does the act the trigger names.

        The nearest person word before the trigger in its clause decides; failing that, one
        just after it ("Tomorrow I'm posting..."); failing that, a trigger that opens its clause
        has an elided subject, which in forum writing is the author ("Got 4 accounts banned").
        A ``marker`` (a skill phrase, not an act) only asks whether someone else is the subject
        before it: "I run it through ollama" is the author's skill.
        """
        own_words = [w.lower() for w in _WORD.findall(self.text[hit.start : hit.end])]
        if any(w in FIRST_PERSON for w in own_words[:3]):
            return "first"
        start = self.clause_start(hit.start)
        before = [w.lower() for w in _WORD.findall(self.text[start : hit.start])]
        others = OTHER_AGENTS if marker else OTHER_PERSON
        for word in reversed(before[-6:]):
            if word in FIRST_PERSON:
                return "first"
            if word in others:
                return "other"
        if marker:
            return "elided"
        after = [w.lower() for w in _WORD.findall(self.text[hit.end : self.clause_end(hit.end)])][:4]
        for word in after:
            if word in FIRST_PERSON:
                return "first"
            if word in OTHER_PRONOUNS:
                return "other"
        if any(w in OTHER_PERSON for w in own_words[:1]):
            return "other"
        return "elided" if len(before) <= 2 else "other"

    def acts_for_other(self, hit: Hit) -> bool:
        """ "I want to see someone try it", "I want you to": the act is not the author's."""
        after = [w.lower() for w in _WORD.findall(self.text[hit.end : self.clause_end(hit.end)])][:3]
        return any(w in OTHER_AGENTS for w in after[:2]) or (
            after[:1] == ["see"] and len(after) > 1 and after[1] in OTHER_AGENTS
        )

    def words_between(self, start: int, end: int) -> int:
        return len(_WORD.findall(self.text[start:end])) if end > start else 0


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of what a post quotes: ">" blocks, "X wrote:" paragraphs, "quoted speech"."""
    spans: list[tuple[int, int]] = []
    # Each regex needs a character most posts lack; a substring test is far cheaper than a scan.
    if ">" in text:
        block: list[tuple[int, int]] = []
        for m in _QUOTE_LINE.finditer(text):
            if block and text[block[-1][1] : m.start()].strip():
                spans.extend(_close_block(text, block))
                block = []
            block.append((m.start(), m.end()))
        spans.extend(_close_block(text, block))
    if "\n" in text:
        for m in _ATTRIBUTION.finditer(text):
            end = text.find("\n\n", m.end())
            spans.append((m.start(), len(text) if end < 0 else end))
    if '"' in text or "“" in text or "„" in text:
        spans.extend((m.start(), m.end()) for m in _QUOTED_SPEECH.finditer(text))
    return spans


def _close_block(text: str, block: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    # A greentext story (">be me") is the author's own voice, not a quote.
    if not block or _GREENTEXT_STORY.match(text[block[0][0] : block[0][1]]):
        return []
    return [(block[0][0], block[-1][1])]
