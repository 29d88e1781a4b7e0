"""Item pipeline: writes the crawl's page facts into the fact store, batched, and closes the run.

The run row is created when the spider opens and closed with a status from Scrapy's close reason
(finished → completed, shutdown → interrupted, anything else → failed), so an interrupted crawl is
recorded as such and its facts so far are kept. A crawl ended by its deadline completes with what it has:
each site it left unfinished is stored as `stopped_by = "deadline"` with the number of URLs left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.items import PageFact
from crawler.store import Store
from crawler.vocab import RunStatus, StopReason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

CLOSE_REASONS = {
    "finished": RunStatus.COMPLETED,
    "shutdown": RunStatus.INTERRUPTED,
    StopReason.DEADLINE: RunStatus.COMPLETED,
}


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batch_size = crawler.settings.getint("DUWANG_BATCH_SIZE", 500)
        self.buffer: list[PageFact] = []
        self.store: Store | None = None
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.store = Store(self.crawler.settings.get("DUWANG_DB"))
        if spider.join_run is not None:
            self.run_id = spider.join_run  # the parent process recorded the run and will close it
        else:
            self.run_id = self.store.begin_run([site.id for site in spider.sites], spider.registry.path)
        spider.run_id = self.run_id
        spider.logger.info(
            "run %s: crawling %d sites into %s", self.run_id, len(spider.sites), self.store.path
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFact):
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        if self.buffer and self.store is not None and self.run_id is not None:
            self.store.write_facts(self.run_id, self.buffer)
            self.buffer = []

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None or self.run_id is None:
            return
        self.flush()
        status = CLOSE_REASONS.get(reason, RunStatus.FAILED)
        rows = []
        for site in spider.sites:
            progress = spider.progress[site.id]
            site_status = RunStatus.COMPLETED if progress.done or status is RunStatus.COMPLETED else status
            cut_short = reason == StopReason.DEADLINE and not progress.done
            rows.append(
                {
                    "site_id": site.id,
                    "name": site.name,
                    "kind": site.kind,
                    "status": site_status,
                    "started_at": progress.started_at,
                    "ended_at": progress.ended_at,
                    "pages": progress.pages,
                    "checks": progress.checks,
                    "links": progress.links,
                    "errors": progress.errors,
                    "bytes": progress.bytes,
                    "outside_checks": progress.outside_checks,
                    "outside_skipped": progress.outside_skipped,
                    "outside_budget": site.limits.max_outside_checks,
                    "stopped_by": StopReason.DEADLINE if cut_short else None,
                    "unfinished": max(progress.pending, 0) if cut_short else 0,
                    "max_minutes": spider.registry.defaults.max_minutes,
                }
            )
        stats = {
            key: value
            for key, value in self.crawler.stats.get_stats().items()
            if isinstance(value, int | float | str)
        }
        stats["close_reason"] = reason
        self.store.save_site_stats(self.run_id, rows)
        if spider.join_run is None:
            self.store.end_run(self.run_id, status, stats)
        self.store.close()
        self.store = None
