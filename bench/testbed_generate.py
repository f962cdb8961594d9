"""How fast the testbed generates a community and writes its ground truth, vs plain JSON lines.

    python bench/testbed_generate.py [--posts 200000] [--seed 2019]

Measures CPU seconds (the machine is shared: wall time says more about the neighbours) for the
skeleton (``generate``), then for writing truth.jsonl/actors.jsonl/summary.json (every thread
generated, rendered, labelled, serialised). Baseline, same run: serialising the same number
of already-made truth-shaped records to JSON lines, i.e. the floor any truth writer pays.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlers.testbed import generate, truth_records, write_truth  # noqa: E402


def cpu() -> float:
    return time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--workers", type=int, default=1, help="processes writing the truth (wall time then matters)")
    args = parser.parse_args()

    start, wall = cpu(), time.perf_counter()
    community = generate(seed=args.seed, posts=args.posts)
    skeleton_s = cpu() - start
    with tempfile.TemporaryDirectory() as out:
        start = cpu()
        summary = write_truth(community, out, workers=args.workers)
        # With workers the parent only joins parts: count the children's CPU too.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        truth_s = cpu() - start + children.ru_utime + children.ru_stime
        wall = time.perf_counter() - wall
        size_mb = sum(f.stat().st_size for f in Path(out).iterdir()) / 1e6
    rate = args.posts / (skeleton_s + truth_s)

    # Baseline: JSON lines of the same number of records, the records already in memory.
    sample = list(truth_records(generate(seed=args.seed, posts=min(args.posts, 5000))))
    encode = json.JSONEncoder().encode
    start = cpu()
    with tempfile.TemporaryFile("w") as fh:
        for i in range(args.posts):
            fh.write(encode(sample[i % len(sample)]) + "\n")
    baseline_s = cpu() - start
    baseline = args.posts / baseline_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"{args.posts} posts (seed {args.seed}), {summary['actors']} actors, {size_mb:.0f} MB of truth files")
    print(f"  skeleton (generate)        {skeleton_s:7.2f} s cpu")
    print(f"  truth (content + files)    {truth_s:7.2f} s cpu")
    print(f"  total                      {skeleton_s + truth_s:7.2f} s cpu = {rate:,.0f} posts/s"
          f"  ({wall:.1f} s wall, {args.workers} worker(s))")
    print(f"  baseline: JSON lines only  {baseline_s:7.2f} s cpu = {baseline:,.0f} posts/s")
    print(f"  peak RSS                   {peak_mb:7.0f} MB")
    machine = f"{platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}"
    print(json.dumps({
        "bench": "testbed_generate", "metric": "posts_per_cpu_s", "value": round(rate, 1), "unit": "posts/s",
        "baseline": "json-encoding the same number of truth records, same run",
        "baseline_value": round(baseline, 1), "ratio": round(rate / baseline, 3), "machine": machine,
    }))


if __name__ == "__main__":
    main()
