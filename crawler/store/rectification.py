"""The tables of the rectification loop (整改), created by migration m017, and their reads and writes: each
finding's site-relative key (`findings.key`, computed by `checks.identity` when `duwang check` stores a run's
findings), the history of each key per site (`finding_history`: first seen, times reported, fixed on,
reopened; rebuilt for the checked sites by every `duwang check` from the stored findings alone, by the rules
of `checks.identity.derive_history`) and the results of `duwang recheck` (`rechecks`: when, 已整改 or 未整改,
and the evidence).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from checks import identity
from checks.dates import CHINA_OFFSET
from checks.identity import row_key

if TYPE_CHECKING:
    from crawler.store import Store

FIXED = "已整改"
NOT_FIXED = "未整改"


def create_rectification_tables(db: Database) -> None:
    """Migration m017: `findings.key`, `finding_history` and `rechecks`."""
    db.table("findings").add_column("key", str)
    db.table("findings").create_index(["site_id", "key"])
    db.table("finding_history").create(
        {
            "site_id": str,
            "key": str,
            "check": str,
            "severity": str,  # at its last report
            "first_run": int,
            "first_seen": str,  # China date of the first inspection that reported it
            "last_run": int,
            "last_seen": str,
            "times_reported": int,  # inspections that reported it
            "reopened": int,  # times it was reported again after an inspection found it fixed
            "fixed_run": int,  # the inspection that first no longer found it (NULL while open)
            "fixed_on": str,
            "status": str,  # open | fixed
        },
        pk=("site_id", "key"),
    )
    db.table("rechecks").create(
        {
            "id": int,
            "site_id": str,
            "key": str,
            "run_id": int,  # the inspection whose finding was re-checked
            "checked_at": str,  # UTC ISO
            "result": str,  # 已整改 | 未整改
            "evidence": str,  # JSON
        },
        pk="id",
    )
    db.table("rechecks").create_index(["site_id", "key", "checked_at"])


def fill_missing_keys(store: Store, hosts: Mapping[str, frozenset[str]]) -> int:
    """Give a key to findings stored before keys existed (`hosts`: each registered site's own host names)."""
    rows = list(store.db.query("select * from findings where key is null"))
    with store.transaction():
        store.db.conn.executemany(
            "update findings set key = ? where id = ?", [(row_key(row, hosts), row["id"]) for row in rows]
        )
    return len(rows)


def _china_day(iso: str) -> str:
    return (datetime.fromisoformat(iso).astimezone(UTC) + CHINA_OFFSET).date().isoformat()


def site_inspections(store: Store, site_id: str) -> list[tuple[int, str]]:
    """The checked runs that gave `site_id` a verdict, oldest first, with their China dates."""
    runs = [run_id for run_id in store.checked_runs() if site_id in store.checked_sites(run_id)]
    return [(run_id, _china_day(store.run(run_id)["started_at"])) for run_id in runs]


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
        rows = identity.derive_history(site_id, site_inspections(store, site_id), reported)
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


def record_rechecks(store: Store, rows: list[dict[str, Any]], at: str) -> None:
    """Store 复查 results made at `at` (UTC ISO): dicts of site_id, key, run_id, result, evidence (a dict)."""
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
