"""What reports are built from, as plain records: the checked inspections a database holds and the sites the
registry lists. The application layer reads them (crawler/app/reportdata.py); `reports.build` and
`reports.history` only assemble and score them, so no part of `reports/` opens a database or a registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RegisteredSite:
    """A site of the registry, as far as scores and keys need it."""

    site_id: str
    name: str
    kind: str
    services: bool = True  # whether 办事服务 indicators apply to it
    own_hosts: frozenset[str] = frozenset()  # host names its findings' keys leave out of a URL


@dataclass(frozen=True)
class StoredRun:
    """One checked crawl run, as stored."""

    run_id: int
    started_at: str  # UTC ISO
    ended_at: str | None
    findings: tuple[dict[str, Any], ...]  # the stored finding rows, in the order they were stored
    crawled: tuple[dict[str, Any], ...]  # a row per site it crawled (site_id, name, kind), registry order
    checked: frozenset[str]  # the sites the checks looked at; any other has no verdict (未检查)
    # The latest 复查 of each of its findings, by (site id, finding key): True when it found it fixed.
    rechecks: Mapping[tuple[str, str], bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    """A database's checked inspections (oldest first) with the registry's sites (in its order)."""

    source: str  # the database file, named in messages
    runs: tuple[StoredRun, ...]
    sites: tuple[RegisteredSite, ...]

    def run(self, run_id: int) -> StoredRun:
        return next(run for run in self.runs if run.run_id == run_id)

    def site(self, site_id: str) -> RegisteredSite | None:
        return next((site for site in self.sites if site.site_id == site_id), None)
