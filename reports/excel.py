"""The Excel workbook for assessors, written with openpyxl from a `Report` through `reports.views`.

`write_excel(report, path)` writes sheets "排名" (one row per site in rank order, with 已整改（复查确认）
told from 已整改（下次督查发现）), "检查结果" (one row per finding as the views list it: one per broken link
target, filterable, with the latest 复查's mark), one sheet per check that has findings, and "技术证据" (each
finding's evidence, labelled in Chinese, and every page linking to a broken target) so that the result
sheets stay readable. Every sheet starts with a row naming the inspection (label, 检查日期, 抓取日期, a
period's rule), its Chinese header below; http(s) addresses are real hyperlinks (never a `=HYPERLINK`
formula). Finding texts are crawled data: every string goes through `set_text`, which defuses formula
injection (a crawled anchor text `=HYPERLINK(...)` must stay text) and drops characters an xlsx file cannot
hold. `workbook_bytes` gives the same workbook as bytes (the mail attaches one per site).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from checks.dates import chinese_date
from reports.glossary import check_name, check_order, element_name, kind_name, severity_name
from reports.model import NEXT_FIXED, RECHECK_FIXED, Report, SiteScore
from reports.views import FindingView, check_groups, http_url, indicator_points

RANKING_HEADER = (
    "排名",
    "站点编号",
    "站点名称",
    "类型",
    "得分",
    "结论",
    "分类排名",
    "否决项",
    "扣分合计",
    "加分",
    "扣分、加分所计指标",
    "较上次得分",
    "较上次排名",
    "新增问题",
    "已整改",
    # As the site's HTML page counts them: fixes a 复查 (duwang recheck) confirmed (of the previous
    # inspection's findings and of this one's since), and the previous inspection's fixes only this one found.
    RECHECK_FIXED,
    NEXT_FIXED,
    "未整改",
)
FINDINGS_HEADER = (
    "站点编号",
    "站点名称",
    "检查项",
    "严重程度",
    "问题地址",
    "所在页面",
    "链接所在页面数",
    "栏目",
    "必备栏目",
    "页面要素",
    "说明",
    "上次已存在",
    "复查结果",  # the latest 复查: 已整改（复查确认） or 未整改（复查确认）, empty when not re-checked
)
EVIDENCE_HEADER = ("站点编号", "站点名称", "检查项", "问题地址", "证据项", "内容")
WRAP_COLUMNS = {"说明", "扣分、加分所计指标"}  # long texts: wrapped in a wide column, not one endless line
LINK_COLUMNS = {"问题地址", "所在页面", "内容"}  # an http(s) address here is a clickable hyperlink
HEADER_ROW = 2  # row 1 names the inspection
NUMBER_FORMATS = {"得分": "0.0", "扣分合计": "0.##", "加分": "0.##", "较上次得分": "+0.0;-0.0;0"}
# Excel (and LibreOffice, Google Sheets) evaluate a cell typed as text beginning with these, also after
# leading blanks; a leading tab or carriage return is used to smuggle them past naive checks.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
LEADING_CONTROL = ("\t", "\r")
MAX_CELL_CHARS = 32767  # Excel's limit per cell; longer text is cut rather than making a corrupt file
SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 6, 60


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read `text` as a formula (or a DDE payload)."""
    return text.startswith(LEADING_CONTROL) or text.lstrip(" \t\r\n").startswith(FORMULA_TRIGGERS)


def clean_text(text: str) -> str:
    """`text` as it is stored: control characters xlsx cannot hold removed, formula-like text prefixed
    with a single quote so that it is shown, never evaluated."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if is_formula_like(text):
        text = "'" + text
    return text[:MAX_CELL_CHARS]


def set_text(cell: Cell, text: str) -> Cell:
    """Store a string as a string. openpyxl turns any value beginning with "=" into a formula on assignment,
    so the data type is forced to "s" afterwards; the quote prefix covers tools that re-evaluate text."""
    cell.value = clean_text(text)
    cell.data_type = "s"
    return cell


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one value: strings through `set_text`, numbers as numbers, None as an empty cell."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        set_text(cell, "是" if value else "否")
    elif isinstance(value, int | float):
        cell.value = value
    else:
        set_text(cell, str(value))
    return cell


def _display_width(value: Any) -> int:
    """Approximate column width in Excel units: CJK and other wide characters count double."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else f"{value}"
    return max((sum(2 if ord(char) > 0x2E7F else 1 for char in line) for line in text.split("\n")), default=0)


def _write_table(ws: Worksheet, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """The inspection's title row, the header in bold below it, the rows below that, widths fitted, header
    frozen and filterable, http(s) addresses linked; returns the row count."""
    bold = Font(bold=True)
    put(ws, 1, 1, title).font = Font(bold=True, size=12)
    widths = [_display_width(title) + 2 for title in header]
    for column, name in enumerate(header, start=1):
        put(ws, HEADER_ROW, column, name).font = bold
    count = 0
    for count, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = put(ws, HEADER_ROW + count, column, value)
            name = header[column - 1]
            if name in NUMBER_FORMATS and isinstance(value, int | float):
                cell.number_format = NUMBER_FORMATS[name]
            if name in WRAP_COLUMNS:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if name in LINK_COLUMNS and (href := http_url(value)) is not None:
                cell.hyperlink = href  # a relationship of the sheet, not a formula: nothing is evaluated
                cell.style = "Hyperlink"
            widths[column - 1] = max(widths[column - 1], _display_width(cell.value) + 2)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(header))}{HEADER_ROW + count}"
    return count


