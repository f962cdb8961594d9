"""The tagging rules: lexicon hits read in context -> lm_related, categories, ladder step, tier.

Documented in docs/tagger.md. In short:

* **categories**: a strong lexicon term names its category wherever it appears (quoting or
  condemning a misuse still discusses it); a weak term needs misuse context within a sentence.
* **ladder**: ``discussion`` when the post talks about misuse at all; ``plan``, ``code`` and
  ``deployment`` need a trigger in the author's own voice (not quoted, reported, negated,
  hypothetical, sarcastic, defensive or about someone else) tied to misuse that is not framed
  defensively (detecting, reporting, researching it). The highest step wins.
* **tier**: the author's demonstrated skill in this post: 3 (trains or modifies models, runs
  infrastructure at scale, evades detectors), 2 (fine-tunes, scripts, APIs, shares code),
  1 (asks how, cannot code, uses web demos), else None.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from enrichment.context import FIRST_PERSON, Context
from enrichment.lexicon import Hit
from misusewatch.records import CATEGORIES, LADDER_STEPS

LADDER_RANK = {step: rank for rank, step in enumerate(LADDER_STEPS)}
# Code evidence that is sharing or building a tool vs. a pointer to a well-known library.
WEAK_CODE = frozenset({"official_repo", "install", "code_snippet_inline"})
SELF_CONTAINED_CODE = frozenset(
    {"code_block", "code_snippet", "repo_link", "paste_link", "notebook_link", "model_link"}
)
# Deployment phrases naming an outcome, not an actor ("nobody noticed", "212 people clicked").
SUBJECTLESS_DEPLOY = frozenset({"outcome", "metric"})
LM_LABELS = ("MODEL", "MODEL_SIZE", "LM_TERM", "TOOL")
# Tooling that is not about language models (selenium, proxies, SMTP).
NOT_LM_TOOLS = frozenset({"automation"})
SCALE_FOR_TIER3 = 20
_WORDS = re.compile(r"[A-Za-z][A-Za-z']*")


@dataclass(slots=True)
class TagResult:
    """What the tagger concluded about one post, with the spans that made it conclude so."""

    lm_related: bool = False
    categories: list[str] = field(default_factory=list)
    ladder: str = "none"
    tier: int | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    skill_markers: list[dict[str, Any]] = field(default_factory=list)
    resource_markers: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    # Sentences that carry misuse or a trigger: where targets are looked for.
    focus_sentences: list[int] = field(default_factory=list)
    context: Context | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lm_related": self.lm_related,
            "categories": self.categories,
            "ladder": self.ladder,
            "tier": self.tier,
            "evidence": self.evidence,
            "targets": self.targets,
            "skill_markers": self.skill_markers,
            "resource_markers": self.resource_markers,
        }


def evidence(kind: str, value: Any, hit: Hit, text: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "value": value,
        "text": text[hit.start : hit.end],
        "start": hit.start,
        "end": hit.end,
        "rule": hit.rule,
    }


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


class _Post:
    """One post's hits grouped by label, with the context queries the rules share."""

    def __init__(self, text: str, hits: Sequence[Hit]):
        self.text = text
        self._ctx: Context | None = None
        suppress = [h for h in hits if h.label == "SUPPRESS"]
        self.by: dict[str, list[Hit]] = defaultdict(list)
        for h in hits:
            if h.label in ("MISUSE", "MISUSE_GENERIC") and any(_overlaps(h, s) for s in suppress):
                continue
            self.by[h.label].append(h)
        self.triggers = [h for lbl in ("INTENT", "CODE", "DEPLOY") for h in self.by[lbl]]
        self._sentence: dict[Hit, int] = {}
        self.lm_hint = False

    @property
    def ctx(self) -> Context:
        # Most posts have nothing that needs sentences; segment only when asked.
        if self._ctx is None:
            self._ctx = Context.of(self.text)
        return self._ctx

    def sent(self, hit: Hit) -> int:
        s = self._sentence.get(hit)
        if s is None:
            s = self._sentence[hit] = self.ctx.sentence_of(hit.start)
        return s

    def near(self, hit: Hit, sentences: Iterable[int], window: int) -> bool:
        s = self.sent(hit)
        if self.ctx.n_sentences <= 3 and window > 0:
            return any(True for _ in sentences)
        return any(abs(s - other) <= window for other in sentences)

    def negated(self, hit: Hit, value: str = "negation", max_words: int = 3) -> bool:
        clause_start = self.ctx.clause_start(hit.start)
        for neg in self.by["NEG"]:
            if neg.value != value or neg.start < clause_start or neg.start >= hit.end:
                continue
            if neg.start >= hit.start and neg.end > hit.end:
                continue
            if _overlaps(neg, hit) or self.ctx.words_between(neg.end, hit.start) <= max_words:
                return True
        return False

    def hypothetical(self, hit: Hit) -> bool:
        clause_start = self.ctx.clause_start(hit.start)
        return any(
            clause_start <= h.start and h.end <= hit.start and not self._closed_condition(h, hit)
            for h in self.by["HYPO"]
        )

    def _closed_condition(self, hypo: Hit, hit: Hit) -> bool:
        """ "If this works I'm going to...": a condition with its own subject, then a real plan."""
        if not self.text[hypo.start : hypo.end].lower().startswith(("if", "once", "when")):
            return False
        between = _WORDS.findall(self.text[hypo.end : hit.start])
        return len(between) >= 3 and between[-1].lower() in FIRST_PERSON

    def sarcastic(self, hit: Hit) -> bool:
        marks = self.by["SARCASM"]
        if not marks:
            return False
        if self.ctx.n_sentences <= 3:
            return True
        s = self.sent(hit)
        return any(abs(self.sent(m) - s) <= 1 for m in marks)

    def reported(self, hit: Hit) -> bool:
        s = self.sent(hit)
        return any(self.sent(r) == s and r.start < hit.end for r in self.by["REPORTED"])

    def active_defensive(self) -> list[Hit]:
        out = []
        for h in self.by["NEG"]:
            if h.value != "defensive" or self.negated(h, max_words=2):
                continue
            if any(t.start <= h.start and h.end <= t.end for t in self.by["DEPLOY"]):
                continue
            out.append(h)
        return out


