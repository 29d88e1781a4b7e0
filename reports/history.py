"""The history to browse: every checked inspection of a database at a glance, and each site's scores and open
findings over time, built from the stored inspections with the current rubric (like every report) for the
pages under `<report folder>/history/` (`reports.html.write_history`).

An inspection's own report is kept in `<report folder>/<key>/` (`archive_key`: the date the checks used, or
the period id); `archived` finds which of those folders hold which inspection, so the history links only to
reports that are there. Plain data; reading the folder is `archived`'s.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reports.build import Inspections
from reports.glossary import kind_name
from reports.groups import check_groups
from reports.inputs import Stored
from reports.model import (
    FindingKey,
    HistoryPoint,
    Inspection,
    Lines,
    SiteScore,
    finding_key,
    round_score,
    score_text,
)
from reports.scoring import Scoring, compare
from reports.views import site_page


def archive_key(inspection: Inspection, period: str | None = None) -> str:
    """The folder an inspection's report is kept in: its period ("2026Q4") or the date the checks used."""
    return period or inspection.as_of.isoformat()


def archived(root: Path) -> dict[int, str]:
    """Run id → folder under `root` holding that inspection's own report (period reports left out)."""
    found: dict[int, str] = {}
    for document in sorted(Path(root).glob("*/report.json")):
        try:
            inspection = json.loads(document.read_text(encoding="utf-8"))["inspection"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a folder someone else put there, or a report half written: not linked
        if (
            isinstance(inspection, dict)
            and not inspection.get("period")
            and isinstance(inspection.get("run_id"), int)
        ):
            found[inspection["run_id"]] = document.parent.name
    return found


@dataclass
class InspectionRow:
    inspection: Inspection
    sites: int
    qualified: int
    failed: int
    vetoed: int
    average: str
    open: int  # findings the sites' owners are asked to fix (one per broken target; no notes, no gaps)
    folder: str | None = None  # its own report under the report folder, when kept there


@dataclass
class SitePoint:
    """One site in one inspection."""

    inspection: Inspection
    score: str
    verdict: str
    verdict_class: str  # pass | fail | veto
    rank: int
    total: int
    open: int
    new: int | None
    fixed: int | None
    folder: str | None


@dataclass
class OpenFinding:
    """A finding of the latest inspection still open, with the inspection it was first seen in (of an unbroken
    series: a finding fixed and found again counts from its return)."""

    check: str
    detail: str
    url: str | None
    first_seen: Inspection
    times: int  # inspections in a row that reported it


@dataclass
class SiteHistory:
    site_id: str
    name: str
    kind_name: str
    page: str  # file name under history/sites/
    points: list[SitePoint] = field(default_factory=list)  # oldest first
    open_now: list[OpenFinding] = field(default_factory=list)


@dataclass
class History:
    inspections: list[InspectionRow]  # newest first
    sites: list[SiteHistory]
    trend: list[HistoryPoint]
    lines: Lines


def owner_findings(site: SiteScore) -> int:
    """The findings a site's owner is asked to fix, counted as the documents list them."""
    return sum(1 for group in check_groups(site) for view in group.findings if view.severity != "info")


def _inspection_row(inspection: Inspection, sites: list[SiteScore], folder: str | None) -> InspectionRow:
    scored = [site.score for site in sites if site.score is not None and not site.vetoes]
    return InspectionRow(
        inspection,
        sites=len(sites),
        qualified=sum(1 for site in sites if site.qualified and not site.vetoes),
        failed=sum(1 for site in sites if not site.qualified and not site.vetoes),
        vetoed=sum(1 for site in sites if site.vetoes),
        average=score_text(round_score(sum(scored) / len(scored))) if scored else "—",
        open=sum(owner_findings(site) for site in sites),
        folder=folder,
    )


def _site_point(inspection: Inspection, site: SiteScore, total: int, folder: str | None) -> SitePoint:
    verdict_class = "veto" if site.vetoes else ("pass" if site.qualified else "fail")
    return SitePoint(
        inspection,
        score_text(site.score),
        site.verdict,
        verdict_class,
        site.rank,
        total,
        owner_findings(site),
        site.new_findings,
        site.fixed_findings,
        folder,
    )


def _open_now(series: list[tuple[Inspection, SiteScore]]) -> list[OpenFinding]:
    """The latest inspection's owner findings with when each was first seen in an unbroken series."""
    latest_inspection, latest = series[-1]
    keys_by_run: list[set[FindingKey]] = [{finding_key(f) for f in site.findings} for _, site in series]
    found = []
    for group in check_groups(latest):
        for view in group.findings:
            if view.severity == "info":
                continue
            key = finding_key(view.finding)
            times = 0
            for keys in reversed(keys_by_run):
                if key not in keys:
                    break
                times += 1
            first = series[len(series) - times][0] if times else latest_inspection
            found.append(OpenFinding(group.name, view.detail, view.url, first, times))
    return found


def build_history(stored: Stored, scoring: Scoring, folders: dict[int, str]) -> History:
    """Every checked inspection of the database, newest first, and each site's series; `folders`: the
    inspections whose own report is kept (`archived`)."""
    inspections = Inspections(stored, scoring)
    rows: list[InspectionRow] = []
    series: dict[str, list[tuple[Inspection, SiteScore]]] = {}
    previous: list[SiteScore] | None = None
    for run_id in inspections.run_ids:
        inspection, sites = inspections.inspection(run_id), inspections.scores(run_id)
        compare(sites, previous)
        previous = sites
        rows.append(_inspection_row(inspection, sites, folders.get(run_id)))
        for site in sites:
            series.setdefault(site.site_id, []).append((inspection, site))
    totals = Counter({row.inspection.run_id: row.sites for row in rows})
    histories = []
    for site_id, points in series.items():
        last = points[-1][1]
        history = SiteHistory(site_id, last.name, kind_name(last.kind), site_page(site_id))
        history.points = [
            _site_point(inspection, site, totals[inspection.run_id], folders.get(inspection.run_id))
            for inspection, site in points
        ]
        history.open_now = _open_now(points)
        histories.append(history)
    order = {site.site_id: number for number, site in enumerate(stored.sites)}
    histories.sort(key=lambda h: (order.get(h.site_id, len(order)), h.site_id))
    trend = inspections.history(inspections.run_ids[-1]) if inspections.run_ids else []
    return History(list(reversed(rows)), histories, trend, scoring.lines)
