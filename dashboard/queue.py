"""The triage queue: candidate posts from the store's facet indexes, ranked by risk, with their status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.risk import PostRisk, risk_for
from misusewatch.records import Label, Post, format_time
from misusewatch.store import PostFilter, Store

# Where risky posts are: each facet's newest posts are candidates, so no post outranks one left out
# on ladder step alone; within a facet older posts wait for newer ones to be triaged.
CANDIDATE_FACETS = (
    {"ladder": "deployment"}, {"ladder": "code"}, {"ladder": "plan"}, {"min_tier": 2},
    {"min_score": 0.9}, {"ladder": "discussion"},
)
# The "new" view pages past a signal's triaged posts to find untriaged older ones, but reads no
# more than this many posts per signal, so a long-triaged signal cannot make the page crawl.
MAX_SCANNED_PER_FACET = 5000


@dataclass(slots=True)
class QueueRow:
    post: Post
    risk: PostRisk
    status: str
    status_by: str | None


def latest_statuses(store: Store, limit: int = 100_000) -> dict[str, Label]:
    """The current status label of every triaged post (no label means 'new')."""
    latest: dict[str, Label] = {}
    for label in store.list_labels(kind="status", target_type="post", limit=limit):  # newest first
        latest.setdefault(label.target_id, label)
    return latest


def candidates(store: Store, query: str, base: PostFilter, status: str, statuses: dict[str, Label],
               per_facet: int) -> list[Post]:
    """Posts worth ranking for this status view, newest first within each facet, deduplicated."""
    found: dict[str, Post] = {}
    if status in ("new", "all"):
        for facet in CANDIDATE_FACETS:
            filters = PostFilter(**{**_filter_fields(base), **facet})
            if status == "new":
                posts = _newest_untriaged(store, query, filters, statuses, per_facet)
            else:
                posts = store.search(query, filters, limit=per_facet, sort="newest").posts
            for post in posts:
                found.setdefault(post.id, post)
    if status != "new":
        wanted = [pid for pid, label in statuses.items() if status == "all" or label.value == status]
        for start in range(0, len(wanted), 500):
            filters = PostFilter(**{**_filter_fields(base), "ids": wanted[start:start + 500]})
            for post in store.search(query, filters, limit=500, sort="newest").posts:
                found.setdefault(post.id, post)
    return list(found.values())


def _is_new(post_id: str, statuses: dict[str, Label]) -> bool:
    return post_id not in statuses or statuses[post_id].value == "new"


def _newest_untriaged(store: Store, query: str, filters: PostFilter, statuses: dict[str, Label],
                      per_facet: int) -> list[Post]:
    """A signal's ``per_facet`` newest untriaged posts: taking its newest posts and then dropping
    the triaged ones would hide older untriaged posts once the newest are all triaged."""
    found: list[Post] = []
    for offset in range(0, MAX_SCANNED_PER_FACET, per_facet):
        page = store.search(query, filters, limit=per_facet, offset=offset, sort="newest").posts
        found += [post for post in page if _is_new(post.id, statuses)]
        if len(found) >= per_facet or len(page) < per_facet:
            break
    return found[:per_facet]


def ranked_queue(store: Store, posts: Sequence[Post], statuses: dict[str, Label]) -> list[QueueRow]:
    rows = []
    for post in posts:
        label = statuses.get(post.id)
        rows.append(QueueRow(post, risk_for(post.id, store.get_enrichments(post.id)),
                             label.value if label else "new", label.author if label else None))
    rows.sort(key=lambda r: (-r.risk.score, -r.post.created_at.timestamp(), r.post.id))
    return rows


def thread_rows(rows: Sequence[QueueRow]) -> list[dict]:
    """The queue by thread: a thread ranks by its riskiest post; counts say how much it holds."""
    threads: dict[str, dict] = {}
    for row in rows:  # riskiest first, so the first post seen leads its thread
        key = row.post.thread_key
        entry = threads.setdefault(key, {
            "risk": row.risk.score, "thread": row.post.thread_title or row.post.thread_id, "posts in queue": 0,
            "highest step": row.risk.ladder, "source": row.post.source, "newest": row.post.created_at,
            "riskiest post": row.post.id, "thread key": key})
        entry["posts in queue"] += 1
        entry["newest"] = max(entry["newest"], row.post.created_at)
    out = sorted(threads.values(), key=lambda t: (-t["risk"], -t["newest"].timestamp()))
    return [{**t, "newest": format_time(t["newest"])} for t in out]


def audit_rows(labels: Sequence[Label]) -> list[dict]:
    return [{"when": format_time(label.created_at), "who": label.author, "target": label.target_id,
             "what": f"{label.kind} = {label.value}", "note": label.note or ""} for label in labels]


def _filter_fields(base: PostFilter) -> dict:
    return {name: getattr(base, name) for name in base.__slots__ if getattr(base, name) is not None}
