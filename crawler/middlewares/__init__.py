"""duwang's Scrapy middlewares, one module per concern (each documents its settings and meta keys):

- `network`: the allow-list, charset repair, Retry-After, safe meta refresh, HEAD fallback, timeout retries
  (downloader middlewares), and the host-slot helpers `slow_host` / `pause_host`;
- `fetchonce`: the dupefilter that fetches each URL once per run, and the redirect check that uses it;
- `revalidation` over `lastrun`: If-None-Match / If-Modified-Since from the last run, 304 → its facts;
- `limits`: the page budget, depth and outside-check budget (a spider middleware);
- `sweep`: the start of the sweep after a crawl spread over processes (a spider middleware).

The names the old single module `crawler.middlewares` exported are re-exported here.
"""

from crawler.middlewares.fetchonce import (
    AlreadyFetched,
    FetchOnceDupeFilter,
    FetchOnceMiddleware,
    RedirectLoop,
)
from crawler.middlewares.limits import CrawlLimitsMiddleware
from crawler.middlewares.network import (
    PROBLEMS_META,
    TIMEOUTS,
    AllowListMiddleware,
    CharsetRepairMiddleware,
    HeadFallbackMiddleware,
    OffAllowList,
    RetryAfterMiddleware,
    SafeMetaRefreshMiddleware,
    TimeoutRetryMiddleware,
    pause_host,
    retry_after_seconds,
    slow_host,
)
from crawler.middlewares.revalidation import RevalidationMiddleware, RevalidationPolicy
from crawler.middlewares.sweep import SweepMiddleware

__all__ = [
    "PROBLEMS_META",
    "TIMEOUTS",
    "AllowListMiddleware",
    "AlreadyFetched",
    "CharsetRepairMiddleware",
    "CrawlLimitsMiddleware",
    "FetchOnceDupeFilter",
    "FetchOnceMiddleware",
    "HeadFallbackMiddleware",
    "OffAllowList",
    "RedirectLoop",
    "RetryAfterMiddleware",
    "RevalidationMiddleware",
    "RevalidationPolicy",
    "SafeMetaRefreshMiddleware",
    "SweepMiddleware",
    "TimeoutRetryMiddleware",
    "pause_host",
    "retry_after_seconds",
    "slow_host",
]
