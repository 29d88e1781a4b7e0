"""Sending the alerts (reports/alerts.py says what they say) to the registry's [[alerts]] channels
(crawler/registry/alerts.py) through Apprise, each once.

`deliver` sends, records every outcome in `alert_log` and never raises: a failing channel is logged and
recorded, and the job goes on. `after_probe` (the service's probe job and `duwang probe`) and
`after_inspection` are the jobs' entry points.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.probes.availability import ProbeResult
from crawler.registry import Registry
from crawler.registry.alerts import AlertChannel, AlertConfigError, apprise_schemes
from crawler.store import Store
from reports.alerts import PREFIX, Alert, inspection_alert, recovered_alert, unreachable_alert, veto_alerts
from reports.model import Finding

log = logging.getLogger("duwang.alerts")
# `duwang probe` prints the outcome in a line of its own; without a handler here Python's last resort would
# add a bare "alert failed" to stderr. The service's root handler still gets every record.
log.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    channel: str
    error: str | None  # None: sent


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

    apprise_schemes()  # its plugins loaded
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
    """Alert the confirmed outages (and their ends) as the stored probes stand after a probe round: a channel
    hears of an outage once its `outage_after` probes in a row have failed, and of the site being back only
    if it heard of the outage (`due`). The probe history is read from the store, not kept here: the service
    restarts, and `duwang probe` run from cron is a new process each time."""
    channels = [channel for channel in registry.alerts if "unreachable" in channel.events]
    if not channels:
        return "alerts: none configured"
    try:
        names = {site.id: site.name for site in registry.sites}
        deliveries: list[Delivery] = []
        with Store(db) as store:
            for result in {result.site_id: result for result in results}.values():
                name = names.get(result.site_id, result.site_id)
                run = [_stored_probe(row) for row in store.failing_run(result.site_id)]
                if not run and result.ok:
                    alert, wanted = recovered_alert(result.site_id, name, result), channels
                elif run:
                    alert = unreachable_alert(result.site_id, name, run[0], len(run), run[-1].probed_at)
                    wanted = [channel for channel in channels if len(run) >= channel.outage_after]
                else:  # failed but not stored: nothing to count on
                    continue
                deliveries += deliver(store, wanted, [alert])
        return summary(deliveries)
    except Exception as exc:  # alerting must never fail the probe job
        log.exception("alerts failed", extra={"fields": {"job": "probe"}})
        return f"alerts failed: {type(exc).__name__}: {exc}"


def _stored_probe(row: Mapping[str, Any]) -> ProbeResult:
    return ProbeResult(**(dict(row) | {"ok": bool(row["ok"])}))  # the `probes` columns are its fields


def after_inspection(db: Path, registry: Registry, rubric: Path | None, run_id: int) -> str:
    """Alert the new vetoes and the summary of a checked inspection."""
    if not registry.alerts:
        return "alerts: none configured"
    from crawler.app.reportdata import load_stored
    from reports.build import build_report
    from reports.scoring import load_scoring

    try:
        with Store(db) as store:
            report = build_report(load_stored(store, registry, until=run_id), load_scoring(rubric), run_id)
            previous = previous_findings(store, run_id, [site.site_id for site in report.sites])
            alerts = [*veto_alerts(report, previous), inspection_alert(report)]
            return summary(deliver(store, registry.alerts, alerts))
    except Exception as exc:  # alerting must never fail the inspection job
        log.exception("alerts failed", extra={"fields": {"job": "inspect"}})
        return f"alerts failed: {type(exc).__name__}: {exc}"


def previous_findings(store: Store, run_id: int, site_ids: Iterable[str]) -> dict[str, list[Finding]]:
    """Each site's findings in the latest inspection before `run_id` that checked it (none: no such one)."""
    earlier = sorted((other for other in store.checked_runs() if other < run_id), reverse=True)
    found: dict[str, list[Finding]] = {}
    for site_id in site_ids:
        other = next((o for o in earlier if site_id in store.checked_sites(o)), None)
        rows = store.findings(other, site_id) if other is not None else []
        found[site_id] = [Finding.from_json(row) for row in rows]
    return found
