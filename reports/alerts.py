"""What the alerts to the duty group's chat robots say, in Chinese: a site's homepage unreachable or back,
a new veto, an inspection's one-line summary. Pure: sending them, once each, is crawler/app/alerts.py's.

Events: `unreachable` (homepage probes failed a channel's `outage_after` times in a row; said once per outage,
and once more when the site is back),
`veto` (a veto finding the site's previous inspection did not have), `inspection_done` (one line: sites,
verdicts, vetoes, deductions, lowest scores).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from checks.dates import CHINA_OFFSET
from checks.links import ERROR_WORDS
from reports.model import Finding, Report, finding_key

PREFIX = "【读网督查】"


class ProbeOutcome(Protocol):
    """An availability probe's result, as an alert tells it (crawler/probes/availability.py's ProbeResult)."""

    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def elapsed(self) -> float: ...
    @property
    def probed_at(self) -> str: ...  # UTC ISO


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


def china_time(iso: str) -> str:
    """'12月2日 20:49' (Beijing time) of a stored UTC timestamp."""
    at = datetime.fromisoformat(iso).astimezone(UTC) + CHINA_OFFSET
    return f"{at.month}月{at.day}日 {at:%H:%M}"


def unreachable_alert(
    site_id: str, name: str, latest: ProbeOutcome, failures: int = 1, since: str | None = None
) -> Alert:
    """A confirmed outage: `failures` homepage probes in a row failed, the first at `since` (UTC ISO), the
    last being `latest`."""
    reason = ERROR_WORDS.get(latest.error or "", latest.error) if latest.error else f"HTTP {latest.status}"
    if failures <= 1 or since is None:
        when = f"探测失败（{reason}），北京时间 {china_time(latest.probed_at)}"
    else:
        when = (
            f"自北京时间 {china_time(since)} 起连续 {failures} 次探测失败，"
            f"最近一次 {china_time(latest.probed_at)}（{reason}）"
        )
    text = f"{PREFIX}网站无法访问：{name}（{site_id}）首页 {latest.url} {when}。恢复访问时另行通知。"
    return Alert("unreachable", text, f"outage:{site_id}", site_id)


def recovered_alert(site_id: str, name: str, result: ProbeOutcome) -> Alert:
    text = (
        f"{PREFIX}网站恢复访问：{name}（{site_id}）首页 {result.url} 于北京时间 "
        f"{china_time(result.probed_at)} 探测正常（{result.elapsed:.1f} 秒）。"
    )
    return Alert("recovered", text, f"outage:{site_id}", site_id)


def veto_alerts(report: Report, previous: Mapping[str, Iterable[Finding]]) -> list[Alert]:
    """One alert per veto finding that the site's previous inspection (`previous[site_id]`) did not have."""
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
