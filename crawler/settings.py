"""Scrapy settings for duwang, grouped as in Scrapy's project template.

Politeness values here are only fallbacks: the registry's [defaults] and each site's limits override them
per host when the spider starts. Our own settings carry the `DUWANG_` prefix.
"""

BOT_NAME = "duwang"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- duwang -----------------------------------------------------------------------------------------
DUWANG_CONFIG = "sites.toml"  # the site registry (--config / -a config=)
DUWANG_DB = "duwang.db"  # the fact store (--db / -a db=)
DUWANG_PROGRESS = True  # show the crawl's progress (live on a terminal, else a line every few seconds)
# Set by the process that shows the progress: the pipe a crawl process writes its counters to (JSON lines).
DUWANG_PROGRESS_FD = None
DUWANG_PROGRESS_INTERVAL = 1.0  # seconds between the counters a crawl process reports
DUWANG_PROGRESS_LINE_EVERY = 10.0  # seconds between plain progress lines (stderr not a terminal)
# Crawl processes: "auto" (one per core, at most 4) or a number; sites are split by host.
DUWANG_PROCESSES = "auto"
DUWANG_BATCH_SIZE = 500  # page facts written per transaction
# Links kept per page (document order); the rest are left out and the page gets an extract error saying
# so (0: no bound). A real page rarely has more than a few hundred; 664,000 links cost 880 MB unbounded.
DUWANG_MAX_LINKS_PER_PAGE = 5000
# Refuse database writes past this many SQLite pages (0: no cap), as a full disk would: tests use it to
# prove that a write failure stops the crawl and fails the run.
DUWANG_DB_MAX_PAGES = 0
# Revalidate the pages of the last completed run (ETag / Last-Modified); a 304 reuses their facts
# (crawler/middlewares/revalidation.py: the policy class and the last run's storage class can be replaced).
DUWANG_INCREMENTAL = True
DUWANG_REVALIDATION_POLICY = "crawler.middlewares.revalidation.RevalidationPolicy"
DUWANG_LAST_RUN_STORAGE = "crawler.middlewares.lastrun.StoreLastRun"
# Probe every transient failure a second time (crawler/extensions/reprobe.py).
DUWANG_REPROBE = True
# End the crawl after the registry's max_minutes (crawler/extensions/deadline.py).
DUWANG_DEADLINE = True
# Set by the spider for the sweep after a crawl spread over processes: the run whose URLs are met already.
DUWANG_SWEEP_RUN = 0
# Seconds before a refused connection or 5xx is probed a second time (or at once when idle); a timeout
# is probed again at once, since it already waited the download timeout.
DUWANG_REPROBE_AFTER = 2.0

# --- politeness (production defaults; see the registry's [defaults]) ----------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 64  # over all hosts; each host keeps its own, much lower, limit
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0  # a random jitter would sometimes wait less than the delay a site asked for
DUWANG_MAX_CRAWL_DELAY = 60.0  # seconds: a larger robots.txt Crawl-delay is capped (and the cap logged)
DUWANG_MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After makes the request fail instead of waiting
DOWNLOAD_TIMEOUT = 15
USER_AGENT = "duwang/0.1 (government website inspection)"
AUTOTHROTTLE_ENABLED = False
COOKIES_ENABLED = True

# Scrapy runs each response's output through CONCURRENT_ITEMS worker tasks, created afresh per response
# (100 by default: ~100 asyncio tasks per page, a third of the crawl's CPU). Our pipeline only buffers
# rows, so one worker loses nothing.
CONCURRENT_ITEMS = 1
# A development aid that re-reads the callback's source with `ast` whenever its (weakly held, so soon
# forgotten) cache misses a bound method: up to 8 % of a re-inspection's CPU under the profiler.
WARN_ON_GENERATOR_RETURN_VALUE = False

# --- errors and retries ---------------------------------------------------------------------------------
HTTPERROR_ALLOW_ALL = True  # a 404 is a fact to record, not an exception
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # a 20 MB page is not a page
DOWNLOAD_WARNSIZE = 0
DNS_TIMEOUT = 10

# --- components -------------------------------------------------------------------------------------------
# Enforces per-host concurrency under the asyncio reactor (see crawler/downloader.py).
DOWNLOADER = "crawler.downloader.PoliteDownloader"
# Fetch-once: each URL is downloaded once per run (redirect hops included, see FetchOnceMiddleware).
DUPEFILTER_CLASS = "crawler.middlewares.fetchonce.FetchOnceDupeFilter"
DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100), so robots.txt of an off-list host is never fetched either.
    "crawler.middlewares.network.AllowListMiddleware": 50,
    "crawler.middlewares.fetchonce.FetchOnceMiddleware": 60,
    # After HttpCompressionMiddleware (590) has decompressed the body: repair its charset.
    "crawler.middlewares.network.CharsetRepairMiddleware": 580,
    # Scrapy's meta refresh (580) fails the whole response on a malformed <base href>: ours notes it. Its
    # answers are seen just after the charset repair's, as Scrapy's were.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.network.SafeMetaRefreshMiddleware": 579,
    # Sees 429/503 answers before RetryMiddleware (550) re-queues them: the host is paused first.
    "crawler.middlewares.network.RetryAfterMiddleware": 560,
    # A refused HEAD is asked again with GET before RetryMiddleware (550) sees its status.
    "crawler.middlewares.network.HeadFallbackMiddleware": 555,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.network.TimeoutRetryMiddleware": 550,
    # Where Scrapy's HttpCacheMiddleware sits (900): validators go out last, a 304 is seen first.
    "crawler.middlewares.revalidation.RevalidationMiddleware": 900,
}
SPIDER_MIDDLEWARES = {
    # Depth is the spider's own (`duwang_depth`): CrawlLimitsMiddleware applies max_depth and the budgets.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "crawler.middlewares.limits.CrawlLimitsMiddleware": 900,
    # Closer to the spider than the limits: the sweep's start requests are judged like any other.
    "crawler.middlewares.sweep.SweepMiddleware": 950,
    # A link checker must check long URLs too, not drop them silently (Scrapy's limit: 2,083 characters).
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.extensions.Progress": 500,
    "crawler.extensions.Reprobe": 510,
    "crawler.extensions.Deadline": 520,
    "crawler.extensions.Politeness": 530,
}

# --- logging and engine ---------------------------------------------------------------------------------
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 0
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
