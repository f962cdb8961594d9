"""Dashboard bench: seconds to render the overview and triage pages on a 1,000,000-post SQLite store.

Renders each page with Streamlit's AppTest (the real page scripts, every query, chart spec and
table the server sends; not the browser's drawing), caches cleared before each cold run, beside
a bare ``SELECT COUNT(*) FROM posts`` over the same file in the same run.

The store is generated once by bulk SQL in the store's own schema and kept under var/bench/
(``--fresh`` rebuilds it). Posts carry facets as enrichment writes them; enrichment rows exist for
misuse posts only, the ones the triage page reads (benign posts' rows are never read by these pages).

    python bench/dashboard.py [--posts 1000000] [--repeat 3] [--fresh]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dashboard.auth import UserFile  # noqa: E402
from misusewatch.records import CATEGORIES  # noqa: E402
from misusewatch.store import open_store  # noqa: E402
from misusewatch.store import sqlite_facet_days as facet_days  # noqa: E402

TARGET_S = 1.5
START = datetime(2019, 1, 1, tzinfo=UTC).timestamp()
END = datetime(2020, 1, 31, tzinfo=UTC).timestamp()
SOURCES = [("forum-a", "discourse"), ("forum-b", "discourse"), ("board-c", "4chan"), ("board-d", "4chan"),
           ("phpbb-e", "phpbb")]
# Share of posts at each step: most forum talk about language models is not misuse.
LADDER_MIX = [("none", 0.90), ("discussion", 0.05), ("plan", 0.025), ("code", 0.015), ("deployment", 0.01)]
CHUNK = 50_000


def build_store(path: Path, posts: int, seed: int = 11) -> None:
    """Bulk-insert ``posts`` posts (and their facet rows) straight into the store's schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_store(f"sqlite:///{path}").close()  # the schema, exactly as the store makes it
    rng = random.Random(seed)
    steps, weights = zip(*LADDER_MIX, strict=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    columns = ("id, source, platform, site, board, thread_id, thread_title, post_id, author, author_id, actor_id,"
               " created_at, collected_at, text, reply_to, url, content_hash, lm_related, ladder, tier, max_score")
    insert_post = f"INSERT INTO posts ({columns}) VALUES ({', '.join('?' * 21)})"
    with tqdm(total=posts, desc="generating posts", unit="post", file=sys.stderr) as bar:
        for start in range(0, posts, CHUNK):
            rows, categories, scores, enrichments = [], [], [], []
            for n in range(start, min(start + CHUNK, posts)):
                source, plat = SOURCES[n % len(SOURCES)]
                site = f"{source}.example"
                thread = n // 20
                author = f"user{rng.randrange(50_000)}"
                created = START + (END - START) * ((n + rng.random()) / posts)
                ladder = rng.choices(steps, weights)[0]
                misuse = ladder != "none"
                tier = rng.choice((1, 1, 2, 3)) if misuse else None
                score = rng.random() ** (0.5 if misuse else 3)
                text = (f"post {n} about {'fake reviews with GPT-2' if misuse else 'sampling temperature'}"
                        f" in thread {thread}")
                rowid = n + 1
                rows.append((f"{plat}:{site}:{thread}:{n}", source, plat, site, "lm", str(thread),
                             f"thread {thread}", str(n), author, author, f"{plat}:{site}:{author}", created,
                             created, text, "[]", f"https://{site}/t/{thread}/{n}", f"{n:064x}",
                             int(misuse or n % 3 == 0), ladder, tier, score))
                scores.append((rowid, "tfidf", score))
                if misuse:
                    category = rng.choice(CATEGORIES)
                    categories.append((category, rowid))
                    pid = rows[-1][0]
                    enrichments.append((pid, "tagger", "bench", json.dumps({"evidence": [], "targets": []}),
                                        json.dumps({"ladder": ladder, "tier": tier, "categories": [category]}),
                                        None, created))
                    enrichments.append((pid, "detector:tfidf", "bench", json.dumps(
                        {"score": score, "label": "machine" if score >= 0.8 else "human", "threshold": 0.8,
                         "fpr": 0.01, "reason": "threshold from bench"}),
                        json.dumps({"detector_scores": {"tfidf": score}}), None, created))
            with conn:
                conn.executemany(insert_post, rows)
                conn.executemany("INSERT INTO post_categories (category, post_rowid) VALUES (?, ?)", categories)
                conn.executemany("INSERT INTO post_scores (post_rowid, detector, score) VALUES (?, ?, ?)", scores)
                conn.executemany("INSERT INTO enrichments (post_id, enricher, version, data, facets, error,"
                                 " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", enrichments)
            bar.update(len(rows))
    with conn:  # some triage history, as a working team leaves it
        labels = [("post", f"{SOURCES[0][1]}:{SOURCES[0][0]}.example:{n // 20}:{n}", "status",
                   rng.choice(("in_review", "escalated", "dismissed")), "bench", None, START + n)
                  for n in range(0, min(posts, 200_000), 100)]
        conn.executemany("INSERT INTO labels (target_type, target_id, kind, value, author, note, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)", labels)
        conn.execute("INSERT INTO post_labels (value, post_rowid, kind) SELECT l.value, p.rowid, l.kind FROM labels l"
                     " JOIN posts p ON p.id = l.target_id")
    with conn:  # the store counts new posts per batch in upsert_posts; posts inserted here directly
        facet_days.rebuild(conn)
    conn.execute("ANALYZE")
    conn.close()


def count_baseline(path: Path, repeat: int) -> float:
    conn = sqlite3.connect(path)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        conn.execute("SELECT COUNT(*) FROM posts").fetchone()
        times.append(time.perf_counter() - t0)
    conn.close()
    return statistics.median(times)


def render_times(path: Path, page: str, repeat: int, users: Path, *, aggregate: bool = True) -> tuple[float, float]:
    """(median cold render, warm render) seconds of one page, via AppTest on the real app.

    ``aggregate=False`` makes the store answer every count by scanning posts (the path a filter
    the facet_days aggregate cannot answer takes), for comparison.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from misusewatch.store.sqlite import SQLiteStore

    SQLiteStore.use_facet_days = aggregate

    os.environ["MISUSEWATCH_STORE"] = f"sqlite:///{path}"
    os.environ["MISUSEWATCH_USERS_FILE"] = str(users)
    app = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=300)
    app.session_state["user"] = {"name": "bench", "role": "analyst"}
    app.run()
    app.switch_page(f"views/{page}.py")
    cold = []
    for _ in range(repeat):
        st.cache_data.clear()
        t0 = time.perf_counter()
        app.run()
        cold.append(time.perf_counter() - t0)
        if app.exception:
            raise SystemExit(f"{page} raised: {app.exception[0].value}")
    t0 = time.perf_counter()
    app.run()
    warm = time.perf_counter() - t0
    return statistics.median(cold), warm


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached store")
    parser.add_argument("--no-scan", dest="scan", action="store_false",
                        help="skip timing the overview once with every count scanning posts")
    args = parser.parse_args(argv)
    path = REPO / "var" / "bench" / f"dashboard-{args.posts}.db"
    if args.fresh or not path.exists():
        t0 = time.perf_counter()
        build_store(path, args.posts)
        print(f"generated {args.posts:,} posts in {time.perf_counter() - t0:.0f} s -> {path}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        users = UserFile(Path(tmp) / "users.toml")
        users.save()
        baseline = count_baseline(path, args.repeat)
        results = {page: render_times(path, page, args.repeat, users.path) for page in ("overview", "triage")}
        scan = render_times(path, "overview", 1, users.path, aggregate=False)[0] if args.scan else None
    print(f"posts: {args.posts:,}  store: {path.stat().st_size / 2**20:.0f} MiB")
    print(f"bare SELECT COUNT(*) FROM posts: {baseline * 1000:.1f} ms")
    for page, (cold, warm) in results.items():
        verdict = "meets" if cold < TARGET_S else "MISSES"
        print(f"{page:9s} cold render {cold:.2f} s (median of {args.repeat}), warm (cached) {warm:.2f} s; "
              f"{verdict} the {TARGET_S} s target")
    if scan is not None:
        print(f"overview  with every count scanning posts (no facet_days aggregate): {scan:.2f} s")
    worst = max(cold for cold, _ in results.values())
    print(json.dumps({
        "bench": "dashboard", "metric": "slowest_page_cold_render_s", "value": round(worst, 3), "unit": "s",
        "baseline": "bare SELECT COUNT(*) FROM posts, same store, same run",
        "baseline_value": round(baseline, 4), "ratio": round(worst / baseline, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
        "posts": args.posts, "overview_s": round(results["overview"][0], 3),
        "triage_s": round(results["triage"][0], 3), "overview_scan_s": scan and round(scan, 3),
    }))


if __name__ == "__main__":
    main()
