"""Mail delivery: the messages `reports.mail` composes, sent over SMTP to each recipient at most once.

Sending is at most once per (inspection, site, recipient), recorded in the store's `mail_log` around the one
step SMTP cannot make atomic: once the recipient is accepted, "sending" is committed before the DATA command,
and "sent" right after the server's 250 to the message. Only a message whose body went out and whose reply
never came (the connection dropped, the mailer was killed, the database refused the "sent" record) can be
left "sending": it may have been delivered, so later runs report it as unconfirmed and do not send it again
unless told to (`resend_unconfirmed`). A message refused before its body was sent, or refused in reply to
it, certainly was not delivered.

Temporary failures (4xx, a dropped connection before the body) are retried with backoff, then the run stops
so it can be repeated later; a message's own permanent refusal (5xx to its recipient or content) is recorded
once as failed and never sent again, and the others go on. A server that cannot be used at all (unreachable,
TLS or login refused, sender refused) stops the run at once with `MailResult.error`: a failed job, every
unsent message left pending. So does a database that refuses the record (before DATA: nothing was sent).
SMTP settings come from environment variables only (`crawler.app.mailserver.SmtpSettings.from_env`);
`write_eml` is the dry run.
"""

from __future__ import annotations

import re
import smtplib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from crawler.app.mailserver import (
    MailConfigError,
    ServerUnusable,
    SmtpSettings,
    Tracked,
    close,
    open_connection,
    reply_text,
)
from crawler.registry import Registry
from crawler.store import Store
from reports.excel import workbook_bytes
from reports.mail import Outgoing, compose
from reports.model import Report

__all__ = ["MailConfigError", "MailResult", "SmtpSettings", "messages", "send", "write_eml"]


@dataclass
class MailResult:
    sent: list[Outgoing] = field(default_factory=list)
    already_sent: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)  # permanent: will not be retried
    pending: list[tuple[Outgoing, str]] = field(default_factory=list)  # temporary: run again later
    already_failed: list[tuple[Outgoing, str]] = field(default_factory=list)  # refused in an earlier run
    # Possibly delivered: the body went out and no answer came (now, or in an earlier run); not re-sent.
    unconfirmed: list[tuple[Outgoing, str]] = field(default_factory=list)
    error: str | None = None  # why sending stopped early (server unusable or failing): a failed job


def messages(report: Report, registry: Registry) -> list[Outgoing]:
    """The inspection's messages as the registry's [mail] settings ask, each site's workbook attached."""
    return compose(report, registry.owner_addresses(), registry.mail, workbook=workbook_bytes)


