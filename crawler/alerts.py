"""Alerts to the duty group's chat robots (企业微信, 钉钉, 飞书 and any other Apprise channel).

Channels are the registry's [[alerts]] tables (README): a name, an Apprise URL such as
"wecombot://${DUWANG_WECOM_KEY}" and the events wanted. `${NAME}` is replaced by the environment variable
NAME only when a message is sent: a robot's key lives in the service's environment, never in the registry,
the database or a log line (errors are stripped of it; channels are named by `name`, never by URL).

Events: `unreachable` (a homepage probe failed; said once per outage, and once more when the site is back),
`veto` (a veto finding the site's previous inspection did not have), `inspection_done` (one line: sites,
verdicts, vetoes, deductions, lowest scores). Composing is pure; `deliver` sends, records every outcome in
`alert_log` and never raises: a failing channel is logged and recorded, and the job goes on.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.dates import CHINA_OFFSET
from checks.links import ERROR_WORDS

if TYPE_CHECKING:
    from crawler.probe import ProbeResult
    from crawler.registry import Registry
    from crawler.store import Store
    from reports.model import Finding, Report

EVENTS = ("unreachable", "veto", "inspection_done")  # what an [[alerts]] channel may ask for
# Robots whose URL holds nothing but the key: written literally it would sit in the registry file.
ROBOT_SCHEMES = frozenset({"wecombot", "dingtalk", "feishu", "lark"})
PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://\S+$")
PREFIX = "【读网督查】"
log = logging.getLogger("duwang.alerts")


class AlertConfigError(Exception):
    """A channel that cannot be used as configured (e.g. its environment variable is not set)."""


@dataclass(frozen=True)
class AlertChannel:
    """One [[alerts]] table: where to send (an Apprise URL with ${ENV} placeholders) and which events."""

    name: str  # how logs, `alert_log` and `duwang alert` name the channel
    url: str  # as written in the registry: placeholders unexpanded
    events: frozenset[str]

    def resolve(self, environ: Mapping[str, str]) -> tuple[str, list[str]]:
        """The URL to send to, and the secret values put into it (to strip from any error text)."""
        missing = [name for name in PLACEHOLDER_RE.findall(self.url) if not environ.get(name)]
        if missing:
            raise AlertConfigError(
                f"告警通道“{self.name}”：环境变量 {', '.join(missing)} 未设置 not set "
                "(set it in the service's environment, e.g. the systemd unit's EnvironmentFile)"
            )
        secrets = [environ[name] for name in PLACEHOLDER_RE.findall(self.url)]
        return PLACEHOLDER_RE.sub(lambda match: environ[match[1]], self.url), secrets


@dataclass(frozen=True)
class Alert:
    event: str  # unreachable | recovered | veto | inspection_done | test
    text: str  # the message, in Chinese
    key: str  # what makes two alerts the same one (see `due`)
    site_id: str | None = None
    run_id: int | None = None

    @property
    def subscription(self) -> str:
        """The [[alerts]] event that asks for it: a recovery belongs to the outage it ends."""
        return "unreachable" if self.event == "recovered" else self.event


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    channel: str
    error: str | None  # None: sent


# -- registry -----------------------------------------------------------------------------------------


def parse_channels(raw: Any, fail: Callable[[str, str, str], Exception]) -> tuple[AlertChannel, ...]:
    """The registry's [[alerts]] tables, validated; `fail(where, problem, fix)` makes the error to raise."""
    if not isinstance(raw, list):
        raise fail("[[alerts]]", "must be a list of tables", "write each channel as an [[alerts]] table")
    channels: list[AlertChannel] = []
    for index, table in enumerate(raw):
        where = f"alerts[{index}]"
        if not isinstance(table, dict):
            raise fail(where, "must be a table", 'e.g. url = "wecombot://${DUWANG_WECOM_KEY}"')
        for key in table:
            if key not in ("name", "url", "events"):
                raise fail(f"{where}, field {key!r}", "unknown field", "known fields: events, name, url")
        scheme = _checked_url(table.get("url"), f"{where}, field 'url'", fail)
        name = table.get("name", f"alerts[{index}] {scheme}")
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            raise fail(f"{where}, field 'name'", f"{name!r} is not a one-line text", 'e.g. name = "值班群"')
        if name.strip() in {channel.name for channel in channels}:
            raise fail(f"{where}, field 'name'", f"{name!r} is used twice", "give every channel its own name")
        events = table.get("events", list(EVENTS))
        if not isinstance(events, list) or not events or not set(events) <= set(EVENTS):
            raise fail(
                f"{where}, field 'events'",
                f"{events!r} is not a list of alert events",
                f"choose from {', '.join(EVENTS)}",
            )
        channels.append(AlertChannel(name.strip(), table["url"], frozenset(events)))
    return tuple(channels)


