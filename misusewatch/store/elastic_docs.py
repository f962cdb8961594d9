"""Records <-> Elasticsearch documents, and how enrichments and labels change a post's facets."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from misusewatch.records import Actor, Enrichment, Label, Post, format_time, parse_time
from misusewatch.store.elastic_query import enriched_marker, score_key
from misusewatch.store.json_text import json_text

# Fields of Post kept on the document under their own name (raw travels as JSON text).
POST_FIELDS = tuple(
    name for name in Post.__dataclass_fields__ if name not in ("raw",)  # type: ignore[attr-defined]
)
# Label kinds that become post facets: the current status, and every tag (as in SQLite).
STATUS_KIND, TAG_KIND = "status", "tag"

# What reads of posts fetch: the Post fields, never the facets.
POST_SOURCE = [*POST_FIELDS, "raw_json"]
# What a facet update reads before it writes.
FACET_FIELDS = (
    "lm_related", "categories", "ladder", "tier", "detector_scores", "max_score",
    "labels", "label_status", "label_tags", "enriched",
)


def optional_time(value: str | None) -> datetime | None:
    """A datetime from a stored ISO-8601 string; None stays None."""
    return None if value in (None, "") else parse_time(value)


def post_doc(post: Post) -> dict[str, Any]:
    doc = post.to_dict()
    raw = doc.pop("raw")
    # JSON text in a disabled field: a partial update replaces it whole, where an object
    # would be merged key by key with the previous crawl's payload.
    doc["raw_json"] = None if raw is None else json_text(raw)
    doc["actor_id"] = post.actor_id
    doc["thread_key"] = post.thread_key
    return doc


def source_post(source: dict[str, Any]) -> Post:
    data = dict(source)
    raw = data.pop("raw_json", None)
    data["raw"] = None if raw is None else json.loads(raw)
    return Post.from_dict(data)


def revision_doc(post_id: str, old: dict[str, Any], replaced_at: datetime) -> dict[str, Any]:
    return {
        "post_id": post_id, "text": old.get("text", ""), "thread_title": old.get("thread_title"),
        "content_hash": old["content_hash"], "edited_at": old.get("edited_at"),
        "replaced_at": format_time(replaced_at),
        # Microseconds: the date type keeps milliseconds, too coarse to order quick edits.
        "replaced_us": int(replaced_at.timestamp() * 1_000_000),
    }


def enrichment_doc(e: Enrichment) -> dict[str, Any]:
    doc = e.to_dict()
    doc["key"] = e.key
    doc["ok"] = e.error is None
    return doc


def source_enrichment(source: dict[str, Any]) -> Enrichment:
    return Enrichment.from_dict({k: v for k, v in source.items() if k not in ("key", "ok")})


def apply_enrichments(current: dict[str, Any], enrichments: list[Enrichment]) -> dict[str, Any]:
    """The post's facet fields after these enrichments, applied in write order.

    Like SQLite: a facet key an enrichment sets replaces the previous value, detector scores
    merge per detector, max_score is the highest of them. A success marks the post done for
    (enricher, version); a failure at the same key un-marks it, so it is retried.
    """
    doc: dict[str, Any] = {}
    enriched = list(current.get("enriched") or [])
    scores = dict(current.get("detector_scores") or {})
    for e in enrichments:
        marker = enriched_marker(e.enricher, e.version)
        if e.error is not None:
            enriched = [m for m in enriched if m != marker]
            continue
        if marker not in enriched:
            enriched.append(marker)
        facets = e.facets
        for name in ("lm_related", "ladder", "tier"):
            if name in facets:
                doc[name] = facets[name]
        if "categories" in facets:
            doc["categories"] = list(facets["categories"] or [])
        if "detector_scores" in facets:
            scores.update({score_key(k): float(v)
                           for k, v in facets["detector_scores"].items() if v is not None})
            doc["detector_scores"] = scores
            doc["max_score"] = max(scores.values()) if scores else None
    doc["enriched"] = enriched
    return doc


def apply_label(current: dict[str, Any], label: Label) -> dict[str, Any]:
    """Status is single-valued (the latest wins), tags add up; ``labels`` is their union."""
    status = current.get("label_status")
    tags = list(current.get("label_tags") or [])
    if label.kind == STATUS_KIND:
        status = label.value
    elif label.value not in tags:
        tags.append(label.value)
    labels = sorted({*tags, *([status] if status is not None else [])})
    return {"label_status": status, "label_tags": tags, "labels": labels}


def actor_doc(actor: Actor) -> dict[str, Any]:
    doc = actor.to_dict()
    doc["effective_tier"] = actor.effective_tier
    return doc


def source_actor(source: dict[str, Any]) -> Actor:
    return Actor.from_dict({k: v for k, v in source.items() if k != "effective_tier"})


def cursor_id(source: str, key: str) -> str:
    # Escaped so that a ':' inside a source or key name can never make two cursors collide.
    return f"{quote(source, safe='')}:{quote(key, safe='')}"
