"""Running a crawl from Python: build Scrapy settings, run the `site` spider over the chosen sites, and
summarise what the run stored. The CLI (`duwang crawl`, `duwang demo`) is a thin shell over `run_crawl`.

A Twisted reactor cannot be restarted: call `run_crawl` once per process (the scheduler starts each crawl
as a subprocess).
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.childenv import scrub_process_env
from crawler.parallel import process_count, run_parallel
from crawler.registry import load_registry
from crawler.spiders.site import SiteSpider
from crawler.store import Store

QUIET_LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.downloadermiddlewares.retry",
    "scrapy.core.scraper",
)


def crawl_settings(config: str | Path, db: str | Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DUWANG_CONFIG", str(config), priority="cmdline")
    settings.set("DUWANG_DB", str(db), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    config: str | Path,
    db: str | Path,
    site_ids: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    join_run: int | None = None,
    run_sites: list[str] | None = None,
) -> int:
    """Crawl the named sites (all when none) and return the id of the run that was stored.

    The registry is validated first: a `RegistryError` is raised before anything is fetched. With several
    cores and hosts the sites are crawled by child processes (`crawler.parallel`); `join_run` makes this
    process such a child, crawling into a run its parent recorded.
    """
    # A crawl never sends mail: no process it starts (children, the browser's driver, Chromium) needs or
    # gets the SMTP password or any other secret of this environment.
    scrub_process_env()
    registry = load_registry(config)
    sites = registry.select(site_ids)
    settings = crawl_settings(config, db, overrides)
    if join_run is None:
        count = process_count(settings.get("DUWANG_PROCESSES"), sites)
        if count > 1:
            extra = ["--log-level", settings.get("LOG_LEVEL")]
            if not settings.getbool("DUWANG_PROGRESS"):
                extra.append("--quiet")
            return run_parallel(Path(config), Path(db), sites, count, extra)
    process = CrawlerProcess(settings)
    if settings.get("LOG_LEVEL") not in ("DEBUG", "INFO"):
        # A dead link or an unreachable robots.txt is a fact for the store, not an error of duwang's.
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(
        crawler,
        site=",".join(site.id for site in sites),
        config=str(config),
        db=str(db),
        join_run=join_run,
        run_sites=",".join(run_sites or []),
    )
    process.start()
    run_id = getattr(crawler.spider, "run_id", None)
    if run_id is None:
        raise RuntimeError("the crawl ended before its run was recorded; see the log above")
    return int(run_id)


def run_summary(db: str | Path, run_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run row and one row per site (pages, checks, links, errors) as stored."""
    store = Store(db)
    try:
        return store.run(run_id), store.site_stats(run_id)
    finally:
        store.close()


def format_summary(run: dict[str, Any], sites: list[dict[str, Any]]) -> str:
    """A plain-text table for the terminal, one line per site and a total."""
    columns = ("pages", "checks", "links", "errors")
    header = ["站点 site", "页面 pages", "检查 checks", "链接 links", "错误 errors", "名称 name"]
    rows = [[row["site_id"], *(row[name] or 0 for name in columns), row["name"]] for row in sites]
    totals = [sum(row[index] for row in rows) for index in range(1, 5)]
    rows.append(["合计 total", *totals, f"{len(sites)} 个站点 sites"])
    lines = [f"运行 run {run['id']}: {run['status']}  ({run['started_at']} → {run['ended_at']})"]
    for cells in [header, *rows]:
        lines.append(
            "  ".join(
                [
                    pad(str(cells[0]), 14),
                    *(pad(str(cell), 12, right=True) for cell in cells[1:5]),
                    str(cells[5]),
                ]
            )
        )
    return "\n".join(lines)


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width, counting a Chinese character as two columns."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    fill = " " * max(width - used, 0)
    return fill + text if right else text + fill
