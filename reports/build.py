"""Assembling a `Report` from the stored inspections (`reports.inputs.Stored`): one checked inspection, or
every inspection of a period.

Inspections are checked crawl runs; their findings are re-scored with the current rubric, so a change of
weights applies to the whole history alike. Periods: 2026-11 (monthly statistics, 月统计), 2026Q4 (quarterly
bulletin, 季度通报), 2026 (year-end assessment, 年终考核); how a period's inspections combine is the rubric's
[periods] rule, stated in the report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from statistics import mean
from typing import Any

from checks import identity
from checks.dates import CHINA_OFFSET, chinese_date
from reports.inputs import Stored
from reports.model import (
    RECHECK_FIXED,
    RECHECK_OPEN,
    Finding,
    HistoryPoint,
    Inspection,
    Report,
    SiteScore,
    finding_key,
    round_score,
)
from reports.scoring import Scoring, SiteInfo, compare, rank, score_site

QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}
RULE_TEXT = {
    "mean": "各次督查得分的平均值",
    "last": "期内最后一次督查的得分",
    "min": "各次督查中的最低得分",
}


def china_date(iso: str) -> date:
    return (datetime.fromisoformat(iso).astimezone(UTC) + CHINA_OFFSET).date()


def checked_day(rows: list[dict[str, Any]]) -> date | None:
    """The day the checks judged a run as of: its findings' `checked_at` (the check's `now`, China time,
    `duwang check --today`); None for a run without findings."""
    stamps = [row["checked_at"] for row in rows if row.get("checked_at")]
    if not stamps:
        return None
    moment = datetime.fromisoformat(max(stamps))
    if moment.tzinfo is not None:  # an aware stamp is an instant: its China day
        return (moment.astimezone(UTC) + CHINA_OFFSET).date()
    return moment.date()


class Inspections:
    """The checked runs of a database, scored with one rubric (each run scored once)."""

    def __init__(self, stored: Stored, scoring: Scoring) -> None:
        self.stored = stored
        self.scoring = scoring
        self.run_ids = [run.run_id for run in stored.runs]
        self._scores: dict[int, list[SiteScore]] = {}

    def rows(self, run_id: int) -> tuple[dict[str, Any], ...]:
        """The stored findings of a run."""
        return self.stored.run(run_id).findings

    def inspection(self, run_id: int, label: str | None = None) -> Inspection:
        run = self.stored.run(run_id)
        day = china_date(run.started_at)
        checked = checked_day(list(run.findings))
        return Inspection(
            run_id,
            day,
            run.started_at,
            run.ended_at,
            label or f"{chinese_date(checked or day)}督查",
            checked_on=checked,
        )

    def scores(self, run_id: int) -> list[SiteScore]:
        if run_id not in self._scores:
            run = self.stored.run(run_id)
            findings: dict[str, list[Finding]] = defaultdict(list)
            for row in run.findings:
                findings[row["site_id"]].append(self._keyed(Finding.from_json(row)))
            sites = [self._site_info(row) for row in run.crawled if row["site_id"] in run.checked]
            self._scores[run_id] = rank(
                score_site(site, findings[site.site_id], self.scoring) for site in sites
            )
        return self._scores[run_id]

    def unchecked(self, run_id: int) -> list[SiteScore]:
        """The registry's sites (and any other the run crawled) that the checks did not look at."""
        run = self.stored.run(run_id)
        crawled = {row["site_id"]: row for row in run.crawled}
        sites = []
        for site in self.stored.sites:
            if site.site_id not in run.checked:
                note = "本次督查已抓取但未经检查" if site.site_id in crawled else "本次督查未抓取该网站"
                sites.append(unchecked_site(site.site_id, site.name, site.kind, note))
        registered = {site.site_id for site in self.stored.sites}
        for site_id, row in crawled.items():
            if site_id not in run.checked and site_id not in registered:
                sites.append(
                    unchecked_site(site_id, row["name"], row["kind"], "已抓取但未经检查，且不在登记表中")
                )
        return sites

    def previous(self, run_id: int) -> int | None:
        earlier = [other for other in self.run_ids if other < run_id]
        return earlier[-1] if earlier else None

    def history(self, until: int) -> list[HistoryPoint]:
        return [
            HistoryPoint(run_id, self.inspection(run_id).date, site.site_id, site.score, site.qualified)
            for run_id in self.run_ids
            if run_id <= until
            for site in self.scores(run_id)
        ]

    def _keyed(self, finding: Finding) -> Finding:
        # Stored before keys existed and not checked since: keyed with the current registry's hosts.
        if finding.key:
            return finding
        site = self.stored.site(finding.site_id)
        hosts = site.own_hosts if site is not None else frozenset()
        return replace(
            finding,
            key=identity.finding_key(
                finding.site_id,
                finding.check,
                hosts,
                finding.url,
                finding.page,
                finding.column,
                finding.section,
                finding.element,
            ),
        )

    def _site_info(self, row: dict[str, Any]) -> SiteInfo:
        site = self.stored.site(row["site_id"])
        services = site.services if site is not None else True
        return SiteInfo(row["site_id"], row["name"], row["kind"], services)


