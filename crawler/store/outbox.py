"""The mail outbox's log (`mail_log`): each report message's state per run, site and recipient, so a
message is sent once however often delivery is retried. Delivery itself lives outside the store."""

from __future__ import annotations

from typing import Any

from crawler.store.connection import StoreBase, now_iso


class OutboxStore(StoreBase):
    """What was mailed, to whom, and how it went."""

    def mail_status(self, run_id: int, site_id: str, recipient: str) -> str | None:
        row = self._mail_row(run_id, site_id, recipient)
        return row["status"] if row else None

    def record_mail(
        self,
        run_id: int,
        site_id: str,
        recipient: str,
        status: str,
        message_id: str | None,
        error: str | None = None,
    ) -> None:
        """Record one message's state at once (committed before the next step of sending it).

        `attempts` counts the tries: "sent" follows the "sending" of the same try and does not add one."""
        row = self._mail_row(run_id, site_id, recipient)
        self.db.table("mail_log").upsert(
            {
                "run_id": run_id,
                "site_id": site_id,
                "recipient": recipient,
                "status": status,
                "message_id": message_id,
                "attempts": (row["attempts"] if row else 0) + (status != "sent"),
                "error": error,
                "updated_at": now_iso(),
            },
            pk=("run_id", "site_id", "recipient"),
        )

    def mail_log(self, run_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query("select * from mail_log where run_id = ? order by site_id, recipient", [run_id])
        )

    def _mail_row(self, run_id: int, site_id: str, recipient: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "select status, attempts from mail_log where run_id = ? and site_id = ? and recipient = ?",
                [run_id, site_id, recipient],
            )
        )
        return rows[0] if rows else None
