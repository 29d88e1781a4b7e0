"""Storing the rectification loop (整改): findings' keys, each finding's history, and 复查 (recheck) results.

Tables from migration m017: `findings.key` (computed by `checks.identity.finding_key` when `duwang check`
stores a run's findings), `finding_history` (one row per site and key: first seen, times reported, fixed on,
reopened; rebuilt for the checked sites by every `duwang check`, derived from the stored findings alone) and
`rechecks` (one row per finding re-checked by `duwang recheck`: when, 已整改 or 未整改, and the evidence).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from checks.dates import CHINA_OFFSET
from checks.identity import finding_key
from crawler.registry import Registry
from crawler.store import Store, now_iso

FIXED = "已整改"
NOT_FIXED = "未整改"


def own_hosts(registry: Registry) -> dict[str, frozenset[str]]:
    """Each registered site's own host names, for its findings' keys."""
    return {site.id: site.scope.own_hosts for site in registry.sites}


def key_of(row: dict[str, Any], hosts: dict[str, frozenset[str]]) -> str:
    """The key of a stored (or about to be stored) finding row; a site no longer registered has no own
    hosts, so its URLs keep their host names."""
    return finding_key(
        row["site_id"],
        row["check"],
        hosts.get(row["site_id"], frozenset()),
        row.get("url"),
        row.get("page"),
        row.get("column"),
        row.get("section"),
        row.get("element"),
    )


def fill_missing_keys(store: Store, registry: Registry) -> int:
    """Give a key to findings stored before keys existed (with the current registry's hosts)."""
    hosts = own_hosts(registry)
    rows = list(store.db.query("select * from findings where key is null"))
    with store.transaction():
        store.db.conn.executemany(
            "update findings set key = ? where id = ?", [(key_of(row, hosts), row["id"]) for row in rows]
        )
    return len(rows)


def _china_day(iso: str) -> str:
    return (datetime.fromisoformat(iso).astimezone(UTC) + CHINA_OFFSET).date().isoformat()


def site_inspections(store: Store, site_id: str) -> list[tuple[int, str]]:
    """The checked runs that gave `site_id` a verdict, oldest first, with their China dates."""
    runs = [run_id for run_id in store.checked_runs() if site_id in store.checked_sites(run_id)]
    return [(run_id, _china_day(store.run(run_id)["started_at"])) for run_id in runs]


def derive_history(
    site_id: str, inspections: list[tuple[int, str]], reported: dict[int, dict[str, tuple[str, str]]]
) -> list[dict[str, Any]]:
    """History rows of a site's findings from its inspections (oldest first) and the keys each reported
    (run id -> key -> (check, severity)). Pure: the rules of 首次发现, 整改 and 重新出现 in one place."""
    rows: dict[str, dict[str, Any]] = {}
    for run_id, day in inspections:
        keys = reported.get(run_id, {})
        for key, (check, severity) in keys.items():
            row = rows.get(key)
            if row is None:
                row = rows[key] = {
                    "site_id": site_id,
                    "key": key,
                    "first_run": run_id,
                    "first_seen": day,
                    "times_reported": 0,
                    "reopened": 0,
                }
            elif row["status"] == "fixed":
                row["reopened"] += 1
            row.update(check=check, severity=severity, last_run=run_id, last_seen=day, status="open")
            row.update(fixed_run=None, fixed_on=None)
            row["times_reported"] += 1
        for key, row in rows.items():
            if key not in keys and row["status"] == "open":
                row.update(status="fixed", fixed_run=run_id, fixed_on=day)
    return list(rows.values())


def update_history(store: Store, site_ids: Iterable[str]) -> None:
    """Rebuild `finding_history` for these sites from their stored findings (info findings are no problems
    to rectify, so they have no history)."""
    for site_id in site_ids:
        reported: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)
        for row in store.db.query(
            'select run_id, key, "check", severity from findings'
            " where site_id = ? and severity != 'info' and key is not null order by id",
            [site_id],
        ):
            reported[row["run_id"]][row["key"]] = (row["check"], row["severity"])
        rows = derive_history(site_id, site_inspections(store, site_id), reported)
        with store.transaction():
            store.db.execute("delete from finding_history where site_id = ?", [site_id])
            store.db.table("finding_history").insert_all(rows)


def history(store: Store, site_id: str) -> dict[str, dict[str, Any]]:
    """A site's finding history by key."""
    rows = store.db.query("select * from finding_history where site_id = ?", [site_id])
    return {row["key"]: row for row in rows}


def latest_inspection(store: Store, site_id: str) -> int | None:
    """The latest checked run that gave the site a verdict."""
    runs = [run_id for run_id in store.checked_runs() if site_id in store.checked_sites(run_id)]
    return runs[-1] if runs else None


def open_findings(store: Store, site_id: str) -> tuple[int | None, list[dict[str, Any]]]:
    """The problems (not info) the site's latest inspection reported: what a 复查 re-checks."""
    run_id = latest_inspection(store, site_id)
    if run_id is None:
        return None, []
    rows = [row for row in store.findings(run_id, site_id) if row["severity"] != "info"]
    return run_id, rows


def record_rechecks(store: Store, rows: list[dict[str, Any]]) -> None:
    """Store 复查 results: dicts with site_id, key, run_id, result and evidence (a dict)."""
    at = now_iso()
    with store.transaction():
        store.db.table("rechecks").insert_all(
            {**row, "checked_at": at, "evidence": json.dumps(row.get("evidence", {}), ensure_ascii=False)}
            for row in rows
        )


def rechecks_after(store: Store, run_id: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest 复查 of each finding of inspection `run_id`, by (site id, key)."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for row in store.db.query("select * from rechecks where run_id = ? order by checked_at, id", [run_id]):
        row["evidence"] = json.loads(row["evidence"] or "{}")
        latest[(row["site_id"], row["key"])] = row
    return latest
