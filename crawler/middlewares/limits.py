"""`CrawlLimitsMiddleware`, a spider middleware (in the place of Scrapy's DepthMiddleware): every request the
spider makes passes here, and is let through, turned into a not-fetched fact, or dropped.

For a request of a link target (`duwang_link` in its meta), in this order:
- a URL this run has already met (the dupefilter's `request_seen`) is dropped;
- a URL of a site that another process of this run crawls (the spider's `run_site_ids`) is left to it;
- a page of a site of this run: past the site's `max_pages` (pages sent so far) it is dropped, left for the
  next inspection and not marked as met; past its `max_depth` it is only checked (role `check`);
- any other target: off the network allow-list → a fact with error `offlist`; outside every site of the
  run and past the linking site's `max_outside_checks` → a fact with error `budget` (both not fetched; the
  counts are stored as the site's `outside_checks` / `outside_skipped`, the "limits" of the report).
A response's output is judged as a whole, in the order the spider wrote it, as soon as it is read (see
`process_spider_output`). Every request let through counts as pending for its site (crawler/progress.py),
gets its priority (last run's slow failures and the way to them first, then pages by depth, then checks)
and is marked dont_filter: the dupefilter has been asked already. Start requests are judged the same way,
without the link rules.

Settings: none of its own; the limits are the registry's (`max_pages`, `max_depth`, `max_outside_checks`).
Meta keys read: `duwang_link`, `duwang_site`, `duwang_origin`, `duwang_role`, `duwang_depth`,
`duwang_referer`, `duwang_rendered`; written: `duwang_role`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request

from crawler import meta, progress
from crawler.items import PageFact
from crawler.middlewares.fetchonce import FetchOnceDupeFilter, url_key
from crawler.middlewares.lastrun import last_run
from crawler.vocab import FetchError, FetchRole

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from crawler.registry import Site

TROUBLE_PRIORITY = 20  # above every page (10 - depth) and check (0)


def priority(role: str, depth: int, trouble: bool) -> int:
    """Crawled pages before checks: a site's structure is read first, its links verified as found. Last
    time's slow failures (and the way to them) go before both: their timeouts then overlap the crawl."""
    if trouble:
        return TROUBLE_PRIORITY
    return 10 - min(depth, 9) if role == FetchRole.PAGE else 0


class CrawlLimitsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.local_seen: set[str] = set()  # only without FetchOnceDupeFilter (another DUPEFILTER_CLASS)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLimitsMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in start:
            for judged in self.judge(output):
                yield judged

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        # A response's output is judged all at once, before any of it is handed on: while the scraper hands
        # on one item at a time, other responses are read, and a link met at depth 1 on this page must not
        # be claimed first at depth 2 by a page that was fetched because of it.
        yield from [judged for output in result for judged in self.judge(output)]

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        outputs = [output async for output in result]
        for judged in [judged for output in outputs for judged in self.judge(output)]:
            yield judged

    def judge(self, output: Any) -> Iterator[Any]:
        if not isinstance(output, Request) or meta.SITE not in output.meta:
            yield output
            return
        if not output.dont_filter and not self.claim(output.url):
            return
        if meta.LINK in output.meta:
            verdict = self.judge_link(output)
            if verdict is None:
                return
            if isinstance(verdict, PageFact):
                yield verdict
                return
        yield self.let_through(output)

    def claim(self, url: str) -> bool:
        dupefilter = FetchOnceDupeFilter.of(self.crawler)
        if dupefilter is not None:
            return dupefilter.claim(url)
        if url_key(url) in self.local_seen:
            return False
        self.local_seen.add(url_key(url))
        return True

    def judge_link(self, request: Request) -> Request | PageFact | None:
        spider: Any = self.crawler.spider  # a SiteSpider: its registry and sites are read, never written
        url, info = request.url, request.meta
        owner = spider.registry.site_of(url)
        if owner is not None and owner.id not in spider.site_ids:
            if owner.id in spider.run_site_ids:
                return None  # another process of this run crawls that site
            owner = None
        if info[meta.ROLE] == FetchRole.PAGE and owner is not None:
            if progress.site_progress(self.crawler.stats, owner.id).scheduled_pages >= owner.limits.max_pages:
                self.unclaim(url)  # over budget: left for the next inspection, not marked as met
                return None
            if info[meta.DEPTH] > owner.limits.max_depth:
                info[meta.ROLE] = FetchRole.CHECK
            return request
        if not spider.registry.allow.allows(url):
            return self.not_fetched(request, FetchError.OFFLIST, "host not on the network allow-list")
        source = spider.registry.site(info[meta.ORIGIN])
        if owner is None and not self.outside_check_allowed(source):
            detail = f"over the budget of {source.limits.max_outside_checks} outside checks"
            return self.not_fetched(request, FetchError.BUDGET, detail)
        return request

    def unclaim(self, url: str) -> None:
        dupefilter = FetchOnceDupeFilter.of(self.crawler)
        (dupefilter.seen if dupefilter is not None else self.local_seen).discard(url_key(url))

    def outside_check_allowed(self, source: Site) -> bool:
        """Count a status check of a link outside the run's sites against `source`'s budget."""
        stats = self.crawler.stats
        if progress.site_progress(stats, source.id).outside_checks >= source.limits.max_outside_checks:
            progress.count(stats, source.id, "outside_skipped")
            return False
        progress.count(stats, source.id, "outside_checks")
        return True

    def not_fetched(self, request: Request, error: FetchError, detail: str) -> PageFact:
        info = request.meta
        return PageFact(
            url=request.url,
            site_id=info[meta.SITE],
            role=FetchRole.CHECK,
            depth=info[meta.DEPTH],
            referer=info[meta.REFERER],
            error=error,
            error_detail=detail,
        )

    def let_through(self, request: Request) -> Request:
        info = request.meta
        site_id = info[meta.SITE]
        spider: Any = self.crawler.spider
        if site_id in spider.site_ids:
            progress.start(self.crawler.stats, site_id)
            if info[meta.ROLE] == FetchRole.PAGE and not info.get(meta.RENDERED):
                progress.count(self.crawler.stats, site_id, "scheduled_pages")
        trouble = request.url in last_run(self.crawler).trouble
        return request.replace(
            dont_filter=True, priority=priority(info[meta.ROLE], info[meta.DEPTH], trouble)
        )
