"""What a report shows: one inspection's scored and ranked sites, with the (typed) findings behind each
score, the rubric's lines and the history the trends are drawn from. Built by `reports.build` and
`reports.scoring`, presented by `reports.views`, rendered by `reports.html`, `reports.excel`,
`reports.jsonout` and `reports.mail`; plain data, no I/O. The Chinese names live in `reports.glossary`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from checks.findings import FINDING_FIELDS

FindingKey = tuple[Any, ...]
Day = date  # for annotations inside classes whose field `date` hides the type

SCORE_STEP = Decimal("0.1")  # every score, point and change is shown, compared and ranked to one decimal
# Below any figure the rubric can produce: 0.1 × 3 is 0.3, not 0.30000000000000004.
_FLOAT_NOISE = Decimal("0.000001")


def round_score(value: float) -> float:
    """The one rounding rule of the documents: one decimal, half up (95.85 → 95.9, 0.25 → 0.3).

    Scores, deductions, bonuses, period means, averages and changes all go through it, once, before they are
    ranked, compared, stored in the JSON or printed, so the report, the workbook and the mail cannot differ.
    Decimal, not `round()`: Python rounds half to even on the binary float (round(0.25, 1) is 0.2)."""
    exact = Decimal(value).quantize(_FLOAT_NOISE, rounding=ROUND_HALF_UP)
    return float(exact.quantize(SCORE_STEP, rounding=ROUND_HALF_UP))


def score_text(score: float | None) -> str:
    """A score as every document prints it: one decimal ("98.0"), "—" for none (a vetoed site)."""
    return "—" if score is None else f"{round_score(score):.1f}"


@dataclass(frozen=True)
class Finding:
    """A stored finding as the documents read it. Check and severity stay the stored strings (not the
    `checks.findings` enums) so that a finding of a check this version no longer knows is still shown."""

    site_id: str
    check: str
    severity: str
    url: str | None = None
    page: str | None = None
    column: str | None = None
    section: str | None = None
    element: str | None = None
    detail: str = ""
    evidence: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """From the JSON form (a stored row, `duwang findings --format json`); other keys are ignored."""
        values: dict[str, Any] = {name: data.get(name) for name in FINDING_FIELDS}
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        """The documented JSON form, keys in `FINDING_FIELDS` order, values as stored."""
        return {name: getattr(self, name) for name in FINDING_FIELDS}


def finding_key(finding: Finding) -> FindingKey:
    """A finding's identity across inspections: new, fixed or still open. The one definition: scoring
    compares inspections with it, and every document marks the findings still open with it."""
    return (
        finding.site_id,
        finding.check,
        finding.url,
        finding.page,
        finding.column,
        finding.section,
        finding.element,
    )


@dataclass(frozen=True)
class Lines:
    """The rubric's lines ([scoring] in checks/rubric.toml), carried in the report so that documents draw
    the pass line the scores were judged by."""

    full_marks: float = 100.0
    pass_line: float = 60.0  # 合格线
    bonus_line: float = 80.0  # above it bonus indicators are added


@dataclass(frozen=True)
class Deduction:
    """Points taken off by one indicator of the rubric (already capped)."""

    indicator: str  # the rubric's indicator id
    name: str  # its Chinese name
    occurrences: int
    points: float  # after the cap, rounded by `round_score`
    unconfirmed: bool = False  # the rubric marks its figure as without an authoritative source


@dataclass(frozen=True)
class Bonus:
    """Points added by one bonus indicator of the rubric (only when the operator enabled it)."""

    indicator: str
    name: str
    points: float
    unconfirmed: bool = False


@dataclass
class SiteScore:
    site_id: str
    name: str
    kind: str  # portal | department | service
    qualified: bool  # 合格: no veto and a score of at least the pass line
    score: float | None  # None when a veto stopped the scoring
    vetoes: list[Finding]  # the veto findings
    deductions: list[Deduction]
    bonus: float  # the sum of `bonuses`
    findings: list[Finding]  # every finding
    bonuses: list[Bonus] = field(default_factory=list)  # each indicator that added points
    inspections: int | None = None  # period reports: how many of the period's inspections the site was in
    rank: int = 0  # overall
    kind_rank: int = 0  # among sites of its kind
    # Against the previous inspection (None when there is none, or the site was not in it):
    score_delta: float | None = None
    rank_delta: int | None = None  # positive: moved up
    new_findings: int | None = None
    fixed_findings: int | None = None
    open_findings: int | None = None  # still open from the previous inspection
    open_keys: set[FindingKey] = field(default_factory=set)  # `finding_key`s of findings still open
    checked: bool = True  # False: no checked facts for this inspection, so no score, rank or verdict
    note: str | None = None  # why a site is not checked, in Chinese

    def still_open(self, finding: Finding) -> bool:
        """Whether the previous inspection found it too (documents mark it 上次已存在)."""
        return finding_key(finding) in self.open_keys

    @property
    def verdict(self) -> str:
        if not self.checked:
            return "未检查"
        if self.vetoes:
            return "不合格（单项否决）"
        return "合格" if self.qualified else "不合格"


@dataclass(frozen=True)
class Inspection:
    run_id: int
    date: date  # the day of the crawl, China time
    started_at: str
    ended_at: str | None
    label: str  # e.g. "2026年11月28日督查" or "2026年第四季度通报"
    checked_on: Day | None = None  # the day the checks judged the crawl as of (`duwang check --today`)

    @property
    def as_of(self) -> Day:
        """The date documents show as 检查日期: the day the checks used, the crawl's day when unknown."""
        return self.checked_on or self.date


@dataclass(frozen=True)
class Bulletin:
    """The overview printed as a bulletin (通报): its title, 文号 and 落款 with its date (the registry's
    [report]; the date defaults to the date the checks used)."""

    title: str = "临夏州政府网站检查报告"
    doc_number: str = ""
    issuer: str = "州政府信息中心"
    signed_on: date | None = None


@dataclass(frozen=True)
class HistoryPoint:
    """One past inspection's score of one site, for the trend charts."""

    run_id: int
    date: date
    site_id: str
    score: float | None
    qualified: bool


@dataclass
class Report:
    inspection: Inspection
    sites: list[SiteScore]  # in overall rank order: the checked sites only
    history: list[HistoryPoint]
    previous: Inspection | None = None
    period: str | None = None  # for period reports: "2026Q4", "2026-11", "2026"
    rule: str | None = None  # how a period's inspections were aggregated, in Chinese
    # Registered (or crawled) sites without checked facts: shown as 未检查, never scored nor ranked.
    unchecked: list[SiteScore] = field(default_factory=list)
    lines: Lines = field(default_factory=Lines)
    combined: int | None = None  # period reports: how many inspections the period combines