def unchecked_site(site_id: str, name: str, kind: str, note: str) -> SiteScore:
    """A site without checked facts: no score, no rank, verdict 未检查."""
    return SiteScore(
        site_id,
        name,
        kind,
        qualified=False,
        score=None,
        vetoes=[],
        deductions=[],
        bonus=0.0,
        findings=[],
        checked=False,
        note=note,
    )


def build_report(stored: Stored, scoring: Scoring, run_id: int | None = None) -> Report:
    """The report of one inspection (the latest checked run by default), compared with the one before."""
    inspections = Inspections(stored, scoring)
    if not inspections.run_ids:
        raise LookupError(f"{stored.source}: no checked crawl; run `duwang check` first")
    run_id = run_id if run_id is not None else inspections.run_ids[-1]
    if run_id not in inspections.run_ids:
        raise LookupError(
            f"{stored.source}: run {run_id} has not been checked; run `duwang check --run {run_id}`"
        )
    sites = inspections.scores(run_id)
    previous_id = inspections.previous(run_id)
    previous_sites = inspections.scores(previous_id) if previous_id is not None else None
    compare(sites, previous_sites)
    mark_rechecks(stored, sites, run_id, previous_id, previous_sites)
    return Report(
        inspection=inspections.inspection(run_id),
        sites=sites,
        history=inspections.history(run_id),
        previous=inspections.inspection(previous_id) if previous_id is not None else None,
        unchecked=inspections.unchecked(run_id),
        lines=scoring.lines,
    )


def mark_rechecks(
    stored: Stored,
    sites: list[SiteScore],
    run_id: int,
    previous_id: int | None,
    previous_sites: list[SiteScore] | None,
) -> None:
    """Tell 已整改（复查确认） from 已整改（下次督查发现）: the 复查 results of this inspection's findings,
    and how many of the findings fixed since the previous inspection a 复查 had already confirmed."""
    for (site_id, key), was_fixed in stored.run(run_id).rechecks.items():
        for site in sites:
            if site.site_id == site_id:
                site.rechecked[key] = RECHECK_FIXED if was_fixed else RECHECK_OPEN
    if previous_id is None or previous_sites is None:
        return
    confirmed = {pair for pair, was_fixed in stored.run(previous_id).rechecks.items() if was_fixed}
    before = {site.site_id: site for site in previous_sites}
    for site in sites:
        old = before.get(site.site_id)
        if old is None or site.fixed_findings is None:
            continue
        now_keys = {finding_key(f) for f in site.findings}
        fixed = {finding_key(f) for f in old.findings if f.severity != "info"} - now_keys
        site.fixed_confirmed = sum(1 for key in fixed if (site.site_id, key) in confirmed)