def write_eml(outgoing: list[Outgoing], folder: Path) -> list[Path]:
    """--dry-run: each message as an .eml file instead of sending it (nothing is recorded)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in outgoing:
        if item.message is None:
            continue
        safe = re.sub(r"[^A-Za-z0-9@._-]", "_", item.recipient)
        path = folder / f"{item.site_id}--{safe}.eml"
        path.write_bytes(bytes(item.message))
        paths.append(path)
    return paths


def send(
    outgoing: list[Outgoing],
    store: Store,
    run_id: int,
    smtp: SmtpSettings,
    retries: int = 3,
    backoff: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    resend_unconfirmed: bool = False,
) -> MailResult:
    """Send what no earlier run sent or saw refused for this inspection, recording every outcome at once.

    Only a message's own permanent refusal (a 5xx to its recipient or its content) is recorded as failed;
    it is reported again, never re-sent. A server that cannot be used at all (connection, TLS or login
    failed, the sender refused) blames no message: sending stops, `MailResult.error` says why and every
    unsent message stays pending. A message left "sending" (possibly delivered) is sent again only with
    `resend_unconfirmed`, after the operator found it missing in the mail server's log.
    """
    sender = _Sender(store, run_id, smtp, retries, backoff, sleep, resend_unconfirmed)
    return sender.run(outgoing)


@dataclass(frozen=True)
class _Attempt:
    """What one try at sending a message came to."""

    outcome: str  # sent | permanent (recorded failed) | retry | deferred (4xx to RCPT) | unsure | stop
    error: str = ""
    reason: str | None = None  # for stop: why the whole run stops (default: `error`)


class _SentNotRecorded(Exception):
    """The server took the message but the database refused to record it "sent"."""

    def __init__(self, error: sqlite3.Error) -> None:
        super().__init__(str(error))
        self.error = error


class _Sender:
    """One run of `send`: the open connection, the outcome so far, and the log it keeps in the store."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        smtp: SmtpSettings,
        retries: int,
        backoff: float,
        sleep: Callable[[float], None],
        resend_unconfirmed: bool,
    ) -> None:
        self.store, self.run_id, self.smtp = store, run_id, smtp
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        self.resend_unconfirmed = resend_unconfirmed
        self.result = MailResult()
        self.connection: Tracked | None = None

    def run(self, outgoing: list[Outgoing]) -> MailResult:
        index = 0
        earlier = {(row["site_id"], row["recipient"]): row for row in self.store.mail_log(self.run_id)}
        try:
            for index, item in enumerate(outgoing):
                if self._settled(item, earlier.get((item.site_id, item.recipient)) or {}):
                    continue
                if item.message is None:
                    self._permanent(item, item.problem or "not composed")
                    continue
                if self._deliver(item, item.message, outgoing[index + 1 :]):
                    break  # a later run sends the rest (nothing unsent is marked failed)
        except _SentNotRecorded as exc:
            # Left "sending": no later run sends it again.
            return _stopped_by_database(
                self.result, self.store, self.run_id, outgoing, index, exc.error, True
            )
        except sqlite3.Error as exc:
            # A record before DATA ("sending", or a refusal) failed: this message did not go out.
            return _stopped_by_database(self.result, self.store, self.run_id, outgoing, index, exc, False)
        finally:
            self._drop()
        return self.result

    def _settled(self, item: Outgoing, row: dict[str, Any]) -> bool:
        """Whether an earlier run settled this message (sent, refused, or possibly delivered)."""
        status = self.store.mail_status(self.run_id, item.site_id, item.recipient)
        if status == "sent":
            self.result.already_sent.append(item)
        elif status == "failed":
            self.result.already_failed.append((item, row.get("error") or ""))
        elif status == "sending" and not self.resend_unconfirmed:
            self.result.unconfirmed.append((item, _unconfirmed(row.get("message_id"))))
        else:
            return False
        return True

    def _deliver(self, item: Outgoing, message: EmailMessage, rest: list[Outgoing]) -> bool:
        """Send one message, retrying with backoff; True when the whole run has to stop."""
        message_id = message["Message-ID"]
        attempt = _Attempt("retry")
        for number in range(self.retries + 1):
            attempt = self._attempt(item, message, message_id)
            if attempt.outcome not in ("retry", "deferred"):
                break
            if number < self.retries:
                if self.store.mail_status(self.run_id, item.site_id, item.recipient) == "sending":
                    # This attempt certainly did not deliver it (refused, or cut off before its body).
                    self._record(item, "pending", message_id, attempt.error)
                self.sleep(self.backoff * 2**number)
        else:
            if attempt.outcome == "deferred":
                self._record(item, "pending", message_id, attempt.error)
                self.result.pending.append((item, attempt.error))
                return False
            reason = f"the SMTP server keeps failing after {self.retries + 1} attempts: {attempt.error}"
            attempt = _Attempt("stop", attempt.error, reason)
        if attempt.outcome == "unsure":
            self.result.unconfirmed.append((item, f"{attempt.error}; {_unconfirmed(message_id)}"))
        elif attempt.outcome == "stop":
            self._record(item, "pending", message_id, attempt.error)
            self.result.error = attempt.reason or attempt.error
            self.result.pending.append((item, attempt.error))
            self.result.pending.extend(_not_attempted(self.store, self.run_id, rest))
            return True
        return False

    def _attempt(self, item: Outgoing, message: EmailMessage, message_id: str) -> _Attempt:
        def record_sending() -> None:
            self._record(item, "sending", message_id)

        try:
            self.connection = self.connection or open_connection(self.smtp)
            self.connection.before_data, self.connection.body_sent = record_sending, False
            self.connection.send_message(message)
        except ServerUnusable as exc:
            self.connection = None
            # A wrong password stays wrong: retrying only locks the account.
            return _Attempt("stop" if exc.lasting else "retry", str(exc))
        except smtplib.SMTPSenderRefused as exc:
            return self._sender_refused(item, exc)
        except smtplib.SMTPRecipientsRefused as exc:
            return self._recipients_refused(item, exc)
        except smtplib.SMTPResponseException as exc:
            error = f"{exc.smtp_code} {reply_text(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                return self._permanent(item, error)
            self._drop()
            return _Attempt("retry", error)
        except (smtplib.SMTPException, OSError) as exc:
            body_sent = self.connection is not None and self.connection.body_sent
            self._drop()
            # No reply to a sent body: retrying could deliver it twice.
            return _Attempt("unsure" if body_sent else "retry", f"{type(exc).__name__}: {exc}")
        self.result.sent.append(item)
        try:
            self._record(item, "sent", message_id)
        except sqlite3.Error as exc:
            raise _SentNotRecorded(exc) from exc
        return _Attempt("sent")

    def _sender_refused(self, item: Outgoing, exc: smtplib.SMTPSenderRefused) -> _Attempt:
        error = f"{exc.smtp_code} {reply_text(exc.smtp_error)}"
        if exc.smtp_code == 552:  # exceeds the size limit: this message's own fault
            return self._permanent(item, error)
        error = f"SMTP server {self.smtp.host}:{self.smtp.port} refuses the sender {exc.sender}: {error}"
        self._drop()
        return _Attempt("stop" if exc.smtp_code >= 500 else "retry", error)

    def _recipients_refused(self, item: Outgoing, exc: smtplib.SMTPRecipientsRefused) -> _Attempt:
        answers = list(exc.recipients.values())
        error = "; ".join(f"{code} {reply_text(text)}" for code, text in answers)
        if all(code >= 500 for code, _ in answers):
            return self._permanent(item, error)
        # 4xx (busy mailbox, greylisting): this message waits, the others need not; 421 is the server
        # closing the session, which smtplib has done already.
        if all(code != 421 for code, _ in answers):
            return _Attempt("deferred", error)
        self._drop()
        return _Attempt("retry", error)

    def _permanent(self, item: Outgoing, error: str) -> _Attempt:
        message_id = item.message["Message-ID"] if item.message is not None else None
        self._record(item, "failed", message_id, error)
        self.result.failed.append((item, error))
        return _Attempt("permanent", error)

    def _record(self, item: Outgoing, status: str, message_id: str | None, error: str | None = None) -> None:
        self.store.record_mail(self.run_id, item.site_id, item.recipient, status, message_id, error)

    def _drop(self) -> None:
        close(self.connection)
        self.connection = None