def tag(text: str, hits: Sequence[Hit], *, lm_context: Sequence[dict[str, Any]] = ()) -> TagResult:
    """Apply the rules to one post's text and lexicon hits.

    ``lm_context`` is evidence from outside the text (the thread title) that the post is
    about a language model; it counts only when the text itself does not say so.
    """
    post = _Post(text, hits)
    result = TagResult()
    result.lm_related, found = _lm_related(post)
    if not result.lm_related and lm_context:
        result.lm_related, found = True, list(lm_context)
    result.evidence.extend(found)
    post.lm_hint = result.lm_related or _any_lm_hint(post)
    if not post.lm_hint:
        # The ladder is about misusing language models (docs/threat-model.md): a spam filter
        # eating an email or a phishing drill at the office is not a step on it.
        _tier(post, result, [])
        return result
    misuse_hits = _categories(post, result)
    defensive = post.active_defensive()
    defensive_sentences = {post.sent(h) for h in defensive}
    # Misuse the author could be acting on: not quoted, not in a defensive sentence.
    offensive = {
        post.sent(h)
        for h in misuse_hits
        if not post.ctx.in_quote(h.start, h.end) and post.sent(h) not in defensive_sentences
    }
    if misuse_hits:
        result.ladder = "discussion"
    own_triggers = _judge_triggers(post, result, offensive, defensive_sentences, bool(misuse_hits))
    for step, _hit in own_triggers:
        if LADDER_RANK[step] > LADDER_RANK[result.ladder]:
            result.ladder = step
    _tier(post, result, own_triggers)
    focus = {post.sent(h) for h in misuse_hits} | {post.sent(h) for _, h in own_triggers}
    result.focus_sentences = sorted(focus)
    result.context = post._ctx
    return result


def is_lm_hint(label: str, value: str) -> bool:
    """Whether a lexicon hit of this label and value hints at a language model.

    A post without one (and without a thread title that names a model) is tagged ``none``
    with no evidence whatever else it matches: ``tag`` stops at the ``lm_hint`` test. The
    tagger's fast path (enrichment/screen.py) relies on exactly this.
    """
    return label in LM_LABELS and not (label == "TOOL" and value in NOT_LM_TOOLS)


def _any_lm_hint(post: _Post) -> bool:
    """Even a weak hint of a language model ("bot", "generated", "use it to") will do for
    reading misuse: forum replies say "it" for the model the thread is about."""
    return any(is_lm_hint(label, h.value) for label in LM_LABELS for h in post.by[label])


def lm_evidence(text: str, hits: Sequence[Hit]) -> list[dict[str, Any]]:
    """The evidence that ``text`` is about language models (empty when it is not)."""
    return _lm_related(_Post(text, hits))[1]