def _checked_url(url: Any, where: str, fail: Callable[[str, str, str], Exception]) -> str:
    """The scheme of a valid channel URL."""
    example = 'e.g. url = "wecombot://${DUWANG_WECOM_KEY}", "dingtalk://${DUWANG_DINGTALK_TOKEN}/"'
    match = SCHEME_RE.match(url) if isinstance(url, str) else None
    if match is None:
        raise fail(where, f"{url!r} is not a notification URL", example)
    if "$" in PLACEHOLDER_RE.sub("", url):
        raise fail(where, f"{url!r} has a '$' outside ${{NAME}}", "write environment variables as ${NAME}")
    scheme = match[1].lower()
    if scheme not in _apprise_schemes():
        raise fail(
            where,
            f"{scheme}:// is not a channel Apprise knows",
            "企业微信 wecombot://, 钉钉 dingtalk://, 飞书 feishu://, Lark lark://; see https://appriseit.com/services/",
        )
    if scheme in ROBOT_SCHEMES and not PLACEHOLDER_RE.search(url):
        raise fail(
            where,
            "the robot's key is written in the registry file",
            f'write url = "{scheme}://${{DUWANG_{scheme.upper()}_KEY}}" and set that variable in the '
            "service's environment",
        )
    return scheme


@functools.cache
def _apprise_schemes() -> frozenset[str]:
    """The schemes of Apprise's plugins, loaded once here: its e-mail plugin imports the deprecated imghdr,
    a warning for Apprise to fix, not for an operator to read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from apprise.manager_plugins import NotificationManager

        return frozenset(str(scheme) for scheme in NotificationManager().schemas())


# -- composing (pure) ---------------------------------------------------------------------------------


def china_time(iso: str) -> str:
    """'12月2日 20:49' (Beijing time) of a stored UTC timestamp."""
    at = datetime.fromisoformat(iso).astimezone(UTC) + CHINA_OFFSET
    return f"{at.month}月{at.day}日 {at:%H:%M}"


def unreachable_alert(site_id: str, name: str, result: ProbeResult) -> Alert:
    reason = ERROR_WORDS.get(result.error or "", result.error) if result.error else f"HTTP {result.status}"
    text = (
        f"{PREFIX}网站无法访问：{name}（{site_id}）首页 {result.url} 探测失败（{reason}），"
        f"北京时间 {china_time(result.probed_at)}。恢复访问时另行通知。"
    )
    return Alert("unreachable", text, f"outage:{site_id}", site_id)


def recovered_alert(site_id: str, name: str, result: ProbeResult) -> Alert:
    text = (
        f"{PREFIX}网站恢复访问：{name}（{site_id}）首页 {result.url} 于北京时间 "
        f"{china_time(result.probed_at)} 探测正常（{result.elapsed:.1f} 秒）。"
    )
    return Alert("recovered", text, f"outage:{site_id}", site_id)


def veto_alerts(report: Report, previous: Mapping[str, Iterable[Finding]]) -> list[Alert]:
    """One alert per veto finding that the site's previous inspection (`previous[site_id]`) did not have."""
    from reports.model import finding_key

    alerts = []
    label = report.inspection.label
    for site in report.sites:
        before = {finding_key(f) for f in previous.get(site.site_id, ()) if f.severity == "veto"}
        for veto in site.vetoes:
            key = finding_key(veto)
            if key in before:
                continue
            digest = hashlib.sha1(json.dumps(key, ensure_ascii=False).encode()).hexdigest()[:16]
            text = f"{PREFIX}{label}新增单项否决：{site.name}（{site.site_id}）{veto.detail}"
            alerts.append(
                Alert("veto", text, f"veto:{site.site_id}:{digest}", site.site_id, report.inspection.run_id)
            )
    return alerts


