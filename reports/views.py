"""The views every document is rendered from: the overview of an inspection and each site's page, built once
from a `Report` with the Chinese names, formatted numbers and changes already worked out.

`overview(report)` gives the ranking rows, the summary counts, the vetoes, the inspector's own gaps (for the
info center, by kind) and the trend history; `site_view(overview, row)` one site's findings for its owner
grouped by check (vetoes first, then the rubric's order; one entry per broken link target with the pages
linking to it: `reports.groups`), with their evidence as labelled values (`reports.evidence`);
`indicator_points(site)` every point taken or added, by indicator. Numbers are formatted by the one rounding
rule (`reports.model.round_score`). The HTML pages and the mail messages render these, the Excel workbook
too; renderers never import each other. Finding texts come from crawled pages and stay plain text here:
escaping is each renderer's job; only http(s) URLs get an `href`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from checks.dates import chinese_date
from reports.glossary import check_name, check_order, kind_name
from reports.groups import CheckGroup, FindingView, PageRef, check_groups, finding_view, http_url, is_gap
from reports.model import HistoryPoint, Inspection, Lines, Report, SiteScore, round_score, score_text

__all__ = ["CheckGroup", "FindingView", "PageRef", "check_groups", "finding_view", "http_url", "is_gap"]

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
    """A score in every document: `reports.model.score_text` (one decimal, half up)."""
    return score_text(score)


def fmt_points(points: float) -> str:
    """Points (rounded like scores) without a useless ".0": deductions are mostly whole points."""
    return f"{round_score(points):.1f}".removesuffix(".0")


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
    delta = round_score(delta)
    if delta == 0:
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


@dataclass(frozen=True)
class IndicatorPoints:
    """Points one indicator of the rubric took ("−2") or added ("+5"), named, with its standing."""

    name: str
    points: str
    occurrences: int | None  # findings counted; None for a bonus
    note: str  # "（依据待确认）" when the rubric marks the indicator as without an authoritative source


def indicator_points(site: SiteScore) -> list[IndicatorPoints]:
    """Every point taken or added, by its indicator: deductions first, then bonuses."""

    def note(unconfirmed: bool) -> str:
        return "（依据待确认）" if unconfirmed else ""

    lines = [
        IndicatorPoints(d.name, f"−{fmt_points(d.points)}", d.occurrences, note(d.unconfirmed))
        for d in site.deductions
    ]
    lines += [
        IndicatorPoints(b.name, f"+{fmt_points(b.points)}", None, note(b.unconfirmed)) for b in site.bonuses
    ]
    return lines


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
class GapView:
    """One kind of gap of the inspector's own (e.g. off-list links not checked) over every site it touched:
    for the info center's overview and summary mail, not owners' mail."""

    check: str
    name: str
    entries: list[tuple[SiteRow, str]]  # (site, what was not checked there)

    @property
    def site_count(self) -> int:
        return len({row.site.site_id for row, _ in self.entries})

    @property
    def site_names(self) -> str:
        return "、".join(dict.fromkeys(row.site.name for row, _ in self.entries))


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
    gaps: list[GapView]  # the inspector's own gaps, per kind of gap
    combined: int | None  # period reports: how many inspections the period combines

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
        average=fmt_score(round_score(sum(scored) / len(scored))) if scored else "—",
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
        gaps=gap_views(rows),
        combined=report.combined,
    )


def site_view(view: Overview, row: SiteRow) -> SiteView:
    """One site's page (and mail): the findings its owner must act on by check (one per broken target; the
    inspector's own gaps are the info center's, in `Overview.gaps`), its vetoes, how many ask for a fix."""
    # The statistics of 互动回应 are a section of their own (`interaction`), not a finding to act on.
    groups = [group for group in check_groups(row.site) if group.check != STATS_CHECK]
    return SiteView(
        row=row,
        groups=groups,
        vetoes=[veto for veto in view.vetoes if veto.row is row],
        actionable=sum(1 for group in groups for finding in group.findings if finding.severity != "info"),
        interaction=interaction_view(row.site),
    )


def gap_views(rows: list[SiteRow]) -> list[GapView]:
    """The inspector's own gaps (off-list links unchecked, no browser, budget, deadline), one per kind."""
    by_check: dict[str, GapView] = {}
    for row in rows:
        for group in check_groups(row.site, owners=False, gaps=True):
            gap = by_check.setdefault(group.check, GapView(group.check, group.name, []))
            gap.entries += [(row, finding.detail) for finding in group.findings]
    return sorted(by_check.values(), key=lambda gap: check_order(gap.check))
