"""The views every document is rendered from: the overview of an inspection and each site's page, built once
from a `Report` with the Chinese names, formatted numbers and changes already worked out.

`overview(report)` gives the ranking rows, the summary counts, the vetoes and the trend history;
`site_view(overview, row)` one site's findings grouped by check (vetoes first, then the rubric's order),
with their evidence as labelled values (`reports.evidence`). The HTML pages and the mail messages render
these, the Excel workbook the same names (`reports.glossary`); renderers never import each other. Finding
texts come from crawled pages and stay plain text here: escaping is each renderer's job; only http(s) URLs
get an `href`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from checks.dates import chinese_date
from checks.findings import severity_rank
from checks.tech import NAMES as TECH_NAMES
from reports.evidence import EvidenceItem, evidence_items
from reports.glossary import check_name, check_order, element_name, kind_name, severity_name
from reports.model import Finding, HistoryPoint, Inspection, Lines, Report, SiteScore

# The registry's id rule (crawler.registry.ID_RE): a site id becomes a file name, so anything else is refused
# rather than allowed to reach outside the report's sites/ folder.
SITE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
CN_DIGITS = "一二三四"


def period_text(period: str) -> str:
    """A period id ("2026Q4", "2026-11", "2026") as Chinese; anything else is shown as given."""
    if match := re.fullmatch(r"(\d{4})Q([1-4])", period):
        return f"{match[1]}年第{CN_DIGITS[int(match[2]) - 1]}季度"
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", period):
        return f"{match[1]}年{int(match[2])}月"
    if re.fullmatch(r"\d{4}", period):
        return f"{period}年度"
    return period


def fmt_score(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"


def fmt_points(points: float) -> str:
    """Points without a useless ".0" (deductions are mostly whole or half points)."""
    return f"{points:.2f}".rstrip("0").rstrip(".")


def http_url(url: Any) -> str | None:
    """The URL if it may become a link (absolute http or https), else None: a crawled `javascript:` or
    `data:` URL must stay text."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and url == url.strip():
        return url
    return None


def site_page(site_id: str) -> str:
    """The file name of a site's own page (under sites/ beside the overview)."""
    if not SITE_ID_RE.match(site_id):
        raise ValueError(f"site id {site_id!r} cannot be used as a file name")
    return f"{site_id}.html"


@dataclass
class Delta:
    """A change against the previous inspection, as text with a direction for colouring."""

    text: str
    direction: str  # up | down | same | none


def score_delta(delta: float | None) -> Delta:
    if delta is None:
        return Delta("—", "none")
    if round(delta, 1) == 0:
        return Delta("持平", "same")
    return Delta(f"{'↑' if delta > 0 else '↓'}{abs(delta):.1f}", "up" if delta > 0 else "down")


def rank_delta(delta: int | None) -> Delta:
    if delta is None:
        return Delta("—", "none")
    if delta == 0:
        return Delta("排名不变", "same")
    return Delta(f"排名{'↑' if delta > 0 else '↓'}{abs(delta)}", "up" if delta > 0 else "down")


def verdict_class(site: SiteScore) -> str:
    if site.vetoes:
        return "veto"
    return "pass" if site.qualified else "fail"


@dataclass
class FindingView:
    detail: str
    severity: str
    severity_name: str
    url: str | None
    url_href: str | None
    page: str | None
    page_href: str | None
    places: list[tuple[str, str]]  # (label, value): column, section, element
    evidence: list[EvidenceItem]
    still_open: bool


@dataclass
class CheckGroup:
    anchor: str
    check: str
    name: str
    severities: list[tuple[str, str]]  # (severity, Chinese name), most severe first
    findings: list[FindingView]


def finding_view(site: SiteScore, finding: Finding) -> FindingView:
    element_label = {"columns_stale": "统计项"}.get(
        finding.check, "技术指标" if finding.element in TECH_NAMES else "页面要素"
    )
    places = [
        (label, element_name(value) if name == "element" else str(value))
        for name, label, value in (
            ("column", "栏目", finding.column),
            ("section", "必备栏目", finding.section),
            ("element", element_label, finding.element),
        )
        if value
    ]
    return FindingView(
        detail=str(finding.detail or ""),
        severity=finding.severity,
        severity_name=severity_name(finding.severity),
        url=finding.url or None,
        url_href=http_url(finding.url),
        page=finding.page or None,
        page_href=http_url(finding.page),
        places=places,
        evidence=evidence_items(finding.evidence),
        still_open=site.still_open(finding),
    )


