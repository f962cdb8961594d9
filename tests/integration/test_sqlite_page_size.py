"""A new SQLite store is made with 8 KiB pages; a store made before keeps its own and works."""

from __future__ import annotations

import sqlite3

import pytest

from misusewatch.records import Post, parse_time
from misusewatch.store import open_store
from misusewatch.store.sqlite import PAGE_SIZE

pytestmark = pytest.mark.integration


def _post(number: int) -> Post:
    return Post(id="", source="s", platform="discourse", site="x.example", thread_id="1", post_id=str(number),
                created_at=parse_time("2019-05-01T00:00:00Z"), text=f"post {number} " + "words " * 900,
                raw={"cooked": "<p>" + "words " * 900 + "</p>"})


def _page_size_in_header(path) -> int:
    header = path.read_bytes()[:100]
    assert header.startswith(b"SQLite format 3\x00")
    size = int.from_bytes(header[16:18], "big")
    return 65536 if size == 1 else size


def test_a_new_store_file_has_the_store_page_size(tmp_path):
    path = tmp_path / "new.db"
    store = open_store(f"sqlite:///{path}")
    store.upsert_posts([_post(k) for k in range(20)])
    store.close()
    assert PAGE_SIZE == 8192 and _page_size_in_header(path) == PAGE_SIZE


def test_a_store_made_with_other_pages_keeps_them_and_works(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA page_size=4096")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    store = open_store(f"sqlite:///{path}")
    posts = [_post(k) for k in range(20)]
    store.upsert_posts(posts)
    store.close()
    store = open_store(f"sqlite:///{path}")
    assert store.count_posts() == 20
    assert {p.text for p in store.iter_posts()} == {p.text for p in posts}
    store.close()
    assert _page_size_in_header(path) == 4096
