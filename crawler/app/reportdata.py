"""Reading what reports are built from (`reports.inputs`) out of a database and a registry: the only place
where the report side meets the store, so `reports/` stays free of storage and configuration."""

from __future__ import annotations

from crawler.registry import Registry
from crawler.store import Store
from crawler.store.rectification import FIXED, rechecks_after
from reports.inputs import RegisteredSite, Stored, StoredRun


def registered_sites(registry: Registry) -> tuple[RegisteredSite, ...]:
    return tuple(
        RegisteredSite(site.id, site.name, str(site.kind), site.services, site.scope.own_hosts)
        for site in registry.sites
    )


def stored_run(store: Store, run_id: int) -> StoredRun:
    run = store.run(run_id)
    return StoredRun(
        run_id,
        run["started_at"],
        run["ended_at"],
        tuple(store.findings(run_id)),
        tuple(store.site_stats(run_id)),
        frozenset(store.checked_sites(run_id)),
        {pair: row["result"] == FIXED for pair, row in rechecks_after(store, run_id).items()},
    )


def load_stored(store: Store, registry: Registry, until: int | None = None) -> Stored:
    """The checked inspections of `store` (up to run `until` when given: later ones cannot change its
    report) with the registry's sites."""
    runs = [run_id for run_id in store.checked_runs() if until is None or run_id <= until]
    return Stored(
        str(store.path), tuple(stored_run(store, run_id) for run_id in runs), registered_sites(registry)
    )
