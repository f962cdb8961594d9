"""Extensions: record every crawl run in the store, and show a progress line while crawling."""

from __future__ import annotations

import logging
import os
import sys

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawlers.storage import store_for
from misusewatch.records import CrawlRun, utcnow

logger = logging.getLogger(__name__)

# finish reasons that mean the crawl did what it was asked (a page budget is a plan, not a failure)
FINISHED_REASONS = ("finished", "closespider_pagecount", "closespider_itemcount", "closespider_timeout")


def run_summary(stats: dict) -> dict[str, int]:
    """The counters a crawl run records, read from Scrapy stats."""
    get = lambda key: int(stats.get(f"misusewatch/{key}", 0) or 0)  # noqa: E731
    return {
        "pages": get("pages"),
        "posts_new": get("posts_new"),
        "posts_updated": get("posts_updated"),
        "posts_unchanged": get("posts_unchanged"),
        "errors": get("errors"),
        "bans_suspected": get("bans_suspected"),
    }


class CrawlRunRecorder:
    """Writes a CrawlRun when a source's crawl starts (status running) and when it ends.

    A run still marked running when the next one starts was killed (SIGKILL, power loss);
    it is closed as failed with ``data.reason = "interrupted"`` so source health shows it.
    A shard's run (a source split over processes) records ``data.crawl`` and ``data.shard``;
    readers see the shards of one crawl as one run (``merge_shard_runs``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = store_for(crawler)
        self.run: CrawlRun | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MISUSEWATCH_RECORD_RUNS", True):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        source = spider.source.name
        shard = spider.source.shard
        for old in self.store.list_crawl_runs(source=source, limit=20):
            sibling = shard is not None and (old.data or {}).get("crawl") == shard.crawl
            if old.status == "running" and not sibling:  # a sibling shard is running beside us
                data = {**old.data, "reason": "interrupted"}
                self.store.record_crawl_run(old.replace(status="failed", data=data))
        started = utcnow()
        data = {"platform": spider.platform, "start_urls": list(spider.source.start_urls)}
        if shard is not None:
            data.update(crawl=shard.crawl, shard=f"{shard.index + 1}/{shard.count}")
        self.run = CrawlRun(
            id=f"{source}:{started.strftime('%Y%m%dT%H%M%S.%fZ')}:{os.getpid()}",
            source=source,
            started_at=started,
            data=data,
        )
        self.store.record_crawl_run(self.run)

    def spider_closed(self, spider, reason):
        if self.run is None:
            return
        stats = self.crawler.stats.get_stats()
        summary = run_summary(stats)
        get = lambda key: int(stats.get(key, 0) or 0)  # noqa: E731
        data = {
            **self.run.data,
            "finish_reason": reason,
            "skipped_unchanged": get("misusewatch/skipped_unchanged"),
            "malformed_pages": get("misusewatch/malformed_pages"),
            "invalid_posts": get("misusewatch/invalid_posts"),
            "retries": get("retry/count"),
            "cursors_saved": get("misusewatch/cursors_saved"),
        }
        self.run = self.run.replace(
            finished_at=utcnow(),
            status="finished" if reason in FINISHED_REASONS else "failed",
            data=data,
            **summary,
        )
        self.store.record_crawl_run(self.run)
        logger.info(
            "crawl %s %s: %d pages, %d new, %d updated, %d unchanged, %d errors, %d bans suspected",
            self.run.source,
            self.run.status,
            summary["pages"],
            summary["posts_new"],
            summary["posts_updated"],
            summary["posts_unchanged"],
            summary["errors"],
            summary["bans_suspected"],
        )


class CrawlProgress:
    """A tqdm line on stderr per source: pages fetched, posts new/updated (MISUSEWATCH_PROGRESS)."""

    def __init__(self, crawler):
        from tqdm import tqdm

        self.crawler = crawler
        line = crawler.settings.getint("MISUSEWATCH_PROGRESS_LINE", -1)
        self.bar = tqdm(
            desc=f"crawl {crawler.spidercls.name}",
            unit=" pages",
            file=sys.stderr,
            dynamic_ncols=True,
            leave=True,
            mininterval=0.5,
            position=line if line >= 0 else None,  # set when several crawl processes share stderr
        )

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MISUSEWATCH_PROGRESS", False):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.bar.set_description_str(f"crawl {spider.source.name}")

    def response_received(self, response, request, spider=None):
        self.bar.update(1)
        summary = run_summary(self.crawler.stats.get_stats())
        self.bar.set_postfix(
            new=summary["posts_new"],
            updated=summary["posts_updated"],
            errors=summary["errors"],
            refresh=False,
        )

    def spider_closed(self, spider, reason):
        summary = run_summary(self.crawler.stats.get_stats())
        self.bar.set_postfix(
            new=summary["posts_new"],
            updated=summary["posts_updated"],
            errors=summary["errors"],
            refresh=False,
        )
        self.bar.close()
