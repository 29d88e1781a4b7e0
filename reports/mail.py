"""Mail messages: each site's findings for its owners, the ranking for the information center.

`compose` turns a `Report` into `email.message.EmailMessage`s through `reports.views` (Jinja2 templates
`mail_*.txt` and `mail_*.html`, HTML autoescaped: findings carry crawled text). It is pure: nothing is sent
or recorded here; sending each message at most once, and the log that makes it so, is the application's
(`crawler.app.delivery`). A site's Excel workbook is attached when the mail settings ask for it and the
caller hands in a function that renders one (the renderers do not import each other).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, select_autoescape

from checks.dates import chinese_date
from reports.model import Report, score_text
from reports.views import Overview, SiteRow, indicator_points, overview, site_view

CENTER = "_center"  # the site id under which the summary to the information center is logged
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class MailOptions(Protocol):
    """What the mail says and to whom besides the owners (the registry's [mail] table)."""

    @property
    def sender(self) -> str: ...
    @property
    def center(self) -> tuple[str, ...]: ...  # the info center's addresses: the summary with the ranking
    @property
    def deadline_days(self) -> int: ...  # 整改期限: days after the inspection to fix the findings
    @property
    def attach_excel(self) -> bool: ...


@dataclass
class Outgoing:
    site_id: str  # or CENTER for the summary
    recipient: str
    message: EmailMessage | None  # None when it could not be composed: `problem` says why
    problem: str | None = None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(disabled_extensions=("txt",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn_date"] = chinese_date
    env.filters["score"] = score_text
    return env


def compose(
    report: Report,
    owners: Mapping[str, Sequence[tuple[str, str]]],
    settings: MailOptions,
    *,
    workbook: Callable[[Report], bytes] | None = None,
) -> list[Outgoing]:
    """One message per site owner (`owners`: site id -> (address, name) of each), and the summary to each
    address of the information center. With `settings.attach_excel`, each site's message carries `workbook`
    of a report of that site alone."""
    env = _environment()
    view = overview(report)
    deadline = report.inspection.as_of + timedelta(days=settings.deadline_days)
    outgoing = []
    for row in view.rows:
        attachment = None
        if settings.attach_excel and workbook is not None:
            attachment = workbook(replace(report, sites=[row.site]))
        recipients = list(owners.get(row.site.site_id, ()))
        outgoing += _site_messages(env, view, row, deadline, settings.sender, recipients, attachment)
    outgoing += _summary_messages(env, view, deadline, settings.sender, settings.center)
    return outgoing


def _site_messages(
    env: Environment,
    view: Overview,
    row: SiteRow,
    deadline: date,
    sender: str,
    recipients: Sequence[tuple[str, str]],
    attachment: bytes | None,
) -> list[Outgoing]:
    site, inspection = row.site, view.inspection
    page = site_view(view, row)
    context = {
        "site": site,
        "inspection": inspection,
        "deadline": deadline,
        "groups": page.groups,
        "kind_name": row.kind_name,
        "score_text": score_text(site.score),
        "total": view.summary.sites,
        "actionable": page.actionable,
        "points": indicator_points(site),
        "interaction": page.interaction,
    }
    subject = (
        f"【政府网站检查】{site.name}：{site.verdict}，得分 {score_text(site.score)}，"
        f"排名 {site.rank}/{view.summary.sites}（{inspection.label}）"
    )
    outgoing = []
    for address, name in recipients:
        msgid = f"duwang.{inspection.run_id}.{site.site_id}"
        try:
            message = _message(env, "mail_site", context, subject, sender, (address, name), msgid)
        except ValueError as exc:
            # A name or address that cannot stand in a header (the registry should have refused it):
            # this owner's message is a permanent failure, everyone else's mail still goes.
            outgoing.append(Outgoing(site.site_id, address, None, f"not composed: {exc}"))
            continue
        if attachment is not None:
            message.add_attachment(
                attachment,
                maintype=XLSX[0],
                subtype=XLSX[1],
                filename=f"{site.site_id}-{inspection.date.isoformat()}.xlsx",
            )
        outgoing.append(Outgoing(site.site_id, address, message))
    return outgoing


def _summary_messages(
    env: Environment, view: Overview, deadline: date, sender: str, center: Sequence[str]
) -> list[Outgoing]:
    inspection = view.inspection
    context = {
        "inspection": inspection,
        "deadline": deadline,
        "summary": view.summary,
        "rows": view.rows,
        "unchecked_rows": view.unchecked_rows,
        "vetoes": view.vetoes,
        "gaps": view.gaps,
    }
    subject = (
        f"【政府网站检查】{inspection.label}：{view.summary.sites} 个网站，合格 {view.summary.qualified} 个"
    )
    outgoing = []
    for address in center:
        msgid = f"duwang.{inspection.run_id}.summary"
        try:
            message = _message(env, "mail_summary", context, subject, sender, (address, ""), msgid)
        except ValueError as exc:
            outgoing.append(Outgoing(CENTER, address, None, f"not composed: {exc}"))
            continue
        outgoing.append(Outgoing(CENTER, address, message))
    return outgoing


def _message(
    env: Environment,
    template: str,
    context: dict[str, Any],
    subject: str,
    sender: str,
    to: tuple[str, str],
    msgid: str,
) -> EmailMessage:
    """A text and HTML message to `to` (address, display name)."""
    message = EmailMessage()
    message["Subject"] = subject
    # Header objects, not strings: the display name is quoted (or encoded) by the email package, so the
    # header names exactly one address whatever the name holds; an address part with CR/LF raises ValueError.
    sender_name, sender_address = parseaddr(sender)
    message["From"] = Address(display_name=sender_name, addr_spec=sender_address or sender)
    message["To"] = Address(display_name=to[1], addr_spec=to[0])
    message["Message-ID"] = make_msgid(idstring=msgid, domain=sender_address.split("@")[-1] or "localhost")
    message.set_content(env.get_template(f"{template}.txt").render(context))
    message.add_alternative(env.get_template(f"{template}.html").render(context), subtype="html")
    return message
