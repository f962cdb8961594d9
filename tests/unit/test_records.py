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
