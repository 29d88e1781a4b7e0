"""Item pipeline: writes the crawl's page facts into the fact store, batched, and closes the run.

The run row is created when the spider opens and closed with a status from Scrapy's close reason
(finished → completed, shutdown → interrupted, anything else → failed), so an interrupted crawl is
recorded as such and its facts so far are kept. A crawl ended by its deadline completes with what it has:
each site it left unfinished is stored as `stopped_by = "deadline"` with the number of URLs left.

A write the database refuses (disk full, read-only file) stops the crawl at once: the batch is dropped,
nothing more is buffered, the spider closes with reason `write_failed`, and the run is marked failed with the
database's message (`runs.error`). Fetching on while nothing can be stored would only grow the buffer.

The run's id is published in the stats (`duwang/run_id`); the per-site counters are read from the stats
(crawler/progress.py), where the spider and the crawl components count them.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from crawler.items import PageFact
from crawler.progress import PREFIX as PROGRESS_PREFIX
from crawler.progress import site_progress
from crawler.store import Store
from crawler.vocab import RunStatus, StopReason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

RUN_ID_STAT = "duwang/run_id"  # the stats key that tells the process which run it stored into

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
        self.write_error: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider: Any = self.crawler.spider  # a SiteSpider: its registry and sites are read, never written
        self.store = Store(self.crawler.settings.get("DUWANG_DB"))
        if max_pages := self.crawler.settings.getint("DUWANG_DB_MAX_PAGES", 0):
            self.store.limit_pages(max_pages)
        if spider.join_run is not None:
            self.run_id = spider.join_run  # the parent process recorded the run and will close it
        else:
            self.run_id = self.store.begin_run([site.id for site in spider.sites], spider.registry.path)
        self.crawler.stats.set_value(RUN_ID_STAT, self.run_id)
        spider.logger.info(
            "run %s: crawling %d sites into %s", self.run_id, len(spider.sites), self.store.path
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFact) and self.write_error is None:
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        if self.buffer and self.store is not None and self.run_id is not None and self.write_error is None:
            try:
                self.store.write_facts(self.run_id, self.buffer)
            except sqlite3.Error as error:
                self.writes_failed(error)
            self.buffer = []

    def writes_failed(self, error: sqlite3.Error) -> None:
        """The database refused a write: stop the crawl now, keep nothing more in memory."""
        self.write_error = f"{type(error).__name__}: {error}"
        spider: Any = self.crawler.spider  # a SiteSpider: its registry and sites are read, never written
        spider.logger.error(
            "run %s: the database refused a write (%s); stopping the crawl", self.run_id, self.write_error
        )
        if self.crawler.engine is not None and self.crawler.engine.running:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=StopReason.WRITE_FAILED))

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None or self.run_id is None:
            return
        self.flush()
        status = CLOSE_REASONS.get(reason, RunStatus.FAILED)
        if self.write_error is not None:
            self.close_failed(spider)
            return
        rows = []
        for site in spider.sites:
            progress = site_progress(self.crawler.stats, site.id)
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
                    "extract_errors": progress.extract_errors,
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
            if isinstance(value, int | float | str) and not key.startswith(PROGRESS_PREFIX)
        }
        stats["close_reason"] = reason
        if getattr(spider, "sweep", False):
            # The sweep after a crawl spread over processes: its checks add to what the crawl stored.
            self.store.add_site_counts(self.run_id, rows, None if status is RunStatus.COMPLETED else status)
        else:
            self.store.save_site_stats(self.run_id, rows)
        if spider.join_run is None:
            self.store.end_run(self.run_id, status, stats)
        self.store.close()
        self.store = None

    def close_failed(self, spider: Any) -> None:
        """Record a run whose writes failed: the reason first, in the smallest write; then what else fits.

        Every site is failed, done or not: its last facts were in the batch that could not be written. If
        even the reason cannot be written, the run stays 'running' and the next start marks it crashed.
        """
        assert self.store is not None and self.run_id is not None and self.write_error is not None
        error = f"数据库写入失败 write failed: {self.write_error}"
        writes = [
            lambda: self.store.fail_run(self.run_id, error, ended=spider.join_run is None),
            lambda: self.store.save_site_stats(
                self.run_id,
                [
                    {"site_id": site.id, "name": site.name, "kind": site.kind, "status": RunStatus.FAILED}
                    for site in spider.sites
                ],
            ),
        ]
        for write in writes:
            try:
                write()
            except sqlite3.Error as failure:
                spider.logger.error("run %s: could not record the failure: %s", self.run_id, failure)
        self.store.close()
        self.store = None
