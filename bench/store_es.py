"""Bulk upsert throughput: Elasticsearch backend (osmem or a real cluster) vs the SQLite backend.

    python bench/store_es.py                      # 20,000 posts into osmem-server and SQLite
    python bench/store_es.py --posts 200000       # bigger
    python bench/store_es.py --es-url http://localhost:9200   # a real cluster (or $MISUSEWATCH_ES_URL)

Both stores get the same posts in batches of 1,000 (what ``misusewatch import`` sends), first as
new posts, then again unchanged. The last line is the JSON summary every bench prints.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from misusewatch.records import Post
from misusewatch.store import Store, open_store
from misusewatch.store.elastic import ElasticStore
from misusewatch.store.elastic_client import PLAIN_JSON_ENV

WORDS = ("gpt-2 model release fine-tune spam reviews phishing bot generate text samples forum "
         "thread code script api weights download prompt output detector campaign account").split()
T0 = datetime(2019, 2, 14, tzinfo=UTC)


def make_posts(n: int, seed: int = 7) -> list[Post]:
    """Posts shaped like the crawled ones: ~600 characters of text, html, a raw payload."""
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120)))
        posts.append(Post(
            id="", source="bench", platform="discourse", site="forum.example.org",
            thread_id=str(i // 20), post_id=str(i), created_at=T0 + timedelta(minutes=i),
            text=text, thread_title=f"thread {i // 20}", author=f"user{i % 500}",
            author_id=str(i % 500), html=f"<p>{text}</p>", url=f"https://forum.example.org/t/{i // 20}/{i}",
            raw={"id": i, "post_number": i % 20, "cooked": f"<p>{text}</p>", "reads": rng.randint(0, 99)},
        ))
    return posts


def timed_upserts(store: Store, posts: list[Post], label: str, batch: int = 1000) -> float:
    """Posts per second for upserting all posts in batches."""
    start = time.perf_counter()
    for i in tqdm(range(0, len(posts), batch), desc=label, unit="batch", file=sys.stderr, leave=False):
        store.upsert_posts(posts[i : i + batch])
    return len(posts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--es-url", default=os.environ.get("MISUSEWATCH_ES_URL"))
    args = parser.parse_args()
    posts = make_posts(args.posts)

    server = None
    es_url = args.es_url
    if not es_url:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
        es_url = server.url
        os.environ[PLAIN_JSON_ENV] = "1"  # osmem speaks plain JSON only (test servers)
    target = "a real cluster" if args.es_url else "osmem-server (in-memory, loopback)"

    with tempfile.TemporaryDirectory() as tmp:
        sqlite = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        es = open_store(f"{es_url.rstrip('/')}/?index_prefix=mwbench-{uuid.uuid4().hex[:8]}-")
        assert isinstance(es, ElasticStore)
        try:
            sqlite_new = timed_upserts(sqlite, posts, "sqlite new")
            es_new = timed_upserts(es, posts, "elastic new")
            sqlite_same = timed_upserts(sqlite, posts, "sqlite unchanged")
            es_same = timed_upserts(es, posts, "elastic unchanged")
            assert sqlite.count_posts() == es.count_posts() == len(posts)
        finally:
            es.client.indices.delete(index=",".join(es.index.values()), ignore_unavailable=True)
            for name in es.index.values():
                es.client.indices.delete_index_template(name=name)
            es.close()
            sqlite.close()
            if server is not None:
                server.close()

    print(f"{len(posts)} posts, batches of 1000, Elasticsearch target: {target}")
    print(f"  new posts        sqlite {sqlite_new:9.0f} posts/s   elastic {es_new:9.0f} posts/s")
    print(f"  unchanged posts  sqlite {sqlite_same:9.0f} posts/s   elastic {es_same:9.0f} posts/s")
    machine = f"{platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}, ES: {target}"
    print(json.dumps({
        "bench": "store_es", "metric": "posts_per_s", "value": round(es_new, 1), "unit": "posts/s",
        "baseline": "SQLite backend, same posts and batches, same run", "baseline_value": round(sqlite_new, 1),
        "ratio": round(es_new / sqlite_new, 3), "machine": machine,
    }))


if __name__ == "__main__":
    main()
