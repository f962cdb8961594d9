"""``python -m crawlers.run``: one crawl process (a job on stdin, or a sources file and names)."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path

from crawlers.runner import crawl_in_process
from crawlers.sources import Shard, load_sources, parse_source, select_sources
from misusewatch.errors import InputError


def tune_gc_for_crawl() -> None:
    """Fewer, cheaper garbage collections in a crawl process.

    A crawl allocates millions of short-lived containers (parsed JSON, items, Deferreds). At
    the default first threshold (700) the collector ran ~480 times in a 30,000-post crawl,
    each older collection walking Scrapy's and Twisted's long-lived objects: 0.3-0.45 s of
    ~4 CPU-s (docs/benchmarks.md). ``freeze`` takes the objects made so far (imports,
    settings) out of every collection; a first threshold of 50,000 makes collections rare.
    Reference cycles (Twisted's Failures) are still collected, and the peak RSS did not grow.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawlers.run", description=__doc__)
    parser.add_argument("--job", help="a JSON job file, or - for stdin (what crawl_sources sends)")
    parser.add_argument("--store", help="store URL (with --sources)")
    parser.add_argument("--sources", default="sources.toml", help="watchlist file")
    parser.add_argument("--all", action="store_true", help="every enabled source")
    parser.add_argument("--no-politeness", action="store_true", help="testbed/bench only")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    try:
        if args.job:
            text = sys.stdin.read() if args.job == "-" else Path(args.job).read_text()
            job = json.loads(text)
            sources = []
            for spec in job["sources"]:
                source = parse_source(spec["entry"], path="job", base_dir=Path(spec.get("base_dir", ".")))
                if spec.get("shard"):
                    source.shard = Shard(**spec["shard"])
                sources.append(source)
            store, overrides, polite, progress = (
                job["store"],
                job.get("settings"),
                job.get("polite"),
                job.get("progress", False),
            )
        else:
            if not args.store:
                parser.error("--store is required without --job")
            sources = select_sources(load_sources(args.sources), args.names, all_=args.all)
            store, overrides, progress = args.store, {}, sys.stderr.isatty()
            polite = False if args.no_politeness else None
    except InputError as exc:
        print(f"crawl: error: {exc}", file=sys.stderr)
        return 2
    if not sources:
        print("crawl: error: no sources to crawl (name some, or use --all)", file=sys.stderr)
        return 2
    tune_gc_for_crawl()
    summaries = crawl_in_process(store, sources, settings_overrides=overrides, polite=polite, progress=progress)
    for summary in summaries:
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
