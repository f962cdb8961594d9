"""One Store per crawler, shared by the pipeline, the cursor middleware and the run recorder."""

from __future__ import annotations

import weakref

from scrapy import signals
from scrapy.exceptions import NotConfigured

from misusewatch.store import Store, open_store
from misusewatch.store.sqlite import make_sqlite_folder

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
    make_sqlite_folder(url)
    store = open_store(url)
    _STORES[crawler] = store

    def close() -> None:
        opened = _STORES.pop(crawler, None)
        if opened is not None:
            opened.close()

    crawler.signals.connect(close, signal=signals.engine_stopped, weak=False)
    return store
