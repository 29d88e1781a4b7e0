"""The alert log (`alert_log`): each alert's outcome per channel, so an outage or a veto is not alerted again
on every probe or re-run. Sending lives in `crawler.app.alerts`."""

from __future__ import annotations

from typing import Any

from crawler.store.connection import StoreBase, now_iso


class AlertStore(StoreBase):
    """Which alerts went to which channel, and how it went."""

    def record_alert(self, row: dict[str, Any]) -> None:
        """One alert's outcome on one channel (`alert_log` columns but id and sent_at)."""
        self.db.table("alert_log").insert({**row, "sent_at": now_iso()})

    def alert_log(self, key: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Recorded alerts, newest first; only those of one dedup `key` when given."""
        where, params = ("where key = ?", [key]) if key is not None else ("", [])
        return list(
            self.db.query(f"select * from alert_log {where} order by id desc limit ?", [*params, limit])
        )
