"""Per-site progress of a crawl, kept in Scrapy's stats collector (`crawler.stats`).

Every component counts into the same stats keys, `duwang/site/<site id>/<counter>`, and the pipeline, the
progress line and the tests read them back as a `SiteProgress` snapshot. `started_at` / `ended_at` are
stats values too (ISO timestamps). These keys are left out of the run's stored stats: `run_sites` holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from crawler.store import now_iso

PREFIX = "duwang/site/"

__all__ = ["PREFIX", "SiteProgress", "count", "finish", "now_iso", "site_progress", "start"]


@dataclass
class SiteProgress:
    """Counters for one site during a crawl; the pipeline stores them in `run_sites`."""

    scheduled_pages: int = 0  # page requests sent, against the site's max_pages
    pages: int = 0
    checks: int = 0
    links: int = 0
    errors: int = 0
    extract_errors: int = 0  # attributes (or whole parts) of stored pages that could not be read
    bytes: int = 0
    pending: int = 0  # requests of the site not answered yet
    outside_checks: int = 0  # status checks of links outside the run's sites, against max_outside_checks
    outside_skipped: int = 0  # such links left unchecked because the budget was spent
    started_at: str | None = None
    ended_at: str | None = None

    @property
    def done(self) -> bool:
        return self.started_at is not None and self.pending == 0


def key(site_id: str, name: str) -> str:
    return f"{PREFIX}{site_id}/{name}"


def count(stats: Any, site_id: str | None, name: str, amount: int = 1) -> None:
    """Add `amount` to one counter of a site (no site: a URL outside the run's sites, not counted)."""
    if site_id:
        stats.inc_value(key(site_id, name), amount, start=0)


def start(stats: Any, site_id: str) -> None:
    """A request of the site is on its way: one more pending, and the site's start time if it is the first."""
    count(stats, site_id, "pending")
    if stats.get_value(key(site_id, "started_at")) is None:
        stats.set_value(key(site_id, "started_at"), now_iso())


def finish(stats: Any, site_id: str | None, counter: str | None) -> None:
    """A request of the site is answered: `counter` (pages or checks) counts it; the site may be done."""
    if not site_id:
        return
    count(stats, site_id, "pending", -1)
    if counter:
        count(stats, site_id, counter)
    if site_progress(stats, site_id).done:
        stats.set_value(key(site_id, "ended_at"), now_iso())


def site_progress(stats: Any, site_id: str) -> SiteProgress:
    """A snapshot of the site's counters."""
    return SiteProgress(
        **{
            field.name: stats.get_value(key(site_id, field.name), field.default)
            for field in fields(SiteProgress)
        }
    )
