"""Crawl throughput: posts stored per second from the testbed, against a bare SQLite insert.

    .venv/bin/python bench/crawl.py [--posts 30000] [--thread-posts 200] [--forums 4chan,reddit,discourse]
                                    [--mix-posts 20000] [--repeat 2] [--batch 1000] [--processes 2]
                                    [--set KEY=JSON ...]

Crawls testbed communities with the real spiders (politeness off, the testbed sources of
sources.toml) into a fresh SQLite store in ``python -m crawlers.run`` processes, exactly as
``misusewatch crawl -j N`` does (``--processes``, default 2: the sources split over two crawl
processes, one a core; (a) is also crawled in one process, reported beside it):

(a) realistic threads (the headline, the JSON line's value): 4chan, Reddit and Discourse with
    threads of 200 posts on average, as real boards have them (a 4chan thread JSON carries the
    whole thread, often 100-300 posts; a Discourse topic page carries 20 posts and the spider
    asks for the rest 100 ids a posts.json request; a Reddit comments page holds the 500
    comments the spider asks for, ten levels of replies, as Reddit's do);
(b) the all-platform mix: all eight testbed forums at their default thread sizes (6-14 posts
    a thread, phpBB pages of 10-15 posts, Hacker News one item a request): requests, not
    posts, bound this one.

Each community is crawled once against the live testbed (pages rendered on request, which
also renders them), then ``--repeat`` times against the same pages served from memory, each
into a fresh store; the best pre-rendered run is reported with every run listed. A crawl's
rate is posts stored / its duration (first crawl run start to last run end, as the store
records them: process start-up excluded). Its CPU is the crawl process's, less the CPU of a
crawl process that fetches nothing (start-up: imports, reactor, store), measured the same way.

Baseline, same run, same posts as (a): a bare ``executemany`` of the posts into a plain SQLite
table with a primary key (rows built from the Post records inside the timing), best of three.
Also printed: the same bare insert into a file with the store's page size (PAGE_SIZE, 8 KiB
against SQLite's default 4 KiB; it speeds a bare insert too, so its ratio is shown beside the
baseline's), and the store's own ``upsert_posts`` of the same posts (what storing costs with
nothing to crawl). The machine is shared: the load average is printed and put in the JSON.
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
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawlers.runner import crawl_sources, plan_processes  # noqa: E402
from crawlers.sources import load_sources, parse_source  # noqa: E402
from crawlers.testbed import generate  # noqa: E402
from crawlers.testbed.server import TestbedServer  # noqa: E402
from misusewatch.store import open_store  # noqa: E402
from misusewatch.store.sqlite import PAGE_SIZE  # noqa: E402

REALISTIC_SOURCES = ("4chan", "reddit", "discourse")
MIX_SOURCES = ("discourse", "4chan", "phpbb", "phpbb2", "reddit", "hackernews", "feed", "generic")


def machine() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()} {os.cpu_count()} cores, {system}, Python {platform.python_version()}"


def testbed_sources(base_url: str, forums: tuple[str, ...]):
    os.environ["MISUSEWATCH_TESTBED_URL"] = base_url
    by_name = {s.name: s for s in load_sources(ROOT / "sources.toml")}
    return [by_name[f"testbed-{forum}"] for forum in forums]


def wire_response(response) -> bytes:
    """A testbed response as HTTP/1.1 bytes: status line, headers, body."""
    lines = [f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
             f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}"]
    lines += [f"{name}: {value}" for name, value in dict(response.headers).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


@contextmanager
def rendering_once(community):
    """The testbed's pages on 127.0.0.1, each rendered by the testbed on its first request and
    kept: a first crawl sees the live testbed, later ones pages already rendered."""
    testbed = TestbedServer(community, port=0)  # used for dispatch only; it never listens
    testbed.server_close()
    cache: dict[str, bytes] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 (stdlib naming)
            with lock:
                raw = cache.get(self.path)
                if raw is None:
                    raw = cache[self.path] = wire_response(testbed.dispatch(self.path, self.headers.get("Host")))
            # The whole response, kept as bytes: the stand-in forum shares the crawl's two cores,
            # so it should cost as little of them as it can.
            self.wfile.write(raw)

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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def crawl_once(store_url: str, sources, batch: int, overrides: dict | None = None, processes: int = 1) -> dict:
    """One crawl (``processes`` crawl processes): posts stored, duration (the store's run records), wall, CPU."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    settings = {"LOG_LEVEL": "ERROR", "MISUSEWATCH_BATCH_SIZE": batch, **(overrides or {})}
    summaries = crawl_sources(store_url, sources, settings, polite=False, timeout=3600, processes=processes)
    wall = time.perf_counter() - started
    cpu = children_cpu() - cpu_before
    store = open_store(store_url)
    runs = store.list_crawl_runs(limit=1000)
    posts = store.count_posts()
    store.close()
    duration = (max(r.finished_at for r in runs) - min(r.started_at for r in runs)).total_seconds()
    return {"posts": posts, "duration": duration, "wall": wall, "cpu": cpu, "summaries": summaries,
            "rate": posts / duration}


def startup_cpu(base_url: str, tmp: Path) -> float:
    """CPU of a crawl process whose one page is a 404: imports, reactor, store, run records."""
    source = parse_source({"name": "bench-nothing", "platform": "feed", "url": f"{base_url}/nothing.xml"},
                          path="bench")
    return min(crawl_once(f"sqlite:///{tmp / f'null{k}.db'}", [source], 500)["cpu"] for k in range(2))


def measure(community, forums: tuple[str, ...], tmp: Path, label: str, args, overrides: dict,
            processes: int = 1) -> dict:
    with rendering_once(community) as base:
        sources = testbed_sources(base, forums)
        live = crawl_once(f"sqlite:///{tmp / f'{label}-live.db'}", sources, args.batch, overrides, processes)
        runs = [crawl_once(f"sqlite:///{tmp / f'{label}-{k}.db'}", sources, args.batch, overrides, processes)
                for k in range(args.repeat)]
        startup = startup_cpu(base, tmp) * len(plan_processes(sources, processes, polite=False))
    best = max(runs, key=lambda r: r["rate"])
    for run in runs:
        run["per_cpu_s"] = run["posts"] / max(1e-9, run["cpu"] - startup)
    return {"live": live, "runs": runs, "best": best, "startup_cpu": startup, "processes": processes,
            "db": tmp / f"{label}-{runs.index(best)}.db"}


def store_rate(posts, path: Path, batch: int) -> float:
    store = open_store(f"sqlite:///{path}")
    started = time.perf_counter()
    for start in range(0, len(posts), batch):
        store.upsert_posts(posts[start : start + batch])
    elapsed = time.perf_counter() - started
    store.close()
    return len(posts) / elapsed


def bare_rate(posts, path: Path, batch: int, page_size: int | None = None) -> float:
    """The baseline: SQLite's defaults, but WAL and synchronous=NORMAL as the store (or also its page size)."""
    conn = sqlite3.connect(path, isolation_level=None)
    if page_size:
        conn.execute(f"PRAGMA page_size={page_size}")
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


def report(title: str, result: dict) -> None:
    print(title)
    for s in result["best"]["summaries"]:
        pages = max(1, s["pages"])
        print(f"  {s['source']}: {s['pages']} pages, {s['posts_new']} new ({s['posts_new'] / pages:.1f} per page),"
              f" {s['errors']} errors")
    live = result["live"]
    print(f"  live testbed (pages rendered on request, same cores): {live['posts']} posts in {live['duration']:.2f} s"
          f" = {live['rate']:,.0f} posts/s")
    for k, run in enumerate(result["runs"]):
        mark = "  <- best" if run is result["best"] else ""
        print(f"  pre-rendered run {k + 1}: {run['posts']} posts in {run['duration']:.2f} s ="
              f" {run['rate']:,.0f} posts/s ({run['posts'] / run['wall']:,.0f}/s with process start-up);"
              f" CPU {run['cpu']:.2f} s ="
              f" {run['per_cpu_s']:,.0f} posts per CPU-second{mark}")
    print(f"  (crawl CPU less {result['startup_cpu']:.2f} s, the CPU of crawl processes that fetch nothing)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=30000, help="(a) realistic community size (default 30000)")
    parser.add_argument("--thread-posts", type=int, default=200, help="(a) mean posts per thread (default 200)")
    parser.add_argument("--forums", default=",".join(REALISTIC_SOURCES),
                        help="(a) testbed forums (default: 4chan,reddit,discourse)")
    parser.add_argument("--mix-posts", type=int, default=20000,
                        help="(b) all-platform mix size (default 20000; 0 skips it)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--repeat", type=int, default=2, help="pre-rendered crawls per community (default 2)")
    parser.add_argument("--batch", type=int, default=1000, help="posts per upsert (MISUSEWATCH_BATCH_SIZE)")
    parser.add_argument("--processes", type=int, default=2,
                        help="crawl processes for the headline and the mix (`misusewatch crawl -j`; default 2,"
                             " one a core here); (a) is also crawled in one process")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=JSON",
                        help="a crawl setting for every crawl, e.g. CONCURRENT_REQUESTS=64 (repeatable)")
    args = parser.parse_args(argv)
    overrides = {}
    for pair in args.overrides:
        key, _, value = pair.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value

    forums = tuple(f.strip() for f in args.forums.split(",") if f.strip())
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp_name:
        tmp = Path(tmp_name)
        community = generate(seed=args.seed, posts=args.posts, platforms=list(forums), thread_posts=args.thread_posts)
        single = measure(community, forums, tmp, "single", args, overrides)
        realistic = single
        if args.processes > 1:
            realistic = measure(community, forums, tmp, "realistic", args, overrides, args.processes)
        mix = None
        if args.mix_posts:
            mix = measure(generate(seed=args.seed, posts=args.mix_posts, platforms=list(MIX_SOURCES)), MIX_SOURCES,
                          tmp, "mix", args, overrides, args.processes)
        source = open_store(f"sqlite:///{realistic['db']}")
        posts = list(source.iter_posts(batch_size=5000))
        source.close()
        store = store_rate(posts, tmp / "store.db", args.batch)
        bare = max(bare_rate(posts, tmp / f"bare{k}.db", args.batch) for k in range(3))
        # The store makes its files with bigger pages than SQLite's default (PAGE_SIZE), which
        # speeds a bare insert too: shown beside the baseline so the ratio cannot hide it.
        bare_pages = max(bare_rate(posts, tmp / f"barep{k}.db", args.batch, PAGE_SIZE) for k in range(3))
    load_after = os.getloadavg()[0]

    best = realistic["best"]
    rate = best["rate"]
    print(f"machine: {machine()}; load average {load_before:.2f} at start, {load_after:.2f} at end")
    about = (f"{args.posts} posts of {', '.join(forums)}, about {args.thread_posts} posts a thread"
             f" (seed {args.seed}); politeness off, SQLite store, batch {args.batch}")
    if realistic is not single:
        report(f"(a) realistic threads, {args.processes} crawl processes: {about}", realistic)
    report(f"(a) realistic threads, 1 crawl process: {about}", single)
    if mix:
        report(f"(b) all-platform mix, {args.processes} crawl process(es): {args.mix_posts} posts of all eight"
               f" forums at default thread sizes (seed {args.seed})", mix)
    print(f"baseline: bare SQLite executemany of the (a) posts into a plain table (best of 3): {bare:,.0f} posts/s")
    print(f"the same bare insert with the store's {PAGE_SIZE // 1024} KiB pages (best of 3): {bare_pages:,.0f} posts/s")
    print(f"the SQLite store's upsert_posts of the same posts, batch {args.batch}: {store:,.0f} posts/s")
    print(f"(a) crawl / bare insert: {rate / bare:.3f} ({single['best']['rate'] / bare:.3f} in 1 process)"
          f"   (a) crawl / store upsert: {rate / store:.2f}"
          f"   (a) crawl / bare insert with the store's pages: {rate / bare_pages:.3f}")
    result = {
        "bench": "crawl",
        "metric": "posts_per_s",
        "value": round(rate, 1),
        "unit": "posts/s",
        "baseline": "bare SQLite executemany of the same posts into a plain table, best of 3",
        "baseline_value": round(bare, 1),
        "ratio": round(rate / bare, 3),
        "bare_store_pages_value": round(bare_pages, 1),
        "ratio_store_pages": round(rate / bare_pages, 3),
        "posts_per_cpu_s": round(best["per_cpu_s"], 1),
        "processes": realistic["processes"],
        "single_process_posts_per_s": round(single["best"]["rate"], 1),
        "single_process_ratio": round(single["best"]["rate"] / bare, 3),
        "store_upsert_posts_per_s": round(store, 1),
        "mix_posts_per_s": round(mix["best"]["rate"], 1) if mix else None,
        "mix_posts_per_cpu_s": round(mix["best"]["per_cpu_s"], 1) if mix else None,
        "load_average": round(max(load_before, load_after), 2),
        "machine": machine(),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
