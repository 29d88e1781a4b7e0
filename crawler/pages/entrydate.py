"""The date of one entry of a content list (a `li`, `tr`, `dd`, or a `div`/`p` row), as the row shows it.

Real templates put the date in many places: a span after the link, a span inside the link when the whole
row is one link (开普云), a `td` under a 发布日期 heading beside a 成文日期 one (政府信息公开 catalogues),
a big day number over a year-month (portal homepages), a 发布时间：label line under a summary, or only an
attribute (`<span title="2026-11-28">`, `data-date`). The raw date text is returned (or composed, for a
split date): parsing it, and giving a yearless date its year, is checks/dates.py's work.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from crawler.pages.extract import DATE_RE, clean

STRING = etree.XPath("string()", smart_strings=False)
TEXT_OUTSIDE_ANCHORS = etree.XPath(".//text()[not(ancestor::a)]", smart_strings=False)
# Where a row keeps a date it does not print as text (a tooltip, a script's data).
DATE_ATTRIBUTES = etree.XPath(
    "descendant-or-self::*/@title | descendant-or-self::*/@data-date | descendant-or-self::*/@data-time",
    smart_strings=False,
)
TEXTS = etree.XPath(".//text()", smart_strings=False)
# A text that is a date and nothing else, with a label (发布时间：), brackets or a time of day at most.
DATE_ALONE_RE = re.compile(
    r"^[\[(（【]?\s*(?:(?:发布|更新|成文|发文)?(?:时间|日期)\s*[:：]?\s*)?"
    r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*[-/.]\s*\d{1,2}|\d{1,2}月\d{1,2}日)"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*[\])）】]?$"
)
PUBLISHED_LABEL_RE = re.compile(r"^[\[(（【]?\s*发布")
PUBLISHED_HEADING_RE = re.compile(r"^(发布|公开|上网)(日期|时间)$")
YEAR_MONTH_RE = re.compile(r"^((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})月?$")
DAY_RE = re.compile(r"^(\d{1,2})日?$")


def entry_date(record: Any) -> str | None:
    """The entry's date as the row shows it, in this order: the cell under a 发布日期 column heading; a
    text that is a date and nothing else (a date span, inside the link or not); a day and a year-month
    drawn in two elements (a big "28" over "2026-11"); the first date outside the links (a summary's date
    comes after the row's own); a date alone in a title or data-date attribute."""
    cell = _dated_column_cell(record)
    if cell is not None:
        return cell
    parts = [text for node in TEXTS(record) if (text := clean(node))]
    alone = [text for text in parts if DATE_ALONE_RE.match(text)]
    if alone:
        published = [text for text in alone if PUBLISHED_LABEL_RE.search(text)]
        match = DATE_RE.search((published or alone)[0])
        if match:
            return match.group(0)
    split = _split_date(parts)
    if split:
        return split
    match = DATE_RE.search(clean(" ".join(TEXT_OUTSIDE_ANCHORS(record))))
    if match:
        return match.group(0)
    values = (clean(value) for value in DATE_ATTRIBUTES(record))
    return next((value for value in values if DATE_ALONE_RE.match(value)), None)


def _split_date(parts: list[str]) -> str | None:
    year_month = next((m for text in parts if (m := YEAR_MONTH_RE.match(text))), None)
    day = next((m for text in parts if (m := DAY_RE.match(text))), None)
    if year_month is None or day is None:
        return None
    return f"{year_month[1]}-{int(year_month[2]):02d}-{int(day[1]):02d}"


def _dated_column_cell(record: Any) -> str | None:
    """In a table whose heading row names a 发布日期 (or 发布时间) column, the date in that column: the
    公开目录 tables show 成文日期 before 发布日期, and a column is as fresh as what it published."""
    if record.tag != "tr":
        return None
    table = next(record.iterancestors("table"), None)
    if table is None:
        return None
    index = _published_column(table)
    cells = [cell for cell in record if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
    if index is None or index >= len(cells):
        return None
    match = DATE_RE.search(clean(STRING(cells[index])))
    return match.group(0) if match else None


def _published_column(table: Any) -> int | None:
    for row in list(table.iter("tr"))[:3]:
        cells = [
            clean(STRING(cell)) for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")
        ]
        for index, text in enumerate(cells):
            if PUBLISHED_HEADING_RE.match(text):
                return index
    return None
