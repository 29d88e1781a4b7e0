"""The tables of the rectification loop (整改), created by migration m017: each finding's site-relative key
(`findings.key`, computed by `checks.identity`), the history of each key per site (`finding_history`, rebuilt
by `duwang check`) and the results of `duwang recheck` (`rechecks`). Reads and writes: crawler/rectstore.py.
"""

from __future__ import annotations

from sqlite_utils import Database


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
