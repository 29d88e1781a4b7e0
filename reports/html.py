"""The HTML report: an overview page and one page per site, rendered with Jinja2 from a `Report`.

`write_html(report, out_dir)` writes `out_dir/index.html` and `out_dir/sites/<site_id>.html`. The pages are
self-contained (inline CSS, inline SVG charts from `reports.charts`, no scripts, fonts or images) so they open
from file:// and from a mail attachment alike, and they print on A4.

Finding texts come from crawled pages and are untrusted: templates autoescape everything, only the SVG that
`reports.charts` draws from numbers is marked safe, and only http(s) URLs become links. The view data handed
to the templates is prepared here so the templates stay free of logic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from checks.columns import CLASS_NAMES
from checks.dates import chinese_date
from checks.elements import NAMES as ELEMENT_NAMES
from checks.findings import severity_rank
from checks.links import ERROR_WORDS, KIND_WORDS
from checks.tech import EVIDENCE_NAMES as TECH_EVIDENCE_NAMES
from checks.tech import NAMES as TECH_NAMES
from reports.charts import score_histogram, trend_chart
from reports.model import CHECK_NAMES, KIND_NAMES, SEVERITY_NAMES, HistoryPoint, Report, SiteScore

DEFAULT_TITLE = "临夏州政府网站检查报告"
# The registry's id rule (crawler.registry.ID_RE): a site id becomes a file name, so anything else is refused
# rather than allowed to reach outside out_dir/sites.
SITE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIST_LIMIT = 12  # evidence lists (e.g. 100 unchecked link targets) are cut to keep a finding readable
TEXT_LIMIT = 400  # evidence strings likewise
CN_DIGITS = "一二三四"

EVIDENCE_NAMES = {
    "page_title": "页面标题",
    "anchor_text": "链接文字",
    "reason": "原因",
    "status": "HTTP 状态码",
    "error": "错误",
    "kind": "链接类型",
    "tag": "HTML 标签",
    "attr": "属性",
    "on_homepage": "位于首页",
    "reprobe_status": "复查状态码",
    "reprobe_error": "复查错误",
    "targets": "目标地址",
    "hosts": "主机",
    "probes": "探测次数",
    "failed": "失败次数",
    "share": "失败比例",
    "errors": "错误类型",
    "newest": "最新发布日期",
    "age_days": "距检查日天数",
    "window_days": "更新期限（天）",
    "freshness": "栏目类别",
    "limit_days": "更新期限（天）",
    "entries": "条目数",
    "text": "页面文字",
    "count": "数量",
    "veto_line": "否决线",
    "warn_line": "警告线",
    "footer": "页脚所示",
    "meta": "meta 标签所示",
    "latest_year": "最新年度",
    "due_year": "应发布年度",
    "deadline": "截止日期",
    "run_id": "督查批次",
    "similar": "相近的链接",
    "looked_at": "读取范围",
    **TECH_EVIDENCE_NAMES,
}


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


def finding_key(finding: dict[str, Any]) -> tuple:
    """The identity of a finding across inspections, as `SiteScore.open_keys` holds it."""
    return tuple(
        finding.get(name) for name in ("site_id", "check", "url", "page", "column", "section", "element")
    )


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
class EvidenceItem:
    label: str
    text: str | None = None
    items: list[str] = field(default_factory=list)
    more: int = 0  # list items left out


def _value_text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "freshness" and isinstance(value, str):
        return CLASS_NAMES.get(value, value)
    if key == "reason" and isinstance(value, str):
        return ERROR_WORDS.get(value, f"HTTP {value}" if value.isdigit() else value)
    if key == "kind" and isinstance(value, str):
        return KIND_WORDS.get(value, value)
    if key == "share" and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, str) and ISO_DATE_RE.match(value):
        try:
            return chinese_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"


def evidence_items(evidence: dict[str, Any] | None) -> list[EvidenceItem]:
    """Evidence as labelled values, the page title first (it tells a reader which page without opening it)."""
    if not evidence:
        return []
    keys = sorted(evidence, key=lambda key: key != "page_title")  # stable: otherwise the checks' own order
    result = []
    for key in keys:
        value = evidence[key]
        if value is None:  # e.g. no error text beside an HTTP status: an empty line says nothing
            continue
        label = EVIDENCE_NAMES.get(key, key)
        if isinstance(value, list | tuple | set | frozenset):
            values = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
            shown = [_value_text(key, item) for item in values[:LIST_LIMIT]]
            result.append(EvidenceItem(label, items=shown, more=len(values) - len(shown)))
        else:
            result.append(EvidenceItem(label, text=_value_text(key, value)))
    return result


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


def check_groups(site: SiteScore) -> list[CheckGroup]:
    """The site's findings grouped by check: vetoes first, then deductions, warnings and notes; within a
    severity in the order of `CHECK_NAMES` (the rubric's order)."""
    by_check: dict[str, list[dict[str, Any]]] = {}
    for finding in site.findings:
        by_check.setdefault(str(finding.get("check")), []).append(finding)
    check_order = list(CHECK_NAMES)

    def group_order(check: str) -> tuple[int, int, str]:
        worst = min(severity_rank(str(finding.get("severity"))) for finding in by_check[check])
        return (worst, check_order.index(check) if check in check_order else len(check_order), check)

    groups = []
    for number, check in enumerate(sorted(by_check, key=group_order), start=1):
        findings = sorted(by_check[check], key=lambda finding: severity_rank(str(finding.get("severity"))))
        severities = sorted({str(finding.get("severity")) for finding in findings}, key=severity_rank)
        views = []
        for finding in findings:
            severity = str(finding.get("severity"))
            element_label = {"columns_stale": "统计项"}.get(
                check, "技术指标" if finding.get("element") in TECH_NAMES else "页面要素"
            )
            places = [
                (label, element_name(finding[name]) if name == "element" else str(finding[name]))
                for name, label in (("column", "栏目"), ("section", "必备栏目"), ("element", element_label))
                if finding.get(name)
            ]
            views.append(
                FindingView(
                    detail=str(finding.get("detail") or ""),
                    severity=severity,
                    severity_name=SEVERITY_NAMES.get(severity, severity),
                    url=_opt_str(finding.get("url")),
                    url_href=http_url(finding.get("url")),
                    page=_opt_str(finding.get("page")),
                    page_href=http_url(finding.get("page")),
                    places=places,
                    evidence=evidence_items(finding.get("evidence")),
                    still_open=finding_key(finding) in site.open_keys,
                )
            )
        groups.append(
            CheckGroup(
                anchor=f"check-{number}",  # not the check id: ids in the page come from us, not from data
                check=check,
                name=CHECK_NAMES.get(check, check),
                severities=[(severity, SEVERITY_NAMES.get(severity, severity)) for severity in severities],
                findings=views,
            )
        )
    return groups


# columns_stale (the veto indicator) uses the element field for which of its three counts fired.
COUNT_NAMES = {
    "news_and_policy": "动态要闻类、通知公告政策文件类栏目不更新",
    "should_update": "应更新栏目长期未更新",
    "empty": "空白栏目",
}


def element_name(element: Any) -> str:
    """An element's Chinese name; the checks store an id such as "site_id_code" or "should_update"."""
    return ELEMENT_NAMES.get(element) or TECH_NAMES.get(element) or COUNT_NAMES.get(element) or str(element)


def _opt_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


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


def veto_views(site: SiteScore, run_dates: dict[int, date]) -> list[dict[str, Any]]:
    """A site's vetoes as indicator name and detail; in a period report, where each veto names the run it
    happened in (evidence `run_id`), also the date of that inspection."""
    views = []
    for veto in site.vetoes:
        check = str(veto.get("check"))
        run_id = (veto.get("evidence") or {}).get("run_id")
        day = run_dates.get(run_id) if isinstance(run_id, int) else None
        views.append(
            {
                "indicator": CHECK_NAMES.get(check, check),
                "detail": str(veto.get("detail") or ""),
                "day": chinese_date(day) if day else None,
            }
        )
    return views


def _site_file(site_id: str) -> str:
    if not SITE_ID_RE.match(site_id):
        raise ValueError(f"site id {site_id!r} cannot be used as a file name")
    return f"{site_id}.html"


def _kind_counts(sites: Iterable[SiteScore]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for site in sites:
        counts[site.kind] = counts.get(site.kind, 0) + 1
    return counts


def _site_row(site: SiteScore, kind_counts: dict[str, int]) -> dict[str, Any]:
    changes = (site.new_findings, site.fixed_findings, site.open_findings)
    return {
        "site": site,
        "href": f"sites/{_site_file(site.site_id)}",
        "kind_name": KIND_NAMES.get(site.kind, site.kind),
        "kind_total": kind_counts.get(site.kind, 0),
        "score": fmt_score(site.score),
        "verdict_class": verdict_class(site),
        "score_delta": score_delta(site.score_delta),
        "rank_delta": rank_delta(site.rank_delta),
        "changes": None if all(value is None for value in changes) else [value or 0 for value in changes],
        "deduction_total": fmt_points(sum(deduction.points for deduction in site.deductions)),
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,  # every template, whatever its extension: finding texts are crawled data
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = chinese_date
    env.filters["points"] = fmt_points
    return env


def write_html(report: Report, out_dir: Path, *, title: str = DEFAULT_TITLE) -> Path:
    """Write the overview `out_dir/index.html` and one page per site under `out_dir/sites/`; return the
    overview's path."""
    out_dir = Path(out_dir)
    (out_dir / "sites").mkdir(parents=True, exist_ok=True)
    env = _environment()
    kind_counts = _kind_counts(report.sites)
    rows = [_site_row(site, kind_counts) for site in report.sites]
    history = trend_history(report)
    # A period report keeps a score beside a veto (the period's rule counts the vetoed inspection at a fixed
    # score); the overview still treats every vetoed site as vetoed: own histogram bar, out of the average.
    scored = [site.score for site in report.sites if site.score is not None and not site.vetoes]
    has_previous = report.previous is not None
    common = {
        "title": title,
        "inspection": report.inspection,
        "previous": report.previous,
        "period": period_text(report.period) if report.period else None,
        "total_sites": len(report.sites),
    }

    run_dates = {point.run_id: point.date for point in history}
    vetoes = [{"row": row} | veto for row in rows for veto in veto_views(row["site"], run_dates)]
    summary = {
        "sites": len(report.sites),
        "qualified": sum(1 for site in report.sites if site.qualified and not site.vetoes),
        "failed": sum(1 for site in report.sites if not site.qualified and not site.vetoes),
        "vetoed": sum(1 for site in report.sites if site.vetoes),
        "average": fmt_score(sum(scored) / len(scored)) if scored else "—",
        "findings": sum(len(site.findings) for site in report.sites),
        "new": sum(site.new_findings or 0 for site in report.sites),
        "fixed": sum(site.fixed_findings or 0 for site in report.sites),
        "open": sum(site.open_findings or 0 for site in report.sites),
        "unchecked": len(report.unchecked),
    }
    # Sites without checked facts: listed after the ranking, with no rank, score or page of their own.
    unchecked_rows = [
        {"site": site, "kind_name": KIND_NAMES.get(site.kind, site.kind)} for site in report.unchecked
    ]
    overview = env.get_template("overview.html").render(
        **common,
        root="",
        rows=rows,
        unchecked_rows=unchecked_rows,
        vetoes=vetoes,
        summary=summary,
        has_previous=has_previous,
        rule=report.rule,
        # The one place markup is trusted: SVG drawn by reports.charts from numbers, its texts escaped there.
        histogram=Markup(
            score_histogram((None if site.vetoes else site.score for site in report.sites), width=520)
        ),
        trend=Markup(trend_chart(history, width=520, height=260)),
    )
    index = out_dir / "index.html"
    index.write_text(overview, encoding="utf-8", newline="\n")

    site_template = env.get_template("site.html")
    for row in rows:
        site: SiteScore = row["site"]
        page = site_template.render(
            **common,
            root="../",
            row=row,
            site=site,
            groups=check_groups(site),
            has_previous=has_previous,
            vetoes=veto_views(site, run_dates),
            trend=Markup(
                trend_chart(history, [site.site_id], width=360, height=170, title="本站历次检查得分")
            ),
        )
        (out_dir / row["href"]).write_text(page, encoding="utf-8", newline="\n")
    return index
