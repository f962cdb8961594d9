"""Open a store by URL: ``sqlite:///path.db`` (embedded default) or ``http(s)://host:9200`` (Elasticsearch)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from misusewatch.store.base import (
    COUNT_FIELDS,
    PostFilter,
    Revision,
    SearchResult,
    Store,
    StoreError,
    StoreURLError,
    UpsertResult,
)

__all__ = [
    "COUNT_FIELDS",
    "PostFilter",
    "Revision",
    "SearchResult",
    "Store",
    "StoreError",
    "StoreURLError",
    "UpsertResult",
    "open_store",
    "register_backend",
]

# scheme -> "module:factory"; imported lazily so the SQLite path never loads the ES client.
_BACKENDS: dict[str, str | Callable[[str], Store]] = {
    "sqlite": "misusewatch.store.sqlite:SQLiteStore.from_url",
    "http": "misusewatch.store.elastic:ElasticStore.from_url",
    "https": "misusewatch.store.elastic:ElasticStore.from_url",
}


def register_backend(scheme: str, factory: Callable[[str], Store]) -> None:
    """Let a plugin serve another URL scheme (the built-ins register the same way)."""
    _BACKENDS[scheme] = factory


def _resolve(target: str | Callable[[str], Store]) -> Callable[[str], Store]:
    if callable(target):
        return target
    module_name, _, attr = target.partition(":")
    obj = import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[return-value]


def open_store(url: str, *, init: bool = True) -> Store:
    """The store a URL names, initialised unless ``init=False``.

    Raises StoreURLError for an unknown scheme, with the schemes that are known.
    """
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in _BACKENDS:
        known = ", ".join(f"{s}://" for s in sorted(_BACKENDS))
        raise StoreURLError(f"unknown store URL {url!r}: expected one of {known}")
    store = _resolve(_BACKENDS[scheme])(url)
    if init:
        store.init()
    return store
