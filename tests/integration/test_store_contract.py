"""The Store contract: every backend must behave exactly like this (see misusewatch/store/base.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from misusewatch.records import (
    Actor,
    Alert,
    Assessment,
    CrawlRun,
    Delivery,
    Enrichment,
    Label,
    Post,
)
from misusewatch.store import PostFilter, Store

T0 = datetime(2019, 2, 14, 12, 0, tzinfo=UTC)  # a Thursday: GPT-2 124M release day


def make_post(n: int, **overrides) -> Post:
    fields = dict(
        id="",
        source="forum-a",
        platform="discourse",
        site="forum.example.org",
        board="general",
        thread_id=str(n // 10),
        thread_title=f"Thread {n // 10}",
        post_id=str(n),
        author=f"user{n % 3}",
        author_id=f"uid{n % 3}",
        created_at=T0 + timedelta(hours=n),
        text=f"post number {n} about language models",
        html=f"<p>post number {n}</p>",
        reply_to=[str(n - 1)] if n % 10 else [],
        url=f"https://forum.example.org/t/{n // 10}/{n}",
        collected_at=datetime(2020, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
        raw={"n": n, "nested": {"ok": True}},
    )
    fields.update(overrides)
    return Post(**fields)


@pytest.fixture
def posts() -> list[Post]:
    return [make_post(n) for n in range(30)]


@pytest.fixture
def filled(store: Store, posts: list[Post]) -> Store:
    store.upsert_posts(posts)
    return store


# ---------------------------------------------------------------- upserts


def test_upsert_reports_inserted_then_unchanged(store: Store, posts: list[Post]):
    first = store.upsert_posts(posts)
    assert (first.inserted, first.updated, first.unchanged) == (30, 0, 0)
    assert sorted(first.inserted_ids) == sorted(p.id for p in posts)
    again = store.upsert_posts(posts)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 30)
    assert store.count_posts() == 30


def test_edit_updates_post_and_keeps_previous_text(filled: Store, posts: list[Post]):
    edited = posts[4].replace(text="edited text", edited_at=T0 + timedelta(days=3))
    result = filled.upsert_posts([edited])
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 0)
    assert result.updated_ids == [edited.id]
    assert filled.get_post(edited.id).text == "edited text"
    revisions = filled.revisions(edited.id)
    assert [r.text for r in revisions] == [posts[4].text]
    assert revisions[0].content_hash == posts[4].content_hash
    assert filled.count_posts() == 30


def test_metadata_only_change_is_unchanged(filled: Store, posts: list[Post]):
    recollected = posts[0].replace(collected_at=datetime(2021, 1, 1, tzinfo=UTC))
    assert filled.upsert_posts([recollected]).unchanged == 1
    assert filled.get_post(posts[0].id).collected_at == posts[0].collected_at


def test_duplicate_ids_in_one_batch_count_once(store: Store, posts: list[Post]):
    result = store.upsert_posts([posts[0], posts[0].replace(text="later copy")])
    assert result.inserted == 1
    assert store.get_post(posts[0].id).text == "later copy"


def test_get_post_round_trips_every_field(filled: Store, posts: list[Post]):
    assert filled.get_post(posts[7].id) == posts[7]
    assert filled.get_post("discourse:nowhere:1:1") is None


def test_get_posts_keeps_requested_order_and_skips_missing(filled: Store, posts: list[Post]):
    wanted = [posts[5].id, "missing:x:y:z", posts[2].id]
    assert [p.id for p in filled.get_posts(wanted)] == [posts[5].id, posts[2].id]


# ---------------------------------------------------------------- search and filters


def test_search_words_and_phrases(filled: Store):
    assert filled.search("number 17").total == 1
    assert filled.search('"language models"').total == 30
    assert filled.search('"models language"').total == 0
    assert filled.search('"Thread 2"').total == 10  # thread titles are searched too


@pytest.mark.parametrize(
    "hostile",
    ['"', "(", ")", "AND", "OR NOT", "*", "NEAR(a b)", "text:post", "^post", "\\", "'",
     "-post", "post -", "{a b}", "[x]", "a:b:c", "🙂", "post*", '"unbalanced', "/regex/", "~1",
     "<script>alert(1)</script>", "x" * 300],
)
def test_search_text_cannot_break_the_query(filled: Store, hostile: str):
    result = filled.search(hostile)
    assert result.total >= 0  # no exception, a well-formed answer


def test_empty_query_lists_newest_first(filled: Store, posts: list[Post]):
    result = filled.search("", limit=3)
    assert result.total == 30
    assert [p.id for p in result.posts] == [p.id for p in posts[29:26:-1]]
    oldest = filled.search("", limit=2, sort="oldest")
    assert [p.id for p in oldest.posts] == [posts[0].id, posts[1].id]


def test_search_paginates(filled: Store):
    pages = [filled.search("post", limit=7, offset=o, sort="oldest").posts for o in (0, 7, 14, 21, 28)]
    ids = [p.id for page in pages for p in page]
    assert len(ids) == 30 and len(set(ids)) == 30


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (PostFilter(source="forum-a"), 30),
        (PostFilter(source="other"), 0),
        (PostFilter(platform="discourse"), 30),
        (PostFilter(author="user1"), 10),
        (PostFilter(author="uid2"), 10),
        (PostFilter(actor=make_post(2).actor_id), 10),
        (PostFilter(actor=make_post(2).actor_id, thread_id="0"), 3),
        (PostFilter(actor="discourse:forum.example.org:nobody"), 0),
        (PostFilter(thread_id="2"), 10),
        (PostFilter(since=T0 + timedelta(hours=10)), 20),  # inclusive
        (PostFilter(until=T0 + timedelta(hours=10)), 10),  # exclusive
        (PostFilter(since=T0 + timedelta(hours=5), until=T0 + timedelta(hours=6)), 1),
    ],
)
def test_post_filters(filled: Store, flt: PostFilter, expected: int):
    assert filled.count_posts(flt) == expected
    assert filled.search("", flt, limit=100).total == expected


def test_filters_combine_with_search(filled: Store):
    assert filled.search("post", PostFilter(author="user0", thread_id="0")).total == 4


@pytest.fixture
def enriched(filled: Store, posts: list[Post]) -> Store:
    items = []
    for p in posts:
        n = int(p.post_id)
        items.append(
            Enrichment(
                p.id, "tagger", "1",
                data={"evidence": [
                    {"kind": "ladder", "value": "plan", "text": "post", "start": 0, "end": 4, "rule": "r"}
                ]},
                facets={
                    "lm_related": n % 2 == 0,
                    "categories": ["spam", "phishing"] if n < 5 else (["spam"] if n < 12 else []),
                    "ladder": "code" if n < 3 else ("discussion" if n < 20 else "none"),
                    "tier": 2 if n < 3 else (1 if n < 20 else None),
                },
            )
        )
        items.append(
            Enrichment(p.id, "detector:tfidf", "1", data={"score": n / 30},
                       facets={"detector_scores": {"tfidf": n / 30}})
        )
    filled.write_enrichments(items)
    filled.write_enrichments(
        [Enrichment(posts[1].id, "detector:roberta", "1", facets={"detector_scores": {"roberta": 0.99}})]
    )
    return filled


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (PostFilter(category="spam"), 12),
        (PostFilter(category="phishing"), 5),
        (PostFilter(category="harassment"), 0),
        (PostFilter(ladder="code"), 3),
        (PostFilter(ladder="discussion"), 17),
        (PostFilter(tier=1), 17),
        (PostFilter(min_tier=2), 3),
        (PostFilter(lm_related=True), 15),
        (PostFilter(lm_related=False), 15),
        (PostFilter(min_score=0.9), 4),  # 27/30, 28/30, 29/30 and roberta's 0.99 on post 1
        (PostFilter(detector="tfidf", min_score=0.9), 3),
        (PostFilter(detector="roberta", min_score=0.5), 1),
        (PostFilter(category="spam", ladder="discussion", tier=1), 9),
    ],
)
def test_facet_filters(enriched: Store, flt: PostFilter, expected: int):
    assert enriched.count_posts(flt) == expected
    assert enriched.search("", flt, limit=100).total == expected


def test_reenrichment_replaces_facets(enriched: Store, posts: list[Post]):
    enriched.write_enrichments(
        [Enrichment(posts[0].id, "tagger", "2", facets={"categories": ["harassment"], "ladder": "plan", "tier": 3})]
    )
    assert enriched.count_posts(PostFilter(category="harassment")) == 1
    assert enriched.count_posts(PostFilter(category="phishing")) == 4
    assert enriched.count_posts(PostFilter(ladder="plan", tier=3)) == 1


def test_label_filter_follows_current_status_and_tags(filled: Store, posts: list[Post]):
    filled.add_label(Label("post", posts[0].id, "status", "in_review", "ann"))
    filled.add_label(Label("post", posts[0].id, "status", "escalated", "bob", note="clear plan"))
    filled.add_label(Label("post", posts[1].id, "tag", "campaign-x", "ann"))
    filled.add_label(Label("post", posts[1].id, "tag", "needs-translation", "ann"))
    assert filled.count_posts(PostFilter(label="escalated")) == 1
    assert filled.count_posts(PostFilter(label="in_review")) == 0
    assert filled.count_posts(PostFilter(label="campaign-x")) == 1
    assert filled.count_posts(PostFilter(label="needs-translation")) == 1
    assert filled.count_by_field("label") == {"campaign-x": 1, "escalated": 1, "needs-translation": 1}


# ---------------------------------------------------------------- counts


def test_count_by_time_buckets(store: Store):
    times = [
        datetime(2019, 2, 10, 23, 59, 59, tzinfo=UTC),  # Sunday
        datetime(2019, 2, 11, 0, 0, 0, tzinfo=UTC),  # Monday
        datetime(2019, 2, 17, 12, 0, tzinfo=UTC),  # Sunday, same ISO week as the Monday
        datetime(2019, 3, 1, 0, 0, tzinfo=UTC),
    ]
    store.upsert_posts([make_post(i, created_at=t) for i, t in enumerate(times)])
    day = store.count_by_time("day")
    assert day == [
        (datetime(2019, 2, 10, tzinfo=UTC), 1),
        (datetime(2019, 2, 11, tzinfo=UTC), 1),
        (datetime(2019, 2, 17, tzinfo=UTC), 1),
        (datetime(2019, 3, 1, tzinfo=UTC), 1),
    ]
    assert store.count_by_time("week") == [
        (datetime(2019, 2, 4, tzinfo=UTC), 1),
        (datetime(2019, 2, 11, tzinfo=UTC), 2),
        (datetime(2019, 2, 25, tzinfo=UTC), 1),
    ]
    assert store.count_by_time("month") == [
        (datetime(2019, 2, 1, tzinfo=UTC), 3),
        (datetime(2019, 3, 1, tzinfo=UTC), 1),
    ]
    assert store.count_by_time("week", PostFilter(since=datetime(2019, 2, 11, tzinfo=UTC))) == [
        (datetime(2019, 2, 11, tzinfo=UTC), 2),
        (datetime(2019, 2, 25, tzinfo=UTC), 1),
    ]


def test_count_by_field(enriched: Store):
    assert enriched.count_by_field("author") == {"user0": 10, "user1": 10, "user2": 10}
    assert enriched.count_by_field("actor") == {
        "discourse:forum.example.org:uid0": 10, "discourse:forum.example.org:uid1": 10,
        "discourse:forum.example.org:uid2": 10,
    }
    assert enriched.count_by_field("category") == {"spam": 12, "phishing": 5}
    assert enriched.count_by_field("ladder") == {"none": 10, "discussion": 17, "code": 3}
    assert enriched.count_by_field("tier") == {1: 17, 2: 3}
    assert enriched.count_by_field("ladder", PostFilter(category="phishing")) == {"discussion": 2, "code": 3}
    assert enriched.count_by_field("platform") == {"discourse": 30}


def test_count_by_field_rejects_unknown_field(filled: Store):
    with pytest.raises(ValueError):
        filled.count_by_field("text")


# ---------------------------------------------------------------- iteration and enrichment


def test_iter_posts_streams_oldest_first_across_batches(filled: Store, posts: list[Post]):
    seen = [p.id for p in filled.iter_posts(batch_size=7)]
    assert seen == [p.id for p in posts]
    late = [p.id for p in filled.iter_posts(PostFilter(since=T0 + timedelta(hours=25)), batch_size=2)]
    assert late == [p.id for p in posts[25:]]


def test_iter_pending_is_resumable_and_retries_failures(filled: Store, posts: list[Post]):
    assert filled.count_pending("tagger", "1") == 30
    seen = []
    for batch in filled.iter_pending("tagger", "1", batch_size=8):
        seen += [p.id for p in batch]
        # writing while iterating must not skip or repeat posts
        filled.write_enrichments(
            [Enrichment(p.id, "tagger", "1", error="boom" if p.post_id == "3" else None) for p in batch]
        )
    assert sorted(seen) == sorted(p.id for p in posts)
    assert filled.count_pending("tagger", "1") == 1
    retry = [p.id for b in filled.iter_pending("tagger", "1") for p in b]
    assert retry == [posts[3].id]
    assert filled.count_pending("tagger", "2") == 30  # a new version re-pends everything
    assert filled.count_pending("detector:tfidf", "1") == 30


def test_iter_pending_honours_filters(filled: Store):
    batches = list(filled.iter_pending("tagger", "1", filters=PostFilter(thread_id="1")))
    assert sum(len(b) for b in batches) == 10


def test_enrichments_latest_per_enricher(enriched: Store, posts: list[Post]):
    enriched.write_enrichments([Enrichment(posts[1].id, "tagger", "2", data={"v": 2}, facets={"ladder": "plan"})])
    latest = {e.enricher: e for e in enriched.get_enrichments(posts[1].id)}
    assert set(latest) == {"tagger", "detector:tfidf", "detector:roberta"}
    assert latest["tagger"].version == "2" and latest["tagger"].data == {"v": 2}
    assert latest["detector:tfidf"].facets == {"detector_scores": {"tfidf": 1 / 30}}
    assert latest["tagger"].created_at.tzinfo is not None


def test_enrichment_write_is_idempotent(enriched: Store, posts: list[Post]):
    again = Enrichment(posts[2].id, "tagger", "1", data={"again": True}, facets={"ladder": "code"})
    enriched.write_enrichments([again, again])
    rows = [e for e in enriched.iter_enrichments("tagger") if e.post_id == posts[2].id]
    assert len(rows) == 1 and rows[0].data == {"again": True}


def test_iter_enrichments_by_version(enriched: Store, posts: list[Post]):
    enriched.write_enrichments([Enrichment(posts[0].id, "tagger", "2", facets={})])
    assert sum(1 for _ in enriched.iter_enrichments("tagger", batch_size=4)) == 31
    assert [e.post_id for e in enriched.iter_enrichments("tagger", version="2")] == [posts[0].id]


# ---------------------------------------------------------------- actors, labels, assessments


def test_actors_rank_by_effective_tier(store: Store):
    store.upsert_actors(
        [
            Actor("a:x:1", "a", "x", "one", post_count=5, tier=1, tier_confidence=0.6,
                  first_seen=T0, last_seen=T0 + timedelta(days=2)),
            Actor("a:x:2", "a", "x", "two", post_count=50, tier=2, evidence=["p1", "p2"],
                  signals={"burstiness": 0.4}),
            Actor("a:x:3", "a", "x", "three", post_count=1, tier=1,
                  override={"tier": 3, "by": "ann", "reason": "known APT"}),
            Actor("a:x:4", "a", "x", "four", post_count=9),
        ]
    )
    ranked = store.list_actors()
    assert [a.id for a in ranked] == ["a:x:3", "a:x:2", "a:x:1", "a:x:4"]
    assert [a.id for a in store.list_actors(min_tier=2)] == ["a:x:3", "a:x:2"]
    two = store.get_actor("a:x:2")
    assert two.evidence == ["p1", "p2"] and two.signals == {"burstiness": 0.4}
    assert store.get_actor("a:x:1").first_seen == T0
    assert store.get_actor("a:x:3").effective_tier == 3
    store.upsert_actors([two.replace(tier=3)])
    assert store.get_actor("a:x:2").tier == 3
    assert store.get_actor("nope") is None


def test_labels_are_an_append_only_audit_trail(store: Store):
    first = store.add_label(Label("actor", "a:x:1", "tier_override", "3", "ann", note="known APT"))
    second = store.add_label(Label("actor", "a:x:1", "tier_override", "2", "bob"))
    assert first.id is not None and second.id is not None and first.id != second.id
    trail = store.labels_for("actor", "a:x:1")
    assert [(lbl.value, lbl.author, lbl.note) for lbl in trail] == [("3", "ann", "known APT"), ("2", "bob", None)]
    assert [lbl.value for lbl in store.list_labels(kind="tier_override")] == ["2", "3"]
    assert store.list_labels(target_type="post") == []


def test_assessments_replace_by_id(store: Store):
    store.write_assessment(Assessment("indicators:124M", "stage_indicators", {"n": 1}, stage="124M"))
    store.write_assessment(Assessment("indicators:124M", "stage_indicators", {"n": 2}, stage="124M"))
    store.write_assessment(Assessment("summary:all", "summary", {"text": "ok"}))
    assert store.get_assessment("indicators:124M").data == {"n": 2}
    assert [a.id for a in store.list_assessments("stage_indicators")] == ["indicators:124M"]
    assert len(store.list_assessments()) == 2
    assert store.get_assessment("missing") is None


# ---------------------------------------------------------------- alerts and deliveries


def test_alert_is_written_once(store: Store):
    alert = Alert("al1", "tier2_code_sharing", "high", "Tier-2 code", "body", "thread:1", evidence=["p1"])
    assert store.write_alert(alert) is True
    assert store.write_alert(alert.replace(title="changed")) is False
    assert store.get_alert("al1").title == "Tier-2 code"
    store.update_alert_status("al1", "sent")
    assert [a.id for a in store.list_alerts(status="sent")] == ["al1"]
    assert store.list_alerts(status="new") == []


def test_deliveries_upsert_by_idempotency_key(store: Store):
    d = Delivery("al1", "ops@example.org", "email", "al1|ops@example.org|email")
    store.upsert_delivery(d)
    store.upsert_delivery(d.replace(status="failed", attempts=1, last_error="connection refused",
                                    next_attempt_at=T0))
    store.upsert_delivery(Delivery("al1", "https://hook", "webhook", "al1|hook|webhook", status="sent",
                                   attempts=1, sent_at=T0))
    rows = store.list_deliveries(alert_id="al1")
    assert len(rows) == 2
    failed = store.list_deliveries(status="failed")
    assert [(x.attempts, x.last_error, x.next_attempt_at) for x in failed] == [(1, "connection refused", T0)]
    assert store.list_deliveries(status="sent")[0].sent_at == T0


# ---------------------------------------------------------------- crawling


def test_cursors_hold_json_values(store: Store):
    assert store.get_cursor("forum-a", "latest") is None
    store.set_cursor("forum-a", "latest", {"topic": 12, "seen": [1, 2]})
    store.set_cursor("forum-a", "latest", {"topic": 13, "seen": [1, 2, 3]})
    store.set_cursor("forum-b", "latest", 7)
    assert store.get_cursor("forum-a", "latest") == {"topic": 13, "seen": [1, 2, 3]}
    assert store.get_cursor("forum-b", "latest") == 7


def test_cursors_set_together_are_each_saved_the_last_value_winning(store: Store):
    store.set_cursors([("forum-a", "t/1", 5), ("forum-a", "t/2", [1, 2]), ("forum-b", "t/1", "x"),
                       ("forum-a", "t/1", 6)])
    store.set_cursors([])
    assert store.get_cursor("forum-a", "t/1") == 6
    assert store.get_cursor("forum-a", "t/2") == [1, 2]
    assert store.get_cursor("forum-b", "t/1") == "x"


def test_crawl_runs_record_and_list_newest_first(store: Store):
    run = CrawlRun("r1", "forum-a", started_at=T0)
    store.record_crawl_run(run)
    store.record_crawl_run(run.replace(status="finished", finished_at=T0 + timedelta(seconds=90),
                                       pages=4, posts_new=40, errors=1, data={"urls": 4}))
    store.record_crawl_run(CrawlRun("r2", "forum-a", started_at=T0 + timedelta(hours=1)))
    store.record_crawl_run(CrawlRun("r3", "forum-b", started_at=T0 + timedelta(hours=2)))
    assert [r.id for r in store.list_crawl_runs(source="forum-a")] == ["r2", "r1"]
    first = store.list_crawl_runs(source="forum-a")[1]
    assert (first.status, first.pages, first.posts_new, first.errors, first.duration_s) == ("finished", 4, 40, 1, 90)
    assert [r.id for r in store.list_crawl_runs(limit=2)] == ["r3", "r2"]


def test_crawl_runs_per_source_keep_a_rarely_crawled_source_beside_busy_ones(store: Store):
    store.record_crawl_run(CrawlRun("daily-1", "daily", started_at=T0))
    store.record_crawl_run(CrawlRun("daily-2", "daily", started_at=T0 + timedelta(days=1)))
    for k in range(6):
        store.record_crawl_run(CrawlRun(f"busy-{k}", "busy", started_at=T0 + timedelta(days=1, hours=k + 1)))
    assert "daily" not in {r.source for r in store.list_crawl_runs(limit=5)}
    both = store.list_crawl_runs(limit=100, per_source=3)
    assert [r.id for r in both] == ["busy-5", "busy-4", "busy-3", "daily-2", "daily-1"]
    assert [r.id for r in store.list_crawl_runs(limit=4, per_source=3)] == ["busy-5", "busy-4", "busy-3", "daily-2"]
    assert [r.id for r in store.list_crawl_runs(source="daily", per_source=1)] == ["daily-2"]
