"""Mail: each site's findings to its owners, the ranking to the information center — each message once.

Messages are composed from a `Report` (Jinja2 templates `mail_*.txt` and `mail_*.html`, HTML autoescaped:
findings carry crawled text). Sending is at most once per (inspection, site, recipient), recorded in the
`mail_log` table around the one step SMTP cannot make atomic: once the recipient is accepted, "sending" is
committed before the DATA command, and "sent" right after the server's 250 to the message. Only a message
whose body went out and whose reply never came (the connection dropped, the mailer was killed, the database
refused the "sent" record) can be left "sending": it may have been delivered, so later runs report it as
unconfirmed and do not send it again unless told to (`resend_unconfirmed`). A message refused before its
body was sent, or refused in reply to it, certainly was not delivered.

Temporary failures (4xx, a dropped connection before the body) are retried with backoff, then the run stops
so it can be repeated later; a message's own permanent refusal (5xx to its recipient or content) is recorded
once as failed and never sent again, and the others go on. A server that cannot be used at all (unreachable,
TLS or login refused, sender refused) stops the run at once with `MailResult.error`: a failed job, every
unsent message left pending. So does a database that refuses the record (before DATA: nothing was sent).
SMTP settings come from environment variables only (`SmtpSettings.from_env`).
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import sqlite3
import ssl
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from checks.dates import chinese_date
from checks.findings import severity_rank
from crawler.errors import ConfigError
from crawler.registry import MailSettings, Registry
from crawler.store import Store
from reports.model import CHECK_NAMES, KIND_NAMES, SEVERITY_NAMES, Report, SiteScore
from reports.scoring import finding_key

CENTER = "_center"  # the site id under which the summary to the information center is logged

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer  # smtplib's own argument type


class MailConfigError(ConfigError):
    """The SMTP environment is incomplete or wrong; the message names the variable."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls | ssl | none
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """DUWANG_SMTP_HOST (required), DUWANG_SMTP_PORT, DUWANG_SMTP_SECURITY (starttls | ssl | none),
        DUWANG_SMTP_USER and DUWANG_SMTP_PASSWORD."""
        host = environ.get("DUWANG_SMTP_HOST", "").strip()
        if not host:
            raise MailConfigError(
                "DUWANG_SMTP_HOST is not set: export the SMTP server's host name "
                "(or use --dry-run DIR to write .eml files instead)"
            )
        security = environ.get("DUWANG_SMTP_SECURITY", "starttls").strip().lower()
        if security not in ("starttls", "ssl", "none"):
            raise MailConfigError(f"DUWANG_SMTP_SECURITY={security!r}: use starttls, ssl or none")
        default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
        port_text = environ.get("DUWANG_SMTP_PORT", str(default_port)).strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise MailConfigError(f"DUWANG_SMTP_PORT={port_text!r}: give a port number, e.g. {default_port}")
        user = environ.get("DUWANG_SMTP_USER") or None
        password = environ.get("DUWANG_SMTP_PASSWORD") or None
        if bool(user) != bool(password):
            raise MailConfigError("set both DUWANG_SMTP_USER and DUWANG_SMTP_PASSWORD, or neither")
        return cls(host, int(port_text), security, user, password)


