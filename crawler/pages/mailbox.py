"""The messages of a site's consultation columns (领导信箱, 咨询投诉, 留言板, 12345 ...), as pages show them.

Two markups carry a message's dates on real government sites, and both are read:

- a list table whose header names its columns (标题/主题, 留言时间/来信时间, 回复时间/答复时间,
  状态/办理状态): every row below the header that holds a link is one message, its cells read by the
  header's names;
- a message's own page (the list only links to it), where the dates stand as labelled fields:
  "留言时间：2026-10-12 09:30", "回复时间：2026-10-20", "办理状态：已办结". Such a page is one message whose
  URL is the page's own.

Which page is a consultation column is not decided here (the checks match column names against the
rubric's synonyms): a page is read for messages by its structure alone, so a mailbox with an unusual name is
still read. Dates are kept as the raw text; the checks parse them. Pure functions over a parsel `Selector`.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.items import MessageFact
from crawler.pages.extract import DATE_RE, base_url_of, clean, resolve

# Header cell names, by the field they hold. Matched against the whole cleaned cell text.
ASKED_HEADERS = re.compile(r"^(留言|来信|提问|咨询|写信|投诉|提交|发布|受理)?(时间|日期)$")
REPLIED_HEADERS = re.compile(r"^(回复|答复|办结|处理|反馈)(时间|日期)$")
STATE_HEADERS = re.compile(r"^(办理|处理|回复|答复|受理)?状态$")
TITLE_HEADERS = re.compile(r"^(留言|来信|信件|咨询|投诉)?(标题|主题|内容)$")
# Labelled fields of a message's own page: a label, a colon (or a table cell: no colon), then the value.
ASKED_LABEL = re.compile(r"(?:留言|来信|提问|咨询|写信|投诉|提交)(?:时间|日期)\s*[:：]?\s*")
REPLIED_LABEL = re.compile(r"(?:回复|答复|办结|反馈)(?:时间|日期)\s*[:：]?\s*")
STATE_LABEL = re.compile(r"(?:办理|处理|回复|答复)状态\s*[:：]?\s*([\u4e00-\u9fff]{2,6})")
SUBJECT_LABEL = re.compile(r"(?:信件|留言|来信|咨询)(?:标题|主题)\s*[:：]?\s*([^\n]{1,120})")

TABLES = etree.XPath("//table[not(.//table)]", smart_strings=False)
ROWS = etree.XPath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr", smart_strings=False)
CELLS = etree.XPath("./th | ./td", smart_strings=False)
ANCHORS = etree.XPath(".//a[@href]", smart_strings=False)
STRING = etree.XPath("string()", smart_strings=False)
BODY_STRING = etree.XPath("string(//body)", smart_strings=False)
ASKED_WORD = re.compile(r"(?:留言|来信|提问|咨询|写信|投诉|提交)(?:时间|日期)")
BODY_LINES = etree.XPath(
    "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::a)]", smart_strings=False
)


def messages(selector: Selector, page_url: str, encoding: str = "utf-8") -> list[MessageFact]:
    """Every message the page shows: the rows of its message tables, or else the page itself when it is a
    message's own page (labelled 留言时间 and a reply or state)."""
    rows = table_messages(selector, page_url, encoding)
    if rows:
        return rows
    own = page_message(selector, page_url)
    return [own] if own is not None else []


def table_messages(selector: Selector, page_url: str, encoding: str = "utf-8") -> list[MessageFact]:
    """The rows of each table whose header names a message time and a reply time or state."""
    base = base_url_of(selector, page_url)
    found: list[MessageFact] = []
    for table in TABLES(selector.root):
        rows = ROWS(table)
        header = _header(rows)
        if header is None:
            continue
        index, fields = header
        for row in rows[index + 1 :]:
            message = _row_message(row, fields, base, encoding, len(found))
            if message is not None:
                found.append(message)
    return found


def _header(rows: list[Any]) -> tuple[int, dict[str, int]] | None:
    """The header row of a message table (its index, and the column of each field), if the table has one."""
    for index, row in enumerate(rows[:3]):
        names = [clean(STRING(cell)) for cell in CELLS(row)]
        fields: dict[str, int] = {}
        for column, name in enumerate(names):
            for field_name, pattern in (
                ("asked", ASKED_HEADERS),
                ("replied", REPLIED_HEADERS),
                ("state", STATE_HEADERS),
                ("title", TITLE_HEADERS),
            ):
                if field_name not in fields and pattern.match(name.replace(" ", "")):
                    fields[field_name] = column
                    break
        if "asked" in fields and ("replied" in fields or "state" in fields):
            return index, fields
    return None


def _row_message(
    row: Any, fields: dict[str, int], base: str, encoding: str, position: int
) -> MessageFact | None:
    cells = CELLS(row)
    anchors = ANCHORS(row)
    if not anchors or len(cells) <= fields["asked"]:
        return None

    def cell(name: str) -> str:
        column = fields.get(name)
        return clean(STRING(cells[column])) if column is not None and column < len(cells) else ""

    anchor = anchors[0]
    asked = _date_text(cell("asked"))
    replied = _date_text(cell("replied"))
    return MessageFact(
        position=position,
        title=clean(anchor.get("title") or STRING(anchor)) or cell("title"),
        url=resolve(base, anchor.get("href") or "", encoding),
        asked_text=asked,
        replied_text=replied,
        state=cell("state") or (cell("replied") if replied is None else "") or None,
        source="list",
    )


def page_message(selector: Selector, page_url: str) -> MessageFact | None:
    """A message's own page: its labelled 留言时间, and its 回复时间 and 办理状态 where shown."""
    if not ASKED_WORD.search(BODY_STRING(selector.root)):
        return None  # most pages: one pass of C over the text instead of a list of its lines
    lines = [clean(text) for text in BODY_LINES(selector.root)]
    text = "\n".join(line for line in lines if line)
    asked = _labelled_date(ASKED_LABEL, text)
    if asked is None:
        return None
    replied = _labelled_date(REPLIED_LABEL, text)
    state = STATE_LABEL.search(text)
    if replied is None and state is None:
        return None  # a dated page that does not say whether it was answered is no message page
    subject = SUBJECT_LABEL.search(text)
    title = clean(subject.group(1)) if subject else clean("".join(selector.root.xpath("//title//text()")))
    return MessageFact(
        position=0,
        title=title[:200],
        url=page_url,
        asked_text=asked,
        replied_text=replied,
        state=state.group(1) if state else None,
        source="page",
    )


def _labelled_date(label: re.Pattern[str], text: str) -> str | None:
    for match in label.finditer(text):
        date = DATE_RE.match(text, match.end())
        if date is not None:
            return date.group(0).strip()
    return None


def _date_text(text: str) -> str | None:
    match = DATE_RE.search(text)
    return match.group(0).strip() if match else None
