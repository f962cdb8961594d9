"""Counts from the ``facet_days`` aggregate: exact answers without scanning posts, when a filter allows.

The table is kept by triggers (sqlite_schema.sql) and, for new posts, by upsert_posts. A filter
can use it when it only names source, platform, ladder, tier, min_tier and category, and its
time bounds fall on UTC midnights; anything
else (authors, scores, labels, text...) goes to the posts table as before. Results are identical
either way: tests/integration/test_sqlite_facet_days.py compares both paths.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from misusewatch.store.base import PostFilter

DAY_S = 86400
# PostFilter fields the aggregate can answer; a filter naming any other field scans posts.
_AGGREGABLE = frozenset({"source", "platform", "ladder", "tier", "min_tier", "category", "since", "until"})
# count_by_field fields with a facet_days column.
FIELDS = {"source": "source", "platform": "platform", "ladder": "ladder", "tier": "tier", "category": "category"}

# The day expression the triggers use, and the same buckets count_by_time makes from created_at.
BUCKETS = {
    "day": "day * 86400",
    "week": "(day - ((day + 3) % 7)) * 86400",
    "month": "CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month') AS INTEGER)",
}


def rebuild(conn: sqlite3.Connection) -> None:
    """Fill facet_days from posts: for a store created before the table existed."""
    conn.execute("DELETE FROM facet_days")
    conn.execute(
        "INSERT INTO facet_days SELECT CAST(created_at AS INTEGER) / 86400, source, platform,"
        " IFNULL(ladder, ''), IFNULL(tier, 0), '', COUNT(*) FROM posts GROUP BY 1, 2, 3, 4, 5"
    )
    conn.execute(
        "INSERT INTO facet_days SELECT CAST(p.created_at AS INTEGER) / 86400, p.source, p.platform,"
        " IFNULL(p.ladder, ''), IFNULL(p.tier, 0), c.category, COUNT(*)"
        " FROM post_categories c JOIN posts p ON p.rowid = c.post_rowid GROUP BY 1, 2, 3, 4, 5, 6"
    )


def where(filters: PostFilter | None, *, counting_categories: bool = False) -> tuple[list[str], list[Any]] | None:
    """Conditions over facet_days equal to the filter over posts, or None when it cannot be answered.

    ``counting_categories``: the caller groups by category, so rows of every category are wanted
    (and a category filter cannot be combined with that).
    """
    f = filters or PostFilter()
    if any(getattr(f, name) is not None for name in f.__slots__ if name not in _AGGREGABLE):
        return None
    # '' and 0 stand for "none" in the aggregate; as filter values they match nothing in posts.
    if f.ladder == "" or f.tier == 0 or (counting_categories and f.category is not None):
        return None
    conditions, params = ["category != ''" if counting_categories else "category = ?"], []
    if not counting_categories:
        params.append(f.category or "")
    for name in ("source", "platform", "ladder", "tier"):
        value = getattr(f, name)
        if value is not None:
            conditions.append(f"{name} = ?")
            params.append(value)
    if f.min_tier is not None:
        conditions.append("tier >= ? AND tier != 0")
        params.append(f.min_tier)
    for bound, op in ((f.since, ">="), (f.until, "<")):
        if bound is None:
            continue
        ts = bound.timestamp()
        # Whole positive days only: then day >= since/86400 is exactly created_at >= since.
        if ts <= 0 or ts % DAY_S:
            return None
        conditions.append(f"day {op} ?")
        params.append(int(ts) // DAY_S)
    return conditions, params


def exact(conn: sqlite3.Connection) -> bool:
    """Day numbers match created_at comparisons for posts after 1970-01-02 (CAST truncates toward
    zero); a store holding anything earlier answers from posts."""
    row = conn.execute("SELECT MIN(day) FROM facet_days WHERE n != 0").fetchone()
    return row[0] is None or row[0] >= 1
