"""Writes one thread's posts from its skeleton: who posts, what they say, and the true labels.

A post body is a list of blocks, rendered per platform by ``crawlers.testbed.render``:
``("p", [line, ...])`` a paragraph, ``("green", [line, ...])`` 4chan greentext,
``("ref", parent)`` a reply link (4chan ``>>no``), ``("quote", parent, text)`` a quote of an
earlier post, ``("code", text)`` a code block. Labels are set by which template group wrote
the post, never inferred from its words.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from crawlers.testbed import markov
from crawlers.testbed.community import Community, ThreadSpec
from crawlers.testbed.forums import FORUMS_BY_KEY, LEANINGS, stage_at
from crawlers.testbed.grammar import Lexicon, compile_template, expand
from crawlers.testbed.lexicon.chatter import CHATTER, NEGATIVES
from crawlers.testbed.lexicon.code import GENERATE_SNIPPETS, POSTING_FOR_CATEGORY, POSTING_SNIPPETS
from crawlers.testbed.lexicon.common import COMMON, EDIT_NOTES, GREENTEXT, MODEL_NAMES
from crawlers.testbed.lexicon.lm import LM_BENIGN
from crawlers.testbed.lexicon.misuse import (
    CALLOUTS,
    CATEGORY_VOCAB,
    CODE_LINK_PARTS,
    LADDER_TEXT,
    LADDER_TITLES,
    PUSHBACK,
    RELATED_CATEGORIES,
    TIER_MARKERS,
)
from crawlers.testbed.style import apply_style

DRIVE_BY_RATE = 0.03  # chance a reply slot is taken by an active campaign's sock account


@dataclass(slots=True)
class TPost:
    """One generated post and its true labels."""

    index: int
    number: int
    created: int
    edited: int  # 0: never edited
    persona: int
    blocks: list
    parent: int | None = None
    edit_note: str | None = None
    lm_related: bool = False
    ladder: str = "none"
    categories: tuple[str, ...] = ()
    machine: bool = False
    campaign: int = -1

    def blocks_at(self, now: int) -> list:
        """The body as shown at ``now``: an edit appears once its time has come."""
        if self.edited and self.edited <= now and self.edit_note:
            return [*self.blocks, ("p", [self.edit_note])]
        return self.blocks


@dataclass(slots=True)
class Thread:
    spec: ThreadSpec
    title: str
    show_title: bool  # 4chan OPs often have no subject
    posts: list[TPost] = field(default_factory=list)
    cache: dict = field(default_factory=dict)  # renderers memoise per-thread facts here


def _compile(templates: list[str]) -> list:
    return [compile_template(t) for t in templates]


_BASE_ENTRIES = {
    **COMMON,
    "model": ["gpt2"], "bigmodel": ["the full model"], "link": ["https://github.com/x/y"],
    "things": ["stuff"], "venue": ["the internet"], "aim": ["do it"], "corpus": ["a dump"],
    "proof": ["it worked"], "worry": ["misuse"],
}
BASE = Lexicon(_BASE_ENTRIES)


@cache
def _category_lexicon(category: str) -> Lexicon:
    return BASE.extended(CATEGORY_VOCAB[category])


@cache
def _group(name: str, key: str = "", part: str = "") -> list:
    """Compiled template lists, cached: compiling is the slow part."""
    source = {
        "chatter": lambda: CHATTER[key][part],
        "negative": lambda: NEGATIVES[key][part],
        "lm": lambda: LM_BENIGN[key][part],
        "ladder": lambda: LADDER_TEXT[key],
        "title": lambda: LADDER_TITLES[key],
        "tier": lambda: TIER_MARKERS[int(key)],
        "pushback": lambda: PUSHBACK,
        "callout": lambda: CALLOUTS,
        "green": lambda: GREENTEXT,
        "reaction": lambda: ["{reaction}", "{reaction} {emote}", "[bump|bumping this|bump!]", "{filler}"],
    }[name]()
    return _compile(source)


def all_template_groups() -> list[tuple[str, list]]:
    """Every compiled group with the lexicon it expands in (for the unit test of slots)."""
    groups = []
    for topic, parts in CHATTER.items():
        groups += [(f"chatter/{topic}/{p}", _group("chatter", topic, p), BASE) for p in parts]
    for topic, parts in NEGATIVES.items():
        groups += [(f"negative/{topic}/{p}", _group("negative", topic, p), BASE) for p in parts]
    for topic, parts in LM_BENIGN.items():
        groups += [(f"lm/{topic}/{p}", _group("lm", topic, p), BASE) for p in parts]
    for category in CATEGORY_VOCAB:
        lexicon = _category_lexicon(category)
        for step in LADDER_TEXT:
            groups.append((f"ladder/{step}/{category}", _group("ladder", step), lexicon))
            groups.append((f"title/{step}/{category}", _group("title", step), lexicon))
        for tier in TIER_MARKERS:
            groups.append((f"tier/{tier}/{category}", _group("tier", str(tier)), lexicon))
    for name in ("pushback", "callout", "green", "reaction"):
        groups.append((name, _group(name), BASE))
    return groups


class Writer:
    """Writes the posts of one thread with the thread's own random stream."""

    def __init__(self, community: Community, spec: ThreadSpec):
        self.community = community
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.forum = FORUMS_BY_KEY[spec.forum]
        self.leaning = LEANINGS[self.forum.boards[spec.board].leaning]
        self.chan = spec.forum == "4chan"
        self.stage = stage_at(community.times[spec.first])
        self.fixed: dict[str, str] = {}
        if spec.kind in ("misuse", "campaign"):
            vocab = _category_lexicon(spec.topic).entries
            self.fixed["things"] = expand(self._pick(vocab["things"]), self.rng, BASE)
            self.fixed["venue"] = expand(self._pick(vocab["venue"]), self.rng, BASE)

    # ---------------------------------------------------------------- helpers

    def _pick(self, options: list):
        return options[int(self.rng.random() * len(options))]

    def _say(self, templates: list, lexicon: Lexicon = BASE, style: str = "casual") -> str:
        small, big = MODEL_NAMES[self.stage]
        fixed = self.fixed
        fixed["model"] = small[int(self.rng.random() * len(small))]
        fixed["bigmodel"] = big[int(self.rng.random() * len(big))]
        text = expand(self._pick(templates), self.rng, lexicon, fixed)
        return apply_style(text, style, self.rng)

    def _persona_style(self, persona: int) -> str:
        return "chan" if self.chan else self.community.personas[persona].style

    def _paragraphs(self, sentences: list[str]) -> list:
        sentences = [s for s in sentences if s]
        for i in range(len(sentences) - 1):
            # Most writers still end a sentence before starting the next one.
            if sentences[i][-1:].isalnum() and self.rng.random() < 0.7:
                sentences[i] += "."
        if not sentences:
            return [("p", ["bump"])]
        if self.chan and len(sentences) > 1 and self.rng.random() < 0.6:
            return [("p", sentences)]  # one sentence per line
        if len(sentences) >= 3 and self.rng.random() < 0.5:
            cut = 1 + int(self.rng.random() * (len(sentences) - 1))
            return [("p", [" ".join(sentences[:cut])]), ("p", [" ".join(sentences[cut:])])]
        return [("p", [" ".join(sentences)])]

    def _benign(self) -> int:
        pool = self.community.benign_by_forum[self.forum.key]
        return pool[int((self.rng.random() ** 1.6) * len(pool))]

    def _misuse_actor(self, tier: int) -> int:
        pool = self.community.misuse_by_forum[self.forum.key][tier]
        return pool[int((self.rng.random() ** 1.6) * len(pool))]

    def _link(self, category: str) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.6:
            slug = self._pick(CODE_LINK_PARTS["slug"][category])
            repo = self._pick(CODE_LINK_PARTS["repo"]).replace("{slug}", slug)
            return f"https://github.com/{self._pick(CODE_LINK_PARTS['gh_user'])}/{repo}"
        token = "".join(self._pick("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8))
        if kind < 0.85:
            return f"https://pastebin.com/{token}"
        return f"https://gist.github.com/{self._pick(CODE_LINK_PARTS['gh_user'])}/{token.lower()}{len(token)}"

    def _code(self, category: str) -> str:
        rng = self.rng
        model = {"pre-release": "117M", "124M": "117M", "355M": "345M", "774M": "774M", "1.5B": "1558M"}[self.stage]
        values = {
            "$CORPUS": self._pick(["reviews.txt", "tweets.txt", "corpus.txt", "scraped.txt", "data/train.txt"]),
            "$MODEL": model, "$STEPS": self._pick(["500", "1000", "2000", "4000"]),
            "$LENGTH": self._pick(["120", "200", "300", "400"]), "$N": self._pick(["10", "50", "100", "500"]),
            "$CHECKPOINT": self._pick(["./checkpoint/run1", "gpt2-medium", "./models/finetuned"]),
            "$OUTFILE": self._pick(["out.txt", "samples.txt", "prompts.txt", "batch_01.txt"]),
            "$MINDELAY": self._pick(["30", "45", "60", "90"]), "$MAXDELAY": self._pick(["120", "300", "600"]),
            "$SUBJECT": self._pick(
                ["Action required: verify your account", "Invoice overdue", "Your package could not be delivered"]
            ),
        }
        parts = []
        if rng.random() < 0.7:
            parts.append(self._pick(GENERATE_SNIPPETS))
        if not parts or rng.random() < 0.5:
            parts.append(POSTING_SNIPPETS[POSTING_FOR_CATEGORY[category]])
        code = "\n\n".join(parts)
        for name, value in values.items():
            code = code.replace(name, value)
        return code

    # ---------------------------------------------------------------- post kinds

    def chatter(self, post: TPost, topic: str, op: bool, table: str = "chatter") -> None:
        group = _group(table, topic, "ops" if op else "replies")
        style = self._persona_style(post.persona)
        sentences = [self._say(group, style=style)]
        if not op and self.rng.random() < 0.25:
            sentences.append(self._say(group, style=style))
        post.blocks += self._paragraphs(sentences)

    def lm(self, post: TPost, topic: str, op: bool) -> None:
        group = _group("lm", topic, "ops" if op else "replies")
        style = self._persona_style(post.persona)
        sentences = [self._say(group, style=style)]
        if self.rng.random() < 0.3:
            replies = group if not op else _group("lm", topic, "replies")
            sentences.append(self._say(replies, style=style))
        post.blocks += self._paragraphs(sentences)
        post.lm_related = True

    def misuse(self, post: TPost, category: str, ladder: str, marker: float) -> None:
        """A post at one ladder step about one category; ``marker``: chance of a tier tell."""
        rng = self.rng
        lexicon = _category_lexicon(category)
        style = self._persona_style(post.persona)
        tier = self.community.personas[post.persona].tier
        self.fixed["link"] = self._link(category)
        sentences = [self._say(_group("ladder", ladder), lexicon, style)]
        categories = [category]
        if ladder != "discussion" and rng.random() < 0.35:
            sentences.append(self._say(_group("ladder", "discussion"), lexicon, style))
        related = RELATED_CATEGORIES.get(category)
        if related and rng.random() < 0.12:
            sentences.append(self._say(_group("ladder", "discussion"), _category_lexicon(related), style))
            categories.append(related)
        if tier and rng.random() < marker:
            tell = self._say(_group("tier", str(tier)), lexicon, style)
            sentences.insert(int(rng.random() * (len(sentences) + 1)), tell)
        blocks = self._paragraphs(sentences)
        if ladder == "code" and sentences[0].rstrip().endswith(":"):
            # The template announced code: the block goes right after the announcing paragraph.
            blocks.insert(1, ("code", self._code(category)))
        elif ladder == "code" and "://" not in " ".join(sentences):
            blocks.append(("code", self._code(category)))
        post.blocks += blocks
        post.lm_related = True
        post.ladder = ladder
        post.categories = tuple(categories)

    def pushback(self, post: TPost) -> None:
        post.blocks += self._paragraphs([self._say(_group("pushback"), style=self._persona_style(post.persona))])
        post.lm_related = True

    def callout(self, post: TPost, category: str) -> None:
        post.blocks += self._paragraphs([self._say(_group("callout"), style=self._persona_style(post.persona))])
        post.lm_related = True
        post.ladder = "discussion"
        post.categories = (category,)

    def noise(self, post: TPost) -> None:
        if self.rng.random() < 0.5:
            post.blocks += self._paragraphs([self._say(_group("reaction"), style=self._persona_style(post.persona))])
        else:
            topics = self.leaning["topics"]
            self.chatter(post, topics[int(self.rng.random() * len(topics))], op=False)

    def machine(self, post: TPost, campaign_index: int) -> None:
        campaign = self.community.campaigns[campaign_index]
        model = markov.model_for(campaign.category)
        if self.rng.random() < 0.6:
            base = _campaign_base(self.community.seed, campaign_index, campaign.category)
            text = markov.rewrite(base, self.rng)
        else:
            text = model.paragraph(self.rng, 2 + int(self.rng.random() * 3))
        post.blocks += [("p", [text])]
        post.machine = True
        post.campaign = campaign_index

    # ---------------------------------------------------------------- thread

    def title(self, op: TPost) -> str:
        spec = self.spec
        if spec.kind == "misuse":
            return self._say(_group("title", spec.ladder), _category_lexicon(spec.topic), "clean").rstrip(".")
        if spec.kind == "campaign":
            first = op.blocks[0][1][0]
            return _shorten(first.split(". ")[0], 70)
        table = {"chatter": "chatter", "negative": "negative", "lm": "lm"}[spec.kind]
        return self._say(_group(table, spec.topic, "titles"), style="clean").rstrip(".")


@lru_cache(maxsize=256)
def _campaign_base(seed: int, index: int, category: str) -> str:
    return markov.model_for(category).paragraph(random.Random(f"{seed}:campaign:{index}"), 3)


def _shorten(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def first_sentence(post: TPost, limit: int = 110) -> str:
    """What a quoting reply repeats of an earlier post."""
    for block in post.blocks:
        if block[0] == "p":
            return _shorten(_SENTENCE_END.split(block[1][0], 1)[0], limit)
    return ""


def write_thread(community: Community, spec: ThreadSpec) -> Thread:
    """All posts of one thread, deterministic in the thread's seed."""
    w = Writer(community, spec)
    rng = w.rng
    posts: list[TPost] = []
    times, numbers, edits = community.times, community.numbers, community.edits
    campaign = community.campaigns[spec.campaign] if spec.campaign >= 0 else None
    lead = spec.lead
    for k in range(spec.n):
        p = spec.first + k
        post = TPost(k, numbers[p], times[p], edits[p], -1, [])
        if k:
            roll = rng.random()
            post.parent = 0 if roll < 0.4 else k - 1 if roll < 0.8 else int(rng.random() * k)
        _fill(w, post, spec, campaign, lead, posts)
        if post.edited:
            post.edit_note = w._pick(EDIT_NOTES)
        posts.append(post)
    thread = Thread(spec, w.title(posts[0]), show_title=not w.chan or rng.random() < 0.55, posts=posts)
    return thread


def _fill(w: Writer, post: TPost, spec: ThreadSpec, campaign, lead: int, posts: list[TPost]) -> None:
    rng = w.rng
    community = w.community
    op = post.index == 0
    if not op and spec.kind != "campaign" and rng.random() < DRIVE_BY_RATE:
        active = community.campaign_at(spec.forum, post.created)
        if active is not None:
            post.persona = active.socks[int(rng.random() * len(active.socks))]
            w.machine(post, active.index)
            return
    kind = spec.kind
    if not op:
        _reply_links(w, post, posts)
    if kind in ("chatter", "negative"):
        post.persona = w._benign()
        roll = rng.random()
        if op or roll < 0.85:
            w.chatter(post, spec.topic, op, kind)
        else:
            w.noise(post)
    elif kind == "lm":
        roll = 0.0 if op else rng.random()
        if op or roll < 0.72:
            post.persona = w._benign()
            w.lm(post, spec.topic, op)
        elif roll < 0.84:
            tier = 1 + int(rng.random() * 3)
            post.persona = w._misuse_actor(tier) if rng.random() < 0.5 else w._benign()
            categories = list(w.leaning["categories"])
            w.misuse(post, w._pick(categories), "discussion", 0.3)
        elif roll < 0.9:
            post.persona = w._benign()
            w.pushback(post)
        else:
            post.persona = w._benign()
            w.noise(post)
    elif kind == "misuse":
        _misuse_reply(w, post, spec, lead, op)
    else:  # campaign
        roll = 0.0 if op else rng.random()
        if op or roll < 0.6:
            post.persona = campaign.socks[int(rng.random() * len(campaign.socks))]
            w.machine(post, campaign.index)
        elif roll < 0.8:
            post.persona = w._benign()
            w.callout(post, campaign.category)
        else:
            post.persona = w._benign()
            w.noise(post)


def _misuse_reply(w: Writer, post: TPost, spec: ThreadSpec, lead: int, op: bool) -> None:
    rng = w.rng
    if op:
        post.persona = lead
        w.misuse(post, spec.topic, spec.ladder, 0.75)
        return
    roll = rng.random()
    if roll < 0.28:
        post.persona = w._benign()
        w.pushback(post)
    elif roll < 0.53:
        if rng.random() < 0.5:
            post.persona = w._misuse_actor(1 + int(rng.random() * 3))
        else:
            post.persona = w._benign()
        w.misuse(post, spec.topic, "discussion", 0.35)
    elif roll < 0.65:
        post.persona = lead
        step = spec.ladder if spec.ladder != "discussion" and rng.random() < 0.5 else "discussion"
        w.misuse(post, spec.topic, step, 0.6)
    elif roll < 0.73:
        post.persona = w._misuse_actor(1)
        w.misuse(post, spec.topic, "discussion", 1.0)
    elif roll < 0.80:
        step = ("plan", "code", "deployment")[int(rng.random() * 3)]
        tier = 2 if rng.random() < 0.6 else 3 if rng.random() < 0.5 else 1
        post.persona = w._misuse_actor(tier)
        w.misuse(post, spec.topic, step, 0.6)
    else:
        post.persona = w._benign()
        w.noise(post)


def _reply_links(w: Writer, post: TPost, posts: list[TPost]) -> None:
    """4chan replies cite ``>>no``; elsewhere some replies quote the post they answer."""
    rng = w.rng
    parent = posts[post.parent]
    if w.chan:
        if post.parent != 0 or rng.random() < 0.5:
            post.blocks.append(("ref", post.parent))
            if rng.random() < 0.15:
                fragment = first_sentence(parent, 60)
                if fragment:
                    post.blocks.append(("green", [">" + fragment]))
        if rng.random() < 0.12:
            lines = [w._say(_group("green"), style="chan") for _ in range(1 + int(rng.random() * 2))]
            post.blocks.append(("green", lines))
    elif rng.random() < 0.1:
        quoted = first_sentence(parent)
        if quoted:
            post.blocks.append(("quote", post.parent, quoted))