def check_groups(site: SiteScore) -> list[CheckGroup]:
    """The site's findings grouped by check: vetoes first, then deductions, warnings and notes; within a
    severity in the rubric's order (`reports.glossary.CHECK_NAMES`)."""
    by_check: dict[str, list[Finding]] = {}
    for finding in site.findings:
        by_check.setdefault(finding.check, []).append(finding)

    def group_order(check: str) -> tuple[int, tuple[int, str]]:
        return (min(severity_rank(finding.severity) for finding in by_check[check]), check_order(check))

    groups = []
    for number, check in enumerate(sorted(by_check, key=group_order), start=1):
        findings = sorted(by_check[check], key=lambda finding: severity_rank(finding.severity))
        severities = sorted({finding.severity for finding in findings}, key=severity_rank)
        groups.append(
            CheckGroup(
                anchor=f"check-{number}",  # not the check id: ids in the page come from us, not from data
                check=check,
                name=check_name(check),
                severities=[(severity, severity_name(severity)) for severity in severities],
                findings=[finding_view(site, finding) for finding in findings],
            )
        )
    return groups


@dataclass
class SiteRow:
    """One site in the ranking (and the head of its own page)."""

    site: SiteScore
    href: str  # its own page, relative to the overview
    kind_name: str
    kind_total: int  # sites of its kind in the ranking
    score: str
    verdict_class: str  # pass | fail | veto
    score_delta: Delta
    rank_delta: Delta
    changes: list[int] | None  # new, fixed, still open; None without a previous inspection
    deduction_total: str


@dataclass
class UncheckedRow:
    site: SiteScore
    kind_name: str


@dataclass
class VetoView:
    """A veto as its indicator's name and detail; in a period report also the date of the inspection it
    happened in (the veto's evidence `run_id`)."""

    row: SiteRow
    indicator: str
    detail: str
    day: str | None


@dataclass
class Summary:
    sites: int
    qualified: int
    failed: int  # below the pass line, not vetoed
    vetoed: int
    average: str  # of the scored sites, vetoed ones left out
    findings: int
    new: int
    fixed: int
    open: int
    unchecked: int


@dataclass
class Overview:
    inspection: Inspection
    previous: Inspection | None
    period: str | None  # in Chinese
    rule: str | None
    lines: Lines
    rows: list[SiteRow]
    unchecked_rows: list[UncheckedRow]
    vetoes: list[VetoView]
    summary: Summary
    history: list[HistoryPoint]  # ends at this inspection

    @property
    def has_previous(self) -> bool:
        return self.previous is not None


@dataclass
class InteractionView:
    """互动回应 in figures for the bulletin: the site's `interaction_stats` finding, formatted."""

    messages: int
    answered: int
    unanswered: int
    median_reply_days: str  # "3.5", or "—" when no reply is dated
    in_time_rate: str  # "85.7%", or "—"
    reply_limit_days: int  # the working days 限时答复率 counts against


STATS_CHECK = "interaction_stats"


def interaction_view(site: SiteScore) -> InteractionView | None:
    """The site's 互动回应 statistics, or None when the inspection read no messages of it."""
    found = next((f for f in site.findings if f.check == STATS_CHECK and f.evidence), None)
    if found is None or found.evidence is None:
        return None
    stats = found.evidence
    median, rate = stats.get("median_reply_days"), stats.get("in_time_rate")
    return InteractionView(
        messages=int(stats.get("messages") or 0),
        answered=int(stats.get("answered") or 0),
        unanswered=int(stats.get("unanswered") or 0),
        median_reply_days=f"{median:g}" if isinstance(median, int | float) else "—",
        in_time_rate=f"{rate * 100:.1f}%" if isinstance(rate, int | float) else "—",
        reply_limit_days=int(stats.get("reply_limit_days") or 0),
    )


