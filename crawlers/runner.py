"""Run crawls: in this process (one reactor, once) or in fresh subprocesses, one or several a call."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from crawlers.sources import Shard, Source

# Scrapy's own settings module; the crawl process reads it like `scrapy crawl` would.
SETTINGS_MODULE = "crawlers.settings"

logger = logging.getLogger(__name__)


class CrawlError(RuntimeError):
    """The crawl process failed before it could report its runs; the message says how."""


def build_settings(
    store_url: str | None,
    overrides: dict[str, Any] | None = None,
    *,
    polite: bool | None = None,
    progress: bool = False,
):
    """Project settings + the store + overrides; ``polite=False`` applies POLITENESS_OFF."""
    from scrapy.settings import Settings

    from crawlers import settings as project

    settings = Settings()
    settings.setmodule(project, priority="project")
    if store_url:
        settings.set("MISUSEWATCH_STORE", store_url, priority="cmdline")
    settings.set("MISUSEWATCH_PROGRESS", progress, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    if polite is None:
        polite = settings.getbool("MISUSEWATCH_POLITE", True)
    if not polite:
        settings.set("MISUSEWATCH_POLITE", False, priority="cmdline")
        for key, value in project.POLITENESS_OFF.items():
            if key in (overrides or {}):  # an explicit override still wins
                continue
            if isinstance(value, dict):  # components: switched off, the rest kept
                value = {**settings.getdict(key), **value}
            settings.set(key, value, priority="cmdline")
    return settings


def check_overrides(overrides: dict[str, Any]) -> None:
    """InputError naming the first override that Scrapy could not read as its setting's type
    (the type of its default: ``--set CONCURRENT_REQUESTS=abc``), before any crawl starts."""
    from scrapy.settings import BaseSettings

    from misusewatch.errors import InputError

    defaults = build_settings(None)
    for key, value in overrides.items():
        default = defaults.get(key)
        kind = next((k for k in (bool, int, float) if isinstance(default, k)), None)
        if kind is None:
            continue
        probe = BaseSettings({key: value})
        try:
            {bool: probe.getbool, int: probe.getint, float: probe.getfloat}[kind](key)
        except (TypeError, ValueError):
            raise InputError(f"--set {key}={value!r}: expected {kind.__name__}, like its default {default!r}") from None


def crawl_in_process(
    store_url: str,
    sources: Iterable[Source],
    *,
    settings_overrides: dict[str, Any] | None = None,
    polite: bool | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Crawl the sources together in this process; returns one summary per source.

    Twisted's reactor cannot be restarted: call this at most once per process (the CLI and
    ``python -m crawlers.run`` do); everything else uses :func:`crawl_sources`.
    """
    from scrapy.crawler import CrawlerProcess

    from crawlers.extensions import run_summary
    from crawlers.spiders import spider_for

    settings = build_settings(store_url, settings_overrides, polite=polite, progress=progress)
    settings.set("LOG_INSTALL_ROOT_HANDLER", True, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(spider_for(source.platform))
        # A source's politeness overrides win over the project's, never over POLITENESS_OFF.
        for key, value in source.scrapy_settings().items():
            if settings.getbool("MISUSEWATCH_POLITE", True) or key == "USER_AGENT":
                crawler.settings.set(key, value, priority="spider")
        if source.max_pages:
            crawler.settings.set("CLOSESPIDER_PAGECOUNT", source.max_pages, priority="spider")
        first_line = settings.getint("MISUSEWATCH_PROGRESS_LINE", -1)
        if first_line >= 0:  # several crawl processes share the terminal: one line each
            crawler.settings.set("MISUSEWATCH_PROGRESS_LINE", first_line + len(crawlers), priority="spider")
        process.crawl(crawler, source=source)
        crawlers.append((source, crawler))
    process.start()
    summaries = []
    for source, crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        summaries.append(
            {
                "source": source.name,
                "finish_reason": stats.get("finish_reason"),
                **run_summary(stats),
                "skipped_unchanged": int(stats.get("misusewatch/skipped_unchanged", 0)),
            }
        )
    return summaries


def crawl_sources(
    store_url: str,
    sources: Iterable[Source],
    settings_overrides: dict[str, Any] | None = None,
    *,
    polite: bool | None = None,
    progress: bool = False,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
    include_disabled: bool = False,
    processes: int = 1,
) -> list[dict[str, Any]]:
    """Crawl the sources in fresh ``python -m crawlers.run`` processes; returns their summaries,
    in the sources' order.

    Callable any number of times from one process (the demo, the scheduler, tests). With
    ``processes`` > 1 the sources are split over that many crawl processes running at once
    (:func:`plan_processes`): Scrapy parses on one core, so this is how a crawl uses more. The
    children's logs go to this process's stderr; their summaries come back as JSON, fewer than
    the sources when a process failed (CrawlError when none came back at all). Sources with
    ``enabled = false`` are left out unless ``include_disabled`` (a user named them).
    """
    sources = [s for s in sources if include_disabled or s.enabled]
    if not sources:
        return []
    groups = plan_processes(sources, processes, polite=polite is not False)
    child_env = {**os.environ, **(env or {})}
    root = str(Path(__file__).resolve().parent.parent)
    child_env["PYTHONPATH"] = os.pathsep.join(p for p in (root, child_env.get("PYTHONPATH")) if p)

    def run(index: int) -> list[dict[str, Any]] | CrawlError:
        settings = dict(settings_overrides or {})
        if progress and len(groups) > 1:
            settings["MISUSEWATCH_PROGRESS_LINE"] = sum(len(g) for g in groups[:index])
        job = {
            "store": store_url,
            "settings": settings,
            "polite": polite,
            "progress": progress,
            "sources": [_job_source(s) for s in groups[index]],
        }
        proc = subprocess.run(
            [sys.executable, "-m", "crawlers.run", "--job", "-"],
            input=json.dumps(job),
            stdout=subprocess.PIPE,
            text=True,
            timeout=timeout,
            env=child_env,
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 and not lines:
            names = ", ".join(s.name for s in groups[index])
            return CrawlError(f"crawl process for {names} exited with status {proc.returncode}")
        return [json.loads(line) for line in lines]

    if len(groups) == 1:
        results = [run(0)]
    else:
        # Threads only wait on the children; every child finishes even if another fails.
        with ThreadPoolExecutor(len(groups)) as pool:
            results = list(pool.map(run, range(len(groups))))
    failures = [r for r in results if isinstance(r, CrawlError)]
    if len(failures) == len(results):
        raise CrawlError("; ".join(str(f) for f in failures))
    for failure in failures:  # as with one process: the summaries that came back are returned
        logger.error("%s", failure)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        if not isinstance(result, CrawlError):
            for summary in result:  # a source crawled as shards has one summary per process
                by_source.setdefault(summary["source"], []).append(summary)
    # A shard whose process failed left part of its source uncrawled: the source failed too.
    lost = {s.name for group, result in zip(groups, results, strict=True) if isinstance(result, CrawlError)
            for s in group if s.shard is not None}
    merged = [merge_summaries(by_source[s.name]) for s in sources if s.name in by_source]
    for summary in merged:
        if summary["source"] in lost:
            summary["finish_reason"] = "shard_failed"
    return merged


def plan_processes(
    sources: list[Source], processes: int, *, polite: bool = True, crawl: str | None = None
) -> list[list[Source]]:
    """The sources split over at most ``processes`` crawl processes, one group each.

    Politeness (delays, concurrency per site) is kept by each process for its own requests,
    so while polite, the sources of one host stay in one group and are never fetched from two
    processes at once; the groups are of about equal count.

    Without politeness and with fewer than two sources a process, whole sources cannot be
    balanced (3 sources on 2 processes split 2 + 1: one core idles while the bigger group
    finishes), so each source whose spider is SHARDABLE goes to every process as a Shard
    (index k of ``processes``): each process crawls its part of every such source's threads.
    The others (a feed, one document) go to the groups whole. With more sources, whole
    sources balance well enough, and sharding would cost every shard the listing pages.
    """
    processes = max(1, processes)
    if not polite and 1 < processes and len(sources) < 2 * processes:
        from crawlers.spiders import spider_for

        shardable = [s for s in sources if spider_for(s.platform).SHARDABLE]
        if shardable:
            crawl = crawl or uuid.uuid4().hex[:12]
            groups = [[dataclasses.replace(s, shard=Shard(k, processes, crawl)) for s in shardable]
                      for k in range(processes)]
            whole = [s for s in sources if s not in shardable]
            for index, source in enumerate(whole):
                groups[index % processes].append(source)
            return _in_order(groups, sources)
    units: dict[str, list[Source]] = {}
    for index, source in enumerate(sources):
        units.setdefault(source.fetch_host if polite else str(index), []).append(source)
    groups = [[] for _ in range(min(processes, len(units)))]
    for unit in sorted(units.values(), key=len, reverse=True):  # largest first, to the emptiest
        min(groups, key=len).extend(unit)
    return _in_order([g for g in groups if g], sources)


def _in_order(groups: list[list[Source]], sources: list[Source]) -> list[list[Source]]:
    """Each group in watchlist order (by name: a shard is a copy of its source)."""
    order = {source.name: index for index, source in enumerate(sources)}
    return [sorted(group, key=lambda s: order[s.name]) for group in groups]


def merge_summaries(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """One source's summary from its shards' (counts added; the first unfinished reason wins)."""
    from crawlers.extensions import FINISHED_REASONS

    merged = dict(summaries[0])
    for other in summaries[1:]:
        for key, value in other.items():
            if key == "finish_reason":
                if merged[key] in FINISHED_REASONS and value not in FINISHED_REASONS:
                    merged[key] = value
            elif isinstance(value, int) and isinstance(merged.get(key), int):
                merged[key] += value
    return merged


def _job_source(source: Source) -> dict[str, Any]:
    job = {"entry": source.entry or _entry_of(source), "base_dir": str(source.base_dir)}
    if source.shard is not None:
        job["shard"] = source.shard.to_dict()
    return job


def _entry_of(source: Source) -> dict[str, Any]:
    entry = {k: v for k, v in source.to_dict().items() if v not in (None, [], {})}
    entry.pop("options", None)
    entry.update(source.options)
    if not source.site:
        entry.pop("site", None)
    return entry
