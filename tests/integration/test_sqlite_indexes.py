"""The SQLite store's secondary indexes: a store made with the old author index loses it on open."""

from __future__ import annotations

import sqlite3

import pytest

from misusewatch.records import Post, parse_time
from misusewatch.store import PostFilter, open_store

pytestmark = pytest.mark.integration


def _indexes(path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()


def test_an_older_store_loses_the_unused_author_index_and_still_filters_by_author(tmp_path):
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    store.upsert_posts([Post(id="", source="s", platform="reddit", site="reddit.com", thread_id="t", post_id=str(k),
                             author=f"user{k % 2}", author_id=f"t2_{k % 2}", text=f"post {k}",
                             created_at=parse_time(f"2019-05-0{k + 1}T00:00:00Z")) for k in range(4)])
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX posts_author ON posts(author)")  # as stores made before had it
    conn.close()
    assert "posts_author" in _indexes(path)

    store = open_store(url)
    try:
        assert "posts_author" not in _indexes(path)
        assert {"posts_created", "posts_actor", "posts_thread"} <= _indexes(path)
        by_name = store.search("", PostFilter(author="user1"), limit=10).posts
        by_id = store.search("", PostFilter(author="t2_1"), limit=10).posts
        assert sorted(p.post_id for p in by_name) == sorted(p.post_id for p in by_id) == ["1", "3"]
    finally:
        store.close()
