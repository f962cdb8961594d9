"""The generated community: a compact skeleton of every thread, with content made on demand.

``generate(seed, posts)`` draws personas, campaigns and one small record per thread (forum,
board, kind, labels of its opening post, post times and ids). Thread content is regenerated
from the thread's own seed whenever it is needed, so a million posts stay cheap in memory and
the same seed always gives the same forum, byte for byte.
"""

from __future__ import annotations

import random
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from crawlers.testbed.forums import END, FORUMS_BY_KEY, LEANINGS, Forum, forums_for
from crawlers.testbed.lexicon.chatter import NEGATIVES
from crawlers.testbed.lexicon.lm import LM_BENIGN
from crawlers.testbed.markov import campaign_categories
from crawlers.testbed.personas import Persona, make_handle, pick_style, tripcode
from crawlers.testbed.timeline import DaySampler, profile_for
from misusewatch.records import CATEGORIES

if TYPE_CHECKING:
    from crawlers.testbed.content import Thread

MISUSE_LADDER = ("discussion", "plan", "code", "deployment")
# Opening-post ladder steps of misuse threads: mostly talk, few plans, little code.
OP_LADDER_WEIGHTS = {"discussion": 64, "plan": 14, "code": 13, "deployment": 9}
TIER_WEIGHTS_BY_LADDER = {
    "discussion": {1: 55, 2: 35, 3: 10},
    "plan": {1: 35, 2: 40, 3: 25},
    "code": {1: 10, 2: 65, 3: 25},
    "deployment": {1: 15, 2: 55, 3: 30},
}
EDIT_RATE = 0.05
NEVER_EDITED = ("4chan", "feed")  # 4chan has no editing; pastes are immutable
THREAD_CACHE = 2048
ID_BASES = {  # first post/thread numbers per id space, so ids look like the real platforms'
    "discourse": (1000, 10),
    "4chan": (196_000_000, 0),
    "phpbb": (100, 10),
    "reddit": (int("ebq000", 36), int("a8k000", 36)),
    "hackernews": (19_100_000, 0),
    "feed": (1, 0),
    "generic": (50_000, 2_000),
}


@dataclass(slots=True)
class ThreadSpec:
    """One thread's skeleton: enough to list it and to regenerate its posts exactly."""

    index: int
    forum: str
    board: int
    kind: str  # chatter | negative | lm | misuse | campaign
    topic: str  # chatter/negative topic, lm subtopic, or misuse/campaign category
    ladder: str  # the opening post's ladder step (misuse threads), else "none"
    lead: int  # persona index of the opening post's author, -1 when content picks one
    campaign: int  # campaign index or -1
    first: int  # offset of its posts in the community's flat arrays
    n: int
    seed: int
    number: int = 0  # the platform's thread number (topic id, OP no, link id...)


@dataclass(slots=True)
class Campaign:
    """A machine-writing operation: sock accounts posting near-duplicate generated text."""

    index: int
    forum: str
    category: str
    operator: int  # persona index (tier 2 or 3)
    socks: list[int]
    start: int
    end: int


@dataclass
class Community:
    seed: int
    posts: int
    forums: tuple[Forum, ...]
    thread_posts: int | None = None  # mean posts per thread when set (else each forum's own)
    personas: list[Persona] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    threads: list[ThreadSpec] = field(default_factory=list)
    times: array = field(default_factory=lambda: array("q"))
    numbers: array = field(default_factory=lambda: array("q"))
    edits: array = field(default_factory=lambda: array("q"))
    now: int = int(END.timestamp()) + 1
    benign_by_forum: dict[str, list[int]] = field(default_factory=dict)
    misuse_by_forum: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    handles: dict[str, set[str]] = field(default_factory=dict, repr=False)
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ------------------------------------------------------------------ time

    def set_now(self, when: datetime | int) -> None:
        """Show the forum as it was at ``when``: later posts hidden, later edits not applied."""
        self.now = int(when.timestamp()) if isinstance(when, datetime) else int(when)

    def visible_count(self, spec: ThreadSpec, now: int | None = None) -> int:
        """How many of a thread's posts exist at ``now`` (0: the thread does not exist yet)."""
        now = self.now if now is None else now
        return bisect_right(self.times, now, spec.first, spec.first + spec.n) - spec.first

    # ------------------------------------------------------------------ content

    def thread(self, index: int) -> Thread:
        """The full thread, regenerated from its seed (recently used threads are cached)."""
        with self._cache_lock:
            cached = self._cache.get(index)
            if cached is not None:
                self._cache.move_to_end(index)
                return cached
        from crawlers.testbed.content import write_thread

        thread = write_thread(self, self.threads[index])
        with self._cache_lock:
            self._cache[index] = thread
            if len(self._cache) > THREAD_CACHE:
                self._cache.popitem(last=False)
        return thread

    def campaign_at(self, forum: str, ts: int) -> Campaign | None:
        for campaign in self.campaigns:
            if campaign.forum == forum and campaign.start <= ts <= campaign.end:
                return campaign
        return None


