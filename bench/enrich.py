"""Enrichment throughput: tagger + actors/metadata (no transformer detectors) vs bare nlp.pipe.

Run with no arguments (a few minutes on 2 cores). Posts are a realistic mix: mostly ordinary
human text (WebText excerpts from ../shared/data when present, else our fixtures) with misuse
talk from the labelled fixtures, given authors and times so actors and signals have work.

Figures, all over the same texts in this run:
  bare_default    spacy.load(model) with its default pipes, nlp.pipe (what a naive tagger pays)
  bare_tokenizer  our pipeline with our components off: the tokenizer alone over every post
  tagger          the Tagger: the fast-path screen, then our pipeline (lexicon, rules, gated NER)
                  for the posts that may mention a language model
  full            tagger + actor tiers, cadence/burstiness/time of day and MinHash clusters
The last line is JSON: value = full enrichment posts/s with --processes workers (tagger workers,
then as many hashing the MinHash signatures), baseline = bare_tokenizer with the same workers
(the strict comparison); bare_default is printed beside. The machine is shared: single-process
runs also give posts per CPU-second, and the load average is reported.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import spacy  # noqa: E402

from enrichment.actor_tier import PostEvidence, tier_for_actor  # noqa: E402
from enrichment.metadata import ClusterIndex, cadence, signed_batches, time_of_day  # noqa: E402
from enrichment.nlp import MODEL_NAME  # noqa: E402
from enrichment.tagger import Tagger  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "detection" / "webtext-short.train.jsonl"
FIXTURES = REPO / "tests" / "fixtures" / "tagger"


def load_texts(n: int, misuse_share: float, seed: int = 7) -> list[str]:
    labelled = [
        json.loads(line)["text"]
        for name in ("labelled.jsonl", "heldout.jsonl")
        for line in (FIXTURES / name).open()
        if line.strip()
    ]
    if SHARED.exists():
        benign = [json.loads(line)["text"] for line in SHARED.open() if line.strip()]
    else:
        benign = [t for t in labelled if "spam" not in t.lower()]
    rng = random.Random(seed)
    return [rng.choice(labelled) if rng.random() < misuse_share else rng.choice(benign) for _ in range(n)]


def rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else float("inf")


_BARE = None


def _bare_count(texts: list[str]) -> int:
    return sum(1 for _ in _BARE.pipe(texts, batch_size=256))


def bare_tokenizer(tagger: Tagger, texts: list[str], processes: int) -> float:
    """Our loaded pipeline with our components (and the gated NER) off: the tokenizer alone."""
    global _BARE
    nlp = tagger.nlp
    with nlp.select_pipes(disable=["misusewatch_lexicon", "misusewatch_tagger"]):
        _BARE = nlp
        start = time.perf_counter()
        if processes > 1:
            chunk = -(-len(texts) // (processes * 8))
            parts = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                assert sum(pool.map(_bare_count, parts)) == len(texts)
        else:
            assert _bare_count(texts) == len(texts)
        return time.perf_counter() - start


def full_enrichment(tagger: Tagger, texts: list[str]) -> float:
    """Tagger over every post, then actor tiers and metadata signals as the enrich job does
    (``update_actors``: batches of 1,000 posts, signatures hashed in as many workers)."""
    t0 = datetime(2019, 1, 1, tzinfo=UTC)
    rng = random.Random(3)
    authors = [f"user{rng.randrange(max(1, len(texts) // 20))}" for _ in texts]
    times = [t0 + timedelta(seconds=rng.randrange(365 * 86400)) for _ in texts]
    start = time.perf_counter()
    results = tagger.tag_texts(texts)
    per_actor: dict[str, list[PostEvidence]] = defaultdict(list)
    index = ClusterIndex(keep_samples=False)
    items = [(f"p{i}", authors[i], times[i], text) for i, text in enumerate(texts)]
    batches = (items[i : i + 1000] for i in range(0, len(items), 1000))
    for batch, signed in signed_batches(index.hasher, batches, tagger.n_process):
        index.add_many(batch, signed=signed)
    for i, result in enumerate(results):
        post_id = f"p{i}"
        evidence = PostEvidence.from_tagger(post_id, times[i], result, result)
        per_actor[authors[i]].append(evidence)
    for posts in per_actor.values():
        tier_for_actor(posts)
        stamps = [p.created_at for p in posts]
        cadence(stamps)
        time_of_day(stamps)
    index.clusters(sample_of=lambda ids: {i: texts[int(i[1:])] for i in ids})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--misuse-share", type=float, default=0.1)
    parser.add_argument("--processes", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--default-sample", type=int, default=1_000, help="posts for the (slow) default-pipeline baseline"
    )
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    texts = load_texts(args.posts, args.misuse_share)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"posts: {len(texts)} ({words:.0f} words on average, {args.misuse_share:.0%} misuse talk)")

    single = Tagger(n_process=1)
    _ = single.nlp
    single.tag_texts(texts[:200])  # warm caches equally for everything below
    screen = single.nlp.get_pipe("misusewatch_lexicon").lexicon.screen
    fast_share = 1 - sum(map(screen.might_hint_lm, texts)) / len(texts)
    print(f"fast path: {fast_share:.1%} of posts (no language-model term can match: no spaCy)")

    default_nlp = spacy.load(MODEL_NAME)
    sample = texts[: args.default_sample]
    start = time.perf_counter()
    for _ in default_nlp.pipe(sample, batch_size=256):
        pass
    bare_default = rate(len(sample), time.perf_counter() - start)
    print(
        f"bare_default   1 proc : {bare_default:>9} posts/s"
        f"  (pipes: {', '.join(default_nlp.pipe_names)}; {len(sample)} posts)"
    )

    # Single-process runs also report posts per CPU-second: on a shared, loaded machine wall
    # time says more about the neighbours than about the code.
    cpu = time.process_time()
    bare1 = rate(len(texts), bare_tokenizer(single, texts, 1))
    bare1_cpu = rate(len(texts), time.process_time() - cpu)
    print(f"bare_tokenizer 1 proc : {bare1:>9} posts/s  ({bare1_cpu} posts per CPU-second)")
    start, cpu = time.perf_counter(), time.process_time()
    single.tag_texts(texts)
    tag1 = rate(len(texts), time.perf_counter() - start)
    tag1_cpu = rate(len(texts), time.process_time() - cpu)
    print(
        f"tagger         1 proc : {tag1:>9} posts/s  ({tag1_cpu} posts per CPU-second,"
        f" {tag1_cpu / bare1_cpu:.2f} of bare_tokenizer)"
    )
    # What a post that may mention a model costs (the whole pipeline): on a forum where every
    # post does, the tagger runs at this rate.
    lm_texts = [t for t in texts if screen.might_hint_lm(t)]
    cpu = time.process_time()
    single.tag_texts(lm_texts)
    lm_cpu = rate(len(lm_texts), time.process_time() - cpu)
    print(
        f"tagger, full-path posts only: {lm_cpu} posts per CPU-second"
        f" ({len(lm_texts)} posts, {lm_cpu / bare1_cpu:.2f} of bare_tokenizer)"
    )
    cpu = time.process_time()
    full1 = rate(len(texts), full_enrichment(single, texts))
    full1_cpu = rate(len(texts), time.process_time() - cpu)
    print(
        f"full           1 proc : {full1:>9} posts/s  ({full1_cpu} posts per CPU-second,"
        f" {full1_cpu / bare1_cpu:.2f} of bare_tokenizer)"
    )

    procs = args.processes
    multi = Tagger(n_process=procs)
    try:
        multi.tag_texts(texts[: 4 * procs])  # start the workers outside the timing
        bare_n = rate(len(texts), bare_tokenizer(multi, texts, procs))
        print(f"bare_tokenizer {procs} proc : {bare_n:>9} posts/s")
        full_n = rate(len(texts), full_enrichment(multi, texts))
        tag_start = time.perf_counter()
        multi.tag_texts(texts)
        tag_n = rate(len(texts), time.perf_counter() - tag_start)
        print(f"tagger         {procs} proc : {tag_n:>9} posts/s  ({tag_n / bare_n:.2f} of bare_tokenizer)")
        print(
            f"full           {procs} proc : {full_n:>9} posts/s  ({full_n / bare_n:.2f} of bare_tokenizer,"
            f" {full_n / bare_default:.1f}x bare_default)"
        )
    finally:
        multi.close()

    print(
        json.dumps(
            {
                "bench": "enrich",
                "metric": "posts_per_s",
                "value": full_n,
                "unit": "posts/s",
                "baseline": f"bare nlp.pipe, tokenizer only (our pipeline, components off), {procs} processes",
                "baseline_value": bare_n,
                "ratio": round(full_n / bare_n, 3),
                "bare_default_pipeline_posts_per_s": bare_default,
                "full_posts_per_cpu_second": full1_cpu,
                "bare_tokenizer_posts_per_cpu_second": bare1_cpu,
                "cpu_ratio": round(full1_cpu / bare1_cpu, 3),
                "full_path_tagger_posts_per_cpu_second": lm_cpu,
                "fast_path_share": round(fast_share, 3),
                "load_average_start": round(load_start, 2),
                "load_average": round(os.getloadavg()[0], 2),
                "machine": f"{platform.machine()} {os.cpu_count()} cpu, python {platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
