"""Site technical indicators from stored technical probes: HTTPS and its certificate (days left counted to
the moment of inspection), IPv6 reachability (a deduction only when measured), and "not measured" as
information, never a deduction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from checks.facts import TechProbe
from checks.inspect import check_site
from checks.rules import RubricError, load_rules
from checks.tech import check_https, check_ipv6, check_tech
from reports.model import Finding
from reports.scoring import SiteInfo, load_scoring, score_site
from tests.sitefacts import site

RULES = load_rules()
NOW = datetime(2026, 11, 28, 10, 0)  # China time, as every fact
URL = "https://www.x.gov.cn/"


def probe(minutes_ago: int = 30, **fields) -> TechProbe:
    values = {
        "probed_at": NOW - timedelta(minutes=minutes_ago),
        "https_url": URL,
        "https": "ok",
        "cert_verified": True,
        "cert_not_after": NOW + timedelta(days=90),
        "cert_subject": "CN=www.x.gov.cn",
        "cert_issuer": "CN=Test CA",
        "cert_names": ("www.x.gov.cn",),
        "hostname_match": True,
        "ipv6": "ok",
        "ipv6_addresses": ("2001:db8::1",),
    } | fields
    return TechProbe(**values)


def test_a_valid_certificate_for_90_days_and_ipv6_reachable_have_no_findings():
    assert check_tech(site([], tech=(probe(),)), RULES, NOW) == []


def test_no_probe_no_finding_and_probes_older_than_the_window_are_not_read():
    assert check_tech(site([]), RULES, NOW) == []
    old = probe(minutes_ago=60 * 24 * (RULES.availability_days + 1), https="refused")
    assert check_tech(site([], tech=(old,)), RULES, NOW) == []


def test_a_certificate_expiring_in_10_days_is_a_warning_with_its_expiry_and_days_left():
    [finding] = check_https("x", probe(cert_not_after=NOW + timedelta(days=10, hours=3)), RULES, NOW)
    assert (finding.check, finding.severity, finding.element, finding.url) == (
        "cert_expiring",
        "warning",
        "certificate",
        URL,
    )
    evidence = finding.evidence
    assert evidence["days_left"] == 10 and evidence["not_after"] == "2026-12-08T13:00:00"
    assert evidence["probed_at"] == "2026-11-28T09:30:00" and evidence["issuer"] == "CN=Test CA"
    assert "剩余10天" in finding.detail and "不足30天" in finding.detail


def test_the_warning_line_is_the_rubric_s(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text("[tech]\ncert_warn_days = 7\n", encoding="utf-8")
    rules = load_rules(override)
    assert check_https("x", probe(cert_not_after=NOW + timedelta(days=10)), rules, NOW) == []
    assert check_https("x", probe(cert_not_after=NOW + timedelta(days=31)), RULES, NOW) == []


def test_an_unverified_certificate_is_invalid_with_the_verification_error():
    served = probe(
        cert_verified=False,
        verify_error="Hostname mismatch, certificate is not valid for 'www.x.gov.cn'.",
        cert_names=("other.example",),
        hostname_match=False,
    )
    [finding] = check_https("x", served, RULES, NOW)
    assert (finding.check, finding.severity) == ("cert_invalid", "warning")  # the rubric's default
    assert finding.evidence["verify_error"].startswith("Hostname mismatch")
    assert finding.evidence["names"] == ["other.example"] and finding.evidence["hostname_match"] is False


def test_an_expired_certificate_says_when_it_expired():
    expired = probe(
        cert_verified=False,
        verify_error="certificate has expired",
        cert_not_after=NOW - timedelta(days=3),
    )
    [finding] = check_https("x", expired, RULES, NOW)
    assert finding.check == "cert_invalid" and finding.evidence["days_left"] == -3
    assert "已于2026-11-25" in finding.detail


def test_https_missing_and_the_severity_the_rubric_sets(tmp_path):
    refused = probe(
        https="refused", https_error="[Errno 111] Connection refused", cert_verified=None, cert_not_after=None
    )
    [finding] = check_https("x", refused, RULES, NOW)
    assert (finding.check, finding.severity) == ("https_missing", "warning")
    assert finding.evidence["error"] == "[Errno 111] Connection refused" and "443端口" in finding.detail
    override = tmp_path / "rubric.toml"
    override.write_text('[tech]\nhttps_severity = "deduction"\n', encoding="utf-8")
    [scored] = check_https("x", refused, load_rules(override), NOW)
    assert scored.severity == "deduction"
    plain = replace(refused, https="no_tls", https_error="[SSL: WRONG_VERSION_NUMBER] wrong version number")
    assert check_https("x", plain, load_rules(override), NOW)[0].check == "https_missing"


def test_a_timeout_is_never_a_deduction_and_an_unresolved_name_is_not_measured(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text('[tech]\nhttps_severity = "deduction"\n', encoding="utf-8")
    rules = load_rules(override)
    [late] = check_https("x", probe(https="timeout", https_error="timed out"), rules, NOW)
    assert (late.check, late.severity) == ("https_missing", "warning") and "待确认" in late.detail
    [dns] = check_https("x", probe(https="dns", https_error="Name or service not known"), rules, NOW)
    assert (dns.check, dns.severity, dns.element) == ("tech_unmeasured", "info", "https")


def test_a_bad_https_severity_is_refused(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text('[tech]\nhttps_severity = "veto"\n', encoding="utf-8")
    with pytest.raises(RubricError, match=r"\[tech\] https_severity: 'veto' is not warning or deduction"):
        load_rules(override)


def test_no_aaaa_record_is_a_deduction_with_the_lookup_as_evidence():
    [finding] = check_ipv6("x", [probe(ipv6="no_aaaa", ipv6_addresses=(), ipv6_error="No address")])
    assert (finding.check, finding.severity, finding.element) == ("ipv6_unreachable", "deduction", "ipv6")
    assert finding.evidence == {
        "probed_at": "2026-11-28T09:30:00",
        "state": "no_aaaa",
        "addresses": [],
        "error": "No address",
        "measured": 1,
    }


def test_one_failed_connection_is_a_warning_two_in_a_row_a_deduction():
    failed = {"ipv6": "connect_failed", "ipv6_error": "timed out"}
    [once] = check_ipv6("x", [probe(90), probe(30, **failed)])
    assert (once.severity, "待下次探测确认" in once.detail) == ("warning", True)
    [twice] = check_ipv6("x", [probe(90, **failed), probe(30, **failed)])
    assert twice.severity == "deduction" and "2001:db8::1" in twice.detail
    assert check_ipv6("x", [probe(90, **failed), probe(30)]) == []  # reachable again


def test_no_ipv6_on_this_machine_is_information_never_a_deduction():
    here = probe(ipv6="no_ipv6_here", ipv6_error="no default IPv6 route on this machine")
    [finding] = check_ipv6("x", [here])
    assert (finding.check, finding.severity, finding.element) == ("tech_unmeasured", "info", "ipv6")
    assert "本机无IPv6网络" in finding.detail and finding.evidence["error"].startswith("no default")
    # An earlier measurement stays the verdict: the machine losing IPv6 later does not erase it.
    [measured] = check_ipv6("x", [probe(90, ipv6="no_aaaa"), here])
    assert measured.check == "ipv6_unreachable"


def test_check_site_reports_technical_findings_and_scoring_counts_only_deductions(tmp_path):
    facts = site([], tech=(probe(ipv6="no_aaaa", https="refused", cert_verified=None, cert_not_after=None),))
    findings = [f for f in check_site(facts, RULES, NOW) if f.element in ("https", "ipv6")]
    assert {(f.check, f.severity) for f in findings} == {
        ("https_missing", "warning"),
        ("ipv6_unreachable", "deduction"),
    }
    portal = SiteInfo("x", "测试县人民政府", "portal")
    scored = score_site(portal, [Finding.from_json(f.as_json()) for f in findings], load_scoring())
    # IPv6 is functional design (−1; the elements bonus is about page elements); HTTPS, a warning, is not scored.
    assert [(d.indicator, d.points) for d in scored.deductions] == [("functional_design", 1)]
    assert scored.score == 100 - 1  # bonus indicators are off by default
    bonuses = tmp_path / "bonuses.toml"
    bonuses.write_text('[[indicators]]\nid = "bonus_elements"\nenabled = true\n', encoding="utf-8")
    with_bonus = score_site(portal, [Finding.from_json(f.as_json()) for f in findings], load_scoring(bonuses))
    assert with_bonus.score == 100 - 1 + 5  # enabled, the elements bonus is kept: IPv6 is not a page element
    override = tmp_path / "rubric.toml"
    override.write_text('[tech]\nhttps_severity = "deduction"\n', encoding="utf-8")
    strict = [
        Finding.from_json(f.as_json())
        for f in check_site(facts, load_rules(override), NOW)
        if f.element == "https"
    ]
    assert [
        (d.indicator, d.points) for d in score_site(portal, strict, load_scoring(override)).deductions
    ] == [("https", 1)]


def test_reports_name_the_technical_elements_and_evidence_in_chinese():
    from reports.evidence import evidence_items
    from reports.glossary import element_name

    [finding] = check_https("x", probe(cert_not_after=NOW + timedelta(days=10)), RULES, NOW)
    labels = [item.label for item in evidence_items(finding.evidence)]
    assert {"探测时间", "证书到期时间", "剩余天数", "签发者", "证书所列名称"} <= set(labels)
    assert all(not label.isascii() for label in labels), labels
    assert [element_name(e) for e in ("https", "certificate", "ipv6")] == [
        "HTTPS访问",
        "HTTPS证书",
        "IPv6访问",
    ]