def _lm_related(post: _Post) -> tuple[bool, list[dict[str, Any]]]:
    strong, weak = [], {}
    for label in LM_LABELS:
        for h in post.by[label]:
            if not is_lm_hint(label, h.value):
                continue
            if h.weak or label == "MODEL_SIZE":
                weak.setdefault(post.text[h.start : h.end].lower(), h)
            else:
                strong.append(h)
    related = bool(strong) or len(weak) >= 2
    if not related:
        return False, []
    kinds = {"MODEL": "model", "MODEL_SIZE": "model_size", "LM_TERM": "lm_term", "TOOL": "tool"}
    used = strong or list(weak.values())
    seen: set[tuple[str, int]] = set()
    out = []
    for h in sorted(used, key=lambda h: h.start):
        if (h.rule, h.start) not in seen:
            seen.add((h.rule, h.start))
            out.append(evidence(kinds[h.label], h.value, h, post.text))
    return True, out[:12]


def _categories(post: _Post, result: TagResult) -> list[Hit]:
    """Assign categories; return every hit that makes this post about misuse."""
    # Generic misuse context supports a weak term of any category; a strong term only its own
    # ("fraud detection" near "fake reviews" is not phishing).
    generic = post.by["MISUSE_GENERIC"] + post.by["EVASION"]
    if result.lm_related:
        generic += [h for h in post.by["DEPLOY"] if h.value == "banned"]
    generic_sentences = [post.sent(h) for h in generic]
    strong_sentences: dict[str, list[int]] = defaultdict(list)
    for h in post.by["MISUSE"]:
        if not h.weak:
            strong_sentences[h.value].append(post.sent(h))
    accepted: list[Hit] = []
    categories: dict[str, None] = {}
    weak_by_cat: dict[str, list[Hit]] = defaultdict(list)
    strong_spans = [h for h in post.by["MISUSE"] if not h.weak]
    for h in post.by["MISUSE"]:
        if h.weak:
            # "troll" inside "troll farm" is the farm's category, not harassment.
            if any(s.start <= h.start and h.end <= s.end for s in strong_spans):
                continue
            weak_by_cat[h.value].append(h)
        else:
            accepted.append(h)
            categories.setdefault(h.value)
    trigger_sentences = {post.sent(t) for t in post.triggers if not post.ctx.in_quote(t.start, t.end)}
    for category, weak_hits in weak_by_cat.items():
        distinct = {post.text[h.start : h.end].lower() for h in weak_hits}
        for h in weak_hits:
            others = [
                post.sent(o)
                for o in weak_hits
                if post.text[o.start : o.end].lower() != post.text[h.start : h.end].lower()
            ]
            context_sentences = generic_sentences + strong_sentences.get(category, [])
            supported = post.near(h, context_sentences, 1) or (
                post.lm_hint and ((len(distinct) >= 2 and post.near(h, others, 1)) or post.sent(h) in trigger_sentences)
            )
            if supported:
                accepted.append(h)
                categories.setdefault(category)
    result.categories = sorted(categories, key=lambda c: _CATEGORY_ORDER[c])
    seen: set[tuple[str, str]] = set()
    for h in sorted(accepted, key=lambda h: h.start):
        key = (h.value, post.text[h.start : h.end].lower())
        if key not in seen:
            seen.add(key)
            result.evidence.append(evidence("category", h.value, h, post.text))
    for h in post.by["MISUSE_GENERIC"] + post.by["EVASION"]:
        kind = "evasion" if h.label == "EVASION" else "misuse"
        result.evidence.append(evidence(kind, h.value, h, post.text))
    banned = [h for h in post.by["DEPLOY"] if h.value == "banned"] if result.lm_related else []
    return accepted + post.by["MISUSE_GENERIC"] + post.by["EVASION"] + banned


def _step_of(hit: Hit) -> str:
    return {"INTENT": "plan", "CODE": "code", "DEPLOY": "deployment"}[hit.label]


