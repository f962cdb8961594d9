"""Several processes opening one new SQLite store at once all get a working store.

SQLite refuses one of them at once ("database is locked", no busy wait) when waiting could
deadlock while the new file is set up; the store tries again. Rare by nature, so many rounds.
"""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from misusewatch.records import Post, parse_time
from misusewatch.store import open_store
from misusewatch.store.sqlite import when_unlocked

pytestmark = pytest.mark.integration


def _open_and_write(path: str, worker: int, start, results) -> None:
    start.wait()
    try:
        store = open_store(f"sqlite:///{path}")
        post = Post(id="", source="s", platform="discourse", site="x.example", thread_id="1",
                    post_id=str(worker), created_at=parse_time("2019-05-01T00:00:00Z"), text=f"post {worker}")
        store.upsert_posts([post])
        store.close()
        results.put("ok")
    except Exception as exc:  # reported to the test, which names it
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_store_together_all_succeed(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = 4
    for round_ in range(12):
        path = str(tmp_path / f"new{round_}.db")
        start, results = context.Event(), context.Queue()
        procs = [context.Process(target=_open_and_write, args=(path, k, start, results)) for k in range(workers)]
        for proc in procs:
            proc.start()
        start.set()
        for proc in procs:
            proc.join(60)
        outcomes = [results.get(timeout=5) for _ in procs]
        assert outcomes == ["ok"] * workers, (round_, outcomes)
        store = open_store(f"sqlite:///{path}")
        assert store.count_posts() == workers
        store.close()


def test_when_unlocked_tries_again_only_while_locked():
    calls = []

    def locked_twice():
        calls.append(1)
        if len(calls) < 3:
            raise sqlite3.OperationalError("database is locked")
        return "done"

    assert when_unlocked(locked_twice) == "done" and len(calls) == 3

    def broken():
        calls.append(1)
        raise sqlite3.OperationalError("no such table: posts")

    calls.clear()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        when_unlocked(broken)
    assert len(calls) == 1

    def always_locked():
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        when_unlocked(always_locked, attempts=3)