def inspection_summary(report: Report) -> str:
    """One line in Chinese: sites checked, verdicts, vetoes, deductions and the lowest scores."""
    sites = report.sites
    vetoed = [site for site in sites if site.vetoes]
    qualified = sum(site.qualified for site in sites)
    deductions = sum(item.occurrences for site in sites for item in site.deductions)
    parts = [f"检查 {len(sites)} 个网站，合格 {qualified} 个，不合格 {len(sites) - qualified} 个"]
    if report.unchecked:
        parts.append(f"未检查 {len(report.unchecked)} 个")
    names = "、".join(site.name for site in vetoed[:5]) + ("等" if len(vetoed) > 5 else "")
    parts.append(f"单项否决 {len(vetoed)} 个（{names}）" if vetoed else "无单项否决")
    parts.append(f"扣分问题 {deductions} 处")
    worst = [site for site in sites if site.vetoes or (site.score is not None and site.score < 100)][-3:]
    if worst:
        scores = "、".join(
            f"{site.name} {'单项否决' if site.score is None else f'{site.score:.1f} 分'}"
            for site in reversed(worst)
        )
        parts.append(f"得分最低：{scores}")
    return f"{PREFIX}{report.inspection.label}完成：" + "；".join(parts) + "。"


def inspection_alert(report: Report) -> Alert:
    run_id = report.inspection.run_id
    return Alert("inspection_done", inspection_summary(report), f"inspection:{run_id}", None, run_id)


def trial_alert(channel: AlertChannel, now: datetime) -> Alert:
    text = f"{PREFIX}测试消息：告警通道“{channel.name}”可以送达（北京时间 {now:%Y-%m-%d %H:%M}）。"
    return Alert("test", text, f"test:{channel.name}")


def due(alert: Alert, history: list[dict[str, Any]]) -> bool:
    """Whether `alert` goes to a channel whose earlier rows of the same key are `history` (newest first).

    An outage is said once (retried while unsent) and its end once; a veto or a summary once per
    inspection, so a re-run does not repeat it."""
    last = (history[0]["event"], history[0]["status"]) if history else None
    if alert.event == "unreachable":
        return last != ("unreachable", "sent")
    if alert.event == "recovered":
        return last in {("unreachable", "sent"), ("recovered", "failed")}
    if alert.event == "test":
        return True
    return not any(row["status"] == "sent" and row["run_id"] == alert.run_id for row in history)


# -- sending ------------------------------------------------------------------------------------------

# One alert at a time in this process: the probe and inspection jobs may both send, and Apprise's log
# (read for the error of a failed send) is one logger.
_SENDING = threading.Lock()


@contextmanager
def _apprise_warnings() -> Iterator[list[str]]:
    """Apprise's warnings during a send, kept from the service's log: they may quote a robot's key."""
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    apprise_log = logging.getLogger("apprise")
    propagate = apprise_log.propagate
    apprise_log.addHandler(handler)
    apprise_log.propagate = False
    try:
        yield messages
    finally:
        apprise_log.removeHandler(handler)
        apprise_log.propagate = propagate


