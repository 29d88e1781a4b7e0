"""`Reprobe`: every URL that failed in a way that may pass (timeout, refused, DNS, 5xx) is probed once more
a little later, as an inspector re-checks before reporting; both answers are stored with the URL's fact.

The extension watches the facts the crawl stores (`item_scraped`). A failure is probed again after
DUWANG_REPROBE_AFTER seconds, a timeout at once (waiting out the download timeout was its "later"
already), and whatever is still due when the crawl goes idle is probed then, before it may close. The
probe's answer is the fact again with `reprobe_status` or `reprobe_error` set (the store keeps the last).

Settings: DUWANG_REPROBE (default True), DUWANG_REPROBE_AFTER. Meta keys written: `duwang_reprobe`.
Reads the spider's `registry`, `sites`, `site_ids` and asks its `make_request` for the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import call_later

from crawler import meta, progress
from crawler.failures import TRANSIENT, classify_failure
from crawler.items import PageFact
from crawler.middlewares.lastrun import last_run
from crawler.middlewares.limits import priority
from crawler.vocab import FetchError, FetchRole

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


def may_pass(fact: PageFact) -> bool:
    """A first answer worth a second look: a transient failure or a server error."""
    if fact.revalidated or fact.reprobe_status is not None or fact.reprobe_error is not None:
        return False
    return fact.error in TRANSIENT or (fact.status or 0) >= 500


class Reprobe:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.after = crawler.settings.getfloat("DUWANG_REPROBE_AFTER", 2.0)
        self.waiting: dict[str, PageFact] = {}  # first answers waiting for their second probe
        self.sent: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Reprobe:
        if not crawler.settings.getbool("DUWANG_REPROBE", True):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        return extension

    def item_scraped(self, item: Any, spider: Any, response: Any = None) -> None:
        if isinstance(item, PageFact) and may_pass(item) and item.url not in self.waiting:
            self.waiting[item.url] = item
            call_later(0.0 if item.error == FetchError.TIMEOUT else self.after, self.probe, item.url)

    def spider_idle(self, spider: Any) -> None:
        """When the crawl is idle, the second looks not yet due are taken at once, before it may close."""
        due = [url for url in self.waiting if url not in self.sent]
        for url in due:
            self.probe(url)
        if due:
            raise DontCloseSpider

    def probe(self, url: str) -> None:
        engine = self.crawler.engine
        fact = self.waiting.get(url)
        if fact is None or url in self.sent or engine is None or not engine.running:
            return
        self.sent.add(url)
        engine.crawl(self.request(fact))

    def request(self, fact: PageFact) -> Request:
        spider: Any = self.crawler.spider  # a SiteSpider: its registry and sites are read, never written
        site = spider.registry.site(fact.site_id) if fact.site_id in spider.site_ids else spider.sites[0]
        role = FetchRole(fact.role)
        request = spider.make_request(fact.url, site, role, fact.depth, fact.referer)
        request.meta[meta.REPROBE] = True
        request.meta["max_retry_times"] = 0
        if site.id in spider.site_ids:
            progress.count(self.crawler.stats, site.id, "pending")
        return request.replace(
            method="HEAD" if role is FetchRole.CHECK and fact.content_type is None else "GET",
            callback=self.answered,
            errback=self.failed,
            dont_filter=True,
            priority=priority(role, fact.depth, fact.url in last_run(self.crawler).trouble),
        )

    def answered(self, response: Response) -> Iterator[PageFact]:
        assert response.request is not None
        yield from self.second_look(response.request, status=response.status)

    def failed(self, failure: Failure) -> Iterator[PageFact]:
        error, _ = classify_failure(failure)
        yield from self.second_look(failure.request, error=error)  # type: ignore[attr-defined]

    def second_look(
        self, request: Request, status: int | None = None, error: FetchError | None = None
    ) -> Iterator[PageFact]:
        fact = self.waiting.pop(request.url.split("#", 1)[0], None)
        progress.count(self.crawler.stats, request.meta.get(meta.SITE), "pending", -1)
        if fact is not None:
            yield replace(fact, reprobe_status=status, reprobe_error=error)
