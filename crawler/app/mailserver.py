"""The SMTP server as mail delivery uses it: its settings from the environment, and a logged-in connection
that records "sending" right before the DATA command and notes whether a message's body went out.

`SmtpSettings.from_env` reads DUWANG_SMTP_*; `open_connection` connects, starts TLS and logs in, or raises
`ServerUnusable` with a sentence for the operator (and whether retrying within the run can help).
`crawler.app.delivery` decides what to send and keeps the log.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from checks.errors import ConfigError

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


class ServerUnusable(Exception):
    """No message can go through this server now: connecting, TLS, greeting or login failed."""

    def __init__(self, reason: str, lasting: bool) -> None:
        super().__init__(reason)
        self.lasting = lasting  # retrying within this run cannot help (a refused login, a bad certificate)


def open_connection(smtp: SmtpSettings) -> Tracked:
    """A logged-in connection, or `ServerUnusable` with a message for the operator."""
    where = f"{smtp.host}:{smtp.port}"
    try:
        return _connect(smtp)
    except smtplib.SMTPAuthenticationError as exc:
        raise ServerUnusable(
            f"SMTP 登录失败 login to {where} as {smtp.user!r} refused: {exc.smtp_code} "
            f"{reply_text(exc.smtp_error)} (check DUWANG_SMTP_USER and DUWANG_SMTP_PASSWORD)",
            lasting=True,
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise ServerUnusable(
            f"SMTP server {where} does not offer what DUWANG_SMTP_SECURITY/USER ask for: {exc}", lasting=True
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise ServerUnusable(
            f"SMTP server {where} refused the session: {exc.smtp_code} {reply_text(exc.smtp_error)}",
            lasting=exc.smtp_code >= 500,
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise ServerUnusable(f"SMTP server {where}: certificate not trusted: {exc}", lasting=True) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ServerUnusable(
            f"cannot reach SMTP server {where}: {type(exc).__name__}: {exc}", lasting=False
        ) from None


class Tracked(smtplib.SMTP):
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


class _TrackedSSL(Tracked, smtplib.SMTP_SSL):
    pass


def _connect(smtp: SmtpSettings) -> Tracked:
    if smtp.security == "ssl":
        connection: Tracked = _TrackedSSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
        )
    else:
        connection = Tracked(smtp.host, smtp.port, timeout=smtp.timeout, local_hostname=socket.getfqdn())
    try:
        if smtp.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if smtp.user:
            connection.login(smtp.user, smtp.password or "")
    except BaseException:
        close(connection)
        raise
    return connection


def close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def reply_text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