def title_row(report: Report) -> str:
    """The first row of every sheet: which inspection, the date the checks used, and a period's rule."""
    inspection = report.inspection
    parts = [inspection.label, f"检查日期 {chinese_date(inspection.as_of)}"]
    if inspection.as_of != inspection.date:
        parts.append(f"抓取日期 {chinese_date(inspection.date)}")
    if report.combined is not None:
        parts.append(f"合并 {report.combined} 次督查")
    if report.rule:
        parts.append(report.rule)
    return " · ".join(parts)


def _finding_row(site: SiteScore, view: FindingView) -> list[Any]:
    finding = view.finding
    return [
        site.site_id,
        site.name,
        check_name(finding.check),
        severity_name(finding.severity),
        finding.url,
        finding.page,
        view.pages if view.linked_from else None,
        finding.column,
        finding.section,
        element_name(finding.element) if finding.element else None,
        finding.detail,
        "是" if view.still_open else "否",
        view.recheck,
    ]


def _evidence_rows(site: SiteScore, check: str, view: FindingView) -> list[list[Any]]:
    """The evidence of one finding, one labelled value a row; the pages linking to a broken target too."""
    head = [site.site_id, site.name, check_name(check), view.url]
    rows = [[*head, "链接所在页面", page.url] for page in view.linked_from]
    for item in view.evidence:
        if item.text is not None:
            rows.append([*head, item.label, item.text])
        for value in item.items:
            rows.append([*head, item.label, value])
        if item.more:
            rows.append([*head, item.label, f"另有 {item.more} 项未列出"])
    return rows


def _indicators_text(site: SiteScore) -> str | None:
    """Which indicator took or added each point, e.g. "首页链接可用性 −2（依据待确认）；链接全部可用 +5"."""
    return "；".join(f"{line.name} {line.points}{line.note}" for line in indicator_points(site)) or None


def _ranking_row(site: SiteScore) -> list[Any]:
    vetoes = "、".join(dict.fromkeys(check_name(veto.check) for veto in site.vetoes))
    return [
        site.rank if site.checked else None,
        site.site_id,
        site.name,
        kind_name(site.kind),
        site.score,
        site.verdict,
        site.kind_rank if site.checked else None,
        vetoes or None,
        sum(deduction.points for deduction in site.deductions) if site.checked else None,
        site.bonus,
        _indicators_text(site),
        site.score_delta,
        site.rank_delta,
        site.new_findings,
        site.fixed_findings,
        _recheck_fixed(site),
        site.fixed_by_next,
        site.open_findings,
    ]


def _recheck_fixed(site: SiteScore) -> int | None:
    """已整改（复查确认） as the site's HTML page counts it; empty where that page shows no such figure."""
    if not site.checked or (site.fixed_findings is None and not site.rechecked):
        return None
    return site.recheck_fixed


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused sheet title: at most 31 characters, none of []:*?/\\, no quote at either end."""
    base = SHEET_TITLE_BAD.sub("_", name).strip("'") or "检查项"
    title = base[:31]
    number = 2
    while title.casefold() in taken:  # Excel compares sheet titles case-insensitively
        suffix = f"_{number}"
        title = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(title.casefold())
    return title


def write_excel(report: Report, path: Path) -> Path:
    """Write the assessors' workbook to `path` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(report).save(path)
    return path


def workbook_bytes(report: Report) -> bytes:
    """The assessors' workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    build_workbook(report).save(buffer)
    return buffer.getvalue()


def build_workbook(report: Report) -> Workbook:
    """The assessors' workbook: ranking, every finding, one sheet per check that has findings, evidence."""
    book = Workbook()
    title = title_row(report)
    ranking = book.active
    ranking.title = "排名"
    taken = {"排名", "检查结果", "技术证据"}
    # Sites without checked facts follow the ranked ones: no rank, no score, verdict 未检查.
    rows = (_ranking_row(site) for site in [*report.sites, *report.unchecked])
    _write_table(ranking, title, RANKING_HEADER, rows)

    results = book.create_sheet("检查结果")
    rows_by_check: dict[str, list[list[Any]]] = {}
    all_rows, evidence_rows = [], []
    for site in report.sites:
        for group in check_groups(site, owners=True, gaps=True):
            for view in group.findings:
                row = _finding_row(site, view)
                all_rows.append(row)
                rows_by_check.setdefault(group.check, []).append(row)
                evidence_rows += _evidence_rows(site, group.check, view)
    _write_table(results, title, FINDINGS_HEADER, all_rows)

    # Per-check sheets in the rubric's order, unknown checks after them.
    for check in sorted(rows_by_check, key=check_order):
        sheet = book.create_sheet(sheet_title(check_name(check), taken))
        _write_table(sheet, title, FINDINGS_HEADER, rows_by_check[check])
    if evidence_rows:
        _write_table(book.create_sheet("技术证据"), title, EVIDENCE_HEADER, evidence_rows)

    book.properties.title = clean_text(f"{report.inspection.label} 检查结果")
    book.properties.creator = "duwang"
    return book
