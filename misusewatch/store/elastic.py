"""The scale-out store: Elasticsearch 9, one index per record kind, facets on the post document."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit, urlunsplit

from elasticsearch import BadRequestError, ConflictError, Elasticsearch, NotFoundError

from misusewatch.records import (
    Actor,
    Alert,
    Assessment,
    CrawlRun,
    Delivery,
    Enrichment,
    Label,
    Post,
    format_time,
    utcnow,
)
from misusewatch.store import elastic_docs as d
from misusewatch.store import elastic_query as q
from misusewatch.store.base import (
    COUNT_FIELDS,
    PostFilter,
    Revision,
    SearchResult,
    StoreError,
    StoreURLError,
    TimeBucket,
    UpsertResult,
)
from misusewatch.store.elastic_client import (
    PLAIN_JSON_ENV,
    BulkFailure,
    BulkSettings,
    bulk_write,
    make_client,
    raise_failures,
    redact,
    translated,
)

DEFAULT_PREFIX = "misusewatch-"
INDICES = (
    "posts", "revisions", "enrichments", "actors", "labels", "assessments", "alerts",
    "deliveries", "cursors", "crawl-runs", "sequences",
)
# from + size beyond this is refused by Elasticsearch (index.max_result_window).
_MAX_WINDOW = 10_000
# Read-modify-write of facets uses optimistic concurrency; a conflict means another writer
# touched the post in between, so we re-read and retry a few times before failing loudly.
_CONFLICT_ROUNDS = 5
_MGET_CHUNK = 1000
_MAX_ID_BYTES = 512  # Elasticsearch's limit on _id
# Index names must be lower case and free of wildcards and separators.
_INDEX_PREFIX = re.compile(r"[a-z0-9][a-z0-9._-]*")


class ElasticStore:
    """``http(s)://[user:password@]host:9200[/?index_prefix=misusewatch-&refresh=true&chunk_size=1000]``.

    Every write is keyed by a deterministic ``_id``, so retries and re-imports are no-ops.
    With ``refresh=True`` (the default) each write call ends with one index refresh, so the
    next read sees it, as the SQLite backend does; bulk chunks themselves never refresh.
    """

    def __init__(
        self,
        url: str,
        *,
        client: Elasticsearch | None = None,
        index_prefix: str = DEFAULT_PREFIX,
        refresh: bool = True,
        bulk: BulkSettings | None = None,
        plain_json: bool = False,
    ):
        self.url = redact(url)
        self.prefix = index_prefix
        self.refresh = refresh
        self.bulk = bulk or BulkSettings()
        self.client = client or make_client(url, plain_json=plain_json)
        self.index = {name: f"{index_prefix}{name}" for name in INDICES}

    @classmethod
    def from_url(cls, url: str) -> ElasticStore:
        """Options ride in the query string so one ``MISUSEWATCH_STORE`` value says it all."""
        parts = urlsplit(url)
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        known = {"index_prefix", "refresh", "chunk_size"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise StoreURLError(
                f"{redact(url)}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        bulk = BulkSettings()
        if "chunk_size" in options:
            try:
                bulk.chunk_size = int(options["chunk_size"])
            except ValueError:
                bulk.chunk_size = 0
            if bulk.chunk_size < 1:
                raise StoreURLError(f"{redact(url)}: chunk_size must be a positive integer")
        prefix = options.get("index_prefix", DEFAULT_PREFIX)
        if not _INDEX_PREFIX.fullmatch(prefix):
            raise StoreURLError(
                f"{redact(url)}: index_prefix {prefix!r} must be lower-case letters, digits, '.', '_' or '-'"
            )
        refresh = options.get("refresh", "true").lower()
        if refresh not in ("true", "false"):
            raise StoreURLError(f"{redact(url)}: refresh must be true or false")
        base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        store = cls(
            base,
            index_prefix=prefix,
            refresh=refresh == "true",
            bulk=bulk,
            plain_json=os.environ.get(PLAIN_JSON_ENV) == "1",
        )
        store.url = redact(url)  # with its options, so the same store can be opened from it
        return store

    # ------------------------------------------------------------------ plumbing

    def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        with translated(self.url, what):
            return fn(**kwargs)

    def _bulk(self, actions: Iterable[dict[str, Any]], what: str) -> list[BulkFailure]:
        with translated(self.url, what):
            return bulk_write(self.client, actions, self.bulk)

    def _refresh(self, *names: str) -> None:
        if self.refresh:
            self._call("refresh", self.client.indices.refresh,
                       index=",".join(self.index[n] for n in names))

    def _search(self, name: str, **body: Any) -> dict[str, Any]:
        return self._call(f"search {self.index[name]}", self.client.search,
                          index=self.index[name], **body).body

    def _hits(self, name: str, **body: Any) -> list[dict[str, Any]]:
        return [h["_source"] for h in self._search(name, **body)["hits"]["hits"]]

    def _scan(
        self, name: str, query: dict[str, Any], sort: list[Any], *,
        batch_size: int = 1000, source: Any = True,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of hits by ``search_after`` on a sort ending in a unique field.

        Keyset paging sees writes made between pages (unlike a scroll's frozen view) and
        never skips or repeats a document, which iter_pending relies on.
        """
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after is not None else {}
            hits = self._search(name, query=query, sort=sort, size=batch_size,
                                source=source, track_total_hits=False, **extra)["hits"]["hits"]
            if not hits:
                return
            yield hits
            if len(hits) < batch_size:
                return
            after = hits[-1]["sort"]

    def _mget(self, name: str, ids: Sequence[str], source: Any = True) -> dict[str, dict[str, Any]]:
        """Found documents by id (realtime: sees writes not yet refreshed)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), _MGET_CHUNK):
            chunk = list(ids[start : start + _MGET_CHUNK])
            docs = self._call(f"mget {self.index[name]}", self.client.mget,
                              index=self.index[name], ids=chunk, source=source).body["docs"]
            for doc in docs:
                if doc.get("found"):
                    found[doc["_id"]] = doc
        return found

    # ------------------------------------------------------------------ lifecycle

    def init(self) -> None:
        """Install one index template per index, then create missing indices.

        Templates mean an index deleted by hand comes back with the right mapping on the
        next write. Every command opens the store with init, so templates whose content
        hash is already installed are left alone (a template PUT is a cluster-state update).
        A changed template also adds its new fields to the existing index (additive changes
        only); a conflicting change raises, naming the index, since it needs a reindex.
        """
        specs = _load_specs()
        names = ",".join(self.index.values())
        with translated(self.url, "read index templates"):
            try:
                templates = self.client.indices.get_index_template(name=f"{self.prefix}*").body
            except NotFoundError:
                templates = {"index_templates": []}
            existing = set(self.client.indices.get(index=names, ignore_unavailable=True).body)
        installed = {t["name"]: t["index_template"].get("_meta", {}).get("spec_sha256")
                     for t in templates["index_templates"]}
        for name, index in self.index.items():
            spec, sha = specs[name]
            current = installed.get(index) == sha
            if not current:
                self._call(f"put index template {index}", self.client.indices.put_index_template,
                           name=index, index_patterns=[index], priority=500,
                           template={"settings": spec["settings"], "mappings": spec["mappings"]},
                           meta={**spec.get("_meta", {}), "managed_by": "misusewatch", "spec_sha256": sha})
            if index not in existing:
                with translated(self.url, f"create index {index}"):
                    try:
                        self.client.indices.create(index=index)
                    except BadRequestError as exc:
                        if exc.error != "resource_already_exists_exception":
                            raise  # anything but "another process created it meanwhile"
            elif not current:
                mappings = spec["mappings"]
                self._call(f"update mapping of {index} (a changed field needs a reindex)",
                           self.client.indices.put_mapping, index=index,
                           properties=mappings["properties"],
                           dynamic_templates=mappings.get("dynamic_templates"))

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ posts

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertResult:
        batch: dict[str, Post] = {}
        for post in posts:
            batch[post.id] = post  # a later duplicate in one call wins, like a later crawl
        result = UpsertResult()
        pending = batch
        for _ in range(_CONFLICT_ROUNDS):
            if not pending:
                break
            raced = self._upsert_round(pending, result)
            # A create refused with 409 means another writer inserted the post after our
            # mget: classify it again against what is there now.
            pending = {pid: batch[pid] for pid in raced}
        if pending:
            raise StoreError(f"Elasticsearch {self.url}: upsert kept racing on {', '.join(list(pending)[:10])}")
        result.inserted = len(result.inserted_ids)
        result.updated = len(result.updated_ids)
        self._refresh("posts", "revisions")
        return result

    def _upsert_round(self, batch: dict[str, Post], result: UpsertResult) -> list[str]:
        inserted: list[str] = []
        updated: list[str] = []
        too_long: list[BulkFailure] = []

        def actions() -> Iterator[dict[str, Any]]:
            ids = list(batch)
            for start in range(0, len(ids), self.bulk.chunk_size):
                chunk = ids[start : start + self.bulk.chunk_size]
                existing = self._mget("posts", chunk, source=["content_hash", "text", "thread_title", "edited_at"])
                now = utcnow()
                for pid in chunk:
                    post, old = batch[pid], existing.get(pid)
                    if len(pid.encode()) > _MAX_ID_BYTES:
                        # Elasticsearch rejects the whole _bulk request for one such id;
                        # refuse just this post, by name, and let the rest go in.
                        too_long.append(BulkFailure("create", pid, 400, f"id longer than {_MAX_ID_BYTES} bytes"))
                        continue
                    if old is None:
                        inserted.append(pid)
                        yield {"_op_type": "create", "_index": self.index["posts"], "_id": pid,
                               "_source": d.post_doc(post)}
                        continue
                    old_source = old["_source"]
                    if old_source.get("content_hash") == post.content_hash:
                        result.unchanged += 1
                        continue
                    updated.append(pid)
                    # The old text is written before the post changes: if the update then
                    # fails, the worst case is a revision equal to the current text, never
                    # a lost one.
                    yield {"_op_type": "index", "_index": self.index["revisions"],
                           "_id": f"{pid}|{old_source['content_hash']}|{int(now.timestamp() * 1e6)}",
                           "_source": d.revision_doc(pid, old_source, now)}
                    # A partial update: content fields change, facets and labels stay.
                    yield {"_op_type": "update", "_index": self.index["posts"], "_id": pid,
                           "doc": d.post_doc(post)}

        failures = self._bulk(actions(), "upsert posts")
        failures += too_long
        raced = [f.id for f in failures if f.op == "create" and f.status == 409]
        raced_ids = set(raced)
        raise_failures([f for f in failures if not (f.op == "create" and f.status == 409)],
                       "upsert posts", self.url)
        result.inserted_ids += [pid for pid in inserted if pid not in raced_ids]
        result.updated_ids += updated
        return raced

    def get_post(self, post_id: str) -> Post | None:
        posts = self.get_posts([post_id])
        return posts[0] if posts else None

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        found = self._mget("posts", list(dict.fromkeys(post_ids)), source=d.POST_SOURCE)
        return [d.source_post(found[i]["_source"]) for i in post_ids if i in found]

    def revisions(self, post_id: str) -> list[Revision]:
        out = []
        for page in self._scan("revisions", {"term": {"post_id": post_id}},
                               [{"replaced_us": "asc"}, {"content_hash": "asc"}]):
            for hit in page:
                s = hit["_source"]
                out.append(Revision(
                    post_id=s["post_id"], text=s["text"], thread_title=s.get("thread_title"),
                    content_hash=s["content_hash"], edited_at=d.optional_time(s.get("edited_at")),
                    replaced_at=d.optional_time(s["replaced_at"]),
                ))
        return out

    def search(
        self,
        query: str = "",
        filters: PostFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        sort: Literal["relevance", "newest", "oldest"] = "relevance",
    ) -> SearchResult:
        if offset + limit > _MAX_WINDOW:
            raise StoreError(
                f"Elasticsearch {self.url}: cannot page past {_MAX_WINDOW} results "
                f"(offset {offset} + limit {limit}); narrow the filters or use export"
            )
        body = self._search(
            "posts", query=q.post_query(filters, text=query), sort=q.search_sort(query, sort),
            from_=offset, size=limit, track_total_hits=True, source=d.POST_SOURCE,
        )
        hits = body["hits"]
        return SearchResult(total=hits["total"]["value"],
                            posts=[d.source_post(h["_source"]) for h in hits["hits"]])

    def iter_posts(
        self, filters: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        for page in self._scan("posts", q.post_query(filters), q.OLDEST_FIRST,
                               batch_size=batch_size, source=d.POST_SOURCE):
            yield from (d.source_post(h["_source"]) for h in page)

    def count_posts(self, filters: PostFilter | None = None) -> int:
        return self._call("count posts", self.client.count, index=self.index["posts"],
                          query=q.post_query(filters)).body["count"]

    def count_by_time(
        self, bucket: TimeBucket, filters: PostFilter | None = None
    ) -> list[tuple[datetime, int]]:
        if bucket not in ("day", "week", "month"):
            raise ValueError(f"bucket must be day, week or month, not {bucket!r}")
        # Calendar weeks in Elasticsearch start on Monday, as ISO weeks do.
        aggs = {"t": {"date_histogram": {"field": "created_at", "calendar_interval": bucket,
                                         "time_zone": "UTC", "min_doc_count": 1}}}
        body = self._search("posts", query=q.post_query(filters), size=0, aggs=aggs,
                            track_total_hits=False)
        return [
            (datetime.fromtimestamp(b["key"] / 1000, UTC), b["doc_count"])
            for b in body["aggregations"]["t"]["buckets"]
            if b["doc_count"]
        ]

    def count_by_field(
        self, field_name: str, filters: PostFilter | None = None, *, limit: int = 1000
    ) -> dict[Any, int]:
        if field_name not in COUNT_FIELDS:
            raise ValueError(f"cannot count by {field_name!r}; one of {', '.join(COUNT_FIELDS)}")
        aggs = {"f": {"terms": {"field": q.COUNT_FIELD_PATHS[field_name], "size": limit,
                                "order": [{"_count": "desc"}, {"_key": "asc"}]}}}
        body = self._search("posts", query=q.post_query(filters), size=0, aggs=aggs,
                            track_total_hits=False)
        return {b["key"]: b["doc_count"] for b in body["aggregations"]["f"]["buckets"]}

    # ------------------------------------------------------------------ enrichment

    def iter_pending(
        self,
        enricher: str,
        version: str,
        *,
        batch_size: int = 500,
        filters: PostFilter | None = None,
    ) -> Iterator[list[Post]]:
        for page in self._scan("posts", q.pending_query(enricher, version, filters), q.OLDEST_FIRST,
                               batch_size=batch_size, source=d.POST_SOURCE):
            yield [d.source_post(h["_source"]) for h in page]

    def count_pending(self, enricher: str, version: str) -> int:
        return self._call("count pending", self.client.count, index=self.index["posts"],
                          query=q.pending_query(enricher, version)).body["count"]

    def write_enrichments(self, enrichments: Iterable[Enrichment]) -> int:
        items: dict[str, Enrichment] = {}
        given = 0
        for e in enrichments:
            given += 1
            items.pop(e.key, None)
            items[e.key] = e  # the last write of a key wins, in write order
        if not items:
            return 0
        # The enrichment documents first: if the facet update below fails, the post keeps
        # no success marker and is simply enriched again next run.
        failures = self._bulk(
            ({"_op_type": "index", "_index": self.index["enrichments"], "_id": key,
              "_source": d.enrichment_doc(e)} for key, e in items.items()),
            "write enrichments",
        )
        raise_failures(failures, "write enrichments", self.url)
        by_post: dict[str, list[Enrichment]] = {}
        for e in items.values():
            by_post.setdefault(e.post_id, []).append(e)
        self._update_post_facets(by_post, d.apply_enrichments, "refresh post facets")
        self._refresh("enrichments", "posts")
        return given  # records written, duplicates included, as the SQLite backend counts

    def _update_post_facets(
        self,
        changes: dict[str, Any],
        apply: Callable[[dict[str, Any], Any], dict[str, Any]],
        what: str,
    ) -> None:
        """Read-modify-write of facet fields, guarded by ``if_seq_no``/``if_primary_term``.

        Scripted updates would avoid the read but are not available everywhere we test, and
        the guard makes concurrent writers (a detector job beside the tagger) safe: a
        conflicting update is re-read and re-applied instead of overwriting the other's work.
        Posts the store does not hold are skipped, as in SQLite.
        """
        pending = changes
        for _ in range(_CONFLICT_ROUNDS):
            if not pending:
                return
            current = self._mget("posts", list(pending), source=list(d.FACET_FIELDS))
            actions = [
                {"_op_type": "update", "_index": self.index["posts"], "_id": pid,
                 "if_seq_no": doc["_seq_no"], "if_primary_term": doc["_primary_term"],
                 "doc": apply(doc.get("_source", {}), pending[pid])}
                for pid, doc in current.items()
            ]
            failures = self._bulk(actions, what)
            raise_failures([f for f in failures if f.status != 409], what, self.url)
            pending = {f.id: pending[f.id] for f in failures if f.status == 409}
        if pending:
            raise StoreError(f"Elasticsearch {self.url}: {what}: kept conflicting on {', '.join(list(pending)[:10])}")

    def get_enrichments(self, post_id: str) -> list[Enrichment]:
        latest: dict[str, Enrichment] = {}
        for page in self._scan("enrichments", {"term": {"post_id": post_id}},
                               [{"created_at": "asc"}, {"key": "asc"}]):
            for hit in page:
                e = d.source_enrichment(hit["_source"])
                latest[e.enricher] = e
        return [latest[name] for name in sorted(latest)]

    def iter_enrichments(
        self, enricher: str, *, version: str | None = None, batch_size: int = 1000
    ) -> Iterator[Enrichment]:
        clauses: list[dict[str, Any]] = [{"term": {"enricher": enricher}}]
        if version is not None:
            clauses.append({"term": {"version": version}})
        for page in self._scan("enrichments", {"bool": {"filter": clauses}},
                               [{"created_at": "asc"}, {"key": "asc"}], batch_size=batch_size):
            yield from (d.source_enrichment(h["_source"]) for h in page)

    # ------------------------------------------------------------------ actors

    def upsert_actors(self, actors: Iterable[Actor]) -> int:
        given = list(actors)
        docs = {a.id: d.actor_doc(a) for a in given}  # a later duplicate wins
        failures = self._bulk(
            ({"_op_type": "index", "_index": self.index["actors"], "_id": aid, "_source": doc}
             for aid, doc in docs.items()),
            "upsert actors",
        )
        raise_failures(failures, "upsert actors", self.url)
        self._refresh("actors")
        return len(given)

    def get_actor(self, actor_id: str) -> Actor | None:
        found = self._mget("actors", [actor_id])
        return d.source_actor(found[actor_id]["_source"]) if actor_id in found else None

    def list_actors(
        self, *, min_tier: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[Actor]:
        query = {"match_all": {}} if min_tier is None else {"range": {"effective_tier": {"gte": min_tier}}}
        sort = [{"effective_tier": {"order": "desc", "missing": "_last"}},
                {"post_count": "desc"}, {"id": "asc"}]
        return [d.source_actor(s) for s in self._hits("actors", query=query, sort=sort,
                                                     from_=offset, size=limit)]

    # ------------------------------------------------------------------ labels

    def add_label(self, label: Label) -> Label:
        label = label.replace(id=self._next_id("labels"))
        doc = label.to_dict()
        self._call("add label", self.client.create, index=self.index["labels"],
                   id=str(label.id), document=doc)
        if label.target_type == "post" and label.kind in (d.STATUS_KIND, d.TAG_KIND):
            self._update_post_facets({label.target_id: label}, d.apply_label, "label post")
            self._refresh("labels", "posts")
        else:
            self._refresh("labels")
        return label

    def _next_id(self, sequence: str) -> int:
        """Each write of a sequence document bumps its ``_version`` atomically: a counter
        that needs no script and no lock, and that survives restarts with the index."""
        response = self._call(f"next {sequence} id", self.client.index,
                              index=self.index["sequences"], id=sequence,
                              document={"name": sequence})
        return int(response["_version"])

    def labels_for(self, target_type: str, target_id: str) -> list[Label]:
        query = {"bool": {"filter": [{"term": {"target_type": target_type}},
                                     {"term": {"target_id": target_id}}]}}
        return [Label.from_dict(h["_source"])
                for page in self._scan("labels", query, [{"id": "asc"}]) for h in page]

    def list_labels(
        self, *, kind: str | None = None, target_type: str | None = None, limit: int = 1000
    ) -> list[Label]:
        clauses = [{"term": {name: value}} for name, value in
                   (("kind", kind), ("target_type", target_type)) if value is not None]
        return [Label.from_dict(s) for s in self._hits(
            "labels", query={"bool": {"filter": clauses}}, sort=[{"id": "desc"}],
            size=min(limit, _MAX_WINDOW))]

    # ------------------------------------------------------------------ assessments

    def write_assessment(self, assessment: Assessment) -> None:
        self._call("write assessment", self.client.index, index=self.index["assessments"],
                   id=assessment.id, document=assessment.to_dict())
        self._refresh("assessments")

    def get_assessment(self, assessment_id: str) -> Assessment | None:
        found = self._mget("assessments", [assessment_id])
        return Assessment.from_dict(found[assessment_id]["_source"]) if assessment_id in found else None

    def list_assessments(self, kind: str | None = None) -> list[Assessment]:
        query = {"match_all": {}} if kind is None else {"term": {"kind": kind}}
        return [Assessment.from_dict(h["_source"])
                for page in self._scan("assessments", query, [{"id": "asc"}]) for h in page]

    # ------------------------------------------------------------------ alerts

    def write_alert(self, alert: Alert) -> bool:
        with translated(self.url, "write alert"):
            try:
                self.client.create(index=self.index["alerts"], id=alert.id, document=alert.to_dict())
            except ConflictError:
                return False  # the outbox already holds it: rules may fire again, alerts not
        self._refresh("alerts")
        return True

    def update_alert_status(self, alert_id: str, status: str) -> None:
        with translated(self.url, "update alert status"):
            try:
                self.client.update(index=self.index["alerts"], id=alert_id, doc={"status": status})
            except NotFoundError:
                return  # like SQLite's UPDATE of a missing row: nothing to change
        self._refresh("alerts")

    def get_alert(self, alert_id: str) -> Alert | None:
        found = self._mget("alerts", [alert_id])
        return Alert.from_dict(found[alert_id]["_source"]) if alert_id in found else None

    def list_alerts(self, *, status: str | None = None, limit: int = 1000) -> list[Alert]:
        query = {"match_all": {}} if status is None else {"term": {"status": status}}
        return [Alert.from_dict(s) for s in self._hits(
            "alerts", query=query, sort=[{"created_at": "desc"}, {"id": "asc"}],
            size=min(limit, _MAX_WINDOW))]

    def upsert_delivery(self, delivery: Delivery) -> None:
        self._call("upsert delivery", self.client.index, index=self.index["deliveries"],
                   id=delivery.idempotency_key, document=delivery.to_dict())
        self._refresh("deliveries")

    def list_deliveries(
        self, *, alert_id: str | None = None, status: str | None = None, limit: int = 10000
    ) -> list[Delivery]:
        clauses = [{"term": {name: value}} for name, value in
                   (("alert_id", alert_id), ("status", status)) if value is not None]
        return [Delivery.from_dict(s) for s in self._hits(
            "deliveries", query={"bool": {"filter": clauses}},
            sort=[{"updated_at": "asc"}, {"idempotency_key": "asc"}], size=min(limit, _MAX_WINDOW))]

    # ------------------------------------------------------------------ crawling

    def get_cursor(self, source: str, key: str) -> Any:
        doc_id = d.cursor_id(source, key)
        found = self._mget("cursors", [doc_id])
        return json.loads(found[doc_id]["_source"]["value_json"]) if doc_id in found else None

    def set_cursor(self, source: str, key: str, value: Any) -> None:
        self.set_cursors([(source, key, value)])

    def set_cursors(self, cursors: Iterable[tuple[str, str, Any]]) -> None:
        now = format_time(utcnow())
        docs = {d.cursor_id(source, key): {"source": source, "key": key, "value_json": json.dumps(value),
                                           "updated_at": now}
                for source, key, value in cursors}  # a later value of one cursor wins
        if not docs:
            return
        failures = self._bulk(
            ({"_op_type": "index", "_index": self.index["cursors"], "_id": doc_id, "_source": doc}
             for doc_id, doc in docs.items()),
            "set cursors",
        )
        raise_failures(failures, "set cursors", self.url)
        self._refresh("cursors")

    def record_crawl_run(self, run: CrawlRun) -> None:
        self._call("record crawl run", self.client.index, index=self.index["crawl-runs"],
                   id=run.id, document=run.to_dict())
        self._refresh("crawl-runs")

    def list_crawl_runs(
        self, *, source: str | None = None, limit: int = 100, per_source: int | None = None
    ) -> list[CrawlRun]:
        sort = [{"started_at": "desc"}, {"id": "asc"}]
        if per_source is None:
            query = {"match_all": {}} if source is None else {"term": {"source": source}}
            return [CrawlRun.from_dict(s) for s in self._hits(
                "crawl-runs", query=query, sort=sort, size=min(limit, _MAX_WINDOW))]
        if source is not None:
            sources = [source]
        else:  # one search a source: top_hits would stop at 100 runs a source
            aggs = {"s": {"terms": {"field": "source", "size": _MAX_WINDOW}}}
            body = self._search("crawl-runs", size=0, aggs=aggs, track_total_hits=False)
            sources = [b["key"] for b in body["aggregations"]["s"]["buckets"]]
        runs = [CrawlRun.from_dict(s) for name in sources for s in self._hits(
            "crawl-runs", query={"term": {"source": name}}, sort=sort, size=min(per_source, limit, _MAX_WINDOW))]
        runs.sort(key=lambda r: r.id)
        runs.sort(key=lambda r: r.started_at, reverse=True)
        return runs[:limit]


def _load_specs() -> dict[str, tuple[dict[str, Any], str]]:
    """Each index's template file and the hash that tells whether it is installed."""
    folder = resources.files("misusewatch.store").joinpath("mappings")
    specs = {}
    for name in INDICES:
        spec = json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
        canonical = json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()
        specs[name] = (spec, hashlib.sha256(canonical).hexdigest())
    return specs
