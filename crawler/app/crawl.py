"""Running a crawl from Python: build Scrapy settings, run the `site` spider over the chosen sites, and
summarise what the run stored. The jobs API (`crawler.app.jobs.crawl`) and the crawl child processes
(`crawler.app.worker`) call `run_crawl`.

A Twisted reactor cannot be restarted: call `run_crawl` once per process (the service starts each crawl
as a child process).
"""

from __future__ import annotations

import contextlib
import logging
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.app.parallel import process_count, run_parallel
from crawler.childenv import scrub_process_env
from crawler.pipelines import RUN_ID_STAT
from crawler.registry import Site, load_registry
from crawler.spiders.site import SiteSpider
from crawler.store import Store
from crawler.vocab import StopReason

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.app.progress import Feed

# A run's status as people read it (`crawler.vocab.RunStatus` values; the English value is shown beside).
RUN_STATUS = {
    "running": "运行中",
    "completed": "完成",
    "interrupted": "中断",
    "failed": "失败",
    "crashed": "崩溃",
}
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
    sweep: bool = False,
) -> int:
    """Crawl the named sites (all when none) and return the id of the run that was stored.

    The registry is validated first: a `RegistryError` is raised before anything is fetched. With several
    cores and hosts the sites are crawled by child processes (`crawler.app.parallel`); `join_run` makes this
    process such a child, crawling into a run its parent recorded, and `sweep` the last child, which
    checks the link targets the others left to each other and never fetched.
    """
    # A crawl never sends mail: no process it starts (children, the browser's driver, Chromium) needs or
    # gets the SMTP password or any other secret of this environment.
    scrub_process_env()
    registry = load_registry(config)
    sites = registry.select(site_ids)
    settings = crawl_settings(config, db, overrides)
    watch: contextlib.AbstractContextManager[Feed | None] = contextlib.nullcontext()
    if join_run is None:
        # Open (or create) the database here, where a `StoreError` reaches the command line: inside Scrapy a
        # damaged, read-only or newer database would only be logged, and the crawl would end with no run.
        with Store(db) as store:
            sizes = store.last_site_sizes()
        count = process_count(settings.get("DUWANG_PROCESSES"), sites)
        if count > 1:
            # The children crawl with the same settings, each in one process, each reporting to the feed.
            shared = {name: value for name, value in (overrides or {}).items() if name != "DUWANG_PROCESSES"}
            with _progress(settings, sites, sizes, forwarded=True) as feed:
                return run_parallel(Path(config), Path(db), sites, count, shared, feed)
        if settings.get("DUWANG_PROGRESS_FD") in (None, ""):
            watch = _progress(settings, sites, sizes, forwarded=False)
    with watch as feed:
        if feed is not None:  # this process crawls, and reports to its own feed
            settings.set("DUWANG_PROGRESS_FD", feed.pipe("main"), priority="cmdline")
        crawler = _crawl_here(settings, sites, config, db, join_run, run_sites, sweep)
    run_id = crawler.stats.get_value(RUN_ID_STAT) if crawler.stats is not None else None
    if run_id is None:
        raise RuntimeError("the crawl ended before its run was recorded; see the log above")
    return int(run_id)


def _crawl_here(
    settings: Settings,
    sites: tuple[Site, ...],
    config: str | Path,
    db: str | Path,
    join_run: int | None,
    run_sites: list[str] | None,
    sweep: bool,
) -> Crawler:
    """Run the spider over `sites` in this process until it ends; the crawler (its spider holds the run)."""
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
        sweep=sweep,
    )
    try:
        process.start()
    finally:
        fd = settings.get("DUWANG_PROGRESS_FD")
        if fd not in (None, ""):
            # Our end of the pipe: closed, the reader sees the end of this process's reports.
            with contextlib.suppress(OSError):
                os.close(int(fd))
    return crawler


