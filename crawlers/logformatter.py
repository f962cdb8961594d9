"""Scrapy log lines as misusewatch wants them: no line per stored post, one per dropped one."""

from __future__ import annotations

import logging

from scrapy import logformatter


class CrawlLogFormatter(logformatter.LogFormatter):
    """Like Scrapy's, but a scraped item is not logged at all.

    Scrapy builds a DEBUG record for every item even when DEBUG is off; at thousands of
    posts a second that is a measurable share of the crawl. Dropped items (invalid posts)
    stay a WARNING naming the URL and the reason.
    """

    def scraped(self, item, response, spider):
        return None

    def dropped(self, item, exception, response, spider):
        return {
            "level": logging.WARNING,
            "msg": "dropped: %(exception)s",
            "args": {"exception": exception},
        }