def send(channel: AlertChannel, text: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """Send `text` on `channel`: None when the channel took it, else why not (with no secret in it)."""
    import apprise

    _apprise_schemes()  # its plugins loaded
    try:
        url, secrets = channel.resolve(environ)
    except AlertConfigError as exc:
        return str(exc)
    with _SENDING, _apprise_warnings() as warnings:
        try:
            notifier = apprise.Apprise()
            if not notifier.add(url):
                error = "Apprise 不接受这个地址 URL rejected (check the key's characters and the URL's form)"
            elif notifier.notify(body=text):
                return None
            else:
                error = "发送失败 not delivered"
        except Exception as exc:  # a plugin's own bug must not end the job that raised the alert
            error = f"{type(exc).__name__}: {exc}"
    detail = "; ".join(dict.fromkeys(warnings))
    text = f"{error}: {detail}" if detail else error
    for secret in sorted(filter(None, secrets), key=len, reverse=True):  # Apprise's warnings may quote it
        text = text.replace(secret, "***")
    return text


def deliver(
    store: Store,
    channels: Iterable[AlertChannel],
    alerts: Iterable[Alert],
    environ: Mapping[str, str] = os.environ,
) -> list[Delivery]:
    """Send each alert to each channel that wants it and has not had it (`due`); record and log each try."""
    deliveries = []
    channels = tuple(channels)
    for alert in alerts:
        for channel in channels:
            if alert.event != "test" and alert.subscription not in channel.events:
                continue
            history = [row for row in store.alert_log(alert.key, limit=50) if row["channel"] == channel.name]
            if not due(alert, history):
                continue
            error = send(channel, alert.text, environ)
            status = "sent" if error is None else "failed"
            store.record_alert(asdict(alert) | {"channel": channel.name, "status": status, "error": error})
            fields = {"event": alert.event, "channel": channel.name, "site": alert.site_id, "error": error}
            level = logging.INFO if error is None else logging.WARNING
            log.log(level, "alert sent" if error is None else "alert failed", extra={"fields": fields})
            deliveries.append(Delivery(alert, channel.name, error))
    return deliveries


def summary(deliveries: list[Delivery]) -> str:
    """One line for a job's detail: how many alerts went, and which failed why."""
    failed = [d for d in deliveries if d.error is not None]
    line = f"alerts: {len(deliveries) - len(failed)} sent, {len(failed)} failed"
    return line + "".join(f"; {d.channel}: {d.error}" for d in failed[:3])


# -- the jobs' entry points: never raise ----------------------------------------------------------------


def after_probe(db: Path, registry: Registry, results: Iterable[ProbeResult]) -> str:
    """Alert the outages (and recoveries) a probe round found."""
    if not any("unreachable" in channel.events for channel in registry.alerts):
        return "alerts: none configured"
    from crawler.store import Store

    try:
        names = {site.id: site.name for site in registry.sites}
        alerts = [
            (recovered_alert if result.ok else unreachable_alert)(
                result.site_id, names.get(result.site_id, result.site_id), result
            )
            for result in results
        ]
        store = Store(db)
        try:
            return summary(deliver(store, registry.alerts, alerts))
        finally:
            store.close()
    except Exception as exc:  # alerting must never fail the probe job
        log.exception("alerts failed", extra={"fields": {"job": "probe"}})
        return f"alerts failed: {type(exc).__name__}: {exc}"


def after_inspection(db: Path, registry: Registry, rubric: Path | None, run_id: int) -> str:
    """Alert the new vetoes and the summary of a checked inspection."""
    if not registry.alerts:
        return "alerts: none configured"
    from crawler.store import Store
    from reports.build import build_report
    from reports.scoring import load_scoring

    try:
        store = Store(db)
        try:
            report = build_report(store, registry, load_scoring(rubric), run_id)
            previous = previous_findings(store, run_id, [site.site_id for site in report.sites])
            alerts = [*veto_alerts(report, previous), inspection_alert(report)]
            return summary(deliver(store, registry.alerts, alerts))
        finally:
            store.close()
    except Exception as exc:  # alerting must never fail the inspection job
        log.exception("alerts failed", extra={"fields": {"job": "inspect"}})
        return f"alerts failed: {type(exc).__name__}: {exc}"


def previous_findings(store: Store, run_id: int, site_ids: Iterable[str]) -> dict[str, list[Finding]]:
    """Each site's findings in the latest inspection before `run_id` that checked it (none: no such one)."""
    from reports.model import Finding

    earlier = sorted((other for other in store.checked_runs() if other < run_id), reverse=True)
    found: dict[str, list[Finding]] = {}
    for site_id in site_ids:
        other = next((o for o in earlier if site_id in store.checked_sites(o)), None)
        rows = store.findings(other, site_id) if other is not None else []
        found[site_id] = [Finding.from_json(row) for row in rows]
    return found
