"""A seeded community for the threat-model tests, written through the Store API.

Two sources post steadily through 2019; misuse posts are placed at known dates so every
indicator has a hand-countable expected value. The story follows the report's findings:
discussion around the first release that declines by the second, a few plans, no code,
tier-1 actors, a collection outage on one source, and a machine-text spike on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from misusewatch.records import Actor, CrawlRun, Enrichment, Post
from misusewatch.store import Store

START = datetime(2019, 1, 7, 12, tzinfo=UTC)  # a Monday
WEEKS = 52
BACKGROUND_PER_WEEK = 20  # benign posts per source per week
SOURCES = {"forum": ("discourse", "forum.example"), "board": ("4chan", "boards.example")}
OUTAGE = {("board", w) for w in (33, 34, 35)}  # weeks the board collected nothing
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TFIDF_THRESHOLD, TFIDF_FPR = 0.9, 0.01


@dataclass(frozen=True)
class Misuse:
    when: datetime
    source: str
    author: str
    ladder: str
    categories: tuple[str, ...]
    tier: int | None = None


def _at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def misuse_posts() -> list[Misuse]:
    out: list[Misuse] = []
    # 124M window (2019-02-14 .. 2019-05-03): 40 discussion, 3 plans, tier-1 actors.
    for i in range(40):
        day = (datetime(2019, 2, 18) + timedelta(days=i * 2)).date().isoformat()
        out.append(Misuse(_at(day), "forum" if i % 2 else "board", f"anon{i % 8}",
                          "discussion", ("spam",) if i % 3 else ("disinformation",), 1))
    for i, day in enumerate(("2019-03-01", "2019-03-20", "2019-04-10")):
        out.append(Misuse(_at(day), "board", f"anon{i}", "plan", ("fake_reviews",), 1))
    # 355M window (2019-05-03 .. 2019-08-20): discussion falls to 10, one plan.
    for i in range(10):
        day = (datetime(2019, 5, 10) + timedelta(days=i * 9)).date().isoformat()
        out.append(Misuse(_at(day), "forum", f"anon{i % 4}", "discussion", ("spam",), 1))
    out.append(Misuse(_at("2019-06-01"), "board", "planner", "plan", ("phishing",), 2))
    # Pre-release: a little discussion of the paper's examples.
    for i in range(2):
        out.append(Misuse(_at(f"2019-01-2{i}"), "forum", "early", "discussion",
                          ("disinformation",), None))
    return out


def _post(n: int, source: str, when: datetime, author: str, text: str,
          title: str | None = None, thread: str | None = None) -> Post:
    platform, site = SOURCES[source]
    thread_id = thread or f"t{n // 10}"
    return Post(
        id="", source=source, platform=platform, site=site, thread_id=thread_id,
        post_id=str(n), created_at=when, text=text, author=author, author_id=author,
        thread_title=title or f"Thread {thread_id}",
        url=f"https://{site}/t/{thread_id}/{n}",
    )


def _tag(post: Post, ladder: str, categories=(), tier=None, lm_related=None) -> Enrichment:
    return Enrichment(
        post_id=post.id, enricher="tagger", version="1",
        facets={"lm_related": bool(lm_related if lm_related is not None else ladder != "none"),
                "categories": list(categories), "ladder": ladder, "tier": tier},
        data={"evidence": [{"kind": "intent", "value": "we should", "text": post.text[:10],
                            "start": 0, "end": 10, "rule": "seed"}]},
    )


def _score(post: Post, score: float) -> Enrichment:
    return Enrichment(
        post_id=post.id, enricher="detector:tfidf", version="1",
        facets={"detector_scores": {"tfidf": score}},
        data={"score": score, "label": "machine" if score >= TFIDF_THRESHOLD else "human",
              "threshold": TFIDF_THRESHOLD, "fpr": TFIDF_FPR},
    )


def seed(store: Store, *, detector: bool = True, hostile: bool = False) -> dict:
    """Write the community; returns what was written, for expected values."""
    posts: list[Post] = []
    enrichments: list[Enrichment] = []
    n = 0
    for week in range(WEEKS):
        for source in SOURCES:
            if (source, week) in OUTAGE:
                continue
            for k in range(BACKGROUND_PER_WEEK):
                when = START + timedelta(weeks=week, hours=k * 7)
                # the board fills with machine-written replies after the 1.5B release
                machine = source == "board" and when >= datetime(2019, 11, 5, tzinfo=UTC) \
                    and k % 4 == 0
                author = "bot1" if machine else f"user{k % 10}"
                post = _post(n, source, when, author, f"benign chatter {n} about models")
                posts.append(post)
                enrichments.append(_tag(post, "none", lm_related=k % 5 == 0))
                if detector:
                    enrichments.append(_score(post, 0.97 if machine else 0.2))
                n += 1
    misuse = misuse_posts()
    for m in misuse:
        text = f"misuse {m.ladder} post {n}: we should use GPT-2 for {' '.join(m.categories)}"
        title = None
        if hostile and m.ladder == "plan":
            text, title = f"{HOSTILE} {text}", f"{HOSTILE} plan thread"
        post = _post(n, m.source, m.when, m.author, text, title=title, thread=f"m{n}")
        if hostile and m.ladder == "plan":
            post = post.replace(url="javascript:alert(1)")
        posts.append(post)
        enrichments.append(_tag(post, m.ladder, m.categories, m.tier))
        if detector:
            enrichments.append(_score(post, 0.2))
        n += 1
    store.upsert_posts(posts)
    store.write_enrichments(enrichments)
    actors = {}
    for m in misuse:
        platform, site = SOURCES[m.source]
        actor_id = f"{platform}:{site}:{m.author}"
        tier = 2 if m.author == "planner" else 1
        actors[actor_id] = Actor(id=actor_id, platform=platform, site=site, handle=m.author,
                                 tier=tier, tier_confidence=0.8, evidence=[])
    store.upsert_actors(actors.values())
    store.record_crawl_run(CrawlRun(id="run-1", source="forum", started_at=datetime.now(UTC),
                                    status="finished"))
    return {"posts": posts, "misuse": misuse}
