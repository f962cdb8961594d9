"""The SQLite store's facet_days aggregate answers counts exactly as a scan of posts would."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from misusewatch.records import CATEGORIES, LADDER_STEPS, Enrichment, Post
from misusewatch.store import PostFilter, open_store

DAY = timedelta(days=1)
START = datetime(2019, 1, 1, tzinfo=UTC)


def _post(n: int, rng: random.Random, text: str = "") -> Post:
    # Some posts exactly at midnight, so day-boundary filters are tested at their edge.
    offset = timedelta(0) if n % 4 == 0 else timedelta(seconds=rng.randrange(86400))
    created = START + DAY * rng.randrange(120) + offset
    source, platform = rng.choice([("a", "discourse"), ("b", "4chan"), ("c", "phpbb"), ("d", "discourse")])
    return Post(id="", source=source, platform=platform, site=f"{source}.example", thread_id=str(n // 7),
                post_id=str(n), created_at=created, text=text or f"post {n}")


def _tagging(post_id: str, rng: random.Random, version: str) -> Enrichment:
    ladder = rng.choice(LADDER_STEPS)
    return Enrichment(post_id, "tagger", version, facets={
        "ladder": ladder, "tier": rng.choice([None, 1, 2, 3]) if ladder != "none" else None,
        "categories": rng.sample(CATEGORIES, rng.choice([0, 0, 1, 2])), "lm_related": rng.random() < 0.5})


def _filters() -> list[PostFilter]:
    out = [PostFilter()]
    days = [None, START + DAY * 10, START + DAY * 60]
    for since, until, source, ladder, category in product(days, [None, START + DAY * 90], [None, "a"],
                                                          [None, "code", "none"], [None, "spam"]):
        out.append(PostFilter(since=since, until=until, source=source, ladder=ladder, category=category))
    out += [PostFilter(tier=2), PostFilter(min_tier=2, platform="discourse"), PostFilter(ladder="")]
    # Not answerable from the aggregate: these must take the scan path and agree trivially.
    out += [PostFilter(since=START + DAY * 10 + timedelta(hours=5)), PostFilter(lm_related=True),
            PostFilter(author="nobody")]
    return out


def _answers(store) -> list:
    out = []
    for f in _filters():
        out.append(store.count_posts(f))
        out += [store.count_by_time(bucket, f) for bucket in ("day", "week", "month")]
        out += [store.count_by_field(name, f) for name in ("source", "platform", "ladder", "tier", "category")]
    return out


def _both_ways(store) -> tuple[list, list]:
    store.use_facet_days = True
    fast = _answers(store)
    store.use_facet_days = False
    slow = _answers(store)
    store.use_facet_days = True
    return fast, slow


@pytest.fixture
def busy_store(tmp_path):
    """Posts inserted, tagged, re-tagged with other facets, edited onto other days and sources."""
    rng = random.Random(5)
    store = open_store(f"sqlite:///{tmp_path / 'agg.db'}")
    posts = [_post(n, rng) for n in range(600)]
    store.upsert_posts(posts)
    store.write_enrichments(_tagging(p.id, rng, "1") for p in posts)
    store.write_enrichments(_tagging(p.id, rng, "2") for p in posts[::3])  # facets change
    moved = [p.replace(created_at=p.created_at + DAY * 3, source="b", text=p.text + " (edited)")
             for p in posts[::5]]
    store.upsert_posts(moved)  # day and source change on re-crawl
    yield store
    store.close()


def test_aggregate_and_scan_agree_after_inserts_retags_and_edits(busy_store):
    fast, slow = _both_ways(busy_store)
    assert fast == slow
    assert busy_store.count_posts() == 600 and sum(n for _, n in busy_store.count_by_time("week")) == 600


def test_store_made_before_the_aggregate_is_backfilled(busy_store, tmp_path):
    expected = _both_ways(busy_store)[1]
    path = busy_store.path
    busy_store.close()
    conn = sqlite3.connect(path)  # as an older version of the store left it
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'facet_days%'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE facet_days")
    conn.commit()
    conn.close()
    reopened = open_store(f"sqlite:///{path}")
    try:
        fast, slow = _both_ways(reopened)
        assert fast == slow == expected
    finally:
        reopened.close()


def test_posts_before_1970_02_use_the_scan(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'old.db'}")
    rng = random.Random(1)
    early = _post(1, rng).replace(created_at=datetime(1970, 1, 1, 12, tzinfo=UTC))
    store.upsert_posts([early, _post(2, rng)])
    assert store.count_posts(PostFilter(until=datetime(1970, 1, 2, tzinfo=UTC))) == 1
    fast, slow = _both_ways(store)
    assert fast == slow
    store.close()
