"""`Deadline`: the crawl ends `max_minutes` (the registry's [defaults]) after it opened, whatever is left.

Built as Scrapy's CloseSpider extension's CLOSESPIDER_TIMEOUT, but the limit is the registry's and the close
reason is `deadline`: the run completes with what it has and the sites not done say so (the pipeline). A
child of a run spread over processes counts from its own start, within a second of its siblings'.

Settings: DUWANG_DEADLINE (default True; False: no deadline). Reads the spider's `registry`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.defer import deferred_from_coro

from crawler.vocab import StopReason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class Deadline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.call: CallLaterResult | None = None
        self.minutes = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Deadline:
        if not crawler.settings.getbool("DUWANG_DEADLINE", True):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        registry = getattr(spider, "registry", None)
        if registry is None:
            return
        self.minutes = registry.defaults.max_minutes
        self.call = call_later(self.minutes * 60, self.passed)

    def spider_closed(self, spider: Any) -> None:
        if self.call is not None:
            self.call.cancel()
            self.call = None

    def passed(self) -> None:
        self.call = None
        logger.warning(
            "the crawl's deadline (max_minutes = %s) has passed: ending it with what it has", self.minutes
        )
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=StopReason.DEADLINE))
