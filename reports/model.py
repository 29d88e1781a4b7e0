"""What a report shows: one inspection's scored and ranked sites, with the findings behind each score,
and the history the trends are drawn from. Built by `reports.scoring`, rendered by `reports.html`,
`reports.excel` and `reports.jsonout`; plain data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

KIND_NAMES = {"portal": "政府门户网站", "department": "部门网站", "service": "政务服务网子站"}
SEVERITY_NAMES = {"veto": "单项否决", "deduction": "扣分", "warning": "警告", "info": "提示"}
CHECK_NAMES = {
    "unreachable": "站点无法访问",
    "homepage_stale": "首页不更新",
    "columns_stale": "栏目不更新（单项否决指标）",
    "column_stale": "栏目更新不及时",
    "column_empty": "空白栏目",
    "column_needs_render": "脚本生成的栏目未能读取",
    "dead_link": "链接不可用",
    "unchecked_links": "未检查的站外链接",
    "section_missing": "缺少必备栏目",
    "section_empty": "必备栏目无内容",
    "annual_report_late": "年度报告逾期",
    "element_missing": "缺少页面要素",
    "element_invalid": "页面要素有误",
    "site_blocked": "网站拒绝检查程序访问",
    "links_over_budget": "超出检查上限未检查的站外链接",
    "crawl_deadline": "抓取期限内未抓完",
    "leader_name": "领导人姓名错误",
    "leader_title": "领导人职务错误",
    "wrong_formulation": "严重表述错误",
    "typo": "错别字",
    "sensitive_word": "敏感词",
}


@dataclass(frozen=True)
class Deduction:
    """Points taken off by one indicator of the rubric (already capped)."""

    indicator: str  # the rubric's indicator id
    name: str  # its Chinese name
    occurrences: int
    points: float  # after the cap


@dataclass
class SiteScore:
    site_id: str
    name: str
    kind: str  # portal | department | service
    qualified: bool  # 合格: no veto and a score of at least the pass line
    score: float | None  # None when a veto stopped the scoring
    vetoes: list[dict[str, Any]]  # the veto findings (JSON form)
    deductions: list[Deduction]
    bonus: float
    findings: list[dict[str, Any]]  # every finding, JSON form as `duwang findings --format json`
    rank: int = 0  # overall
    kind_rank: int = 0  # among sites of its kind
    # Against the previous inspection (None when there is none, or the site was not in it):
    score_delta: float | None = None
    rank_delta: int | None = None  # positive: moved up
    new_findings: int | None = None
    fixed_findings: int | None = None
    open_findings: int | None = None  # still open from the previous inspection
    open_keys: set[tuple] = field(default_factory=set)  # keys of findings still open (mail marks them)
    checked: bool = True  # False: no checked facts for this inspection, so no score, rank or verdict
    note: str | None = None  # why a site is not checked, in Chinese

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
