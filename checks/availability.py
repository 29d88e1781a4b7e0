"""Site availability (站点无法访问) and homepage freshness (首页不更新).

Availability: the homepage is probed at least 20 times a day for a week; the failed share decides — at or
above the veto line (5 %) the site fails, above the warning line a warning. Homepage freshness: a new item
on the homepage within 2 weeks, or the site fails; when the homepage lists no dated item at all (a
navigation-only entry page), the newest item of any column counts instead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from checks.columns import Column, newest_date
from checks.dates import chinese_date, item_date
from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules


def check_availability(facts: SiteFacts, rules: Rules, now: datetime) -> list[Finding]:
    since = now - timedelta(days=rules.availability_days)
    probes = [probe for probe in facts.probes if probe.probed_at >= since]
    if not probes:
        return []
    failed = sum(1 for probe in probes if not probe.ok)
    share = failed / len(probes)
    if share >= rules.availability_veto_share:
        severity = Severity.VETO
    elif share > rules.availability_warn_share:
        severity = Severity.WARNING
    else:
        return []
    return [
        Finding(
            facts.site_id,
            CheckId.UNREACHABLE,
            severity,
            f"近{rules.availability_days}天首页共探测 {len(probes)} 次，失败 {failed} 次（{share:.1%}），"
            f"{'达到' if severity is Severity.VETO else '接近'}单项否决线"
            f"（{rules.availability_veto_share:.0%}），"
            "请检查服务器、网络和防护设备。",
            url=facts.home_urls[0],
            evidence={
                "probes": len(probes),
                "failed": failed,
                "share": round(share, 4),
                "errors": sorted({str(p.error or p.status) for p in probes if not p.ok}),
            },
        )
    ]


def check_homepage(facts: SiteFacts, columns: list[Column], rules: Rules, today: date) -> list[Finding]:
    home = facts.home_urls[0]
    dates = [
        d
        for url in facts.home_urls
        for e in facts.entries.get(url, ())
        if (d := item_date(e.date_text, e.url, today))
    ]
    dates = [d for d in dates if d <= today]
    source = "首页"
    if not dates:
        dates = [d for column in columns if column.confirmed and (d := newest_date(column, today))]
        source = "首页及二级页面"
    newest = max(dates, default=None)
    age = (today - newest).days if newest else None
    window, warn = rules.homepage_window_days, rules.homepage_warn_days
    if age is not None and age <= warn:
        return []
    evidence = {"newest": newest.isoformat() if newest else None, "age_days": age, "window_days": window}
    if age is None and not any(facts.entries.get(url) for url in facts.home_urls):
        # No list was read on the homepage and no date anywhere: perhaps the lists are written by script or
        # in a template duwang does not read. Never a veto on a guess: a person looks. (Items read without
        # a date are a different matter: an undated item counts as not updated.)
        return [
            Finding(
                facts.site_id,
                CheckId.HOMEPAGE_STALE,
                Severity.WARNING,
                "【待确认】首页及各栏目均未读到信息发布日期，无法判断首页是否按时更新，请人工核查首页最新信息的发布日期。",
                url=home,
                page=home,
                evidence={**evidence, "confidence": "unconfirmed"},
            )
        ]
    if age is None or age > window:
        when = f"最近一条发布于{chinese_date(newest)}" if newest else "均无发布日期"
        return [
            Finding(
                facts.site_id,
                CheckId.HOMEPAGE_STALE,
                Severity.VETO,
                f"{source}信息{when}，超过{window}天未更新，属于单项否决情形，请立即更新首页信息。",
                url=home,
                page=home,
                evidence=evidence,
            )
        ]
    return [
        Finding(
            facts.site_id,
            CheckId.HOMEPAGE_STALE,
            Severity.WARNING,
            f"首页已 {age} 天没有新信息，再过 {window - age} 天将触及“首页不更新”单项否决，请及时更新。",
            url=home,
            page=home,
            evidence=evidence,
        )
    ]
