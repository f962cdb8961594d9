"""Assessing from store aggregates vs loading every post and enrichment, on a seeded SQLite store.

    python bench/assess.py [--posts 200000] [--sources 6] [--db PATH]

Seeds a year of posts across the GPT-2 release stages with tagger and detector enrichments,
then times two ways of getting the per-stage indicators: the measured path is
``misusewatch.assess.compute`` (aggregate queries, evidence samples, summaries for every stage
and for all); the baseline streams every post and every tagger enrichment into Python and
counts posts per stage and ladder step (the least any load-everything approach must do).
Both must agree on those counts. The last line is the JSON result; lower is better.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from misusewatch.assess import AssessConfig, compute
from misusewatch.records import CATEGORIES, Enrichment, Post
from misusewatch.store import open_store
from threat_model.stages import default_timeline

START = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_S = 365 * 86400
LADDER = (("none", 0.95), ("discussion", 0.04), ("plan", 0.005), ("code", 0.003),
          ("deployment", 0.002))
BATCH = 5000


def seed(store, posts: int, sources: int, rng: random.Random) -> None:
    steps, weights = zip(*LADDER, strict=True)
    progress = tqdm(total=posts, desc="seed", unit="post")
    for start in range(0, posts, BATCH):
        batch, enrichments = [], []
        for n in range(start, min(posts, start + BATCH)):
            source = f"forum{n % sources}"
            when = START + timedelta(seconds=rng.randrange(SPAN_S))
            post = Post(id="", source=source, platform="discourse", site=f"{source}.example",
                        thread_id=str(n // 20), post_id=str(n), created_at=when,
                        text=f"post {n} about language models and their uses",
                        author=f"user{rng.randrange(posts // 20 + 1)}",
                        url=f"https://{source}.example/t/{n // 20}/{n}")
            step = rng.choices(steps, weights)[0]
            categories = [rng.choice(CATEGORIES)] if step != "none" else []
            tier = rng.choice((1, 1, 1, 2, 3)) if step != "none" else None
            batch.append(post)
            enrichments.append(Enrichment(post.id, "tagger", "1", facets={
                "lm_related": step != "none" or rng.random() < 0.2, "categories": categories,
                "ladder": step, "tier": tier}))
            score = rng.random() ** 6
            enrichments.append(Enrichment(post.id, "detector:tfidf", "1",
                                          facets={"detector_scores": {"tfidf": score}},
                                          data={"score": score, "threshold": 0.9, "fpr": 0.01}))
        store.upsert_posts(batch)
        store.write_enrichments(enrichments)
        progress.update(len(batch))
    progress.close()


def load_everything(store) -> dict[str, Counter]:
    """The baseline: every post and tagger enrichment through Python."""
    timeline = default_timeline()
    stage_of = {}
    for post in store.iter_posts(batch_size=10000):
        stage_of[post.id] = timeline.window_for(post.created_at).name
    counts: dict[str, Counter] = {w.name: Counter() for w in timeline.windows()}
    for enrichment in store.iter_enrichments("tagger", batch_size=10000):
        counts[stage_of[enrichment.post_id]][enrichment.facets["ladder"]] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--sources", type=int, default=6)
    parser.add_argument("--db", type=Path, default=None, help="reuse or create this store")
    args = parser.parse_args()
    folder = None
    if args.db is None:
        folder = tempfile.TemporaryDirectory(prefix="bench-assess-")
        args.db = Path(folder.name) / "bench.db"
    store = open_store(f"sqlite:///{args.db}")
    if store.count_posts() != args.posts:
        started = time.perf_counter()
        seed(store, args.posts, args.sources, random.Random(2019))
        print(f"seeded {args.posts} posts in {time.perf_counter() - started:.1f}s")

    config = AssessConfig(default_timeline(), detectors=["tfidf"])
    started = time.perf_counter()
    result = compute(store, config)
    aggregate_s = time.perf_counter() - started
    started = time.perf_counter()
    brute = load_everything(store)
    baseline_s = time.perf_counter() - started

    for assessment in result.assessments:
        if assessment.kind == "stage_indicators":
            ladder = assessment.data["counts"]["ladder"]
            expected = brute[assessment.stage]
            assert ladder == {s: expected.get(s, 0) for s in ladder}, assessment.stage
    print(f"posts: {args.posts}  sources: {args.sources}  assessments: {len(result.assessments)}")
    print(f"assess from aggregates (indicators, evidence, 6 summaries): {aggregate_s:.2f}s")
    print(f"baseline, load every post + tagger enrichment and count: {baseline_s:.2f}s")
    store.close()
    if folder is not None:
        folder.cleanup()
    print(json.dumps({
        "bench": "assess", "metric": "assess_seconds", "value": round(aggregate_s, 3),
        "unit": "s", "baseline": "load every post and tagger enrichment into Python and count",
        "baseline_value": round(baseline_s, 3), "ratio": round(aggregate_s / baseline_s, 3),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        "posts": args.posts,
    }))


if __name__ == "__main__":
    main()
