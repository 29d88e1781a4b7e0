"""`SweepMiddleware`, a spider middleware: the start of the last child of a crawl spread over processes.

A process leaves a link into a site that another process crawls to that process, which fetches it only if
its own crawl reaches it: a deep page or an image that only other sites link to would never be checked. The
sweep (DUWANG_SWEEP_RUN set, from the spider's `join_run` and `sweep` arguments) replaces the spider's start
requests with a check of every link target that no process of the run fetched, once each. Pages over their
site's page budget stay unfetched, as in a single process; the URLs the run stored are met already
(FetchOnceDupeFilter seeds them), so a redirect to any of them stops there.

Settings: DUWANG_SWEEP_RUN, DUWANG_DB. Stats: `duwang/sweep_targets`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from crawler.store import Store
from crawler.vocab import FetchRole, LinkKind

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RESOURCE_KINDS = frozenset({LinkKind.IMAGE, LinkKind.ATTACHMENT, LinkKind.STYLESHEET, LinkKind.SCRIPT})


class SweepMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SweepMiddleware:
        # DUWANG_SWEEP_RUN is read when the crawl starts: the spider sets it from its arguments.
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        run_id = self.crawler.settings.getint("DUWANG_SWEEP_RUN", 0)
        if not run_id:
            async for output in start:
                yield output
            return
        for request in self.swept(run_id):
            yield request

    def swept(self, run_id: int) -> Iterator[Request]:
        spider: Any = self.crawler.spider  # a SiteSpider: its registry and sites are read, never written
        store = Store(self.crawler.settings.get("DUWANG_DB"))
        try:
            targets = store.unfetched_link_targets(run_id)
            crawled = {row["site_id"]: row["pages"] or 0 for row in store.site_stats(run_id)}
        finally:
            store.close()
        logger.info("sweep of run %s: %d link targets no process fetched", run_id, len(targets))
        self.crawler.stats.set_value("duwang/sweep_targets", len(targets))
        for url, site_id, referer, kinds, depth in targets:
            owner = spider.registry.owner_of(url)
            owner = owner if owner is not None and owner.id in spider.site_ids else None
            kinds_seen = set((kinds or "").split(","))
            if (
                LinkKind.PAGE in kinds_seen
                and owner is not None
                and crawled.get(owner.id, 0) >= owner.limits.max_pages
            ):
                continue
            if not spider.registry.allow.allows(url):
                continue
            source = spider.registry.site(site_id) if site_id in spider.site_ids else owner or spider.sites[0]
            # Asked with HEAD only when every link to it expects a resource, as the spider does for one link.
            method = "HEAD" if kinds_seen <= {str(kind) for kind in RESOURCE_KINDS} else "GET"
            yield spider.make_request(
                url, owner or source, FetchRole.CHECK, depth, referer, origin=source, method=method
            )
