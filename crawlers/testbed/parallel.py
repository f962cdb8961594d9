"""Writing the ground truth with several forked processes: each writes a part, the parent joins them.

Workers inherit the community by fork (copy-on-write), so nothing big is pickled; each returns
its part's Summary and Actors, merged in thread order so the files equal a sequential write.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

from crawlers.testbed.community import Community

_SHARED: dict = {}  # the community, set just before the pool forks


def chunks(community: Community, parts: int) -> list[range]:
    """Contiguous ranges of thread indices holding about the same number of posts."""
    total = sum(spec.n for spec in community.threads)
    target = max(1, total // parts)
    out, start, acc = [], 0, 0
    for i, spec in enumerate(community.threads):
        acc += spec.n
        if acc >= target and len(out) < parts - 1:
            out.append(range(start, i + 1))
            start, acc = i + 1, 0
    out.append(range(start, len(community.threads)))
    return [r for r in out if len(r)]


def _work(job: tuple[int, range, str]):
    from crawlers.testbed.truth import write_records

    _, threads, path = job
    counter, actors = write_records(_SHARED["community"], Path(path), threads)
    return counter, actors


def write_in_parallel(community: Community, path: Path, workers: int, progress=None):
    from crawlers.testbed.truth import Actors, Summary

    if "fork" not in multiprocessing.get_all_start_methods():
        from crawlers.testbed.truth import write_records

        return write_records(community, path, progress=progress)
    jobs = [(k, r, f"{path}.part{k}") for k, r in enumerate(chunks(community, workers * 4))]
    counter, actors = Summary(), Actors()
    _SHARED["community"] = community
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool, path.open("wb") as out:
            for (_, _, part), (part_counter, part_actors) in zip(jobs, pool.imap(_work, jobs), strict=True):
                with open(part, "rb") as fh:
                    shutil.copyfileobj(fh, out)
                os.remove(part)
                counter.merge(part_counter)
                actors.merge(part_actors)
                if progress is not None:
                    progress(part_counter.totals["posts"])
    finally:
        _SHARED.clear()
        for _, _, part in jobs:
            if os.path.exists(part):
                os.remove(part)
    return counter, actors