@dataclass
class Outgoing:
    site_id: str  # or CENTER for the summary
    recipient: str
    message: EmailMessage | None  # None when it could not be composed: `problem` says why
    problem: str | None = None


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


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(disabled_extensions=("txt",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = chinese_date
    env.filters["score"] = lambda value: "—" if value is None else f"{value:g}"
    env.filters["link"] = lambda url: url if isinstance(url, str) and re.match(r"https?://", url) else None
    return env


def compose(report: Report, registry: Registry, settings: MailSettings) -> list[Outgoing]:
    """One message per site owner, and the summary to each address of the information center."""
    env = _environment()
    inspection = report.inspection
    deadline = inspection.date + timedelta(days=settings.deadline_days)
    outgoing = []
    owners = {site.id: site.owners for site in registry.sites}
    for site in report.sites:
        context = _site_context(site, report, deadline)
        subject = (
            f"【政府网站检查】{site.name}：{site.verdict}，得分 {context['score_text']}，"
            f"排名 {site.rank}/{len(report.sites)}（{inspection.label}）"
        )
        attachment = _site_workbook(report, site) if settings.attach_excel else None
        for owner in owners.get(site.site_id, ()):
            try:
                message = _message(
                    env,
                    "mail_site",
                    context,
                    subject,
                    settings.sender,
                    owner.email,
                    owner.name,
                    f"duwang.{inspection.run_id}.{site.site_id}",
                )
            except ValueError as exc:
                # A name or address that cannot stand in a header (the registry should have refused it):
                # this owner's message is a permanent failure, everyone else's mail still goes.
                outgoing.append(Outgoing(site.site_id, owner.email, None, f"not composed: {exc}"))
                continue
            if attachment is not None:
                message.add_attachment(
                    attachment,
                    maintype="application",
                    subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    filename=f"{site.site_id}-{inspection.date.isoformat()}.xlsx",
                )
            outgoing.append(Outgoing(site.site_id, owner.email, message))
    summary = {
        "report": report,
        "deadline": deadline,
        "kinds": KIND_NAMES,
        "vetoed": [s for s in report.sites if s.vetoes],
    }
    subject = (
        f"【政府网站检查】{inspection.label}：{len(report.sites)} 个网站，"
        f"合格 {sum(1 for s in report.sites if s.qualified)} 个"
    )
    for address in settings.center:
        try:
            message = _message(
                env,
                "mail_summary",
                summary,
                subject,
                settings.sender,
                address,
                "",
                f"duwang.{inspection.run_id}.summary",
            )
        except ValueError as exc:
            outgoing.append(Outgoing(CENTER, address, None, f"not composed: {exc}"))
            continue
        outgoing.append(Outgoing(CENTER, address, message))
    return outgoing


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
    result = MailResult()
    index = 0
    earlier = {(row["site_id"], row["recipient"]): row for row in store.mail_log(run_id)}
    connection: _Tracked | None = None
    try:
        for index, item in enumerate(outgoing):
            status = store.mail_status(run_id, item.site_id, item.recipient)
            if status == "sent":
                result.already_sent.append(item)
                continue
            if status == "failed":
                row = earlier.get((item.site_id, item.recipient)) or {}
                result.already_failed.append((item, row.get("error") or ""))
                continue
            if status == "sending" and not resend_unconfirmed:
                row = earlier.get((item.site_id, item.recipient)) or {}
                result.unconfirmed.append((item, _unconfirmed(row.get("message_id"))))
                continue
            if item.message is None:
                _permanent(store, run_id, item, item.problem or "not composed", result)
                continue
            message_id = item.message["Message-ID"]

            def record_sending(item: Outgoing = item, message_id: str = message_id) -> None:
                store.record_mail(run_id, item.site_id, item.recipient, "sending", message_id)

            stop: str | None = None
            unsure: str | None = None  # the body went out and no answer came: maybe delivered
            for attempt in range(retries + 1):
                deferred = False  # only this recipient's mailbox said "later" (4xx to RCPT)
                try:
                    connection = connection or _open(smtp)
                    connection.before_data, connection.body_sent = record_sending, False
                    connection.send_message(item.message)
                except _ServerUnusable as exc:
                    error, connection = str(exc), None
                    if exc.lasting:  # a wrong password stays wrong: retrying only locks the account
                        stop = error
                        break
                except smtplib.SMTPSenderRefused as exc:
                    error = f"{exc.smtp_code} {_text(exc.smtp_error)}"
                    if exc.smtp_code == 552:  # exceeds the size limit: this message's own fault
                        _permanent(store, run_id, item, error, result)
                        break
                    error = f"SMTP server {smtp.host}:{smtp.port} refuses the sender {exc.sender}: {error}"
                    _close(connection)
                    connection = None
                    if exc.smtp_code >= 500:
                        stop = error
                        break
                except smtplib.SMTPRecipientsRefused as exc:
                    answers = list(exc.recipients.values())
                    error = "; ".join(f"{code} {_text(text)}" for code, text in answers)
                    if all(code >= 500 for code, _ in answers):
                        _permanent(store, run_id, item, error, result)
                        break
                    # 4xx (busy mailbox, greylisting): this message waits, the others need not; 421 is
                    # the server closing the session, which smtplib has done already.
                    deferred = all(code != 421 for code, _ in answers)
                    if not deferred:
                        _close(connection)
                        connection = None
                except smtplib.SMTPResponseException as exc:
                    error = f"{exc.smtp_code} {_text(exc.smtp_error)}"
                    if exc.smtp_code >= 500:
                        _permanent(store, run_id, item, error, result)
                        break
                    _close(connection)
                    connection = None
                except (smtplib.SMTPException, OSError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    body_sent = connection is not None and connection.body_sent
                    _close(connection)
                    connection = None
                    if body_sent:  # no reply to a sent body: retrying could deliver it twice
                        unsure = error
                        break
                else:
                    result.sent.append(item)
                    try:
                        store.record_mail(run_id, item.site_id, item.recipient, "sent", message_id)
                    except sqlite3.Error as exc:
                        # Left "sending": no later run sends it again.
                        _close(connection)
                        connection = None
                        return _stopped_by_database(result, store, run_id, outgoing, index, exc, sent=True)
                    break
                if attempt < retries:
                    if store.mail_status(run_id, item.site_id, item.recipient) == "sending":
                        # This attempt certainly did not deliver it (refused, or cut off before its body).
                        store.record_mail(run_id, item.site_id, item.recipient, "pending", message_id, error)
                    sleep(backoff * 2**attempt)
            else:
                if deferred:
                    store.record_mail(
                        run_id, item.site_id, item.recipient, "pending", item.message["Message-ID"], error
                    )
                    result.pending.append((item, error))
                    continue
                stop = f"the SMTP server keeps failing after {retries + 1} attempts: {error}"
            if unsure is not None:
                result.unconfirmed.append((item, f"{unsure}; {_unconfirmed(message_id)}"))
                continue
            if stop is not None:
                # Stop here; a later run sends the rest (nothing unsent is marked failed).
                store.record_mail(
                    run_id, item.site_id, item.recipient, "pending", item.message["Message-ID"], error
                )
                result.error = stop
                result.pending.append((item, error))
                result.pending.extend(_not_attempted(store, run_id, outgoing[index + 1 :]))
                break
    except sqlite3.Error as exc:
        # A record before DATA ("sending", or a refusal) failed: this message did not go out.
        return _stopped_by_database(result, store, run_id, outgoing, index, exc, sent=False)
    finally:
        _close(connection)
    return result


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


def _site_context(site: SiteScore, report: Report, deadline: date) -> dict:
    findings = sorted(site.findings, key=lambda f: (severity_rank(f["severity"]), f["check"]))
    groups: dict[str, list[dict]] = {}
    for finding in findings:
        groups.setdefault(finding["check"], []).append(
            finding | {"still_open": finding_key(finding) in site.open_keys}
        )
    return {
        "site": site,
        "report": report,
        "deadline": deadline,
        "groups": groups,
        "check_names": CHECK_NAMES,
        "severity_names": SEVERITY_NAMES,
        "kind_name": KIND_NAMES.get(site.kind, site.kind),
        "score_text": "—" if site.score is None else f"{site.score:g}",
        "total": len(report.sites),
        "actionable": sum(1 for f in findings if f["severity"] != "info"),
    }


def _message(
    env: Environment,
    template: str,
    context: dict,
    subject: str,
    sender: str,
    to: str,
    to_name: str,
    msgid: str,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    # Header objects, not strings: the display name is quoted (or encoded) by the email package, so the
    # header names exactly one address whatever the name holds; an address part with CR/LF raises ValueError.
    sender_name, sender_address = parseaddr(sender)
    message["From"] = Address(display_name=sender_name, addr_spec=sender_address or sender)
    message["To"] = Address(display_name=to_name, addr_spec=to)
    message["Message-ID"] = make_msgid(idstring=msgid, domain=sender_address.split("@")[-1] or "localhost")
    message.set_content(env.get_template(f"{template}.txt").render(context))
    message.add_alternative(env.get_template(f"{template}.html").render(context), subtype="html")
    return message


def _site_workbook(report: Report, site: SiteScore) -> bytes:
    from reports.excel import write_excel

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "site.xlsx"
        write_excel(replace(report, sites=[site]), path)
        return path.read_bytes()


class _ServerUnusable(Exception):
    """No message can go through this server now: connecting, TLS, greeting or login failed."""

    def __init__(self, reason: str, lasting: bool) -> None:
        super().__init__(reason)
        self.lasting = lasting  # retrying within this run cannot help (a refused login, a bad certificate)


def _open(smtp: SmtpSettings) -> _Tracked:
    """A logged-in connection, or `_ServerUnusable` with a message for the operator."""
    where = f"{smtp.host}:{smtp.port}"
    try:
        return _connect(smtp)
    except smtplib.SMTPAuthenticationError as exc:
        raise _ServerUnusable(
            f"SMTP 登录失败 login to {where} as {smtp.user!r} refused: {exc.smtp_code} "
            f"{_text(exc.smtp_error)} (check DUWANG_SMTP_USER and DUWANG_SMTP_PASSWORD)",
            lasting=True,
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise _ServerUnusable(
            f"SMTP server {where} does not offer what DUWANG_SMTP_SECURITY/USER ask for: {exc}", lasting=True
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise _ServerUnusable(
            f"SMTP server {where} refused the session: {exc.smtp_code} {_text(exc.smtp_error)}",
            lasting=exc.smtp_code >= 500,
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise _ServerUnusable(f"SMTP server {where}: certificate not trusted: {exc}", lasting=True) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise _ServerUnusable(
            f"cannot reach SMTP server {where}: {type(exc).__name__}: {exc}", lasting=False
        ) from None


class _Tracked(smtplib.SMTP):
    """An SMTP connection that calls `before_data` before the DATA command and notes whether the message's
    body (ending in CRLF.CRLF) was sent: after that, a missing answer leaves the delivery unknown."""

    before_data: Callable[[], None] | None = None
    body_sent = False
    _in_data = False

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.body_sent = False
        if self.before_data is not None:
            self.before_data()
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.body_sent = True


class _TrackedSSL(_Tracked, smtplib.SMTP_SSL):
    pass


def _connect(smtp: SmtpSettings) -> _Tracked:
    if smtp.security == "ssl":
        connection: _Tracked = _TrackedSSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
        )
    else:
        connection = _Tracked(smtp.host, smtp.port, timeout=smtp.timeout, local_hostname=socket.getfqdn())
    try:
        if smtp.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if smtp.user:
            connection.login(smtp.user, smtp.password or "")
    except BaseException:
        _close(connection)
        raise
    return connection


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def _permanent(store: Store, run_id: int, item: Outgoing, error: str, result: MailResult) -> None:
    message_id = item.message["Message-ID"] if item.message is not None else None
    store.record_mail(run_id, item.site_id, item.recipient, "failed", message_id, error)
    result.failed.append((item, error))


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