def _discount_reason(post: _Post, hit: Hit, defensive_sentences: set[int]) -> str | None:
    """Why a trigger is not the author's own act, or None when it is."""
    ctx = post.ctx
    if ctx.in_quote(hit.start, hit.end):
        return "quoted"
    if post.reported(hit):
        return "reported"
    needs_person = not (
        (hit.label == "INTENT" and hit.value in ("recruit", "howto"))
        or (hit.label == "DEPLOY" and hit.value in SUBJECTLESS_DEPLOY)
        or (hit.label == "CODE" and hit.value in SELF_CONTAINED_CODE)
    )
    if needs_person and ctx.person(hit) == "other":
        return "other_person"
    if hit.label == "INTENT" and hit.value == "plan" and ctx.acts_for_other(hit):
        return "other_person"
    if not hit.neg_ok and post.negated(hit):
        return "negated"
    if post.hypothetical(hit):
        return "hypothetical"
    if post.sarcastic(hit):
        return "sarcasm"
    if hit.label == "INTENT" and hit.value == "plan" and ctx.is_question(hit.start):
        return "question"
    if post.sent(hit) in defensive_sentences:
        return "defensive"
    return None


def _judge_triggers(
    post: _Post,
    result: TagResult,
    offensive: set[int],
    defensive_sentences: set[int],
    has_misuse: bool,
) -> list[tuple[str, Hit]]:
    own: list[tuple[str, Hit]] = []
    if not has_misuse:
        return own
    lm_sentences = (
        {post.sent(h) for label in ("MODEL", "LM_TERM") for h in post.by[label] if not h.weak}
        if result.lm_related
        else set()
    )
    for hit in post.triggers:
        step = _step_of(hit)
        if hit.local:
            if post.sent(hit) not in offensive | lm_sentences:
                continue
        else:
            if hit.label == "CODE":
                window = 1 if hit.value in WEAK_CODE else 10_000
            elif hit.label == "DEPLOY":
                window = 10_000
            else:
                window = 1
            if not post.near(hit, offensive, window):
                continue
        reason = _discount_reason(post, hit, defensive_sentences)
        if reason is None:
            own.append((step, hit))
            result.evidence.append(evidence(step, hit.value, hit, post.text))
        else:
            result.evidence.append(evidence("discounted", f"{step}:{reason}", hit, post.text))
    return own


def _tier(post: _Post, result: TagResult, own_triggers: list[tuple[str, Hit]]) -> None:
    markers: list[tuple[int, Hit, str]] = []
    # Skill talk outside LM or misuse context is someone tuning a carburettor.
    if not (result.lm_related or result.ladder != "none"):
        return
    for h in post.by["SKILL"]:
        level = int(h.value)
        if post.ctx.in_quote(h.start, h.end) or post.reported(h):
            continue
        if level > 1 and post.ctx.person(h, marker=True) == "other":
            continue
        if level > 1 and (post.negated(h) or _in_howto_question(post, h)):
            markers.append((1, h, "asks or cannot"))
        else:
            markers.append((level, h, "skill"))
    for _step, h in own_triggers:
        if h.label == "INTENT" and h.value in ("howto", "recruit") and result.lm_related:
            markers.append((1, h, "asks for help"))
    for h in post.by["CODE"]:
        # Sharing or writing code shows skill whatever it is for.
        if h.value == "code_snippet_inline" or post.ctx.in_quote(h.start, h.end) or post.reported(h):
            continue
        if h.value not in SELF_CONTAINED_CODE and post.ctx.person(h, marker=True) == "other":
            continue
        markers.append((2, h, "shares or builds code"))
    for h in post.by["RESOURCE"]:
        if post.ctx.in_quote(h.start, h.end) or post.reported(h):
            continue
        result.resource_markers.append(evidence("resource", h.value, h, post.text))
        if h.value == "scale" and _count_in(post.text[h.start : h.end]) >= SCALE_FOR_TIER3:
            markers.append((3, h, "scale"))
    for level, h, why in markers:
        result.skill_markers.append({**evidence("skill", level, h, post.text), "why": why})
    if markers:
        result.tier = max(level for level, _, _ in markers)


def _in_howto_question(post: _Post, hit: Hit) -> bool:
    s = post.sent(hit)
    return post.ctx.is_question(hit.start) and any(post.sent(h) == s and h.value == "howto" for h in post.by["INTENT"])


def _count_in(text: str) -> int:
    lowered = text.lower()
    if any(word in lowered for word in ("hundreds", "thousands", "dozens")):
        return 100 if "dozens" not in lowered else 24
    digits = "".join(ch for ch in lowered.split()[0] if ch.isdigit())
    number = int(digits) if digits else 0
    return number * 1000 if lowered.split()[0].endswith("k") else number


_CATEGORY_ORDER = {c: i for i, c in enumerate(CATEGORIES)}
