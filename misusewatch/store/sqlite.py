"""The embedded store: SQLite in WAL mode with FTS5 search, batched upserts in transactions."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from misusewatch.records import (
    Actor,
    Alert,
    Assessment,
    CrawlRun,
    Delivery,
    Enrichment,
    Label,
    Post,
    utcnow,
)
from misusewatch.store import sqlite_facet_days as facet_days
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
from misusewatch.store.json_text import json_text
from misusewatch.store.query import fts_query

# SQLite's default limit on host parameters is 32766; stay far below for IN (...) lists.
_IN_CHUNK = 900
# Label kinds indexed on posts for the `label` filter: status is single-valued, tags add up.
_SINGLE_VALUED_LABELS = frozenset({"status"})
_INDEXED_LABELS = frozenset({"status", "tag"})

_POST_COLUMNS = (
    "id", "source", "platform", "site", "board", "thread_id", "thread_title", "post_id",
    "author", "author_id", "actor_id", "created_at", "edited_at", "collected_at", "text",
    "html", "reply_to", "url", "content_hash", "raw",
)
_SELECT_POST = "SELECT " + ", ".join(f"p.{c}" for c in _POST_COLUMNS) + " FROM posts p"


_T = TypeVar("_T")


def when_unlocked(action: Callable[[], _T], *, attempts: int = 60) -> _T:
    """``action()``, tried again while SQLite answers "database is locked" (for about 18 s).

    SQLite returns that at once, without its busy handler, where waiting could deadlock: two
    processes opening a new database together, both setting it up in rollback-journal mode
    before it is switched to WAL. Setting up is idempotent, so trying again is safe.
    """
    for attempt in range(attempts):
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(min(1.0, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")


def _ts(dt: datetime | None) -> float | None:
    return None if dt is None else dt.timestamp()


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _post_row(post: Post) -> tuple[Any, ...]:
    return (
        post.id, post.source, post.platform, post.site, post.board, post.thread_id,
        post.thread_title, post.post_id, post.author, post.author_id, post.actor_id,
        _ts(post.created_at), _ts(post.edited_at), _ts(post.collected_at), post.text,
        post.html, json_text(post.reply_to), post.url, post.content_hash,
        None if post.raw is None else json_text(post.raw),
    )


_ROW_MARKS = f"({', '.join('?' * len(_POST_COLUMNS))})"
_INSERT_CHUNK = 200  # rows a statement: 4,000 parameters, under SQLite's 32,766


@functools.cache
def _insert_posts_sql(rows: int) -> str:
    return f"INSERT INTO posts ({', '.join(_POST_COLUMNS)}) VALUES {', '.join([_ROW_MARKS] * rows)}"


def _insert_posts(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert post rows, a few hundred a statement.

    ``executemany`` takes the GIL back after every row's step; a crawl process parses on
    another thread of the same process, so each row waited for the parser while this
    store's write lock (and every other writer of the file) waited too. A multi-row
    statement releases the GIL once for its rows.
    """
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start : start + _INSERT_CHUNK]
        conn.execute(_insert_posts_sql(len(chunk)), [value for row in chunk for value in row])


def _row_post(row: sqlite3.Row | tuple[Any, ...]) -> Post:
    (pid, source, platform, site, board, thread_id, thread_title, post_no, author, author_id,
     _actor, created, edited, collected, text, html, reply_to, url, _hash, raw) = row
    return Post(
        id=pid, source=source, platform=platform, site=site, board=board,
        thread_id=thread_id, thread_title=thread_title, post_id=post_no, author=author,
        author_id=author_id, created_at=_dt(created), edited_at=_dt(edited),
        collected_at=_dt(collected), text=text, html=html, reply_to=json.loads(reply_to),
        url=url, raw=None if raw is None else json.loads(raw),
    )


# The page size of a new store file; an existing file keeps its own (changing it needs a VACUUM).
PAGE_SIZE = 8192
URL_PREFIX, MEMORY = "sqlite:///", ":memory:"


def sqlite_path(url: str) -> str | None:
    """The file a ``sqlite:///`` URL names, as SQLite opens it (a relative path against the
    cwd); None for a URL of another scheme. The one reading of the URL: every caller uses it."""
    path = url.removeprefix(URL_PREFIX)
    return None if path == url else path


