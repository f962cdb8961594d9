"""The schema: validation, time handling, JSON round-trips, deterministic ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from misusewatch import ids
from misusewatch.records import (
    Actor,
    Enrichment,
    Post,
    RecordError,
    content_hash,
    format_time,
    parse_time,
)

BASE = {
    "source": "s", "platform": "4chan", "site": "boards.4chan.org", "thread_id": 456354102,
    "post_id": 456354139, "created_at": "2019-03-29T09:15:39Z", "text": "hello",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-03-29T09:15:39Z", datetime(2019, 3, 29, 9, 15, 39, tzinfo=UTC)),
        ("2019-03-29T05:15:39-04:00", datetime(2019, 3, 29, 9, 15, 39, tzinfo=UTC)),
        ("2019-03-29T09:15:39", datetime(2019, 3, 29, 9, 15, 39, tzinfo=UTC)),  # naive = UTC
        ("2019-03-29", datetime(2019, 3, 29, tzinfo=UTC)),
        (1553850939, datetime(2019, 3, 29, 9, 15, 39, tzinfo=UTC)),
        (1553850939.5, datetime(2019, 3, 29, 9, 15, 39, 500000, tzinfo=UTC)),
        (datetime(2019, 3, 29, 11, 15, 39, tzinfo=timezone(timedelta(hours=2))),
         datetime(2019, 3, 29, 9, 15, 39, tzinfo=UTC)),
    ],
)
def test_parse_time_normalises_to_utc(value, expected):
    parsed = parse_time(value)
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize("bad", ["", "yesterday", "2019-13-01", None, [], True])
def test_parse_time_rejects_with_field_name(bad):
    with pytest.raises(RecordError, match="created_at"):
        parse_time(bad, "created_at")


def test_format_time_is_iso_utc_with_z():
    assert format_time(datetime(2019, 2, 14, tzinfo=UTC)) == "2019-02-14T00:00:00Z"
    assert format_time(datetime(2019, 2, 14, 0, 0, 0, 5, tzinfo=UTC)) == "2019-02-14T00:00:00.000005Z"
    assert format_time(None) is None


def test_post_gets_deterministic_id_and_hash():
    post = Post.from_dict(BASE)
    assert post.id == "4chan:boards.4chan.org:456354102:456354139"
    assert post.id == Post.from_dict(dict(BASE)).id
    assert post.content_hash == content_hash("hello")
    assert post.thread_key == "4chan:boards.4chan.org:456354102"


def test_post_hash_ignores_a_stale_given_hash():
    assert Post.from_dict({**BASE, "content_hash": "stale"}).content_hash == content_hash("hello")


def test_post_round_trips_through_json_dict():
    post = Post.from_dict({**BASE, "reply_to": [456354102], "raw": {"no": 1}, "edited_at": 1553850999})
    again = Post.from_dict(post.to_dict())
    assert again == post
    assert post.to_dict()["created_at"] == "2019-03-29T09:15:39Z"
    assert post.reply_to == ["456354102"]


@pytest.mark.parametrize("missing", ["source", "platform", "site", "thread_id", "post_id", "created_at", "text"])
def test_post_names_the_missing_field(missing):
    data = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(RecordError, match=f"missing field {missing}"):
        Post.from_dict(data)


def test_post_rejects_non_objects():
    with pytest.raises(RecordError, match="JSON object"):
        Post.from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_actor_id_prefers_platform_author_id():
    post = Post.from_dict({**BASE, "author": "Anonymous", "author_id": "456354102/Ab3dE"})
    assert post.actor_id == "4chan:boards.4chan.org:456354102/Ab3dE"
    assert Post.from_dict(BASE).actor_id is None


@pytest.mark.parametrize(
    ("facets", "message"),
    [
        ({"ladder": "attack"}, "facets.ladder"),
        ({"categories": ["spam", "cooking"]}, "facets.categories"),
        ({"tier": 4}, "facets.tier"),
        ({"colour": "red"}, "unknown key"),
    ],
)
def test_enrichment_facets_are_validated(facets, message):
    with pytest.raises(RecordError, match=message):
        Enrichment("p", "tagger", "1", facets=facets)


def test_override_wins_over_computed_tier():
    actor = Actor("a", "reddit", "reddit.com", "x", tier=1, override={"tier": 3, "by": "ann"})
    assert actor.effective_tier == 3
    assert Actor("b", "reddit", "reddit.com", "y", tier=2).effective_tier == 2


@pytest.mark.parametrize(
    "components",
    [("4chan", "boards.4chan.org", "1", "2"), ("discourse", "127.0.0.1:8080", "a:b", "100%"),
     ("phpbb", "forum.example.org", "t=5", "p 7")],
)
def test_ids_escape_separators_and_split_back(components):
    record_id = ids.post_id(*components)
    assert record_id.count(":") == 3
    assert ids.split_id(record_id) == list(components)


def test_ids_reject_empty_components():
    with pytest.raises(ValueError):
        ids.post_id("4chan", "", "1", "2")


def test_id_components_are_quoted_exactly_as_quote_would():
    # Ids already stored were made with quote(); the shortcut for plain components (and the
    # remembered quoting of the others) must never give a different id.
    import random
    import string
    from urllib.parse import quote

    rng = random.Random(3)
    alphabet = string.printable + "é日\u00a0:%"
    for _ in range(20000):
        handle = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if handle.strip():
            expected = f"reddit:127.0.0.1%3A8080:{quote(handle.strip(), safe=ids._SAFE)}"
            assert ids.actor_id("reddit", "127.0.0.1:8080", handle) == expected


def _run(run_id, source, started_minute, status="finished", new=0, crawl=None, **data):
    from misusewatch.records import CrawlRun

    if crawl:
        data["crawl"] = crawl
    start = datetime(2026, 1, 1, 12, started_minute, tzinfo=UTC)
    return CrawlRun(id=run_id, source=source, started_at=start,
                    finished_at=None if status == "running" else start + timedelta(minutes=5),
                    status=status, pages=2, posts_new=new, data=data)


def test_the_shards_of_one_crawl_read_as_one_run():
    from misusewatch.records import merge_shard_runs

    runs = [
        _run("s:3:a", "s", 3, new=4, crawl="c2", shard="1/2"),
        _run("s:2:b", "s", 2, new=6, crawl="c2", shard="2/2"),
        _run("s:1", "s", 1, new=9),  # an unsharded run passes as it is
        _run("t:2:a", "t", 2, status="failed", crawl="c2", shard="1/2", reason="interrupted"),
        _run("t:2:b", "t", 2, new=3, crawl="c2", shard="2/2"),
        _run("s:0:a", "s", 0, status="running", crawl="c1", shard="1/2"),
        _run("s:0:b", "s", 0, new=1, crawl="c1", shard="2/2"),
    ]
    merged = merge_shard_runs(runs)
    assert [r.id for r in merged] == ["s:2:b", "s:1", "t:2:a", "s:0:a"]
    crawl = merged[0]
    assert (crawl.posts_new, crawl.pages, crawl.status) == (10, 4, "finished")
    assert crawl.started_at == runs[1].started_at and crawl.finished_at == runs[0].finished_at
    assert crawl.data["shards"] == 2 and "shard" not in crawl.data
    assert merged[1] is runs[2]
    # A failed shard fails the crawl (part of the source was not crawled); a running one keeps it running.
    assert (merged[2].status, merged[2].posts_new, merged[2].data["reason"]) == ("failed", 3, "interrupted")
    assert (merged[3].status, merged[3].finished_at) == ("running", None)


def test_a_crawl_missing_a_shard_run_reads_as_failed():
    """A shard whose process died before the crawl opened recorded nothing: the crawl is not whole."""
    from misusewatch.records import merge_shard_runs

    one_of_two = merge_shard_runs([_run("s:1:a", "s", 1, new=5, crawl="c1", shard="1/2")])
    assert (one_of_two[0].status, one_of_two[0].posts_new) == ("failed", 5)
    assert one_of_two[0].data["error"].startswith("1 of 2 shards recorded no run")
    two_of_three = merge_shard_runs([_run("s:1:a", "s", 1, crawl="c1", shard="1/3"),
                                     _run("s:1:b", "s", 1, crawl="c1", shard="2/3")])
    assert two_of_three[0].status == "failed" and "1 of 3 shards" in two_of_three[0].data["error"]
    still_running = merge_shard_runs([_run("s:1:a", "s", 1, status="running", crawl="c1", shard="1/2")])
    assert still_running[0].status == "running"
