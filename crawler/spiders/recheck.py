"""The 复查 (recheck) spider: fetches a short list of URLs once each, and nothing else.

`duwang recheck` (crawler/app/recheck.py) gives it the URLs a site's open findings involve (dead-link targets
and the pages that link to them, the homepage for page elements). It runs in the same Scrapy machinery as the
crawl, with the project's settings: the network allow-list, robots.txt, the registry's per-host delays and
concurrency, retries and timeouts. It follows redirects but no links, stores nothing, and leaves what each
URL answered in `results` for the caller to judge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from parsel import Selector
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.failures import classify_failure
from crawler.pages import extract
from crawler.registry import Registry, load_registry
from crawler.spiders.reading import HTML_TYPES, slot_settings


@dataclass
class Fetched:
    """What one URL answered: its status (or the error class), where it landed, and its HTML if any."""

    url: str
    status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    error: str | None = None
    error_detail: str | None = None
    html: str | None = None  # the decoded body of an HTML answer
    encoding: str = "utf-8"
    redirects: list[str] = field(default_factory=list)

    def selector(self) -> Selector | None:
        return Selector(text=self.html, type="html") if self.html is not None else None


class RecheckSpider(scrapy.Spider):
    name = "recheck"
    # Scrapy reads it from the class; typed as its base declares it (not ClassVar). The crawl's own
    # components are left out: no budgets, sweep, revalidation, re-probes, deadline, progress or fact store;
    # the allow-list, robots.txt, retries, redirects (a loop fails) and the per-host delays stay.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012
        "ITEM_PIPELINES": {},
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # every URL is asked once, on purpose
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
        },
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "crawler.extensions.Politeness": 530,
        },
        "DUWANG_INCREMENTAL": False,
        "DUWANG_DEADLINE": False,
        "DUWANG_RENDER": False,
    }

    def __init__(self, urls: list[str] | None = None, config: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = list(dict.fromkeys(urls or []))
        self.config_arg = config
        self.registry: Registry
        self.results: dict[str, Fetched] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> RecheckSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.registry = load_registry(spider.config_arg or settings.get("DUWANG_CONFIG"))
        defaults = spider.registry.defaults
        for name, value in (
            ("DOWNLOAD_DELAY", defaults.delay),
            ("CONCURRENT_REQUESTS_PER_DOMAIN", defaults.concurrency),
            ("DOWNLOAD_TIMEOUT", defaults.timeout),
            ("RETRY_TIMES", defaults.retries),
            ("USER_AGENT", defaults.user_agent),
        ):
            settings.set(name, value, priority="spider")
        slots = slot_settings(spider.registry.sites, settings.getdict("DOWNLOAD_SLOTS"))
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(
                url,
                callback=self.parse,
                errback=self.on_error,
                dont_filter=True,
                # Redirects are followed (a 4xx or 5xx reaches parse by HTTPERROR_ALLOW_ALL); a loop fails.
                meta={"asked": url},
            )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        asked = response.meta["asked"]
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        fetched = Fetched(
            asked,
            response.status,
            response.url,
            content_type.split(";")[0].strip().lower() or None,
            redirects=list(response.meta.get("redirect_urls", [])),
        )
        if isinstance(response, TextResponse) and fetched.content_type in (*HTML_TYPES, "text/html"):
            fetched.html, fetched.encoding = response.text, response.encoding
        self.results[asked] = fetched
        yield from ()

    def on_error(self, failure: Failure) -> None:
        asked = failure.request.meta["asked"]  # type: ignore[attr-defined]
        error, detail = classify_failure(failure)
        self.results[asked] = Fetched(asked, error=str(error), error_detail=detail)


def page_links(fetched: Fetched) -> list[extract.RawLink]:
    """The links of a fetched HTML page, read as the crawl reads them."""
    selector = fetched.selector()
    if selector is None:
        return []
    return extract.extract_links(selector, fetched.final_url or fetched.url, fetched.encoding)