# ---------------------------------------------------------------------- generation


def generate(
    seed: int = 2019,
    posts: int = 3000,
    platforms: str | list[str] | tuple[str, ...] | None = None,
    now: datetime | int | None = None,
    thread_posts: int | None = None,
) -> Community:
    """A deterministic community of about ``posts`` posts across the chosen platforms.

    ``thread_posts`` sets the mean posts per thread of every forum with threads (feed
    entries stay single) in place of each forum's own mean (6-14; at most 3x the mean):
    real boards run bigger (a 4chan thread often carries 100-300 posts).
    """
    if posts < 1:
        raise ValueError("posts must be at least 1")
    if thread_posts is not None and thread_posts < 1:
        raise ValueError("thread_posts must be at least 1")
    forums = forums_for(platforms)
    if not forums:
        raise ValueError("no forums chosen")
    community = Community(seed=seed, posts=posts, forums=forums, thread_posts=thread_posts)
    rng = random.Random(f"testbed:{seed}")
    slots = _thread_slots(rng, forums, posts, thread_posts)
    _make_personas(community, rng, posts)
    _make_threads(community, rng, slots)
    _assign_numbers(community)
    if now is not None:
        community.set_now(now)
    return community


def _weighted(rng: random.Random, weights: dict) -> object:
    total = sum(weights.values())
    roll = rng.random() * total
    for key, weight in weights.items():
        roll -= weight
        if roll < 0:
            return key
    return next(reversed(weights))


def _thread_slots(
    rng: random.Random, forums: tuple[Forum, ...], posts: int, thread_posts: int | None = None
) -> list[tuple[str, int]]:
    """(forum key, post count) per thread, interleaved across forums, summing to ``posts``."""
    total_share = sum(f.share for f in forums)
    budgets = [int(posts * f.share / total_share) for f in forums]
    for i in range(posts - sum(budgets)):
        budgets[i % len(forums)] += 1
    keyed: list[tuple[float, int, str, int]] = []
    for order, (forum, budget) in enumerate(zip(forums, budgets, strict=True)):
        mean, most = forum.mean_posts, forum.max_posts
        if thread_posts is not None and mean > 1:
            # The forum's own shape (many short threads, a few long ones) around the new mean.
            mean, most = thread_posts, max(most, 3 * thread_posts)
        sizes: list[int] = []
        left = budget
        while left > 0:
            if mean <= 1:
                size = 1
            else:
                size = 1 + int(rng.expovariate(1.0 / (mean - 1)))
            size = min(size, most, left)
            sizes.append(size)
            left -= size
        for k, size in enumerate(sizes):
            keyed.append(((k + 0.5) / len(sizes), order, forum.key, size))
    keyed.sort()
    return [(key, size) for _, _, key, size in keyed]


