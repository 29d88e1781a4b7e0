"""The mail outbox's log (`mail_log`): each report message's state per run, site and recipient, so a
message is sent once however often delivery is retried. Delivery itself lives outside the store."""

from __future__ import annotations

from typing import Any

from sqlite_utils.db import NotFoundError

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
        rows = self.db.table("mail_log").rows_where("run_id = ?", [run_id], order_by="site_id, recipient")
        return list(rows)

    def _mail_row(self, run_id: int, site_id: str, recipient: str) -> dict[str, Any] | None:
        try:
            return self.db.table("mail_log").get((run_id, site_id, recipient))
        except NotFoundError:
            return None
