"""The Excel workbook for assessors, written with openpyxl from a `Report`, named by `reports.glossary`.

`write_excel(report, path)` writes sheets "排名" (one row per site in rank order), "检查结果" (one row per
finding, filterable) and one sheet per check that has findings. Finding texts are crawled data: every string
goes through `set_text`, which defuses formula injection (a crawled anchor text `=HYPERLINK(...)` must stay
text) and drops characters an xlsx file cannot hold. `workbook_bytes` gives the same workbook as bytes (the
mail attaches one per site).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.glossary import check_name, check_order, element_name, kind_name, severity_name
from reports.model import Finding, Report, SiteScore

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
    "较上次得分",
    "较上次排名",
    "新增问题",
    "已整改",
    "未整改",
)
FINDINGS_HEADER = (
    "站点编号",
    "站点名称",
    "检查项",
    "严重程度",
    "问题地址",
    "所在页面",
    "栏目",
    "必备栏目",
    "页面要素",
    "说明",
    "证据",
    "上次已存在",
)
WRAP_COLUMNS = {"说明"}  # long sentences: wrapped in a wide column rather than one endless line
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


def _write_table(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Header in bold, the rows below, widths fitted, header frozen and filterable; returns the row count."""
    bold = Font(bold=True)
    widths = [_display_width(title) + 2 for title in header]
    for column, title in enumerate(header, start=1):
        put(ws, 1, column, title).font = bold
    count = 0
    for count, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = put(ws, count + 1, column, value)
            title = header[column - 1]
            if title in NUMBER_FORMATS and isinstance(value, int | float):
                cell.number_format = NUMBER_FORMATS[title]
            if title in WRAP_COLUMNS:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[column - 1] = max(widths[column - 1], _display_width(cell.value) + 2)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return count


def _finding_row(site: SiteScore, finding: Finding) -> list[Any]:
    evidence = finding.evidence or {}
    return [
        site.site_id,
        site.name,
        check_name(finding.check),
        severity_name(finding.severity),
        finding.url,
        finding.page,
        finding.column,
        finding.section,
        element_name(finding.element) if finding.element else None,
        finding.detail,
        json.dumps(evidence, ensure_ascii=False, separators=(",", ":"), default=str) if evidence else None,
        "是" if site.still_open(finding) else "否",
    ]


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
        site.score_delta,
        site.rank_delta,
        site.new_findings,
        site.fixed_findings,
        site.open_findings,
    ]


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
    """The assessors' workbook: ranking, every finding, and one sheet per check that has findings."""
    book = Workbook()
    ranking = book.active
    ranking.title = "排名"
    taken = {"排名", "检查结果"}
    # Sites without checked facts follow the ranked ones: no rank, no score, verdict 未检查.
    _write_table(ranking, RANKING_HEADER, (_ranking_row(site) for site in [*report.sites, *report.unchecked]))

    results = book.create_sheet("检查结果")
    rows_by_check: dict[str, list[list[Any]]] = {}
    all_rows = []
    for site in report.sites:
        for finding in site.findings:
            row = _finding_row(site, finding)
            all_rows.append(row)
            rows_by_check.setdefault(finding.check, []).append(row)
    _write_table(results, FINDINGS_HEADER, all_rows)

    # Per-check sheets in the rubric's order, unknown checks after them.
    for check in sorted(rows_by_check, key=check_order):
        sheet = book.create_sheet(sheet_title(check_name(check), taken))
        _write_table(sheet, FINDINGS_HEADER, rows_by_check[check])

    book.properties.title = clean_text(f"{report.inspection.label} 检查结果")
    book.properties.creator = "duwang"
    return book
