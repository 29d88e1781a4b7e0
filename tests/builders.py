"""Builders of the setup many tests share: registry TOML text (the loopback allow list, [[sites]] tables
with their owners), a registry file in a test's folder, the site spider, the command line run as an operator
runs it, stored finding rows, a finished run stored with its sites, and a stand-in for the service's Python.
A test calls them with the values it is about, so those stay visible where the test reads them; everything
else takes a plain default."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scrapy.utils.test import get_crawler

from checks.findings import FINDING_FIELDS
from crawler.spiders.site import SiteSpider
from crawler.store import Store
from crawler.vocab import RunStatus

LOOPBACK_NETWORK = '[network]\nallow = ["127.0.0.0/8"]\n'
CLI = [sys.executable, "-m", "crawler.app.cli"]


def site_toml(
    site_id: str,
    name: str,
    host: str,
    kind: str = "portal",
    *,
    start_urls: Sequence[str] = (),
    fields: str = "",
    scope: str = "",
    owners: Iterable[str | tuple[str, str]] = (),
    tables: str = "",
) -> str:
    """One [[sites]] table, starting at the host's root unless `start_urls` are given.

    `fields`: more lines of the site's own table; `scope`: more lines of its [sites.scope]; `owners`: e-mail
    addresses or (name, e-mail) pairs; `tables`: TOML that follows, such as [sites.limits]."""
    urls = ", ".join(f'"{url}"' for url in (start_urls or [f"http://{host}/"]))
    lines = [
        "[[sites]]",
        f'id = "{site_id}"',
        f'name = "{name}"',
        f'kind = "{kind}"',
        f"start_urls = [{urls}]",
    ]
    lines += [fields, "[sites.scope]", f'host = "{host}"', scope]
    for owner in owners:
        owner_name, email = ("", owner) if isinstance(owner, str) else owner
        lines += ["[[sites.owners]]", f'name = "{owner_name}"' if owner_name else "", f'email = "{email}"']
    lines.append(tables)
    return "".join(f"{line.strip()}\n" for line in lines if line.strip())


def registry_toml(*sites: str, head: str = "") -> str:
    """A registry: `head` (the tables before the sites: [defaults], [network], [mail] …), then the sites."""
    return "\n".join(part.strip() + "\n" for part in (head, *sites) if part.strip())


def write_registry(folder: Path, text: str, name: str = "sites.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def site_spider(
    config: Path, site: str, settings: dict[str, Any], run_sites: str | None = None
) -> SiteSpider:
    """The site spider as a crawl builds it, through Scrapy's test crawler: no browser and no incremental
    skipping unless `settings` (which name the database) say otherwise."""
    crawler = get_crawler(SiteSpider, {"DUWANG_RENDER": False, "DUWANG_INCREMENTAL": False} | settings)
    crawler.settings = crawler.settings.copy()
    crawler.settings.frozen = False  # the spider sets its politeness, as before a real crawl starts
    spider = SiteSpider.from_crawler(crawler, site=site, config=str(config), run_sites=run_sites)
    crawler.spider = spider  # as Crawler.crawl sets it
    return spider


def cli(*args: str, timeout: float = 120, **options: Any) -> subprocess.CompletedProcess:
    """`duwang ARGS` in a child process as an operator runs it; the caller asserts on its exit code."""
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, **options)


def finding_row(
    site_id: str, check: str, severity: str = "deduction", detail: str = "", **fields: Any
) -> dict[str, Any]:
    """A finding as the checks store it: every field present, those not given empty."""
    row: dict[str, Any] = dict.fromkeys(FINDING_FIELDS)
    row |= {"site_id": site_id, "check": check, "severity": severity, "detail": detail, "evidence": {}}
    return row | fields


def stored_run(
    store: Store, *sites: tuple[str, str, str], config: str | Path = "sites.toml", started: str | None = None
) -> int:
    """A finished crawl of `sites` ((id, name, kind) each) recorded as the crawler records one; `started`
    backdates it. The caller stores its findings."""
    run_id = store.begin_run([site_id for site_id, _, _ in sites], str(config))
    store.save_site_stats(run_id, [{"site_id": i, "name": name, "kind": kind} for i, name, kind in sites])
    store.end_run(run_id, RunStatus.COMPLETED, {})
    if started:
        store.db.table("runs").update(run_id, {"started_at": started})
    return run_id


def fake_python(folder: Path, script: str, *args: str) -> Path:
    """An executable to give the service as its Python: every child it starts (the crawl) runs `script`
    instead, with `args` before the child's own arguments."""
    source = folder / "fake_crawl.py"
    source.write_text(script, encoding="utf-8")
    python = folder / "python"
    words = " ".join(f'"{word}"' for word in (sys.executable, source, *args))
    python.write_text(f'#!/bin/sh\nexec {words} "$@"\n', encoding="utf-8")
    python.chmod(0o755)
    return python
