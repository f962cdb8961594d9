"""The Elasticsearch client for the store: connection settings, bulk writes and error translation."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from elastic_transport import Urllib3HttpNode
from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from misusewatch.store.base import StoreError

# Test servers that speak the OpenSearch API (osmem-server in CI) reject Elasticsearch 9's
# versioned media type; they need plain JSON. Production never sets this.
PLAIN_JSON_ENV = "MISUSEWATCH_ES_TEST_PLAIN_JSON"
API_KEY_ENV = "MISUSEWATCH_ES_API_KEY"
CA_CERTS_ENV = "MISUSEWATCH_ES_CA_CERTS"

_COMPAT_MIMETYPE = re.compile(r"application/vnd\.elasticsearch\+([a-z-]+); ?compatible-with=\d+")


class PlainJsonNode(Urllib3HttpNode):
    """An HTTP node that sends ``application/json`` / ``application/x-ndjson`` headers.

    Only for tests against OpenSearch-API servers; a real Elasticsearch 9 gets the client's
    default compatibility headers.
    """

    def perform_request(self, method, target, body=None, headers=None, **kwargs):  # type: ignore[override]
        if headers:
            headers = headers.copy()
            for name in list(headers.keys()):
                if name.lower() in ("accept", "content-type"):
                    headers[name] = _COMPAT_MIMETYPE.sub(r"application/\1", headers[name])
        return super().perform_request(method, target, body=body, headers=headers, **kwargs)


@dataclass(slots=True)
class BulkSettings:
    """How bulk writes are sent; each default says why in the comment beside it."""

    # Documents per _bulk request. 1000 posts of ~2-5 KB (text, html, raw payload) make
    # 2-5 MB requests: inside the 5-15 MB range Elastic recommends starting from.
    chunk_size: int = 1000
    # A byte cap as well, so a chunk of unusually large posts (long html/raw) never makes
    # one oversized request; whichever limit is hit first closes the chunk.
    max_chunk_bytes: int = 10 * 1024 * 1024
    # streaming_bulk retries only items rejected with 429 (the cluster's write queue is
    # full): that is back-pressure and passes. Mapping errors (400) are never retried.
    max_retries: int = 5
    # Seconds before the first 429 retry, doubling each time up to max_backoff
    # (1, 2, 4, 8, 16 s): gives a busy node ~30 s to drain before we give up loudly.
    initial_backoff: float = 1.0
    max_backoff: float = 30.0


@dataclass(slots=True)
class BulkFailure:
    """One document the cluster refused."""

    op: str
    id: str
    status: int
    error: str


def make_client(url: str, *, plain_json: bool = False, request_timeout: float = 30.0) -> Elasticsearch:
    """A client for ``url`` (``http(s)://[user:password@]host:port``).

    The API key (``$MISUSEWATCH_ES_API_KEY``) and CA bundle (``$MISUSEWATCH_ES_CA_CERTS``)
    come from the environment so secrets stay out of URLs that get printed and logged.
    """
    kwargs: dict[str, Any] = {
        "request_timeout": request_timeout,
        # Connection-level retries for a node restarting or a dropped keep-alive; safe
        # because every write we send is idempotent (deterministic ids).
        "max_retries": 3,
        "retry_on_timeout": True,
    }
    api_key = os.environ.get(API_KEY_ENV)
    if api_key:
        kwargs["api_key"] = api_key
    ca_certs = os.environ.get(CA_CERTS_ENV)
    if ca_certs:
        kwargs["ca_certs"] = ca_certs
    if plain_json:
        kwargs["node_class"] = PlainJsonNode
    try:
        return Elasticsearch(url, **kwargs)
    except ValueError as exc:
        raise StoreError(f"bad Elasticsearch URL {redact(url)}: {exc}") from None


def redact(url: str) -> str:
    """The URL with any password replaced, for messages and ``Store.url``."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def describe(exc: Exception) -> str:
    """One line from an Elasticsearch error: its type and reason, not the whole response."""
    if isinstance(exc, ApiError):
        info = exc.info if isinstance(exc.info, dict) else {}
        error = info.get("error")
        if isinstance(error, dict):
            cause = (error.get("root_cause") or [error])[0]
            return f"{exc.meta.status} {cause.get('type')}: {cause.get('reason')}"
        return f"{exc.meta.status} {exc.message}"
    return str(exc) or type(exc).__name__


@contextmanager
def translated(url: str, what: str) -> Iterator[None]:
    """Turn client errors into StoreError naming the cluster and the operation."""
    try:
        yield
    except ApiError as exc:
        raise StoreError(f"Elasticsearch {url}: {what} failed: {describe(exc)}") from exc
    except TransportError as exc:
        raise StoreError(f"cannot reach Elasticsearch at {url} ({what}): {describe(exc)}") from exc


def bulk_write(
    client: Elasticsearch, actions: Iterable[dict[str, Any]], settings: BulkSettings
) -> list[BulkFailure]:
    """Send actions with ``streaming_bulk``; return every refused document.

    ``raise_on_error=False`` so one bad document does not hide the others: the caller gets
    all failures, retries the ones it can (version conflicts) and raises StoreError naming
    the rest. Transport errors (cluster unreachable) propagate: no per-document answer exists.
    ``refresh`` is not passed: refreshing per chunk would make a large import create a
    segment per request; the store refreshes once per call instead, when configured to.
    """
    failures: list[BulkFailure] = []
    for ok, item in helpers.streaming_bulk(
        client,
        actions,
        chunk_size=settings.chunk_size,
        max_chunk_bytes=settings.max_chunk_bytes,
        max_retries=settings.max_retries,
        initial_backoff=settings.initial_backoff,
        max_backoff=settings.max_backoff,
        raise_on_error=False,
        raise_on_exception=True,
    ):
        if ok:
            continue
        op, info = next(iter(item.items()))
        error = info.get("error")
        if isinstance(error, dict):
            error = f"{error.get('type')}: {error.get('reason')}"
        failures.append(BulkFailure(op, str(info.get("_id")), int(info.get("status", 0)), str(error)))
    return failures


def raise_failures(failures: list[BulkFailure], what: str, url: str) -> None:
    """StoreError naming the failing ids (the first few) and the first reason; never silent."""
    if not failures:
        return
    shown = ", ".join(f.id for f in failures[:10])
    more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
    first = failures[0]
    raise StoreError(
        f"Elasticsearch {url}: {what}: {len(failures)} document(s) refused ({shown}{more}); "
        f"first error: {first.status} {first.error}"
    )
