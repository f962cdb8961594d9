"""Store backends for the contract suite: SQLite always; Elasticsearch where a server runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from misusewatch.store import Store, open_store


def _sqlite(request: pytest.FixtureRequest) -> Iterator[Store]:
    tmp_path = request.getfixturevalue("tmp_path")
    store = open_store(f"sqlite:///{tmp_path / 'contract.db'}")
    yield store
    store.close()


# backend name -> generator yielding an initialised, empty store; backends add themselves here.
STORE_BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Iterator[Store]]] = {
    "sqlite": _sqlite,
}


@pytest.fixture(params=sorted(STORE_BACKENDS))
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from STORE_BACKENDS[request.param](request)
