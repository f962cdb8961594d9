"""Crawl throughput: posts stored per second from the testbed, against a bare SQLite insert.

    .venv/bin/python bench/crawl.py [--posts 20000] [--platforms 4chan,discourse,...] [--batch 500]

Generates a testbed community and crawls it with the real spiders (politeness off, every
platform's source from sources.toml) into a fresh SQLite store in a `python -m crawlers.run`
process, exactly as `misusewatch crawl` does, twice:

1. live: each page rendered by the testbed when asked (its generator runs on the same two
   cores, so this rate is bounded by the testbed, not the crawler);
2. pre-rendered: the same pages again, now served from memory, into a fresh store: the
   crawler's own rate (the headline figure).

A crawl's rate is posts stored / the crawl's own duration (first crawl run start to last run
end, as the store records them: process start-up excluded). In the same run the same posts
are then inserted two ways: through the SQLite store's `upsert_posts` in batches of the same
size into a fresh file (the baseline: what storing costs with nothing to crawl), and with a
bare `executemany` into a plain table (what SQLite alone costs). Prints its figures and, as
its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.runner import crawl_sources  # noqa: E402
from crawlers.sources import load_sources  # noqa: E402
from crawlers.testbed import generate  # noqa: E402
from crawlers.testbed.server import TestbedServer  # noqa: E402
from misusewatch.store import open_store  # noqa: E402

FORUM_SOURCES = ("discourse", "4chan", "phpbb", "phpbb2", "reddit", "hackernews", "feed", "generic")


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()} {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def testbed_sources(base_url: str, forums: tuple[str, ...]):
    os.environ["MISUSEWATCH_TESTBED_URL"] = base_url
    by_name = {s.name: s for s in load_sources(ROOT / "sources.toml")}
    return [by_name[f"testbed-{forum}"] for forum in forums]


@contextmanager
def rendering_once(community):
    """The testbed's pages on 127.0.0.1, each rendered by the testbed on its first request and
    kept: a first crawl sees the live testbed, a second one pages already rendered."""
    testbed = TestbedServer(community, port=0)  # used for dispatch only; it never listens
    testbed.server_close()
    cache: dict[str, tuple[int, bytes, str, dict]] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (stdlib naming)
            with lock:
                hit = cache.get(self.path)
                if hit is None:
                    response = testbed.dispatch(self.path, self.headers.get("Host"))
                    hit = cache[self.path] = (response.status, response.body, response.content_type,
                                              dict(response.headers))
            status, body, content_type, headers = hit
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def crawl_rate(store_url: str, sources, batch: int, overrides: dict | None = None):
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    settings = {"LOG_LEVEL": "ERROR", "MISUSEWATCH_BATCH_SIZE": batch, **(overrides or {})}
    summaries = crawl_sources(store_url, sources, settings, polite=False, timeout=3600)
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    store = open_store(store_url)
    runs = store.list_crawl_runs(limit=1000)
    posts = store.count_posts()
    store.close()
    duration = (max(r.finished_at for r in runs) - min(r.started_at for r in runs)).total_seconds()
    return posts, duration, wall, cpu, summaries


def store_rate(posts, path: Path, batch: int) -> float:
    store = open_store(f"sqlite:///{path}")
    started = time.perf_counter()
    for start in range(0, len(posts), batch):
        store.upsert_posts(posts[start : start + batch])
    elapsed = time.perf_counter() - started
    store.close()
    return len(posts) / elapsed


def bare_rate(posts, path: Path, batch: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE posts (id TEXT PRIMARY KEY, source TEXT, platform TEXT, site TEXT, thread_id TEXT,"
                 " post_id TEXT, author TEXT, created_at REAL, text TEXT, html TEXT, reply_to TEXT, url TEXT,"
                 " content_hash TEXT, raw TEXT)")
    started = time.perf_counter()
    for start in range(0, len(posts), batch):
        rows = [(p.id, p.source, p.platform, p.site, p.thread_id, p.post_id, p.author, p.created_at.timestamp(),
                 p.text, p.html, json.dumps(p.reply_to), p.url, p.content_hash,
                 None if p.raw is None else json.dumps(p.raw)) for p in posts[start : start + batch]]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return len(posts) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20000, help="testbed size (default 20000)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--platforms", default=",".join(FORUM_SOURCES),
                        help="testbed forums to crawl (default: all eight)")
    parser.add_argument("--batch", type=int, default=500, help="posts per upsert (MISUSEWATCH_BATCH_SIZE)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=JSON",
                        help="a crawl setting for both crawls, e.g. CONCURRENT_REQUESTS=64 (repeatable)")
    args = parser.parse_args(argv)
    forums = tuple(f.strip() for f in args.platforms.split(",") if f.strip())
    overrides = {}
    for pair in args.overrides:
        key, _, value = pair.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value

    community = generate(seed=args.seed, posts=args.posts, platforms=list(forums))
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp, rendering_once(community) as base:
        tmp_path = Path(tmp)
        sources = testbed_sources(base, forums)
        live = crawl_rate(f"sqlite:///{tmp_path / 'live.db'}", sources, args.batch, overrides)
        crawl_url = f"sqlite:///{tmp_path / 'crawl.db'}"
        stored, duration, wall, cpu, summaries = crawl_rate(crawl_url, sources, args.batch, overrides)
        source = open_store(crawl_url)
        posts = list(source.iter_posts(batch_size=5000))
        source.close()
        baseline = store_rate(posts, tmp_path / "store.db", args.batch)
        bare = bare_rate(posts, tmp_path / "bare.db", args.batch)

    rate = stored / duration
    print(f"testbed: {args.posts} posts (seed {args.seed}), forums {', '.join(forums)}")
    for s in summaries:
        print(f"  {s['source']}: {s['pages']} pages, {s['posts_new']} new, {s['errors']} errors")
    print(f"crawl (python -m crawlers.run, politeness off, SQLite store, batch {args.batch}):")
    print(f"  live testbed (pages rendered on request, same cores): {live[0]} posts in {live[1]:.2f} s "
          f"= {live[0] / live[1]:,.0f} posts/s")
    print(f"  pre-rendered pages: {stored} posts in {duration:.2f} s = {rate:,.0f} posts/s "
          f"({stored / wall:,.0f} posts/s counting process start-up)")
    print(f"  crawl process CPU: {cpu:.2f} s = {stored / cpu:,.0f} posts per CPU-second "
          "(crawling, parsing, storing; start-up included)")
    print(f"baseline: the SQLite store's upsert_posts of the same posts, batch {args.batch}: {baseline:,.0f} posts/s")
    print(f"bare SQLite executemany of the same posts into a plain table: {bare:,.0f} posts/s")
    print(f"crawl / store upsert: {rate / baseline:.2f}   crawl / bare executemany: {rate / bare:.3f}")
    print(json.dumps({
        "bench": "crawl",
        "metric": "posts_per_s",
        "value": round(rate, 1),
        "unit": "posts/s",
        "baseline": f"SQLite store upsert_posts of the same posts, batch {args.batch} (bare executemany: "
                    f"{bare:.0f} posts/s; live testbed crawl: {live[0] / live[1]:.0f} posts/s)",
        "baseline_value": round(baseline, 1),
        "ratio": round(rate / baseline, 3),
        "machine": machine(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