@contextlib.contextmanager
def _progress(
    settings: Settings, sites: tuple[Site, ...], sizes: dict[str, int], forwarded: bool
) -> Iterator[Feed | None]:
    """The progress feed of a crawl this process starts: forwarded to the pipe DUWANG_PROGRESS_FD when a
    parent watches (only a crawl spread over children needs to merge first), else shown unless --quiet."""
    from crawler.app.progress_display import crawl_feed

    fd = settings.get("DUWANG_PROGRESS_FD")
    feed = crawl_feed(
        {site.id: site.name for site in sites},
        sizes,
        show=settings.getbool("DUWANG_PROGRESS"),
        forward_fd=int(fd) if forwarded and fd not in (None, "") else None,
        line_every=settings.getfloat("DUWANG_PROGRESS_LINE_EVERY", 10.0),
    )
    try:
        yield feed
    finally:
        if feed is not None:
            feed.stop()


def run_summary(db: str | Path, run_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run row and one row per site (pages, checks, links, errors) as stored."""
    with Store(db) as store:
        return store.run(run_id), store.site_stats(run_id)


def format_summary(run: dict[str, Any], sites: list[dict[str, Any]]) -> str:
    """A plain-text table for the terminal, one line per site and a total.

    读取错误 (extract errors) counts the attributes of stored pages that could not be read (a malformed
    `<base href>` or form action): a completed run with such errors says so under the table.
    """
    columns = ("pages", "checks", "links", "errors", "extract_errors")
    header = [
        "站点 site",
        "页面 pages",
        "检查 checks",
        "链接 links",
        "错误 errors",
        "读取错误 extract",
        "名称 name",
    ]
    rows = [[row["site_id"], *(row.get(name) or 0 for name in columns), row["name"]] for row in sites]
    totals = [sum(row[index] for row in rows) for index in range(1, 6)]
    rows.append(["合计 total", *totals, f"{len(sites)} 个站点 sites"])
    from crawler.app.timefmt import beijing, between, duration_text

    took = duration_text(between(run["started_at"], run["ended_at"]))
    status = f"{RUN_STATUS.get(run['status'], '')} {run['status']}".strip()
    lines = [
        f"运行 run {run['id']}: {status}  （北京时间 {beijing(run['started_at'])} → "
        f"{beijing(run['ended_at'])}，用时 {took}）"
    ]
    for cells in [header, *rows]:
        lines.append(
            "  ".join(
                [
                    pad(str(cells[0]), 14),
                    *(pad(str(cell), 12, right=True) for cell in cells[1:6]),
                    str(cells[6]),
                ]
            )
        )
    if totals[4]:
        lines.append(
            f"注意 note: {totals[4]} 处页面属性无法读取（已跳过该属性，页面照常保存和检查），"
            "详见 pages.extract_errors。"
        )
    lines.extend(f"注意 note: {note}" for note in limit_notes(run, sites))
    return "\n".join(lines)


def limit_notes(run: dict[str, Any], sites: list[dict[str, Any]]) -> list[str]:
    """What the crawl's limits left out (deadline, outside-check budget) and why a run failed, in Chinese:
    printed under the crawl summary and by `duwang runs`, so hitting a limit is never silent."""
    notes = []
    if run.get("error"):
        notes.append(f"抓取失败 failed: {run['error']}")
    cut = [row for row in sites if row.get("stopped_by") == StopReason.DEADLINE]
    if cut:
        minutes = cut[0].get("max_minutes")
        left = sum(row.get("unfinished") or 0 for row in cut)
        names = "、".join(row["site_id"] for row in cut)
        notes.append(
            f"到达抓取期限 {minutes:g} 分钟（max_minutes），抓取提前结束：站点 {names} 未抓完，"
            f"还有 {left} 个地址未抓取或检查 deadline reached"
        )
    for row in sites:
        if row.get("outside_skipped"):
            notes.append(
                f"站点 {row['site_id']} 的站外链接检查已达上限 {row.get('outside_budget')} 个"
                f"（max_outside_checks），另有 {row['outside_skipped']} 个站外链接未检查 budget spent"
            )
    return notes


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width, counting a Chinese character as two columns."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    fill = " " * max(width - used, 0)
    return fill + text if right else text + fill
