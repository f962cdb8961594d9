"""The forums the testbed hosts: platform, path prefix, boards and each board's leaning."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime

START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2020, 1, 31, 23, 59, 59, tzinfo=UTC)

# GPT-2's staged release (Solaiman et al., 2019). Posts before the first release are "pre-release".
STAGES = (
    ("pre-release", datetime(2019, 1, 1, tzinfo=UTC)),
    ("124M", datetime(2019, 2, 14, tzinfo=UTC)),
    ("355M", datetime(2019, 5, 3, tzinfo=UTC)),
    ("774M", datetime(2019, 8, 20, tzinfo=UTC)),
    ("1.5B", datetime(2019, 11, 5, tzinfo=UTC)),
)
STAGE_NAMES = tuple(name for name, _ in STAGES)
_STAGE_STARTS = tuple(int(start.timestamp()) for _, start in STAGES)


def stage_at(ts: int) -> str:
    """The release stage a unix time falls in (times before the first release: "pre-release")."""
    return STAGE_NAMES[max(0, bisect_right(_STAGE_STARTS, ts) - 1)]


@dataclass(frozen=True, slots=True)
class Board:
    """A board, subforum, subreddit or category, and what gets talked about there."""

    slug: str
    title: str
    leaning: str  # one of LEANINGS
    number: int = 0  # phpBB forum id f, Discourse category id, generic board id
    poster_ids: bool = False  # 4chan boards that show per-thread poster ids


# leaning -> relative weights of thread kinds, chatter topics and misuse categories.
LEANINGS = {
    "tech": {
        "kinds": {"chatter": 45, "negative": 6, "lm": 30, "misuse": 14, "campaign": 5},
        "topics": ["hardware", "programming", "meta", "gaming"],
        "categories": {
            "spam": 3, "malicious_prompting": 3, "academic_dishonesty": 2, "phishing": 2, "impersonation": 1,
        },
    },
    "ml": {
        "kinds": {"chatter": 20, "negative": 4, "lm": 56, "misuse": 16, "campaign": 4},
        "topics": ["programming", "hardware", "meta"],
        "categories": {
            "malicious_prompting": 3, "disinformation": 2, "academic_dishonesty": 2, "impersonation": 2, "spam": 1,
        },
    },
    "politics": {
        "kinds": {"chatter": 40, "negative": 12, "lm": 12, "misuse": 22, "campaign": 14},
        "topics": ["life", "movies", "meta"],
        "categories": {"disinformation": 5, "extremist_propaganda": 3, "harassment": 3, "impersonation": 2},
    },
    "business": {
        "kinds": {"chatter": 45, "negative": 10, "lm": 12, "misuse": 20, "campaign": 13},
        "topics": ["crypto", "life", "programming"],
        "categories": {"spam": 4, "fake_reviews": 4, "phishing": 3, "impersonation": 1},
    },
    "security": {
        "kinds": {"chatter": 25, "negative": 20, "lm": 15, "misuse": 35, "campaign": 5},
        "topics": ["programming", "hardware", "meta"],
        "categories": {"phishing": 4, "spam": 3, "impersonation": 2, "malicious_prompting": 1},
    },
    "offtopic": {
        "kinds": {"chatter": 75, "negative": 8, "lm": 7, "misuse": 6, "campaign": 4},
        "topics": ["life", "cooking", "pets", "movies", "music", "sports", "gaming"],
        "categories": {"harassment": 3, "academic_dishonesty": 3, "fake_reviews": 2, "spam": 1},
    },
    "gaming": {
        "kinds": {"chatter": 80, "negative": 4, "lm": 7, "misuse": 6, "campaign": 3},
        "topics": ["gaming", "hardware", "movies"],
        "categories": {"harassment": 3, "malicious_prompting": 2, "spam": 1},
    },
    "hobby": {
        "kinds": {"chatter": 85, "negative": 5, "lm": 4, "misuse": 4, "campaign": 2},
        "topics": ["boats", "cooking", "life", "hardware"],
        "categories": {"spam": 2, "fake_reviews": 2, "phishing": 1},
    },
    "study": {
        "kinds": {"chatter": 40, "negative": 15, "lm": 20, "misuse": 20, "campaign": 5},
        "topics": ["life", "programming", "meta"],
        "categories": {"academic_dishonesty": 6, "malicious_prompting": 1, "spam": 1},
    },
}


@dataclass(frozen=True, slots=True)
class Forum:
    """One hosted forum: a platform's wire format under a path prefix, with its boards."""

    key: str  # also the path prefix: /<key>/...
    platform: str  # the spider/platform name used in post ids
    boards: tuple[Board, ...]
    share: float  # share of the community's posts
    mean_posts: float  # mean posts per thread
    max_posts: int
    gap_s: int  # mean seconds between posts in a thread
    id_space: str  # forums sharing an id space never reuse a thread or post number
    extra: dict = field(default_factory=dict)


