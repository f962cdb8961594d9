"""Peak memory of the actors-and-signals pass (``update_actors``) over a store of many posts.

    python bench/enrich_memory.py [--posts 100000] [--db PATH] [--keep]

Seeds a SQLite store with ``--posts`` posts (two to four sentences drawn from the WebText and
GPT-2 samples in ../shared/data, else from our tagger fixtures, so texts are mostly distinct;
one in fifty copies another account's post, as a campaign would), tags them with the real
tagger, then runs ``enrichment.runner.update_actors`` in a fresh process and reads its peak
resident memory (``VmHWM``) and its resident memory just before the call (``VmRSS``). The last
line is JSON: value = the memory ``update_actors`` added at its peak (MB), baseline = the
process's resident memory before the call; lower is better.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tqdm import tqdm  # noqa: E402

from misusewatch.records import Post  # noqa: E402
from misusewatch.store import open_store  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "detection"
FIXTURES = REPO / "tests" / "fixtures" / "tagger"
START = datetime(2019, 1, 1, tzinfo=UTC)
BATCH = 5000
_SENTENCE = re.compile(r"(?<=[.!?])\s+")

MEASURE = """
import json, sys, time
sys.path.insert(0, {repo!r})
from misusewatch.store import open_store
from enrichment.runner import update_actors

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
store = open_store({url!r})
before = status("VmRSS")
start, cpu = time.perf_counter(), time.process_time()
report = update_actors(store, progress=False)
print(json.dumps({{"before_mb": before, "peak_mb": status("VmHWM"), "wall_s": time.perf_counter() - start,
                  "cpu_s": time.process_time() - cpu, "actors": report.actors, "clusters": report.clusters,
                  "posts": report.posts}}))
"""


def sentence_pool() -> list[str]:
    files = sorted(SHARED.glob("*.jsonl")) if SHARED.exists() else []
    files = files or [FIXTURES / "labelled.jsonl", FIXTURES / "heldout.jsonl"]
    pool = []
    for path in files:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                pool.extend(s.strip() for s in _SENTENCE.split(json.loads(line)["text"]) if len(s.split()) >= 4)
    return pool


def seed(store, posts: int, rng: random.Random) -> None:
    pool = sentence_pool()
    authors = max(1, posts // 20)
    recent: list[str] = []
    bar = tqdm(total=posts, desc="seed", unit="post", file=sys.stderr)
    for start in range(0, posts, BATCH):
        batch = []
        for n in range(start, min(posts, start + BATCH)):
            if recent and rng.random() < 0.02:
                text = rng.choice(recent)  # a campaign: the same text from another account
            else:
                text = " ".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
                recent = (recent + [text])[-200:]
            batch.append(
                Post(
                    id="",
                    source="bench",
                    platform="discourse",
                    site="forum.example",
                    thread_id=str(n // 20),
                    post_id=str(n),
                    created_at=START + timedelta(seconds=rng.randrange(365 * 86400)),
                    text=text,
                    author=f"user{rng.randrange(authors)}",
                    thread_title=f"thread {n // 20}",
                )
            )
        store.upsert_posts(batch)
        bar.update(len(batch))
    bar.close()


def tag(store) -> None:
    from enrichment.runner import run_enricher
    from enrichment.tagger import Tagger, TaggerEnricher

    enricher = TaggerEnricher(Tagger(n_process=min(2, os.cpu_count() or 1)))
    try:
        print(run_enricher(store, enricher, batch_size=2000, progress=True).line())
    finally:
        enricher.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--db", help="reuse (or create) this store instead of a temporary one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary store")
    args = parser.parse_args()

    tmp = None
    if args.db:
        path = Path(args.db)
    else:
        tmp = tempfile.mkdtemp(prefix="enrich-memory-")
        path = Path(tmp) / "bench.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    have = store.count_posts()
    if have < args.posts:
        seed(store, args.posts - have, random.Random(11 + have))
    tag(store)
    store.close()

    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", MEASURE.format(repo=str(REPO), url=url)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        sys.exit(out.stderr)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    added = round(measured["peak_mb"] - measured["before_mb"], 1)
    print(
        f"update_actors over {measured['posts']} posts: {measured['actors']} actors, {measured['clusters']} clusters,"
        f" {measured['wall_s']:.1f} s wall ({measured['cpu_s']:.1f} s CPU; {time.perf_counter() - started:.1f} s"
        f" with start-up)"
    )
    print(
        f"resident memory: {measured['before_mb']:.0f} MB before, {measured['peak_mb']:.0f} MB at peak"
        f" ({added} MB added, {added * 1024 / max(1, measured['posts']):.2f} KB per post)"
    )
    if tmp and not args.keep:
        for leftover in Path(tmp).iterdir():
            leftover.unlink()
        os.rmdir(tmp)
    elif tmp:
        print(f"store kept at {path}")
    print(
        json.dumps(
            {
                "bench": "enrich_memory",
                "metric": "update_actors_peak_added_mb",
                "value": added,
                "unit": "MB",
                "baseline": "resident memory before update_actors (same process)",
                "baseline_value": round(measured["before_mb"], 1),
                "ratio": round(added / measured["before_mb"], 3),
                "posts": measured["posts"],
                "update_actors_wall_s": round(measured["wall_s"], 1),
                "machine": f"{platform.machine()} {os.cpu_count()} cpu, python {platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
