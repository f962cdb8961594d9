"""Scrapy settings for misusewatch's crawlers: polite by default, every knob documented."""

# Every setting here is listed, with its meaning, in docs/crawlers.md#settings (a test checks).

BOT_NAME = "misusewatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# -- politeness: who we are, what we may fetch, how fast
USER_AGENT = "misusewatch/0.1 (+https://github.com/misusewatch/misusewatch)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies +-50%
DOWNLOAD_TIMEOUT = 60
# A 10 MB thread is real (4chan's biggest, a long Discourse topic); 32 MB is not a page.
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
COOKIES_ENABLED = False
HTTPCACHE_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's control port: a monitoring crawler listens on nothing
# Duplicate requests are recognised by the URL as built, not canonicalised (crawlers/fingerprint.py).
REQUEST_FINGERPRINTER_CLASS = "crawlers.fingerprint.UrlFingerprinter"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawlers.logformatter.CrawlLogFormatter"

# -- retries: 429 and 5xx with exponential backoff, honouring Retry-After
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0
MISUSEWATCH_MAX_RETRY_AFTER = 300.0
MISUSEWATCH_BAN_TITLE_PATTERNS = []  # empty: the built-in captcha/challenge title patterns

# Items of one page reach the pipelines one at a time and in order, so a cursor checkpoint
# never overtakes the posts it covers (the pipelines are synchronous; nothing is lost).
CONCURRENT_ITEMS = 1

# -- misusewatch components
MISUSEWATCH_STORE = None  # the store URL; without it the store, cursors and run records are off
MISUSEWATCH_BATCH_SIZE = 1000
MISUSEWATCH_FLUSH_INTERVAL = 5.0
MISUSEWATCH_WRITE_AHEAD = 3
MISUSEWATCH_PAGE_BATCHES = True
MISUSEWATCH_KEEP_RAW = True
MISUSEWATCH_VALIDATE = True
MISUSEWATCH_FULL_RECRAWL = False
MISUSEWATCH_REVISIT_AFTER = 7 * 86400  # seconds; an unchanged thread is re-read this often
MISUSEWATCH_RECORD_RUNS = True
MISUSEWATCH_PROGRESS = False
MISUSEWATCH_PROGRESS_LINE = -1  # the first progress bar's line, when several crawl processes run
MISUSEWATCH_POLITE = True

ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.NormalisePipeline": 200,
    "crawlers.pipelines.StorePipeline": 300,
}
SPIDER_MIDDLEWARES = {
    "crawlers.middlewares.CursorMiddleware": 950,
    # Closest to the spider: every later middleware layer (Scrapy's async chain costs a few
    # microseconds per object per layer) sees one batch per page, not one item per post.
    "crawlers.middlewares.PageBatchMiddleware": 1010,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.PageAccountingMiddleware": 540,
}
EXTENSIONS = {
    "crawlers.extensions.CrawlRunRecorder": 500,
    "crawlers.extensions.CrawlProgress": 510,
}

# What MISUSEWATCH_POLITE = False changes: for the local testbed, tests and benchmarks only.
# Dict values are merged into the setting (None switches a component off). The components
# switched off do nothing for a loopback crawl of our own testbed, but cost ~10-20% of the
# CPU of a request (docs/crawlers.md lists why each may go); retries, timeouts, the user
# agent, HTTP-error filtering, stats and CLOSESPIDER stay.
POLITENESS_OFF = {
    "ROBOTSTXT_OBEY": False,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_BACKOFF_MAX": 0.5,
    "SPIDER_MIDDLEWARES": {
        "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
        "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    },
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
        "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
        "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
        "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    },
}
