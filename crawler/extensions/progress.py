"""Scrapy extension `Progress`: the crawl's counters, every DUWANG_PROGRESS_INTERVAL seconds and once at the
end, as one JSON line on the pipe DUWANG_PROGRESS_FD, for the process that shows the whole crawl
(`crawler.app.progress`, which merges the reports of every crawl process into one display). The figures are
the per-site counters in the stats collector (crawler/progress.py):

`{"sites": {"jyj": {"pages": 12, "checks": 30, "links": 400, "errors": 1, "pending": 5, "started": true,
"done": false}}}`

Each report holds the process's totals so far, so a lost or late line costs nothing. Without
DUWANG_PROGRESS_FD (a crawl nobody watches: `--quiet`, tests) the extension is off.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.progress import SiteProgress, site_progress

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def write_report(fd: int, report: Mapping[str, Any]) -> bool:
    """Write one report as a JSON line on `fd`; False once the reader is gone (the crawl goes on)."""
    data = (json.dumps(report, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:
        return False
    return True


def site_report(progress: SiteProgress) -> dict[str, Any]:
    """The figures of one site's progress counters that a display needs."""
    return {
        "pages": progress.pages,
        "checks": progress.checks,
        "links": progress.links,
        "errors": progress.errors,
        "pending": progress.pending,
        "started": progress.started_at is not None,
        "done": progress.done,
    }


class Progress:
    def __init__(self, crawler: Crawler, fd: int, interval: float) -> None:
        self.crawler = crawler
        self.fd = fd
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        self.reader_gone = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        fd = crawler.settings.get("DUWANG_PROGRESS_FD")
        if fd in (None, ""):
            raise NotConfigured
        extension = cls(crawler, int(fd), crawler.settings.getfloat("DUWANG_PROGRESS_INTERVAL", 1.0))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=True)

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report(spider)

    def report(self, spider: Any) -> None:
        if self.reader_gone:
            return
        stats = self.crawler.stats
        progress = {site.id: site_progress(stats, site.id) for site in getattr(spider, "sites", ())}
        report = {"sites": {site_id: site_report(site) for site_id, site in progress.items()}}
        self.reader_gone = not write_report(self.fd, report)
