"""One store-writer thread per crawl process and store, shared by every source's StorePipeline.

A crawl of several sources runs one crawler per source in one process. Each used to write
on its own thread and connection; SQLite lets one connection write at a time, and the
others waited in its busy handler (sleeps of 1-100 ms) for every batch and every cursor.
One writer per store serialises the writes without waiting: jobs from every pipeline go
through one queue, in the order they were handed over, on one connection.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Job = Callable[[Any], None]  # called with the writer's store


class StoreWriter:
    """The writer thread of one store URL; pipelines ``acquire`` it, ``submit`` and ``release``."""

    _writers: dict[str, StoreWriter] = {}
    _registry_lock = threading.Lock()

    def __init__(self, url: str):
        self.url = url
        self.users = 0
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="misusewatch-store-writer", daemon=True)

    @classmethod
    def acquire(cls, url: str) -> StoreWriter:
        """The running writer for ``url`` (started on first use); pair with :meth:`release`."""
        with cls._registry_lock:
            writer = cls._writers.get(url)
            if writer is None:
                writer = cls._writers[url] = cls(url)
                writer.thread.start()
            writer.users += 1
            return writer

    def release(self) -> None:
        """One user is done; the last one stops the thread after every job it was given."""
        with self._registry_lock:
            self.users -= 1
            last = self.users == 0
            if last:
                del self._writers[self.url]
        if last:
            self.queue.put(None)
            self.thread.join()

    def submit(self, job: Job, on_error: Callable[[BaseException], None]) -> None:
        """Run ``job(store)`` on the writer thread; ``on_error`` if it raises."""
        self.queue.put((job, on_error))

    def drain(self) -> None:
        """Wait until every job submitted before this call has run."""
        done = threading.Event()
        self.queue.put(done)
        done.wait()

    def _run(self) -> None:
        from misusewatch.store import open_store

        store = None
        opened_error: BaseException | None = None
        try:
            store = open_store(self.url)
        except Exception as exc:  # every job fails alike; its owner counts and logs it
            opened_error = exc
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                if isinstance(item, threading.Event):
                    item.set()
                    continue
                job, on_error = item
                if store is None:
                    on_error(opened_error)
                    continue
                try:
                    job(store)
                except Exception as exc:  # the writer must never die: pipelines wait on it
                    on_error(exc)
        finally:
            if store is not None:
                store.close()
