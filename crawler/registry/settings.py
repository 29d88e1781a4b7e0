"""The registry's top-level tables besides the sites: [defaults] (and each site's [sites.limits]),
[network] allow, [schedule], [mail] and [storage].
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import fields, replace
from datetime import date, datetime
from typing import Any

from crawler.registry.model import (
    RENDER_MODES,
    AllowList,
    Limits,
    MailSettings,
    ReportSettings,
    Schedule,
    StorageSettings,
)
from crawler.registry.tables import EMAIL_RE, HOSTNAME_RE, TableParser, owner_name_problem


class SettingsParser(TableParser):
    """Reads the tables that hold settings rather than sites."""

    def limits(self, raw: Any, base: Limits, where: str) -> Limits:
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table", "write it as [defaults] or [sites.limits]")
        known = {f.name for f in fields(Limits)}
        self.unknown(raw, known, where)
        checks: dict[str, tuple[type | tuple[type, ...], Any, str]] = {
            "max_pages": (int, lambda v: v >= 1, "a whole number ≥ 1"),
            "max_depth": (int, lambda v: v >= 0, "a whole number ≥ 0"),
            "concurrency": (int, lambda v: 1 <= v <= 16, "a whole number from 1 to 16"),
            "delay": ((int, float), lambda v: 0 <= v <= 600, "seconds from 0 to 600"),
            "obey_robots": (bool, lambda v: True, "true or false"),
            "timeout": ((int, float), lambda v: 0 < v <= 300, "seconds, more than 0 and at most 300"),
            "retries": (int, lambda v: 0 <= v <= 10, "a whole number from 0 to 10"),
            "user_agent": (str, lambda v: bool(v.strip()), "a non-empty text naming duwang and a contact"),
            "render": (str, lambda v: v in RENDER_MODES, "one of auto, always, never"),
            "max_outside_checks": (int, lambda v: v >= 0, "a whole number ≥ 0"),
            "max_minutes": ((int, float), lambda v: 0 < v <= 10080, "minutes, more than 0 and at most 10080"),
        }
        values: dict[str, Any] = {}
        for key, value in raw.items():
            kind, ok, expected = checks[key]
            is_bool = isinstance(value, bool)
            if (is_bool and kind is not bool) or not isinstance(value, kind) or not ok(value):
                raise self.fail(
                    f"{where}, field {key!r}", f"{value!r} is not {expected}", f"set {key} to {expected}"
                )
            values[key] = value
        for key in ("delay", "timeout", "max_minutes"):
            if key in values:
                values[key] = float(values[key])
        return replace(base, **values)

    def allow_list(self, raw: Any) -> AllowList:
        if not isinstance(raw, dict):
            raise self.fail("[network]", "must be a table", 'write [network] with allow = ["*.gov.cn"]')
        self.unknown(raw, {"allow"}, "[network]")
        entries = raw.get("allow", [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise self.fail(
                "[network], field 'allow'", "must be a list of texts", 'e.g. allow = ["*.gov.cn"]'
            )
        names: set[str] = set()
        suffixes: list[str] = []
        networks = []
        for entry in entries:
            value = entry.strip().lower()
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
                continue
            except ValueError:
                pass
            if not HOSTNAME_RE.match(value):
                raise self.fail(
                    "[network], field 'allow'",
                    f"{entry!r} is neither a host name nor an IP range",
                    'write a host ("www.gov.cn"), a pattern ("*.gov.cn") or a CIDR range ("127.0.0.0/8")',
                )
            if value.startswith("*."):
                suffixes.append(value[1:])
            else:
                names.add(value)
        return AllowList(frozenset(names), tuple(suffixes), tuple(networks))

    def schedule(self, raw: Any) -> Schedule:
        from crawler.registry.cron import cron_trigger

        if not isinstance(raw, dict):
            raise self.fail("[schedule]", "must be a table", 'write [schedule] with inspect = "0 2 * * 1"')
        known = {f.name for f in fields(Schedule)}
        self.unknown(raw, known, "[schedule]")
        for key, value in raw.items():
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"[schedule], field {key!r}", f"{value!r} is not a text", 'e.g. "0 2 * * 1"')
            if key != "reports":
                try:
                    cron_trigger(value, "Asia/Shanghai")
                except ValueError as exc:
                    raise self.fail(
                        f"[schedule], field {key!r}",
                        f"{value!r} is not a cron expression ({exc})",
                        'write minute hour day month weekday, e.g. "0 2 * * 1"',
                    ) from None
        return replace(Schedule(), **raw)

    def mail(self, raw: Any) -> MailSettings:
        if not isinstance(raw, dict):
            raise self.fail("[mail]", "must be a table", 'write [mail] with sender = "xxzx@example.gov.cn"')
        self.unknown(raw, {"sender", "center", "deadline_days", "attach_excel"}, "[mail]")
        sender = raw.get("sender", MailSettings.sender)
        if "sender" in raw and (not isinstance(sender, str) or not _valid_sender(sender)):
            raise self.fail(
                "[mail], field 'sender'",
                f"{sender!r} is not an e-mail address, or a name without <>@\"' and control characters "
                "followed by one in <>",
                'e.g. sender = "xxzx@example.gov.cn" or sender = "信息中心 <xxzx@example.gov.cn>"',
            )
        center = raw.get("center", [])
        if not isinstance(center, list) or not all(
            isinstance(a, str) and EMAIL_RE.fullmatch(a) for a in center
        ):
            raise self.fail(
                "[mail], field 'center'",
                f"{center!r} is not a list of e-mail addresses",
                'e.g. center = ["xxzx@example.gov.cn"]',
            )
        days = raw.get("deadline_days", MailSettings.deadline_days)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise self.fail(
                "[mail], field 'deadline_days'",
                f"{days!r} is not a number of days from 1 to 365",
                "e.g. deadline_days = 10",
            )
        attach = raw.get("attach_excel", True)
        if not isinstance(attach, bool):
            raise self.fail(
                "[mail], field 'attach_excel'", f"{attach!r} is not true or false", "true or false"
            )
        return MailSettings(sender, tuple(center), days, attach)

    def report(self, raw: Any) -> ReportSettings:
        if not isinstance(raw, dict):
            raise self.fail("[report]", "must be a table", 'write [report] with doc_number = "…〔2026〕1号"')
        self.unknown(raw, {"title", "doc_number", "issuer", "date"}, "[report]")
        for key in ("title", "doc_number", "issuer"):
            value = raw.get(key, "")
            if not isinstance(value, str) or any(ord(char) < 32 for char in value):
                raise self.fail(f"[report], field {key!r}", f"{value!r} is not one line of text", 'e.g. "…"')
        day = raw.get("date")
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day)
            except ValueError:
                day = False
        if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
            raise self.fail("[report], field 'date'", f"{raw.get('date')!r} is not a date", "e.g. 2026-12-01")
        return replace(ReportSettings(), **{k: v for k, v in raw.items() if k != "date"}, signed_on=day)

    def storage(self, raw: Any) -> StorageSettings:
        if not isinstance(raw, dict):
            raise self.fail("[storage]", "must be a table", "write [storage] with keep_runs = 12")
        self.unknown(raw, {"keep_runs"}, "[storage]")
        keep = raw.get("keep_runs", StorageSettings.keep_runs)
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise self.fail(
                "[storage], field 'keep_runs'",
                f"{keep!r} is not a number of runs of at least 1 (the next crawl revalidates the latest run)",
                "e.g. keep_runs = 12",
            )
        return StorageSettings(keep)


def _valid_sender(sender: str) -> bool:
    """`addr@host`, or `Name <addr@host>` with a display name that names only the sender."""
    named = re.fullmatch(r"([^<>]*)<([^<>]*)>", sender)
    if named is None:
        return EMAIL_RE.fullmatch(sender) is not None
    name, address = named.groups()
    return owner_name_problem(name) is None and EMAIL_RE.fullmatch(address) is not None