def make_sqlite_folder(url: str) -> None:
    """Create the folder of the file a ``sqlite:///`` URL names (SQLite creates only the file);
    nothing for other stores."""
    if path := sqlite_path(url):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def absolute_sqlite_url(url: str) -> str:
    """``url`` naming the same file from any directory: a relative SQLite path resolved against
    the cwd now. Absolute paths, ``:memory:``, bad SQLite URLs and other schemes are unchanged."""
    path = sqlite_path(url)
    if not path or path == MEMORY or Path(path).is_absolute():
        return url
    return URL_PREFIX + str(Path(path).resolve())


class SQLiteStore:
    """``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or ``sqlite:///:memory:``.

    One connection guarded by a lock, so Streamlit's threads and the crawler can share it;
    long iterations page with keyset queries and never hold the lock between batches.
    Counts come from the ``facet_days`` aggregate (kept by upserts and triggers) when the filter allows
    (``use_facet_days = False`` forces the posts scan; the tests compare both).
    """

    use_facet_days = True

    def __init__(self, path: str | Path, *, url: str | None = None):
        self.path = str(path)
        self.url = url or f"{URL_PREFIX}{self.path}"
        self._lock = threading.RLock()
        try:
            self._conn = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=30.0
            )
            self._conn.execute("PRAGMA busy_timeout=30000")
            # Takes effect only when the file is new (before WAL mode writes its header): a
            # stored post with its raw JSON is ~2-5 KB, which overflows SQLite's default 4 KiB
            # page; with 8 KiB pages the store's upserts ran ~15% faster (docs/benchmarks.md).
            self._conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            when_unlocked(lambda: self._conn.execute("PRAGMA journal_mode=WAL"))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from None
        # NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose
        # the last transactions, and crawls/jobs re-fetch idempotently.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA cache_size=-65536")

    @classmethod
    def from_url(cls, url: str) -> SQLiteStore:
        path = sqlite_path(url)
        if not path:
            raise StoreURLError(f"bad SQLite URL {url!r}: expected sqlite:///path/to/file.db")
        return cls(path, url=url)

    # ------------------------------------------------------------------ plumbing

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self._conn.execute(sql, params)
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite: {exc}") from exc

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite: {exc}") from exc

    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    def init(self) -> None:
        try:
            when_unlocked(self._init)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot set up SQLite store {self.path}: {exc}") from None

    def _init(self) -> None:
        schema = resources.files("misusewatch.store").joinpath("sqlite_schema.sql").read_text()
        with self._lock:
            fresh = not self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'posts_fts'"
            ).fetchone()
            had_facet_days = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'facet_days'"
            ).fetchone()
            self._conn.executescript(schema)
            if fresh:
                # FTS5 leaves of one database page (default 1000 bytes) make indexing ~25% faster.
                self._conn.execute("INSERT INTO posts_fts (posts_fts, rank) VALUES ('pgsz', 4050)")
        if not had_facet_days:
            # A store made before the aggregate existed: fill it once from its posts.
            with self._transaction() as conn:
                facet_days.rebuild(conn)

    def _facet_days(self, filters: PostFilter | None, **kw: Any) -> tuple[list[str], list[Any]] | None:
        """facet_days conditions for this filter, or None: then the posts table answers."""
        if not self.use_facet_days:
            return None
        found = facet_days.where(filters, **kw)
        if found is None:
            return None
        with self._lock:
            return found if facet_days.exact(self._conn) else None

    def close(self) -> None:
        with self._lock:
            try:
                self._conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            self._conn.close()

    # ------------------------------------------------------------------ posts

    def upsert_posts(self, posts: Iterable[Post]) -> UpsertResult:
        result = UpsertResult()
        batch: dict[str, Post] = {}
        for post in posts:
            batch[post.id] = post  # a later duplicate in one batch wins, like a later crawl
        if not batch:
            return result
        # Rows are built before the write lock is taken: other writers (crawl processes of
        # one store) wait only for the SQL.
        rows = {pid: _post_row(post) for pid, post in batch.items()}
        with self._transaction() as conn:
            existing: dict[str, tuple[str, str, str | None, float | None]] = {}
            ids = list(batch)
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                marks = ",".join("?" * len(chunk))
                for row in conn.execute(
                    f"SELECT id, content_hash, text, thread_title, edited_at FROM posts "
                    f"WHERE id IN ({marks})",
                    chunk,
                ):
                    existing[row[0]] = row[1:]
            new_rows, changed = [], []
            for pid, post in batch.items():
                old = existing.get(pid)
                if old is None:
                    new_rows.append(rows[pid])
                    result.inserted_ids.append(pid)
                elif old[0] != post.content_hash:
                    changed.append((post, old))
                    result.updated_ids.append(pid)
                else:
                    result.unchanged += 1
            if new_rows:
                last_rowid = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM posts").fetchone()[0]
                _insert_posts(conn, new_rows)
                # BEGIN IMMEDIATE holds the write lock, so rowids above last_rowid are this batch.
                conn.execute(
                    "INSERT INTO posts_fts (rowid, thread_title, text) "
                    "SELECT rowid, thread_title, text FROM posts WHERE rowid > ?",
                    (last_rowid,),
                )
                # The batch's daily counts in one statement: a per-row trigger cost more than
                # the rest of the insert (~40 us a post). New posts carry no facets yet.
                conn.execute(
                    "INSERT INTO facet_days (day, source, platform, ladder, tier, category, n) "
                    "SELECT CAST(created_at AS INTEGER) / 86400, source, platform, IFNULL(ladder, ''), "
                    "IFNULL(tier, 0), '', COUNT(*) FROM posts WHERE rowid > ? GROUP BY 1, 2, 3, 4, 5 "
                    "ON CONFLICT DO UPDATE SET n = n + excluded.n",
                    (last_rowid,),
                )
            if changed:
                now = _ts(utcnow())
                conn.executemany(
                    "INSERT INTO post_revisions (post_id, text, thread_title, content_hash,"
                    " edited_at, replaced_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [(p.id, old[1], old[2], old[0], old[3], now) for p, old in changed],
                )
                assignments = ", ".join(f"{c} = ?" for c in _POST_COLUMNS[1:])
                conn.executemany(
                    f"UPDATE posts SET {assignments} WHERE id = ?",
                    [(*rows[p.id][1:], p.id) for p, _ in changed],
                )
        result.inserted = len(result.inserted_ids)
        result.updated = len(result.updated_ids)
        return result

    def get_post(self, post_id: str) -> Post | None:
        rows = self._all(f"{_SELECT_POST} WHERE p.id = ?", (post_id,))
        return _row_post(rows[0]) if rows else None

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        found: dict[str, Post] = {}
        ids = list(dict.fromkeys(post_ids))
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self._all(f"{_SELECT_POST} WHERE p.id IN ({marks})", chunk):
                found[row[0]] = _row_post(row)
        return [found[i] for i in post_ids if i in found]

    def revisions(self, post_id: str) -> list[Revision]:
        rows = self._all(
            "SELECT post_id, text, thread_title, content_hash, edited_at, replaced_at "
            "FROM post_revisions WHERE post_id = ? ORDER BY replaced_at, rowid",
            (post_id,),
        )
        return [Revision(r[0], r[1], r[2], r[3], _dt(r[4]), _dt(r[5])) for r in rows]

    def search(
        self,
        query: str = "",
        filters: PostFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        sort: Literal["relevance", "newest", "oldest"] = "relevance",
    ) -> SearchResult:
        where, params = _where(filters)
        match = fts_query(query)
        if match:
            source = "posts_fts JOIN posts p ON p.rowid = posts_fts.rowid"
            where = ["posts_fts MATCH ?", *where]
            params = [match, *params]
            order = {"relevance": "bm25(posts_fts)", "newest": "p.created_at DESC",
                     "oldest": "p.created_at"}[sort]
        else:
            source = "posts p"
            order = "p.created_at" if sort == "oldest" else "p.created_at DESC"
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = self._all(f"SELECT COUNT(*) FROM {source}{clause}", params)[0][0]
        columns = ", ".join(f"p.{c}" for c in _POST_COLUMNS)
        rows = self._all(
            f"SELECT {columns} FROM {source}{clause} ORDER BY {order}, p.rowid LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
        return SearchResult(total=total, posts=[_row_post(r) for r in rows])

    def iter_posts(
        self, filters: PostFilter | None = None, *, batch_size: int = 1000
    ) -> Iterator[Post]:
        where, params = _where(filters)
        last: tuple[float, int] = (float("-inf"), -1)
        while True:
            clause = " AND ".join([*where, "(p.created_at, p.rowid) > (?, ?)"])
            rows = self._all(
                f"{_SELECT_POST.replace(' FROM', ', p.rowid FROM')} WHERE {clause} "
                f"ORDER BY p.created_at, p.rowid LIMIT ?",
                [*params, *last, batch_size],
            )
            if not rows:
                return
            for row in rows:
                yield _row_post(row[:-1])
            last = (rows[-1][11], rows[-1][-1])

    def count_posts(self, filters: PostFilter | None = None) -> int:
        aggregate = self._facet_days(filters)
        if aggregate is not None:
            conditions, params = aggregate
            return self._all(f"SELECT IFNULL(SUM(n), 0) FROM facet_days WHERE {' AND '.join(conditions)}",
                             params)[0][0]
        where, params = _where(filters)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._all(f"SELECT COUNT(*) FROM posts p{clause}", params)[0][0]

    def count_by_time(
        self, bucket: TimeBucket, filters: PostFilter | None = None
    ) -> list[tuple[datetime, int]]:
        day = "(CAST(p.created_at AS INTEGER) / 86400)"
        expressions = {
            "day": f"{day} * 86400",
            # 1970-01-01 was a Thursday: shift by 3 days so buckets start on Monday.
            "week": f"({day} - (({day} + 3) % 7)) * 86400",
            "month": "CAST(strftime('%s', p.created_at, 'unixepoch', 'start of month') AS INTEGER)",
        }
        if bucket not in expressions:
            raise ValueError(f"bucket must be day, week or month, not {bucket!r}")
        aggregate = self._facet_days(filters)
        if aggregate is not None:
            conditions, params = aggregate
            rows = self._all(
                f"SELECT {facet_days.BUCKETS[bucket]} AS b, SUM(n) AS total FROM facet_days"
                f" WHERE {' AND '.join(conditions)} GROUP BY b HAVING total > 0 ORDER BY b",
                params,
            )
            return [(datetime.fromtimestamp(b, UTC), n) for b, n in rows]
        where, params = _where(filters)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._all(
            f"SELECT {expressions[bucket]} AS b, COUNT(*) FROM posts p{clause} "
            f"GROUP BY b ORDER BY b",
            params,
        )
        return [(datetime.fromtimestamp(b, UTC), n) for b, n in rows]

    def count_by_field(
        self, field_name: str, filters: PostFilter | None = None, *, limit: int = 1000
    ) -> dict[Any, int]:
        if field_name not in COUNT_FIELDS:
            raise ValueError(f"cannot count by {field_name!r}; one of {', '.join(COUNT_FIELDS)}")
        column = facet_days.FIELDS.get(field_name)
        aggregate = self._facet_days(filters, counting_categories=field_name == "category") if column else None
        if aggregate is not None:
            conditions, params = aggregate
            # '' and 0 are the aggregate's "none": posts count only non-NULL values.
            conditions = [*conditions, {"ladder": "ladder != ''", "tier": "tier != 0"}.get(column, "1")]
            rows = self._all(
                f"SELECT {column}, SUM(n) AS total FROM facet_days WHERE {' AND '.join(conditions)}"
                f" GROUP BY {column} HAVING total > 0 ORDER BY total DESC, {column} LIMIT ?",
                [*params, limit],
            )
            return dict(rows)
        where, params = _where(filters)
        if field_name == "category":
            source, column = "posts p JOIN post_categories c ON c.post_rowid = p.rowid", "c.category"
        elif field_name == "label":
            source, column = "posts p JOIN post_labels l ON l.post_rowid = p.rowid", "l.value"
        else:
            source, column = "posts p", "p.actor_id" if field_name == "actor" else f"p.{field_name}"
            where = [*where, f"{column} IS NOT NULL"]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._all(
            f"SELECT {column}, COUNT(*) AS n FROM {source}{clause} "
            f"GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?",
            [*params, limit],
        )
        return dict(rows)

    # ------------------------------------------------------------------ enrichment

    def iter_pending(
        self,
        enricher: str,
        version: str,
        *,
        batch_size: int = 500,
        filters: PostFilter | None = None,
    ) -> Iterator[list[Post]]:
        where, params = _where(filters)
        last = -1
        pending = (
            "NOT EXISTS (SELECT 1 FROM enrichments e WHERE e.post_id = p.id "
            "AND e.enricher = ? AND e.version = ? AND e.error IS NULL)"
        )
        while True:
            clause = " AND ".join([*where, pending, "p.rowid > ?"])
            rows = self._all(
                f"{_SELECT_POST.replace(' FROM', ', p.rowid FROM')} WHERE {clause} "
                f"ORDER BY p.rowid LIMIT ?",
                [*params, enricher, version, last, batch_size],
            )
            if not rows:
                return
            last = rows[-1][-1]
            yield [_row_post(r[:-1]) for r in rows]

    def count_pending(self, enricher: str, version: str) -> int:
        return self._all(
            "SELECT COUNT(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM enrichments e "
            "WHERE e.post_id = p.id AND e.enricher = ? AND e.version = ? AND e.error IS NULL)",
            (enricher, version),
        )[0][0]

    def write_enrichments(self, enrichments: Iterable[Enrichment]) -> int:
        items = list(enrichments)
        if not items:
            return 0
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO enrichments (post_id, enricher, version, data, facets, error,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (post_id, enricher, version) DO UPDATE SET data = excluded.data,"
                " facets = excluded.facets, error = excluded.error,"
                " created_at = excluded.created_at",
                [
                    (e.post_id, e.enricher, e.version, json.dumps(e.data, ensure_ascii=False),
                     json.dumps(e.facets), e.error, _ts(e.created_at))
                    for e in items
                ],
            )
            for e in items:
                if e.error is None and e.facets:
                    _apply_facets(conn, e)
        return len(items)

    def get_enrichments(self, post_id: str) -> list[Enrichment]:
        rows = self._all(
            "SELECT post_id, enricher, version, data, facets, error, created_at "
            "FROM enrichments WHERE post_id = ? ORDER BY enricher, created_at",
            (post_id,),
        )
        latest: dict[str, Enrichment] = {}
        for row in rows:
            latest[row[1]] = _row_enrichment(row)
        return list(latest.values())

    def iter_enrichments(
        self, enricher: str, *, version: str | None = None, batch_size: int = 1000
    ) -> Iterator[Enrichment]:
        last = -1
        extra, params = ("", [enricher]) if version is None else (" AND version = ?", [enricher, version])
        # Without a version the (enricher, version) index yields rows out of rowid order and every
        # page would sort all of them (a million enrichments: 2 minutes); "+enricher" makes SQLite
        # walk the rowids instead. With a version the index is in rowid order and is kept.
        column = "+enricher" if version is None else "enricher"
        while True:
            rows = self._all(
                "SELECT post_id, enricher, version, data, facets, error, created_at, rowid "
                f"FROM enrichments WHERE {column} = ?{extra} AND rowid > ? ORDER BY rowid LIMIT ?",
                [*params, last, batch_size],
            )
            if not rows:
                return
            last = rows[-1][-1]
            for row in rows:
                yield _row_enrichment(row[:-1])

    # ------------------------------------------------------------------ actors

    def upsert_actors(self, actors: Iterable[Actor]) -> int:
        rows = [
            (
                a.id, a.platform, a.site, a.handle, _ts(a.first_seen), _ts(a.last_seen),
                a.post_count, a.tier, a.tier_confidence, a.effective_tier,
                json.dumps({"evidence": a.evidence, "signals": a.signals, "override": a.override},
                           ensure_ascii=False),
                _ts(a.updated_at),
            )
            for a in actors
        ]
        if rows:
            with self._transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO actors (id, platform, site, handle, first_seen,"
                    " last_seen, post_count, tier, tier_confidence, effective_tier, data,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    def get_actor(self, actor_id: str) -> Actor | None:
        rows = self._all(f"{_SELECT_ACTOR} WHERE id = ?", (actor_id,))
        return _row_actor(rows[0]) if rows else None

    def list_actors(
        self, *, min_tier: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[Actor]:
        where, params = ("", []) if min_tier is None else (" WHERE effective_tier >= ?", [min_tier])
        rows = self._all(
            f"{_SELECT_ACTOR}{where} ORDER BY effective_tier IS NULL, effective_tier DESC,"
            f" post_count DESC, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_row_actor(r) for r in rows]

    # ------------------------------------------------------------------ labels

    def add_label(self, label: Label) -> Label:
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO labels (target_type, target_id, kind, value, author, note, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (label.target_type, label.target_id, label.kind, label.value, label.author,
                 label.note, _ts(label.created_at)),
            )
            if label.target_type == "post" and label.kind in _INDEXED_LABELS:
                row = conn.execute("SELECT rowid FROM posts WHERE id = ?", (label.target_id,)).fetchone()
                if row is not None:
                    if label.kind in _SINGLE_VALUED_LABELS:
                        conn.execute(
                            "DELETE FROM post_labels WHERE post_rowid = ? AND kind = ?",
                            (row[0], label.kind),
                        )
                    conn.execute(
                        "INSERT OR IGNORE INTO post_labels (value, post_rowid, kind) VALUES (?, ?, ?)",
                        (label.value, row[0], label.kind),
                    )
        return label.replace(id=cur.lastrowid)

    def labels_for(self, target_type: str, target_id: str) -> list[Label]:
        rows = self._all(
            f"{_SELECT_LABEL} WHERE target_type = ? AND target_id = ? ORDER BY id",
            (target_type, target_id),
        )
        return [_row_label(r) for r in rows]

    def list_labels(
        self, *, kind: str | None = None, target_type: str | None = None, limit: int = 1000
    ) -> list[Label]:
        where, params = [], []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if target_type is not None:
            where.append("target_type = ?")
            params.append(target_type)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._all(f"{_SELECT_LABEL}{clause} ORDER BY id DESC LIMIT ?", [*params, limit])
        return [_row_label(r) for r in rows]

    # ------------------------------------------------------------------ assessments

    def write_assessment(self, assessment: Assessment) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO assessments (id, kind, stage, data, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (assessment.id, assessment.kind, assessment.stage,
                 json.dumps(assessment.data, ensure_ascii=False), _ts(assessment.created_at)),
            )

    def get_assessment(self, assessment_id: str) -> Assessment | None:
        rows = self._all(
            "SELECT id, kind, stage, data, created_at FROM assessments WHERE id = ?",
            (assessment_id,),
        )
        return _row_assessment(rows[0]) if rows else None

    def list_assessments(self, kind: str | None = None) -> list[Assessment]:
        where, params = ("", []) if kind is None else (" WHERE kind = ?", [kind])
        rows = self._all(
            f"SELECT id, kind, stage, data, created_at FROM assessments{where} ORDER BY id", params
        )
        return [_row_assessment(r) for r in rows]

    # ------------------------------------------------------------------ alerts

    def write_alert(self, alert: Alert) -> bool:
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO alerts (id, rule_id, severity, title, body, dedup_key,"
                " evidence, tlp, data, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert.id, alert.rule_id, alert.severity, alert.title, alert.body,
                 alert.dedup_key, json.dumps(alert.evidence),
                 alert.tlp, json.dumps(alert.data, ensure_ascii=False), alert.status,
                 _ts(alert.created_at)),
            )
        return cur.rowcount == 1

    def update_alert_status(self, alert_id: str, status: str) -> None:
        self._execute("UPDATE alerts SET status = ? WHERE id = ?", (status, alert_id))

    def get_alert(self, alert_id: str) -> Alert | None:
        rows = self._all(f"{_SELECT_ALERT} WHERE id = ?", (alert_id,))
        return _row_alert(rows[0]) if rows else None

    def list_alerts(self, *, status: str | None = None, limit: int = 1000) -> list[Alert]:
        where, params = ("", []) if status is None else (" WHERE status = ?", [status])
        rows = self._all(
            f"{_SELECT_ALERT}{where} ORDER BY created_at DESC, id LIMIT ?", [*params, limit]
        )
        return [_row_alert(r) for r in rows]

    def upsert_delivery(self, delivery: Delivery) -> None:
        d = delivery
        self._execute(
            "INSERT OR REPLACE INTO deliveries (idempotency_key, alert_id, recipient, channel,"
            " status, attempts, last_error, next_attempt_at, sent_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (d.idempotency_key, d.alert_id, d.recipient, d.channel, d.status, d.attempts,
             d.last_error, _ts(d.next_attempt_at), _ts(d.sent_at), _ts(d.updated_at)),
        )

    def list_deliveries(
        self, *, alert_id: str | None = None, status: str | None = None, limit: int = 10000
    ) -> list[Delivery]:
        where, params = [], []
        if alert_id is not None:
            where.append("alert_id = ?")
            params.append(alert_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._all(
            "SELECT alert_id, recipient, channel, idempotency_key, status, attempts, last_error,"
            f" next_attempt_at, sent_at, updated_at FROM deliveries{clause}"
            " ORDER BY updated_at, idempotency_key LIMIT ?",
            [*params, limit],
        )
        return [
            Delivery(r[0], r[1], r[2], r[3], r[4], r[5], r[6], _dt(r[7]), _dt(r[8]), _dt(r[9]))
            for r in rows
        ]

    # ------------------------------------------------------------------ crawling

    def get_cursor(self, source: str, key: str) -> Any:
        rows = self._all("SELECT value FROM cursors WHERE source = ? AND key = ?", (source, key))
        return json.loads(rows[0][0]) if rows else None

    def set_cursor(self, source: str, key: str, value: Any) -> None:
        self.set_cursors([(source, key, value)])

    def set_cursors(self, cursors: Iterable[tuple[str, str, Any]]) -> None:
        # One transaction: a crawl saves a page's checkpoints after each batch, and every
        # transaction waits its turn for the write lock when several crawl processes write.
        now = _ts(utcnow())
        rows = [(source, key, json.dumps(value), now) for source, key, value in cursors]
        if rows:
            with self._transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO cursors (source, key, value, updated_at) VALUES (?, ?, ?, ?)", rows
                )

    def record_crawl_run(self, run: CrawlRun) -> None:
        self._execute(
            "INSERT OR REPLACE INTO crawl_runs (id, source, started_at, finished_at, status,"
            " pages, posts_new, posts_updated, posts_unchanged, errors, bans_suspected, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run.id, run.source, _ts(run.started_at), _ts(run.finished_at), run.status,
             run.pages, run.posts_new, run.posts_updated, run.posts_unchanged, run.errors,
             run.bans_suspected, json.dumps(run.data)),
        )

    def list_crawl_runs(
        self, *, source: str | None = None, limit: int = 100, per_source: int | None = None
    ) -> list[CrawlRun]:
        where, params = ("", []) if source is None else (" WHERE source = ?", [source])
        table = f"crawl_runs{where}"
        if per_source is not None:
            table = (f"(SELECT *, ROW_NUMBER() OVER (PARTITION BY source ORDER BY started_at DESC, id) AS n"
                     f" FROM crawl_runs{where}) WHERE n <= ?")
            params.append(per_source)
        rows = self._all(
            "SELECT id, source, started_at, finished_at, status, pages, posts_new, posts_updated,"
            f" posts_unchanged, errors, bans_suspected, data FROM {table}"
            " ORDER BY started_at DESC, id LIMIT ?",
            [*params, limit],
        )
        return [
            CrawlRun(r[0], r[1], _dt(r[2]), _dt(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                     json.loads(r[11]))
            for r in rows
        ]


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` under the store lock; rolls back on any error."""

    def __init__(self, store: SQLiteStore):
        self._store = store

    def __enter__(self) -> sqlite3.Connection:
        self._store._lock.acquire()
        try:
            self._store._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            self._store._lock.release()
            raise StoreError(f"SQLite: {exc}") from exc
        return self._store._conn

    def __exit__(self, exc_type, exc, tb) -> None:
        conn = self._store._conn
        try:
            if exc_type is None:
                conn.execute("COMMIT")
            else:
                conn.execute("ROLLBACK")
        finally:
            self._store._lock.release()
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"SQLite: {exc}") from exc


# ---------------------------------------------------------------------- helpers


def _where(filters: PostFilter | None) -> tuple[list[str], list[Any]]:
    """SQL conditions over ``posts p`` for a PostFilter."""
    where: list[str] = []
    params: list[Any] = []
    if filters is None:
        return where, params
    f = filters
    for name in ("source", "platform", "site", "thread_id", "ladder", "tier"):
        value = getattr(f, name)
        if value is not None:
            where.append(f"p.{name} = ?")
            params.append(value)
    if f.author is not None:
        where.append("(p.author = ? OR p.author_id = ?)")
        params += [f.author, f.author]
    if f.actor is not None:
        where.append("p.actor_id = ?")
        params.append(f.actor)
    if f.since is not None:
        where.append("p.created_at >= ?")
        params.append(_ts(f.since))
    if f.until is not None:
        where.append("p.created_at < ?")
        params.append(_ts(f.until))
    if f.min_tier is not None:
        where.append("p.tier >= ?")
        params.append(f.min_tier)
    if f.lm_related is not None:
        where.append("p.lm_related = ?")
        params.append(int(f.lm_related))
    if f.category is not None:
        where.append(
            "EXISTS (SELECT 1 FROM post_categories c WHERE c.category = ? AND c.post_rowid = p.rowid)"
        )
        params.append(f.category)
    if f.label is not None:
        where.append(
            "EXISTS (SELECT 1 FROM post_labels l WHERE l.value = ? AND l.post_rowid = p.rowid)"
        )
        params.append(f.label)
    if f.min_score is not None:
        if f.detector is not None:
            where.append(
                "EXISTS (SELECT 1 FROM post_scores s WHERE s.post_rowid = p.rowid"
                " AND s.detector = ? AND s.score >= ?)"
            )
            params += [f.detector, f.min_score]
        else:
            where.append("p.max_score >= ?")
            params.append(f.min_score)
    elif f.detector is not None:
        where.append("EXISTS (SELECT 1 FROM post_scores s WHERE s.post_rowid = p.rowid AND s.detector = ?)")
        params.append(f.detector)
    if f.ids is not None:
        ids = list(f.ids)
        where.append(f"p.id IN ({','.join('?' * len(ids))})" if ids else "0")
        params += ids
    return where, params


def _apply_facets(conn: sqlite3.Connection, e: Enrichment) -> None:
    row = conn.execute("SELECT rowid FROM posts WHERE id = ?", (e.post_id,)).fetchone()
    if row is None:
        return  # enrichment of a post this store does not hold: kept, but nothing to index
    rowid = row[0]
    facets = e.facets
    # One UPDATE and only the categories that changed: each fires the facet_days triggers once.
    columns = [c for c in ("lm_related", "ladder", "tier") if c in facets]
    if columns:
        values = [int(facets[c]) if c == "lm_related" and facets[c] is not None else facets[c] for c in columns]
        conn.execute(f"UPDATE posts SET {', '.join(f'{c} = ?' for c in columns)} WHERE rowid = ?",
                     (*values, rowid))
    if "categories" in facets:
        wanted = set(facets["categories"] or ())
        held = {c for (c,) in conn.execute("SELECT category FROM post_categories WHERE post_rowid = ?", (rowid,))}
        conn.executemany("DELETE FROM post_categories WHERE category = ? AND post_rowid = ?",
                         [(c, rowid) for c in held - wanted])
        conn.executemany(
            "INSERT OR IGNORE INTO post_categories (category, post_rowid) VALUES (?, ?)",
            [(c, rowid) for c in sorted(wanted - held)],
        )
    if "detector_scores" in facets:
        conn.executemany(
            "INSERT OR REPLACE INTO post_scores (post_rowid, detector, score) VALUES (?, ?, ?)",
            [(rowid, name, float(score)) for name, score in facets["detector_scores"].items()
             if score is not None],
        )
        conn.execute(
            "UPDATE posts SET max_score = (SELECT MAX(score) FROM post_scores WHERE post_rowid = ?)"
            " WHERE rowid = ?",
            (rowid, rowid),
        )


def _row_enrichment(row: Sequence[Any]) -> Enrichment:
    return Enrichment(
        post_id=row[0], enricher=row[1], version=row[2], data=json.loads(row[3]),
        facets=json.loads(row[4]), error=row[5], created_at=_dt(row[6]),
    )


_SELECT_ACTOR = (
    "SELECT id, platform, site, handle, first_seen, last_seen, post_count, tier,"
    " tier_confidence, data, updated_at FROM actors"
)


def _row_actor(row: Sequence[Any]) -> Actor:
    data = json.loads(row[9])
    return Actor(
        id=row[0], platform=row[1], site=row[2], handle=row[3], first_seen=_dt(row[4]),
        last_seen=_dt(row[5]), post_count=row[6], tier=row[7], tier_confidence=row[8],
        evidence=data.get("evidence", []), signals=data.get("signals", {}),
        override=data.get("override"), updated_at=_dt(row[10]),
    )


_SELECT_LABEL = "SELECT target_type, target_id, kind, value, author, note, created_at, id FROM labels"


def _row_label(row: Sequence[Any]) -> Label:
    return Label(row[0], row[1], row[2], row[3], row[4], row[5], _dt(row[6]), row[7])


def _row_assessment(row: Sequence[Any]) -> Assessment:
    return Assessment(id=row[0], kind=row[1], stage=row[2], data=json.loads(row[3]),
                      created_at=_dt(row[4]))


_SELECT_ALERT = (
    "SELECT id, rule_id, severity, title, body, dedup_key, evidence, tlp, data, status,"
    " created_at FROM alerts"
)


def _row_alert(row: Sequence[Any]) -> Alert:
    return Alert(
        id=row[0], rule_id=row[1], severity=row[2], title=row[3], body=row[4], dedup_key=row[5],
        evidence=json.loads(row[6]), tlp=row[7], data=json.loads(row[8]), status=row[9],
        created_at=_dt(row[10]),
    )
