"""The shared store writer: one thread per store, jobs in order, failures reported, never stuck."""

from __future__ import annotations

import threading

from crawlers.writer import StoreWriter


def test_one_writer_per_store_runs_jobs_in_order_until_the_last_user_leaves(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first, second = StoreWriter.acquire(url), StoreWriter.acquire(url)
    assert first is second and first.thread.is_alive()
    other = StoreWriter.acquire(f"sqlite:///{tmp_path / 'b.db'}")
    assert other is not first
    seen: list[tuple[int, str]] = []
    for n in range(50):
        writer = first if n % 2 else second
        writer.submit(lambda store, n=n: seen.append((n, threading.current_thread().name)), seen.append)
    first.drain()
    assert [n for n, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"misusewatch-store-writer"}
    first.release()
    assert first.thread.is_alive()  # one user left
    second.release()
    assert not first.thread.is_alive()
    other.release()
    fresh = StoreWriter.acquire(url)
    assert fresh is not first  # a new one after the last user left
    fresh.release()


def test_a_failing_job_is_reported_and_the_writer_goes_on(tmp_path):
    writer = StoreWriter.acquire(f"sqlite:///{tmp_path / 'a.db'}")
    errors, done = [], []

    def boom(store):
        raise RuntimeError("disk on fire")

    writer.submit(boom, errors.append)
    writer.submit(lambda store: done.append(store.count_posts()), errors.append)
    writer.drain()
    writer.release()
    assert [str(e) for e in errors] == ["disk on fire"] and done == [0]


def test_a_store_that_cannot_open_fails_every_job(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    writer = StoreWriter.acquire(f"sqlite:///{blocker / 'x.db'}")
    errors = []
    for _ in range(3):
        writer.submit(lambda store: None, errors.append)
    writer.drain()
    writer.release()
    assert len(errors) == 3 and all(e is not None for e in errors)
