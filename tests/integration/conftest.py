"""Store backends for the contract suite: SQLite always; Elasticsearch where a server runs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from misusewatch.store import Store, open_store


def _sqlite(request: pytest.FixtureRequest) -> Iterator[Store]:
    tmp_path = request.getfixturevalue("tmp_path")
    store = open_store(f"sqlite:///{tmp_path / 'contract.db'}")
    yield store
    store.close()


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """An Elasticsearch API: ``$MISUSEWATCH_ES_URL`` (a real cluster) if set, else a local
    in-memory OpenSearch-API server (osmem-server) on a free 127.0.0.1 port, stopped after.

    osmem needs plain ``application/json`` headers, so for it alone the fixture switches on
    the store's test-only header override (``MISUSEWATCH_ES_TEST_PLAIN_JSON=1``).
    """
    from misusewatch.store.elastic_client import PLAIN_JSON_ENV

    real = os.environ.get("MISUSEWATCH_ES_URL")
    if real:
        yield real
        return
    osmem = pytest.importorskip("osmem_server", reason="osmem-server is not installed")
    server = osmem.OsmemServer.start(japanese=False, addr="127.0.0.1:0")
    previous = os.environ.get(PLAIN_JSON_ENV)
    os.environ[PLAIN_JSON_ENV] = "1"
    try:
        yield server.url
    finally:
        if previous is None:
            os.environ.pop(PLAIN_JSON_ENV, None)
        else:
            os.environ[PLAIN_JSON_ENV] = previous
        server.close()


def elastic_store(url: str) -> Iterator[Store]:
    """An initialised store under a prefix of its own, deleted afterwards (by name: real
    clusters refuse wildcard deletes)."""
    from misusewatch.store.elastic import ElasticStore

    prefix = f"mwtest-{uuid.uuid4().hex[:12]}-"
    store = open_store(f"{url.rstrip('/')}/?index_prefix={prefix}")
    assert isinstance(store, ElasticStore)
    try:
        yield store
    finally:
        store.client.indices.delete(index=",".join(store.index.values()), ignore_unavailable=True)
        for name in store.index.values():
            store.client.indices.delete_index_template(name=name)
        store.close()


def _elastic(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from elastic_store(request.getfixturevalue("es_url"))


@pytest.fixture
def elastic(es_url: str) -> Iterator[Store]:
    """An empty Elasticsearch store of its own, for tests of that backend alone."""
    yield from elastic_store(es_url)


# backend name -> generator yielding an initialised, empty store; backends add themselves here.
STORE_BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Iterator[Store]]] = {
    "sqlite": _sqlite,
    "elastic": _elastic,
}


@pytest.fixture(params=sorted(STORE_BACKENDS))
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    yield from STORE_BACKENDS[request.param](request)