FORUMS = (
    Forum("discourse", "discourse", (
        Board("general", "General", "tech", 1),
        Board("machine-learning", "Machine Learning", "ml", 2),
        Board("projects", "Projects & Show-off", "ml", 3),
        Board("security", "Security", "security", 4),
        Board("lounge", "Lounge", "offtopic", 5),
    ), 0.22, 8, 120, 5 * 3600, "discourse"),
    Forum("4chan", "4chan", (
        Board("g", "Technology", "tech"),
        Board("pol", "Politically Incorrect", "politics", poster_ids=True),
        Board("biz", "Business & Finance", "business", poster_ids=True),
        Board("v", "Video Games", "gaming"),
    ), 0.22, 14, 300, 420, "4chan"),
    Forum("phpbb", "phpbb", (
        Board("general-discussion", "General Discussion", "offtopic", 1),
        Board("ai-and-bots", "AI, Bots & Automation", "ml", 2),
        Board("marketing", "Internet Marketing", "business", 3),
        Board("homework-help", "Homework Help", "study", 4),
    ), 0.12, 7, 80, 9 * 3600, "phpbb"),
    Forum("phpbb2", "phpbb", (
        Board("the-repair-bay", "The Repair Bay", "hobby", 11),
        Board("members-chat", "Members Chat", "offtopic", 12),
        Board("computers", "Computers & Internet", "tech", 13),
    ), 0.06, 6, 60, 20 * 3600, "phpbb"),
    Forum("reddit", "reddit", (
        Board("MachineLearning", "r/MachineLearning", "ml"),
        Board("GPT2", "r/GPT2", "ml"),
        Board("SEO", "r/SEO", "business"),
        Board("politics2019", "r/politics2019", "politics"),
        Board("college", "r/college", "study"),
    ), 0.18, 12, 250, 2 * 3600, "reddit"),
    Forum("hackernews", "hackernews", (
        Board("news", "Hacker News", "tech"),
    ), 0.10, 10, 200, 3 * 3600, "hackernews"),
    Forum("feed", "feed", (
        Board("pastes", "Paste site recent pastes", "security"),
    ), 0.03, 1, 1, 0, "feed"),
    Forum("generic", "generic", (
        Board("lobby", "Lobby", "offtopic", 1),
        Board("automation", "Automation & Bots", "business", 2),
        Board("news-politics", "News & Politics", "politics", 3),
    ), 0.07, 6, 90, 7 * 3600, "generic"),
)
FORUMS_BY_KEY = {forum.key: forum for forum in FORUMS}
PLATFORMS = tuple(dict.fromkeys(forum.platform for forum in FORUMS))


def forums_for(platforms: str | list[str] | tuple[str, ...] | None) -> tuple[Forum, ...]:
    """The forums to host for a list of platform names or forum keys (None: all of them)."""
    if platforms is None:
        return FORUMS
    if isinstance(platforms, str):
        platforms = [p for p in platforms.split(",") if p.strip()]
    wanted = {p.strip() for p in platforms}
    unknown = wanted - set(PLATFORMS) - set(FORUMS_BY_KEY)
    if unknown:
        known = ", ".join(sorted(set(PLATFORMS) | set(FORUMS_BY_KEY)))
        raise ValueError(f"unknown platform(s) {', '.join(sorted(unknown))}; known: {known}")
    chosen = tuple(f for f in FORUMS if f.platform in wanted or f.key in wanted)
    return chosen
