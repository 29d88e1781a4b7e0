"""Availability probes (`probes`): each timed request to a site's start page, kept for the availability
checks of the month before an inspection and read back by the outage alerts (`failing_run`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawler.store.connection import StoreBase


class ProbeStore(StoreBase):
    """Probe results by site and time."""

    def add_probes(self, results: Iterable[Any]) -> None:
        """Store availability probe results (objects with the `probes` columns as attributes)."""
        rows = [
            {
                "site_id": r.site_id,
                "url": r.url,
                "probed_at": r.probed_at,
                "ok": int(r.ok),
                "status": r.status,
                "elapsed": r.elapsed,
                "error": r.error,
            }
            for r in results
        ]
        self.db.table("probes").insert_all(rows)

    def probes(self, site_id: str, since: str) -> list[dict[str, Any]]:
        return list(
            self.db.table("probes").rows_where(
                "site_id = ? and probed_at >= ?", [site_id, since], order_by="probed_at"
            )
        )

    def failing_run(self, site_id: str) -> list[dict[str, Any]]:
        """The site's latest probes that failed one after another, newest first: empty when its latest probe
        succeeded (or it has none). Read newest first and only back to the last success, so a long history
        costs nothing."""
        cursor = self.db.execute(
            "select site_id, url, probed_at, ok, status, elapsed, error from probes where site_id = ? "
            "order by probed_at desc, id desc",
            [site_id],
        )
        columns = [column[0] for column in cursor.description]
        run = []
        for values in cursor:
            row = dict(zip(columns, values, strict=True))
            if row["ok"]:
                break
            run.append(row)
        cursor.close()
        return run
