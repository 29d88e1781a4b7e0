"""The JSON report (`report.json`): a `Report` in the documented form (see README), every finding in the
form of `duwang findings --format json`. A renderer like the HTML, Excel and mail ones; reads the model only.
"""

from __future__ import annotations

import json
from typing import Any

from reports.model import Report


def report_json(report: Report) -> dict[str, Any]:
    """The documented JSON form of a report (see README)."""
    inspection = report.inspection
    return {
        "inspection": {
            "run_id": inspection.run_id,
            "date": inspection.date.isoformat(),
            "checked_on": inspection.as_of.isoformat(),
            "label": inspection.label,
            "started_at": inspection.started_at,
            "ended_at": inspection.ended_at,
            "period": report.period,
            "rule": report.rule,
            "combined": report.combined,
            "previous_run_id": report.previous.run_id if report.previous else None,
        },
        "sites": [
            {
                "site_id": site.site_id,
                "name": site.name,
                "kind": site.kind,
                "score": site.score,
                "rank": site.rank,
                "kind_rank": site.kind_rank,
                "qualified": site.qualified,
                "verdict": site.verdict,
                "bonus": site.bonus,
                "deductions": [d.__dict__ for d in site.deductions],
                "bonuses": [b.__dict__ for b in site.bonuses],
                "vetoes": [veto.as_json() for veto in site.vetoes],
                "findings": [finding.as_json() for finding in site.findings],
                "inspections": site.inspections,
                "changes": {
                    "score_delta": site.score_delta,
                    "rank_delta": site.rank_delta,
                    "new": site.new_findings,
                    "fixed": site.fixed_findings,
                    "open": site.open_findings,
                },
            }
            for site in report.sites
        ],
        "unchecked": [
            {
                "site_id": site.site_id,
                "name": site.name,
                "kind": site.kind,
                "verdict": site.verdict,
                "reason": site.note,
            }
            for site in report.unchecked
        ],
    }


def dumps(report: Report) -> str:
    """The JSON report as text (UTF-8 Chinese, indented)."""
    return json.dumps(report_json(report), ensure_ascii=False, indent=2)
