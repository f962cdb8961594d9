"""PostFilter and user search text -> Elasticsearch query DSL (pure functions, no I/O)."""

from __future__ import annotations

from typing import Any

from misusewatch.records import format_time
from misusewatch.store.base import COUNT_FIELDS, PostFilter
from misusewatch.store.query import parse_terms

# Where each COUNT_FIELDS name lives on the post document.
COUNT_FIELD_PATHS = {
    "source": "source",
    "platform": "platform",
    "site": "site",
    "board": "board",
    "author": "author",
    "actor": "actor_id",
    "ladder": "ladder",
    "tier": "tier",
    "category": "categories",
    "label": "labels",
}
assert set(COUNT_FIELD_PATHS) == set(COUNT_FIELDS), "every countable field needs a path"

SEARCH_FIELDS = ("text", "thread_title")

# The unique keyword field ends every sort, so search_after pages never skip or repeat a post.
OLDEST_FIRST = [{"created_at": "asc"}, {"id": "asc"}]
NEWEST_FIRST = [{"created_at": "desc"}, {"id": "asc"}]
BY_RELEVANCE = ["_score", {"created_at": "desc"}, {"id": "asc"}]

MATCH_NONE: dict[str, Any] = {"match_none": {}}


def enriched_marker(enricher: str, version: str) -> str:
    """The keyword a post carries once (enricher, version) succeeded on it."""
    return f"{enricher}@{version}"


def score_key(detector: str) -> str:
    """A detector's key under ``detector_scores`` on the post document.

    A '.' in a field name means an object path to Elasticsearch, so "gpt2.small" would
    clash with a "gpt2" score; it is escaped (and '%' with it) so every name is one field.
    """
    return detector.replace("%", "%25").replace(".", "%2E")


def score_field(detector: str) -> str:
    return f"detector_scores.{score_key(detector)}"


def text_clauses(query: str) -> list[dict[str, Any]]:
    """One required phrase clause per word or "quoted phrase", like the SQLite backend.

    ``multi_match`` of type ``phrase`` analyses the text and never parses it, so quotes,
    operators, brackets or field syntax typed by a user are plain words here, never DSL.
    """
    return [
        {"multi_match": {"query": term, "type": "phrase", "fields": list(SEARCH_FIELDS)}}
        for term in parse_terms(query)
    ]


def filter_clauses(filters: PostFilter | None) -> list[dict[str, Any]]:
    """Non-scoring ``bool.filter`` clauses for a PostFilter; every facet is a plain field."""
    if filters is None:
        return []
    f = filters
    clauses: list[dict[str, Any]] = []
    for name in ("source", "platform", "site", "thread_id", "ladder", "tier", "lm_related"):
        value = getattr(f, name)
        if value is not None:
            clauses.append({"term": {name: value}})
    if f.author is not None:
        clauses.append(
            {"bool": {"should": [{"term": {"author": f.author}}, {"term": {"author_id": f.author}}],
                      "minimum_should_match": 1}}
        )
    if f.actor is not None:
        clauses.append({"term": {"actor_id": f.actor}})
    created: dict[str, Any] = {}
    if f.since is not None:
        created["gte"] = format_time(f.since)
    if f.until is not None:
        created["lt"] = format_time(f.until)
    if created:
        clauses.append({"range": {"created_at": created}})
    if f.min_tier is not None:
        clauses.append({"range": {"tier": {"gte": f.min_tier}}})
    if f.category is not None:
        clauses.append({"term": {"categories": f.category}})
    if f.label is not None:
        clauses.append({"term": {"labels": f.label}})
    if f.detector is not None:
        path = score_field(f.detector)
        if f.min_score is not None:
            clauses.append({"range": {path: {"gte": f.min_score}}})
        else:
            clauses.append({"exists": {"field": path}})
    elif f.min_score is not None:
        clauses.append({"range": {"max_score": {"gte": f.min_score}}})
    if f.ids is not None:
        ids = list(f.ids)
        clauses.append({"terms": {"id": ids}} if ids else MATCH_NONE)
    return clauses


def post_query(
    filters: PostFilter | None = None,
    *,
    text: str = "",
    must_not: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A bool query: scoring text clauses in ``must``, everything else in ``filter``."""
    must = text_clauses(text)
    flt = filter_clauses(filters)
    if not (must or flt or must_not):
        return {"match_all": {}}
    query: dict[str, Any] = {}
    if must:
        query["must"] = must
    if flt:
        query["filter"] = flt
    if must_not:
        query["must_not"] = must_not
    return {"bool": query}


def pending_query(enricher: str, version: str, filters: PostFilter | None = None) -> dict[str, Any]:
    """Posts whose document lacks the success marker of (enricher, version)."""
    return post_query(
        filters, must_not=[{"term": {"enriched": enriched_marker(enricher, version)}}]
    )


def search_sort(query: str, sort: str) -> list[Any]:
    """Relevance needs a query to score; without one it means newest, as in the protocol."""
    if sort not in ("relevance", "newest", "oldest"):
        raise ValueError(f"sort must be relevance, newest or oldest, not {sort!r}")
    if sort == "oldest":
        return OLDEST_FIRST
    if sort == "relevance" and parse_terms(query):
        return BY_RELEVANCE
    return NEWEST_FIRST
