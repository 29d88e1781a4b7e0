"""A site's findings as the documents list them: grouped by check, one entry per broken link target with the
pages that link to it, the technical evidence kept apart (folded away in HTML, its own sheet in Excel), and
the inspector's own gaps (`reports.glossary.INSPECTOR_GAPS`) separated from what the site's owner must fix.

Part of the views (`reports.views` re-exports these); plain data, no rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checks.findings import severity_rank
from checks.links import ERROR_WORDS, KIND_WORDS
from checks.tech import NAMES as TECH_NAMES
from reports.evidence import EvidenceItem, evidence_items
from reports.glossary import INSPECTOR_GAPS, check_name, check_order, element_name, severity_name
from reports.model import Finding, SiteScore

# A broken target is one finding however many pages link to it (a dead link in the footer template is one
# fault to fix, not one per page); the pages are listed under it.
GROUPED_BY_TARGET = frozenset({"dead_link"})


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


@dataclass
class PageRef:
    """A page a finding was seen on, with its link when it may be one."""

    url: str
    href: str | None


@dataclass
class FindingView:
    detail: str
    severity: str
    severity_name: str
    url: str | None
    url_href: str | None
    page: str | None  # the first page it was seen on
    page_href: str | None
    places: list[tuple[str, str]]  # (label, value): column, section, element
    evidence: list[EvidenceItem]  # technical: folded away in HTML, its own sheet in Excel
    still_open: bool
    finding: Finding  # the first (most severe) of the findings it stands for
    linked_from: list[PageRef] = field(default_factory=list)  # the pages linking to a broken target, if > 1

    @property
    def pages(self) -> int:
        return len(self.linked_from) or (1 if self.page else 0)


@dataclass
class CheckGroup:
    anchor: str
    check: str
    name: str
    severities: list[tuple[str, str]]  # (severity, Chinese name), most severe first
    findings: list[FindingView]


def finding_view(site: SiteScore, finding: Finding, same_target: list[Finding] | None = None) -> FindingView:
    """One finding (or the findings of one broken target, `same_target`, most severe first) as a reader sees
    it."""
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
    together = same_target or [finding]
    pages = [page for page in dict.fromkeys(f.page for f in together) if page]
    detail = str(finding.detail or "")
    if len(pages) > 1:
        detail = _target_detail(finding, len(pages))
    return FindingView(
        detail=detail,
        severity=finding.severity,
        severity_name=severity_name(finding.severity),
        url=finding.url or None,
        url_href=http_url(finding.url),
        page=finding.page or None,
        page_href=http_url(finding.page),
        places=places,
        evidence=evidence_items(finding.evidence),
        still_open=any(site.still_open(f) for f in together),
        finding=finding,
        linked_from=[PageRef(page, http_url(page)) for page in pages] if len(pages) > 1 else [],
    )


def _target_detail(finding: Finding, pages: int) -> str:
    """The sentence for a broken target linked from several pages (each finding's own names one page)."""
    evidence = finding.evidence or {}
    what = KIND_WORDS.get(str(evidence.get("kind")), "链接")
    reason = str(evidence.get("reason"))
    problem = ERROR_WORDS.get(reason, f"返回 HTTP {reason} 错误")
    if evidence.get("redirected_to") and reason != "redirect_loop":
        problem = f"跳转到 {evidence['redirected_to']} 后{problem}"
    name = evidence.get("anchor_text") or finding.url
    return f"{what}“{name}”无法访问（{problem}），{pages} 个页面链接到它，请修复或删除这些链接。"


def _views(site: SiteScore, check: str, findings: list[Finding]) -> list[FindingView]:
    """The check's findings, most severe first; those of one target merged when the check is grouped."""
    ordered = sorted(findings, key=lambda finding: severity_rank(finding.severity))
    if check not in GROUPED_BY_TARGET:
        return [finding_view(site, finding) for finding in ordered]
    by_target: dict[str | None, list[Finding]] = {}
    for finding in ordered:
        by_target.setdefault(finding.url, []).append(finding)
    return [finding_view(site, same[0], same) for same in by_target.values()]


def is_gap(check: str) -> bool:
    """Whether a check reports the inspector's own gap (for the info center, not the site's owner)."""
    return check in INSPECTOR_GAPS


def check_groups(site: SiteScore, *, owners: bool = True, gaps: bool = False) -> list[CheckGroup]:
    """The site's findings grouped by check: vetoes first, then deductions, warnings and notes; within a
    severity in the rubric's order (`reports.glossary.CHECK_NAMES`). `owners`: the findings the site's owner
    must act on; `gaps`: the inspector's own gaps."""
    by_check: dict[str, list[Finding]] = {}
    for finding in site.findings:
        if (owners and not is_gap(finding.check)) or (gaps and is_gap(finding.check)):
            by_check.setdefault(finding.check, []).append(finding)

    def group_order(check: str) -> tuple[int, tuple[int, str]]:
        return (min(severity_rank(finding.severity) for finding in by_check[check]), check_order(check))

    groups = []
    for number, check in enumerate(sorted(by_check, key=group_order), start=1):
        views = _views(site, check, by_check[check])
        severities = sorted({view.severity for view in views}, key=severity_rank)
        groups.append(
            CheckGroup(
                anchor=f"check-{number}",  # not the check id: ids in the page come from us, not from data
                check=check,
                name=check_name(check),
                severities=[(severity, severity_name(severity)) for severity in severities],
                findings=views,
            )
        )
    return groups
