"""The checks' results: each run's findings (`findings`), the latest ones of a problem number (`key`), and
the sites the checks looked at (`checked_sites`: a site with no findings and a site never checked both have
no findings rows)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crawler.store.connection import StoreBase, now_iso


class FindingStore(StoreBase):
    """Findings and checked sites, per run."""

    def replace_findings(
        self, run_id: int, rows: list[dict[str, Any]], checked: Iterable[str] | None = None
    ) -> None:
        """Store a run's findings, replacing those of an earlier check of the same run.

        `checked`: the sites the checks looked at, recorded in the same transaction. Without it, the run
        reads as databases written before `checked_sites` existed: every site it crawled counts as checked."""
        with self.transaction():
            self.db.execute("delete from findings where run_id = ?", [run_id])
            self.db.table("findings").insert_all(
                {"run_id": run_id, **row, "evidence": json.dumps(row.get("evidence", {}), ensure_ascii=False)}
                for row in rows
            )
            self.db.execute("delete from checked_sites where run_id = ?", [run_id])
            at = now_iso()
            self.db.table("checked_sites").insert_all(
                {"run_id": run_id, "site_id": site_id, "checked_at": at}
                for site_id in dict.fromkeys(checked or ())
            )

    def findings(self, run_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        where, params = "run_id = ?", list[Any]([run_id])
        if site_id is not None:
            where, params = where + " and site_id = ?", [*params, site_id]
        rows = list(self.db.table("findings").rows_where(where, params, order_by="id"))
        for row in rows:
            row["evidence"] = json.loads(row["evidence"] or "{}")
        return rows

    def latest_with_key(self, key: str, site_id: str | None = None) -> list[dict[str, Any]]:
        """The findings with problem number `key` of the latest inspection that reported it, for each site
        (or for `site_id` only): a key names one problem of one site across inspections (`duwang confirm`)."""
        where, params = "f.key = ?", list[Any]([key])
        if site_id is not None:
            where, params = where + " and f.site_id = ?", [*params, site_id]
        rows = list(
            self.db.query(
                f"select f.* from findings f where {where} and f.run_id = (select max(g.run_id)"
                " from findings g where g.key = f.key and g.site_id = f.site_id) order by f.site_id, f.id",
                params,
            )
        )
        for row in rows:
            row["evidence"] = json.loads(row["evidence"] or "{}")
        return rows

    def checked_runs(self) -> list[int]:
        return [
            row["run_id"]
            for row in self.db.query(
                "select run_id from findings union select run_id from checked_sites order by run_id"
            )
        ]

    def checked_sites(self, run_id: int) -> set[str]:
        """The sites of a checked run that the checks looked at; any other site has no verdict (未检查)."""
        recorded = {
            row["site_id"]
            for row in self.db.query("select site_id from checked_sites where run_id = ?", [run_id])
        }
        if recorded:
            return recorded
        # Checked before `checked_sites` existed: every site the run crawled was checked then.
        legacy = list(self.db.query("select 1 as found from findings where run_id = ? limit 1", [run_id]))
        if not legacy:
            return set()
        crawled = self.db.query("select site_id from run_sites where run_id = ?", [run_id])
        return {row["site_id"] for row in crawled}
