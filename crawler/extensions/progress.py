"""Scrapy extension `Progress`: one line on stderr every few seconds while a crawl runs.

`[duwang] sites 12/25 done · pages 1234 · checks 567 · links 8901 · errors 12 · 85 URLs/s`
Turn it off with DUWANG_PROGRESS = False (tests and the scheduler do). The figures are the per-site counters
in the stats collector (crawler/progress.py); DUWANG_PROGRESS_INTERVAL sets the seconds between lines.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.progress import site_progress

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class Progress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("DUWANG_PROGRESS"):
            raise NotConfigured
        extension = cls(crawler, crawler.settings.getfloat("DUWANG_PROGRESS_INTERVAL", 2.0))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report(spider)

    def report(self, spider: Any) -> None:
        stats = self.crawler.stats
        progress = {site.id: site_progress(stats, site.id) for site in getattr(spider, "sites", ())}
        done = sum(1 for site in progress.values() if site.done)
        pages = sum(site.pages for site in progress.values())
        checks = sum(site.checks for site in progress.values())
        links = sum(site.links for site in progress.values())
        errors = sum(site.errors for site in progress.values())
        rate = (pages + checks) / max(time.monotonic() - self.started, 0.001)
        print(
            f"[duwang] sites {done}/{len(progress)} done · pages {pages} · checks {checks} · links {links}"
            f" · errors {errors} · {rate:.0f} URLs/s",
            file=sys.stderr,
            flush=True,
        )
