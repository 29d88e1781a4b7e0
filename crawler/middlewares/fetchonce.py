"""Fetch-once: each URL is downloaded once per run, however many pages or redirects lead to it.

- `FetchOnceDupeFilter` (DUPEFILTER_CLASS) holds the run's set of URLs fetched or deliberately not fetched,
  keyed by the URL without its fragment. `CrawlLimitsMiddleware` asks it (`request_seen`) before a request
  counts against a budget; the scheduler asks it for any other request. A redirect's next hop is never
  filtered here: `FetchOnceMiddleware` judges it when it is about to be downloaded, so that a redirect to an
  already-fetched URL is recorded (its row points there) instead of vanishing.
  A sweep (the last child of a crawl spread over processes, setting DUWANG_SWEEP_RUN) starts with every URL
  its run has stored, so a redirect to any of them stops there as in a single process.
- `FetchOnceMiddleware` (downloader) stops a redirect at a URL of its own chain (`RedirectLoop`) or at one the
  dupefilter has seen (`AlreadyFetched`), and marks every other hop as seen.

Settings: DUPEFILTER_CLASS = "crawler.middlewares.fetchonce.FetchOnceDupeFilter"; DUWANG_SWEEP_RUN (int,
set by the spider from its `join_run` and `sweep` arguments); DUWANG_DB.
Meta keys read: `redirect_urls` (Scrapy's).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from scrapy.dupefilters import BaseDupeFilter

from crawler.failures import AlreadyFetched, RedirectLoop
from crawler.store import Store

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_FILTERS: WeakKeyDictionary[Crawler, FetchOnceDupeFilter] = WeakKeyDictionary()


def url_key(url: str) -> str:
    return url.split("#", 1)[0]


class FetchOnceDupeFilter(BaseDupeFilter):
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchOnceDupeFilter:
        dupefilter = cls(crawler)
        _FILTERS[crawler] = dupefilter
        return dupefilter

    @classmethod
    def of(cls, crawler: Crawler) -> FetchOnceDupeFilter | None:
        """The crawler's dupefilter, once its scheduler has built it (None with another DUPEFILTER_CLASS)."""
        return _FILTERS.get(crawler)

    def open(self) -> None:
        if self.crawler is None:
            return
        run_id = self.crawler.settings.getint("DUWANG_SWEEP_RUN", 0)
        if run_id:
            store = Store(self.crawler.settings.get("DUWANG_DB"))
            try:
                self.seen.update(store.run_urls(run_id))
            finally:
                store.close()

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False  # judged by FetchOnceMiddleware when it is about to be downloaded
        return not self.claim(request.url)

    def claim(self, url: str) -> bool:
        """Mark `url` as this run's; False when it was already."""
        key = url_key(url)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def __contains__(self, url: str) -> bool:
        return url_key(url) in self.seen

    def log(self, request: Request, spider: object) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value("dupefilter/filtered")


class FetchOnceMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchOnceMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain:
            return
        url = url_key(request.url)
        if url in chain:
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, url])}")
        dupefilter = FetchOnceDupeFilter.of(self.crawler)
        if dupefilter is not None and not dupefilter.claim(url):
            raise AlreadyFetched(url)
