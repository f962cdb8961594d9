"""One Store per crawler, shared by the pipeline, the cursor middleware and the run recorder."""

from __future__ import annotations

import weakref
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from misusewatch.store import Store, open_store
from misusewatch.store.sqlite import sqlite_path

_STORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def store_for(crawler) -> Store:
    """The store ``MISUSEWATCH_STORE`` names, opened once per crawler and closed with the engine.

    Raises NotConfigured when the setting is empty, so every component that needs a store
    switches itself off (offline parsing, ``scrapy parse``).
    """
    if crawler in _STORES:
        return _STORES[crawler]
    url = crawler.settings.get("MISUSEWATCH_STORE")
    if not url:
        raise NotConfigured("MISUSEWATCH_STORE is not set")
    if db_file := sqlite_path(url):
        Path(db_file).parent.mkdir(parents=True, exist_ok=True)
    store = open_store(url)
    _STORES[crawler] = store

    def close() -> None:
        opened = _STORES.pop(crawler, None)
        if opened is not None:
            opened.close()

    crawler.signals.connect(close, signal=signals.engine_stopped, weak=False)
    return store