def parse_period(text: str) -> tuple[date, date, str]:
    """(first day, last day, Chinese label) of '2026-11', '2026Q4' or '2026'."""
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
            return date(year, month, 1), end, f"{year}年{month}月政府网站检查统计"
    if match := re.fullmatch(r"(\d{4})[Qq]([1-4])", text):
        year, quarter = int(match[1]), int(match[2])
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + quarter // 4, (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
        return start, end, f"{year}年第{QUARTERS[quarter]}季度政府网站检查通报"
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return date(year, 1, 1), date(year, 12, 31), f"{year}年度政府网站考核评价"
    raise ValueError(f"period {text!r}: write a month (2026-11), a quarter (2026Q4) or a year (2026)")


def combine_site(scores: list[tuple[int, SiteScore]], scoring: Scoring) -> SiteScore:
    """One site over a period: its (run id, score) in each of the period's inspections it was in, combined by
    the rubric's [periods] rule; the findings and points listed are its last inspection's."""
    last = scores[-1][1]
    values = [s.score if s.score is not None else scoring.period_veto_score for _, s in scores]
    value = {"mean": mean(values), "last": values[-1], "min": min(values)}[scoring.period_rule]
    vetoes = [
        replace(v, evidence={**(v.evidence or {}), "run_id": run_id})
        for run_id, s in scores
        for v in s.vetoes
    ]
    return SiteScore(
        last.site_id,
        last.name,
        last.kind,
        qualified=not vetoes and round_score(value) >= scoring.pass_line,
        score=round_score(value),
        vetoes=vetoes,
        deductions=last.deductions,
        bonus=last.bonus,
        findings=last.findings,
        bonuses=last.bonuses,
        inspections=len(scores),
    )


def build_period_report(stored: Stored, scoring: Scoring, period: str) -> Report:
    """Monthly statistics, quarterly bulletin or year-end assessment: the period's inspections combined."""
    start, end, label = parse_period(period)
    inspections = Inspections(stored, scoring)
    runs = [r for r in inspections.run_ids if start <= inspections.inspection(r).date <= end]
    if not runs:
        raise LookupError(f"{stored.source}: no checked inspection between {start} and {end}")
    per_site: dict[str, list[tuple[int, SiteScore]]] = defaultdict(list)
    for run_id in runs:
        for site in inspections.scores(run_id):
            per_site[site.site_id].append((run_id, site))
    combined = [combine_site(scores, scoring) for scores in per_site.values()]
    # The findings listed are each site's last inspection's, so are the 复查 marks: a site missing from the
    # period's last inspection is marked by the rechecks of its own last one.
    last_run = {site_id: scores[-1][0] for site_id, scores in per_site.items()}
    for run_id in dict.fromkeys(last_run.values()):
        marked = [site for site in combined if last_run[site.site_id] == run_id]
        mark_rechecks(stored, marked, run_id, None, None)
    inspection = inspections.inspection(runs[-1], label=label)
    rule = (
        f"{chinese_date(start)}至{chinese_date(end)}共 {len(runs)} 次督查，"
        f"得分取{RULE_TEXT[scoring.period_rule]}"
        f"（被单项否决的一次按 {scoring.period_veto_score:g} 分计，保留一位小数、四舍五入）；"
        "期内出现任何单项否决即为不合格；只参加了其中几次督查的网站按其参加的各次计算；"
        "问题清单为期内最后一次督查的结果。"
    )
    scored = {site.site_id for site in combined}
    unchecked = [
        unchecked_site(site.site_id, site.name, site.kind, "期内各次督查均未检查该网站")
        for site in stored.sites
        if site.site_id not in scored
    ]
    return Report(
        inspection=inspection,
        sites=rank(combined),
        history=inspections.history(runs[-1]),
        period=period,
        rule=rule,
        unchecked=unchecked,
        lines=scoring.lines,
        combined=len(runs),
    )
