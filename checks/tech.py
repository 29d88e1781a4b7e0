"""Site technical indicators (功能设计): HTTPS and its certificate, and IPv6 reachability of the homepage.

Read from the technical probes of the availability window (crawler/probes/tech.py stores them; the facts carry
them as `SiteFacts.tech`, oldest first). HTTPS is judged on the latest probe: the certificate is what the
site serves now, and its days left are counted to the moment of inspection. IPv6 is judged on the probes
that measured it: a missing AAAA record is a measurement (deduction); a failed connection is a deduction
only when the last two measurements both failed, otherwise a 待确认 warning. Whatever could not be measured
from here (no IPv6 on this machine, a name that does not resolve, a host off the allow-list) is an
informational `tech_unmeasured` finding, never a deduction. No probe at all: no finding.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from checks.dates import chinese_date
from checks.facts import SiteFacts, TechProbe
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules

MEASURED_IPV6 = ("ok", "no_aaaa", "connect_failed")
UNMEASURED_IPV6 = {
    "no_ipv6_here": "本机无IPv6网络",
    "ip_literal": "登记的首页地址是IPv4地址",
    "dns": "域名解析失败",
    "timeout": "域名解析超时",
    "offlist": "主机不在网络白名单内",
}
UNMEASURED_HTTPS = {"dns": "域名解析失败", "offlist": "主机不在网络白名单内"}
# For reports: the `element` of a technical finding, and its evidence keys, in Chinese.
NAMES = {"https": "HTTPS访问", "certificate": "HTTPS证书", "ipv6": "IPv6访问"}
EVIDENCE_NAMES = {
    "probed_at": "探测时间",
    "https_url": "探测地址",
    "state": "探测结果",
    "verified": "证书验证通过",
    "verify_error": "证书验证错误",
    "subject": "证书主体",
    "issuer": "签发者",
    "names": "证书所列名称",
    "hostname_match": "名称与主机相符",
    "not_after": "证书到期时间",
    "not_after_day": "证书到期日",
    "days_left": "剩余天数",
    "days_left_at": "剩余天数计算时刻",
    "addresses": "IPv6地址",
    "measured": "已测次数",
}


def check_tech(facts: SiteFacts, rules: Rules, now: datetime) -> list[Finding]:
    since = now - timedelta(days=rules.availability_days)
    probes = [probe for probe in facts.tech if probe.probed_at >= since]
    if not probes:
        return []
    return [*check_https(facts.site_id, probes[-1], rules, now), *check_ipv6(facts.site_id, probes)]


def _when(probe: TechProbe) -> str:
    return probe.probed_at.isoformat(timespec="seconds")


def check_https(site_id: str, probe: TechProbe, rules: Rules, now: datetime) -> list[Finding]:
    """HTTPS offered, its certificate verified and valid for more than [tech] cert_warn_days."""
    evidence: dict[str, Any] = {"probed_at": _when(probe), "https_url": probe.https_url, "state": probe.https}
    if probe.https_error:
        evidence["error"] = probe.https_error
    severity = Severity(rules.tech_https_severity)
    if probe.https in UNMEASURED_HTTPS:
        reason = UNMEASURED_HTTPS[probe.https]
        detail = f"未能检测HTTPS（{reason}），待确认。"
        return [_finding(site_id, CheckId.TECH_UNMEASURED, Severity.INFO, detail, "https", probe, evidence)]
    if probe.https in ("refused", "no_tls"):
        why = "连接被拒绝" if probe.https == "refused" else "该端口未响应TLS握手"
        detail = f"首页主机未提供HTTPS访问（{_port(probe.https_url)}端口{why}），请部署HTTPS并配置有效证书。"
        return [_finding(site_id, CheckId.HTTPS_MISSING, severity, detail, "https", probe, evidence)]
    if probe.https != "ok":  # timeout or another network error: not proof that HTTPS is missing
        detail = f"HTTPS连接未成功（{probe.https_error or probe.https}），待确认是否提供HTTPS访问。"
        return [_finding(site_id, CheckId.HTTPS_MISSING, Severity.WARNING, detail, "https", probe, evidence)]
    evidence |= _certificate_evidence(probe, now)
    days_left = evidence.get("days_left")
    if not probe.cert_verified:
        expired = f"，已于{evidence['not_after']}过期" if days_left is not None and days_left < 0 else ""
        detail = (
            f"HTTPS证书验证失败（{probe.verify_error or '未知原因'}）{expired}，"
            "请更换由受信任机构签发、与域名匹配且在有效期内的证书。"
        )
        return [_finding(site_id, CheckId.CERT_INVALID, severity, detail, "certificate", probe, evidence)]
    if days_left is not None and days_left <= rules.tech_cert_warn_days:
        detail = (
            f"HTTPS证书将于{evidence['not_after']}过期（剩余{days_left}天，不足{rules.tech_cert_warn_days}天），"
            "请及时续期。"
        )
        return [
            _finding(site_id, CheckId.CERT_EXPIRING, Severity.WARNING, detail, "certificate", probe, evidence)
        ]
    return []


def _certificate_evidence(probe: TechProbe, now: datetime) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "verified": probe.cert_verified,
        "verify_error": probe.verify_error,
        "subject": probe.cert_subject,
        "issuer": probe.cert_issuer,
        "names": list(probe.cert_names),
        "hostname_match": probe.hostname_match,
    }
    if probe.cert_not_after is not None:
        evidence["not_after"] = probe.cert_not_after.isoformat(timespec="seconds")
        evidence["not_after_day"] = chinese_date(probe.cert_not_after.date())
        evidence["days_left"] = (probe.cert_not_after - now) // timedelta(days=1)
        evidence["days_left_at"] = now.isoformat(timespec="seconds")
    return {key: value for key, value in evidence.items() if value is not None}


def check_ipv6(site_id: str, probes: list[TechProbe]) -> list[Finding]:
    """The homepage reachable over IPv6: an AAAA answer and a connection."""
    measured = [probe for probe in probes if probe.ipv6 in MEASURED_IPV6]
    if not measured:
        latest = probes[-1]
        reason = UNMEASURED_IPV6.get(latest.ipv6, latest.ipv6)
        detail = f"未能检测首页IPv6可访问性（{reason}），待确认。"
        unmeasured = {"probed_at": _when(latest), "state": latest.ipv6, "error": latest.ipv6_error}
        return [_finding(site_id, CheckId.TECH_UNMEASURED, Severity.INFO, detail, "ipv6", latest, unmeasured)]
    latest = measured[-1]
    evidence: dict[str, Any] = {
        "probed_at": _when(latest),
        "state": latest.ipv6,
        "addresses": list(latest.ipv6_addresses),
        "error": latest.ipv6_error,
        "measured": len(measured),
    }
    if latest.ipv6 == "ok":
        return []
    if latest.ipv6 == "no_aaaa":
        detail = "首页域名没有IPv6地址（DNS无AAAA记录），不支持IPv6访问，请开通IPv6。"
        return [
            _finding(site_id, CheckId.IPV6_UNREACHABLE, Severity.DEDUCTION, detail, "ipv6", latest, evidence)
        ]
    confirmed = len(measured) >= 2 and measured[-2].ipv6 == "connect_failed"
    addresses = "、".join(latest.ipv6_addresses)
    if confirmed:
        detail = f"首页IPv6地址（{addresses}）连续两次无法连接，请检查IPv6接入。"
        severity = Severity.DEDUCTION
    else:
        detail = f"首页IPv6地址（{addresses}）本次无法连接（{latest.ipv6_error}），待下次探测确认。"
        severity = Severity.WARNING
    return [_finding(site_id, CheckId.IPV6_UNREACHABLE, severity, detail, "ipv6", latest, evidence)]


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or 443


def _finding(
    site_id: str,
    check: CheckId,
    severity: Severity,
    detail: str,
    element: str,
    probe: TechProbe,
    evidence: dict[str, Any],
) -> Finding:
    return Finding(
        site_id,
        check,
        severity,
        detail,
        url=probe.https_url if element != "ipv6" else None,
        element=element,
        evidence={key: value for key, value in evidence.items() if value is not None},
    )