def _unconfirmed(message_id: str | None) -> str:
    return (
        f"Message-ID {message_id or '-'} possibly delivered: its body was sent and the server's answer never "
        "arrived (or was not recorded); look for it in the mail server's log before sending it again"
    )


def _not_attempted(store: Store, run_id: int, rest: list[Outgoing]) -> list[tuple[Outgoing, str]]:
    settled = ("sent", "failed", "sending")
    return [
        (item, "not attempted")
        for item in rest
        if store.mail_status(run_id, item.site_id, item.recipient) not in settled
    ]


def _stopped_by_database(
    result: MailResult,
    store: Store,
    run_id: int,
    outgoing: list[Outgoing],
    index: int,
    exc: sqlite3.Error,
    sent: bool,
) -> MailResult:
    """The mail log cannot be written: stop before sending anything it could not account for."""
    item = outgoing[index]
    where = f"{store.path}: {type(exc).__name__}: {exc}"
    if sent:
        message_id = item.message["Message-ID"] if item.message is not None else None
        result.unconfirmed.append((item, f"sent, not recorded ({where}); {_unconfirmed(message_id)}"))
        result.error = (
            f"the database refused to record a sent message ({where}); it stays marked as possibly sent "
            "and is not sent again"
        )
    else:
        result.pending.append((item, "not sent: the database refused to record it"))
        result.error = (
            f"the database refused to record a message about to be sent ({where}); nothing was sent"
        )
    try:
        result.pending.extend(_not_attempted(store, run_id, outgoing[index + 1 :]))
    except sqlite3.Error:
        result.pending.extend((rest, "not attempted") for rest in outgoing[index + 1 :])
    return result
