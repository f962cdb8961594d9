"""The composition root: settings -> store, enrichers, detectors, notifiers. Built lazily."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from misusewatch.config import Settings, load_settings
from misusewatch.store import Store, open_store


class App:
    """What a command needs, created on first use so ``--help`` and ``parse`` stay fast."""

    def __init__(self, config_path: str | Path | None = None, store_url: str | None = None):
        self._config_path = config_path
        self._store_url = store_url
        self._store: Store | None = None

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings(self._config_path)
        if self._store_url:
            settings.store = self._store_url
        return settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from misusewatch.store.sqlite import make_sqlite_folder

            make_sqlite_folder(self.settings.store)
            self._store = open_store(self.settings.store)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