def _make_personas(community: Community, rng: random.Random, posts: int) -> None:
    forums = community.forums
    shares = {f.key: f.share for f in forums}
    benign_count = max(24, posts // 9)
    misuse_count = max(36, posts // 110)
    for f in forums:
        community.benign_by_forum[f.key] = []
        community.misuse_by_forum[f.key] = {1: [], 2: [], 3: []}

    def home_forums(extra: float) -> tuple[str, ...]:
        first = _weighted(rng, shares)
        chosen = [first]
        while rng.random() < extra and len(chosen) < len(forums):
            other = _weighted(rng, shares)
            if other not in chosen:
                chosen.append(other)
        return tuple(chosen)

    for i in range(benign_count):
        community.personas.append(
            Persona(f"b{i}", "benign", None, pick_style(rng, None), home_forums(0.2))
        )
    for i in range(misuse_count):
        tier = _weighted(rng, {1: 45, 2: 40, 3: 15})
        spread = {1: 0.15, 2: 0.3, 3: 0.6}[tier]
        community.personas.append(
            Persona(f"m{i}", "misuse", tier, pick_style(rng, tier), home_forums(spread))
        )
    # Every forum gets benign users and misuse actors of every tier, however small it is.
    for f in forums:
        community.personas.append(Persona(f"b{f.key}", "benign", None, "casual", (f.key,)))
        for tier in (1, 2, 3):
            community.personas.append(
                Persona(f"m{f.key}{tier}", "misuse", tier, pick_style(rng, tier), (f.key,))
            )
    for index, persona in enumerate(community.personas):
        _register(community, index, persona, rng)


def _register(community: Community, index: int, persona: Persona, rng: random.Random) -> None:
    """Give a persona an account (unique handle, user number) on each of its forums."""
    base = make_handle(rng, persona.role)
    for key in persona.forums:
        handle = base if rng.random() < 0.7 else make_handle(rng, persona.role)
        taken = community.handles.setdefault(key, set())
        while handle.lower() in taken or handle.lower() == "anonymous":
            handle = f"{handle}{int(rng.random() * 10)}"
        taken.add(handle.lower())
        number = len(taken) + 1  # user 1 is the forum's admin on phpBB/Discourse
        persona.accounts[key] = (handle, number)
        if persona.role == "benign":
            community.benign_by_forum[key].append(index)
        elif persona.role == "misuse":
            community.misuse_by_forum[key][persona.tier].append(index)
    if persona.role != "sock" and rng.random() < (0.12 if persona.role == "misuse" else 0.03):
        persona.trip = tripcode(persona.key, community.seed)


def _coverage_list(rng: random.Random) -> list[tuple[str, str, int]]:
    """Every (category, ladder step) once, tiers cycling, so small communities cover them all."""
    combos = []
    for i, (category, ladder) in enumerate(
        (c, step) for c in CATEGORIES for step in MISUSE_LADDER
    ):
        combos.append((category, ladder, 1 + (i + i // 4) % 3))
    rng.shuffle(combos)
    return combos


def _make_threads(community: Community, rng: random.Random, slots: list[tuple[str, int]]) -> None:
    samplers = {name: DaySampler(name) for name in ("flat", "lm", "hype", "tooling")}
    coverage = _coverage_list(rng)
    negatives = list(NEGATIVES)
    lm_topics = list(LM_BENIGN)
    end = int(END.timestamp())
    n_threads = len(slots)
    # Small communities still need a misuse thread for every coverage combination.
    forced_left = min(len(coverage), n_threads // 3)
    for i, (forum_key, size) in enumerate(slots):
        forum = FORUMS_BY_KEY[forum_key]
        board = int(rng.random() * len(forum.boards))
        leaning = LEANINGS[forum.boards[board].leaning]
        kind = _weighted(rng, leaning["kinds"])
        if kind != "misuse" and forced_left and (n_threads - i) <= len(coverage) * 3:
            kind = "misuse"  # catching up on coverage before the slots run out
            forced_left -= 1
        topic, ladder, lead, campaign = "", "none", -1, -1
        if kind == "misuse":
            if coverage:
                topic, ladder, tier = coverage.pop()
            else:
                if rng.random() < 0.7:
                    topic = _weighted(rng, leaning["categories"])
                else:
                    topic = CATEGORIES[int(rng.random() * len(CATEGORIES))]
                ladder = _weighted(rng, OP_LADDER_WEIGHTS)
                tier = _weighted(rng, TIER_WEIGHTS_BY_LADDER[ladder])
            pool = community.misuse_by_forum[forum_key][tier]
            lead = pool[int((rng.random() ** 2) * len(pool))]
        elif kind == "chatter":
            topic = leaning["topics"][int(rng.random() * len(leaning["topics"]))]
        elif kind == "negative":
            topic = negatives[int(rng.random() * len(negatives))]
        elif kind == "lm":
            topic = lm_topics[int(rng.random() * len(lm_topics))]
        start = samplers[profile_for(kind, ladder)].draw(rng)
        if kind == "campaign":
            campaign = _campaign_for(community, rng, forum, leaning, start).index
            topic = community.campaigns[campaign].category
        spec = ThreadSpec(
            index=len(community.threads), forum=forum_key, board=board, kind=kind, topic=topic,
            ladder=ladder, lead=lead, campaign=campaign, first=len(community.times), n=size,
            seed=int(rng.random() * 2**62),
        )
        community.threads.append(spec)
        _post_times(community, rng, forum, start, size, end)


def _campaign_for(community: Community, rng: random.Random, forum: Forum, leaning: dict, ts: int) -> Campaign:
    found = community.campaign_at(forum.key, ts)
    if found is not None:
        return found
    choices = [c for c in leaning["categories"] if c in campaign_categories()]
    category = choices[int(rng.random() * len(choices))] if choices else "spam"
    tier = 2 if rng.random() < 0.6 else 3
    pool = community.misuse_by_forum[forum.key][tier]
    operator = pool[int(rng.random() * len(pool))]
    index = len(community.campaigns)
    socks = []
    for k in range(3 + int(rng.random() * (6 if tier == 2 else 14))):
        persona = Persona(f"s{index}.{k}", "sock", tier, "clean", (forum.key,), campaign=index)
        community.personas.append(persona)
        _register(community, len(community.personas) - 1, persona, rng)
        socks.append(len(community.personas) - 1)
    span = int((20 + rng.random() * 70) * 86400)
    campaign = Campaign(index, forum.key, category, operator, socks, ts - span // 4, ts + span)
    community.campaigns.append(campaign)
    return campaign


def _post_times(community: Community, rng: random.Random, forum: Forum, start: int, n: int, end: int) -> None:
    times = community.times
    # phpBB shows times to the minute, so its posts fall on whole minutes (the truth stays exact).
    step = 60 if forum.platform == "phpbb" else 1
    t = min(start, end - n * 60)
    for k in range(n):
        if k:
            gap = max(15, int(rng.expovariate(1.0 / forum.gap_s))) if forum.gap_s else 60
            # Early replies come fast, late ones trail off, like real threads.
            t = min(t + gap * (1 + k // 10), end - (n - k) * 60)
        times.append(t - t % step)
        if forum.key not in NEVER_EDITED and rng.random() < EDIT_RATE:
            # Most edits fix a typo within hours; some come back weeks later with an update,
            # which is what an incremental crawl has to notice.
            mean = 86400 if rng.random() < 0.6 else 45 * 86400
            edited = min(t + 60 + int(rng.expovariate(1 / mean)), end)
            community.edits.append(edited - edited % step)
        else:
            community.edits.append(0)


def _assign_numbers(community: Community) -> None:
    """Post and thread numbers that grow with time within each id space, like the real sites."""
    community.numbers = array("q", bytes(8 * len(community.times)))
    spaces: dict[str, list[ThreadSpec]] = {}
    for spec in community.threads:
        spaces.setdefault(FORUMS_BY_KEY[spec.forum].id_space, []).append(spec)
    times = community.times
    for space, specs in spaces.items():
        post_base, thread_base = ID_BASES[space]
        order = sorted(
            (p for spec in specs for p in range(spec.first, spec.first + spec.n)),
            key=times.__getitem__,
        )
        number = post_base
        for p in order:
            community.numbers[p] = number
            # Hacker News and 4chan number every item in one sequence with gaps (other
            # boards, deleted items); the gaps are deterministic in the post index.
            number += 1 + (p * 2654435761 % 7 == 0) * (1 + p % 3) if space in ("4chan", "hackernews") else 1
        if space in ("4chan", "hackernews", "feed"):
            for spec in specs:
                spec.number = community.numbers[spec.first]
        else:
            for k, spec in enumerate(sorted(specs, key=lambda s: (times[s.first], s.index))):
                spec.number = thread_base + k
