"""One fact, one finding: where a specific check and the generic column checks judge the same column, only
the specific finding is kept, and it is the one scored.

A site owner who gets two items for one fact, and a score that loses points twice for it, would rightly
dispute the inspection. The pairs, the specific check first (its indicator in checks/rubric.toml):

- key_area_stale (重点领域信息公开) replaces column_stale, column_empty and section_empty of the columns it
  judged: a key-area column not updated or empty is a 重点领域 finding;
- service_stats_stale (办件统计更新, the national −2) replaces them for the 办件统计 column;
- annual_report_late (政府信息公开年度报告) replaces column_stale of the annual-report column: the column is
  stale because the year's report is not there;
- section_empty (必备栏目设置) replaces column_empty of the same column.

A finding is replaced only by one at least as severe (a 待确认 warning never hides a deduction). The
replaced finding's sentence is kept on the remaining one (evidence "also"), which carries the column's own
evidence (how it was identified, newest date read, limit): nothing is lost silently. The veto indicator
栏目不更新 (columns_stale) is not touched: it counts stale and empty columns, and checks/columns.py has
counted them before this step runs.
"""

from __future__ import annotations

from dataclasses import replace

from checks.findings import CheckId, Finding, severity_rank
from checks.urls import column_key

GENERIC = frozenset({CheckId.COLUMN_STALE, CheckId.COLUMN_EMPTY, CheckId.SECTION_EMPTY})
# The specific check -> the checks whose finding of the same column it replaces, most specific first.
REPLACES: dict[CheckId, frozenset[CheckId]] = {
    CheckId.KEY_AREA_STALE: GENERIC,
    CheckId.SERVICE_STATS_STALE: GENERIC,
    CheckId.ANNUAL_REPORT_LATE: frozenset({CheckId.COLUMN_STALE}),
    CheckId.SECTION_EMPTY: frozenset({CheckId.COLUMN_EMPTY}),
}


def covered_urls(finding: Finding) -> set[str]:
    """The columns a specific finding speaks for: its own URL and, for an area judged over several
    columns, every column it judged (evidence "column_urls")."""
    urls = [finding.url, *finding.evidence.get("column_urls", ())]
    return {column_key(url) for url in urls if url}


def one_per_fact(findings: list[Finding]) -> list[Finding]:
    """`findings` with every generic column finding that a specific finding of the same column covers
    folded into that specific finding; the order of the rest is kept."""
    kept = list(findings)
    for check, replaced in REPLACES.items():
        gone: set[int] = set()  # id() of the folded findings: a Finding holds a dict, it has no hash
        merged = []
        for specific in kept:
            if specific.check is check:
                urls = covered_urls(specific)
                folded = [
                    other
                    for other in kept
                    if id(other) not in gone
                    and other.check in replaced
                    and other.url
                    and column_key(other.url) in urls
                    and severity_rank(specific.severity) <= severity_rank(other.severity)
                ]
                if folded:
                    gone |= {id(other) for other in folded}
                    also = [*specific.evidence.get("also", ()), *(_summary(other) for other in folded)]
                    specific = replace(specific, evidence={**specific.evidence, "also": also})
            merged.append(specific)
        kept = [finding for finding in merged if id(finding) not in gone]
    return kept


def _summary(finding: Finding) -> str:
    # The folded finding's own sentence, as its check wrote it: what a person reads beside the evidence.
    return finding.detail