@dataclass
class SiteView:
    row: SiteRow
    groups: list[CheckGroup]  # the statistics of 互动回应 are not among them: see `interaction`
    vetoes: list[VetoView]
    actionable: int  # findings to fix (all but notes)
    interaction: InteractionView | None = None

    @property
    def site(self) -> SiteScore:
        return self.row.site


def trend_history(report: Report) -> list[HistoryPoint]:
    """The history plus this inspection's scores when the history does not hold them yet, so the trend ends
    at the inspection the report is about."""
    history = list(report.history)
    if report.inspection.run_id not in {point.run_id for point in history}:
        history += [
            HistoryPoint(
                report.inspection.run_id, report.inspection.date, site.site_id, site.score, site.qualified
            )
            for site in report.sites
        ]
    return history


def site_row(site: SiteScore, kind_counts: Counter[str]) -> SiteRow:
    changes = (site.new_findings, site.fixed_findings, site.open_findings)
    return SiteRow(
        site=site,
        href=f"sites/{site_page(site.site_id)}",
        kind_name=kind_name(site.kind),
        kind_total=kind_counts[site.kind],
        score=fmt_score(site.score),
        verdict_class=verdict_class(site),
        score_delta=score_delta(site.score_delta),
        rank_delta=rank_delta(site.rank_delta),
        changes=None if all(value is None for value in changes) else [value or 0 for value in changes],
        deduction_total=fmt_points(sum(deduction.points for deduction in site.deductions)),
    )


def veto_views(row: SiteRow, run_dates: dict[int, date]) -> list[VetoView]:
    views = []
    for veto in row.site.vetoes:
        run_id = (veto.evidence or {}).get("run_id")
        day = run_dates.get(run_id) if isinstance(run_id, int) else None
        views.append(
            VetoView(row, check_name(veto.check), str(veto.detail or ""), chinese_date(day) if day else None)
        )
    return views


def summary(report: Report) -> Summary:
    # A period report keeps a score beside a veto (the period's rule counts the vetoed inspection at a fixed
    # score); the overview still treats every vetoed site as vetoed: out of the average.
    sites = report.sites
    scored = [site.score for site in sites if site.score is not None and not site.vetoes]
    return Summary(
        sites=len(sites),
        qualified=sum(1 for site in sites if site.qualified and not site.vetoes),
        failed=sum(1 for site in sites if not site.qualified and not site.vetoes),
        vetoed=sum(1 for site in sites if site.vetoes),
        average=fmt_score(sum(scored) / len(scored)) if scored else "—",
        findings=sum(len(site.findings) for site in sites),
        new=sum(site.new_findings or 0 for site in sites),
        fixed=sum(site.fixed_findings or 0 for site in sites),
        open=sum(site.open_findings or 0 for site in sites),
        unchecked=len(report.unchecked),
    )


def overview(report: Report) -> Overview:
    """The inspection at a glance: ranking rows, unchecked sites after them, vetoes, counts and history."""
    kind_counts = Counter(site.kind for site in report.sites)
    rows = [site_row(site, kind_counts) for site in report.sites]
    history = trend_history(report)
    run_dates = {point.run_id: point.date for point in history}
    return Overview(
        inspection=report.inspection,
        previous=report.previous,
        period=period_text(report.period) if report.period else None,
        rule=report.rule,
        lines=report.lines,
        rows=rows,
        # Sites without checked facts: listed after the ranking, with no rank, score or page of their own.
        unchecked_rows=[UncheckedRow(site, kind_name(site.kind)) for site in report.unchecked],
        vetoes=[veto for row in rows for veto in veto_views(row, run_dates)],
        summary=summary(report),
        history=history,
    )


def site_view(view: Overview, row: SiteRow) -> SiteView:
    """One site's page (and mail): its findings by check, its vetoes, how many findings ask for a fix."""
    return SiteView(
        row=row,
        groups=[group for group in check_groups(row.site) if group.check != STATS_CHECK],
        vetoes=[veto for veto in view.vetoes if veto.row is row],
        actionable=sum(1 for finding in row.site.findings if finding.severity != "info"),
        interaction=interaction_view(row.site),
    )
