"""The content lists of an HTML page, found by record structure, each with the name its page shows for it.

A list is a run of sibling records (`li`, `tr` or `dd` elements) that each hold a link, and usually a date.
Lists are told apart by the element that holds their records, never by a CSS-like name: real templates
repeat the same class on every homepage block and tab panel (宜春's three `ul.newsList-dotLine` blocks,
邯郸's four `ul.sx-c1-list` tabs), and those must stay four lists of twelve, not one of forty-eight.

Rules, each for a markup seen on real government sites:
- Only innermost records count: an outer layout `<tr>` that holds a whole nested table is not an entry (it
  would borrow the first title and date inside it).
- Pager rows (首页 / 下一页 / 1 2 3 ...) are not entries.
- A column's headline item standing just before its list (a `div.newsTt` with the top story, or a one-row
  "最新政府文件" list in its own box) is the list's first entry, not a list of its own.
- Hanweb's `<script type="text/xml">` datastore holds the records as CDATA: they are read like any other list.
- A list's name is the heading or tab label that the page shows for it: the nearest preceding heading, or
  the i-th label of a tab strip whose i-th panel holds the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from lxml import etree, html
from parsel import Selector

from checks.dates import date_from_url
from crawler.items import ListItemFact
from crawler.pages.entrydate import DATE_ALONE_RE, TEXTS, entry_date
from crawler.pages.extract import DATE_RE, IN_NAV, base_url_of, clean, resolve

RECORD_XPATH = etree.XPath(
    "//li[.//a[@href]][not(.//li[.//a[@href]] or .//tr[.//a[@href]] or .//dd[.//a[@href]])]"
    " | //tr[.//a[@href]][not(.//tr[.//a[@href]] or .//li[.//a[@href]] or .//dd[.//a[@href]])]"
    " | //dd[.//a[@href]][not(.//dd[.//a[@href]] or .//li[.//a[@href]] or .//tr[.//a[@href]])]",
    smart_strings=False,
)
# Blocks that may be the records of a list written without li/tr/dd (see _row_groups).
ROW_XPATH = etree.XPath(
    "//*[self::div or self::p or self::section or self::article][.//a[@href]]"
    "[not(.//li[.//a[@href]] or .//tr[.//a[@href]] or .//dd[.//a[@href]])]"
    "[not(ancestor::li or ancestor::tr or ancestor::dd)]",
    smart_strings=False,
)
ANCHORS = etree.XPath(".//a[@href]", smart_strings=False)
TEXT_OUTSIDE_ANCHORS = etree.XPath(".//text()[not(ancestor::a)]", smart_strings=False)
STRING = etree.XPath("string()", smart_strings=False)
DATASTORES = etree.XPath("//script[@type='text/xml']", smart_strings=False)
RECORD_CDATA_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
# Links that move through a list or leave it, never an entry of it.
# "More" links are written many ways: 更多, 更多>>, 更多 +, MORE >>, 查看更多>, [更多], +更多, more».
MORE_RE = r"[\[【(（]?\s*[+＋]?\s*(?:查看)?(?:更多|more)(?:信息|内容)?\s*[>＞»》+＋.…]*\s*[\]】)）]?"
MORE_ONLY_RE = re.compile(rf"^{MORE_RE}$", re.IGNORECASE)
GENERIC_RE = re.compile(
    rf"^(?:{MORE_RE}|首页|上一页|下一页|尾页|末页|前一页|后一页|第\d+页|\d+|>+|<+|»|«|\.\.\.|…)$",
    re.IGNORECASE,
)
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
HEADING_CLASS_RE = re.compile(r"(^|[-_\s])(title|tit|hd|head|header|bt|name|lm|caption)([-_\s\d]|$)", re.I)
BREADCRUMB_RE = re.compile(r"(当前|您的|您现在的|所在|现在)位置")
CRUMB_PAGE_RE = re.compile(r"^(正文|详情|内容|详细内容|文章内容|信息内容|阅读|浏览)$")
CRUMB_SEPARATOR_RE = re.compile(r"\s*(?:>+|＞+|»|›|→|-{1,2}>)\s*")
YEAR_NAME_RE = re.compile(r"^((?:19|20)\d{2})\s*年?(?:度)?$")
FOUR_DIGITS_RE = re.compile(r"\d{4}")
MONTH_DAY_RE = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
MAX_NAME = 20
_ENTRY_TEXTS: WeakKeyDictionary[Any, list[str]] = (
    WeakKeyDictionary()
)  # characters: a heading or a tab label, not a sentence
HEADLINE_MAX = 2  # a headline box holds the top story or two, not a list


@dataclass
class _Group:
    """One list being built: its container element (or datastore script) and its records."""

    container: Any
    records: list[Any]
    head: list[Any]  # headline records that stand before the container
    name: str = ""


def list_items(selector: Selector, page_url: str, encoding: str = "utf-8") -> list[ListItemFact]:
    """The entries of the page's content lists, grouped and named (see the module docstring).

    A list is kept when at least one entry has a date, or when it has three or more entries outside the
    navigation; the raw date text (or None) is kept for the checks to parse. Entry URLs take the canonical
    form of the page's links (`encoding`: the page's, for a query written in raw Chinese).
    """
    root = selector.root
    base = base_url_of(selector, page_url)
    groups = _record_groups(root)
    _entry_texts(root, groups)
    _absorb_headlines(groups)
    kept: list[ListItemFact] = []
    for number, group in enumerate(groups):
        if group.container is None:
            continue  # merged into the list after it
        items = [_item(record, base, encoding) for record in group.head + group.records]
        dated = any(date_text or date_from_url(url) for _, url, date_text in items)
        if not dated and (len(items) < 3 or bool(IN_NAV(group.container))):
            continue
        name = group.name or _list_name(group.container, group.head)
        year = YEAR_NAME_RE.match(name)
        if year:  # month-day dates under a 2025年 heading are that year's
            items = [(title, url, _in_year(date_text, year[1])) for title, url, date_text in items]
        container = f"{_css_path(group.container)}#{number}"
        kept.extend(
            ListItemFact(container, position, title, url, date_text, name)
            for position, (title, url, date_text) in enumerate(items)
        )
    return kept


def entry_texts(root: Any) -> list[str]:
    """The text outside links of each entry of the page's lists of two or more entries: what pagekind
    leaves out when it looks for an article's labels (a list printing 发布时间/来源 on every row)."""
    texts = _ENTRY_TEXTS.get(root)
    return texts if texts is not None else _entry_texts(root, _record_groups(root))


def _entry_texts(root: Any, groups: list[_Group]) -> list[str]:
    texts = [
        clean(" ".join(TEXT_OUTSIDE_ANCHORS(record)))
        for group in groups
        if len(group.records) >= 2
        for record in group.records
    ]
    _ENTRY_TEXTS[root] = texts  # pagekind asks right after list_items: the page is not read twice
    return texts


def _in_year(date_text: str | None, year: str) -> str | None:
    if date_text is None or FOUR_DIGITS_RE.search(date_text):
        return date_text
    month_day = MONTH_DAY_RE.search(date_text)
    return f"{year}-{int(month_day[1]):02d}-{int(month_day[2]):02d}" if month_day else date_text


def _record_groups(root: Any) -> list[_Group]:
    by_parent: dict[Any, _Group] = {}
    for record in RECORD_XPATH(root):
        if _is_pager(record):
            continue
        parent = record.getparent()
        group = by_parent.get(parent)
        if group is None:
            group = by_parent[parent] = _Group(parent, [], [])
        group.records.append(record)
    groups = list(by_parent.values())
    groups.extend(_row_groups(root))
    for script in DATASTORES(root):
        records = [_fragment(text) for text in RECORD_CDATA_RE.findall(script.text or "")]
        records = [record for record in records if record is not None and ANCHORS(record)]
        if records:
            groups.append(_Group(script, records, [], _list_name(script)))
    return groups


def _row_groups(root: Any) -> list[_Group]:
    """Lists whose records are `<div>`s or `<p>`s (div.item-row with a heading link, a summary and a
    发布时间 line): two or more sibling blocks of one shape, each with one link target and a date. The
    date is required of every block, so that layout boxes and link bars are never taken for a list."""
    by_shape: dict[tuple[Any, tuple[str, str]], list[Any]] = {}
    for block in ROW_XPATH(root):
        parent = block.getparent()
        if parent is not None:
            by_shape.setdefault((parent, _shape(block)), []).append(block)
    groups: list[_Group] = []
    taken: set[Any] = set()
    for (parent, _), blocks in by_shape.items():
        if (
            len(blocks) < 2
            or any(ancestor in taken for ancestor in parent.iterancestors())
            or parent in taken
        ):
            continue
        if all(_one_target(block) and entry_date(block) for block in blocks):
            groups.append(_Group(parent, blocks, []))
            taken.update(blocks)
    return groups


def _one_target(block: Any) -> bool:
    return len({a.get("href", "").strip() for a in _content_links(ANCHORS(block))}) == 1


def _fragment(markup: str) -> Any | None:
    try:
        return html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def _is_pager(record: Any) -> bool:
    texts = [clean(STRING(anchor)) for anchor in ANCHORS(record)]
    return all(GENERIC_RE.match(text) or not text for text in texts) and len(texts) > 1


def _item(record: Any, base: str, encoding: str = "utf-8") -> tuple[str, str | None, str | None]:
    anchors = [(anchor, clean(STRING(anchor))) for anchor in ANCHORS(record)]
    content = [pair for pair in anchors if not GENERIC_RE.match(pair[1])] or anchors
    anchor, anchor_text = max(content, key=lambda pair: len(pair[1]))
    date_text = entry_date(record)
    if date_text is None:
        title = clean(anchor.get("title")) or anchor_text
        match = DATE_RE.search(clean(STRING(record)).replace(title, ""))
        date_text = match.group(0) if match else None
    elif not anchor.get("title"):  # the whole row may be the link: its date is not part of the title
        shown = next(
            (part for part in map(clean, TEXTS(anchor)) if date_text in part and DATE_ALONE_RE.match(part)),
            "",
        )
        anchor_text = clean(anchor_text.replace(shown, "")) if shown else anchor_text
        anchor_text = anchor_text or clean(STRING(anchor))
    title = clean(anchor.get("title")) or anchor_text
    return title[:300], resolve(base, anchor.get("href", ""), encoding), date_text


def _absorb_headlines(groups: list[_Group]) -> None:
    """Put each list's headline item (or one-row "latest" list) in front of it: see the module docstring."""
    group_of = {group.container: group for group in groups if group.container is not None}
    for group in groups:
        node = group.container
        for _ in range(2):  # the list's own box, then the box around it
            if node is None or not isinstance(node.tag, str) or node.tag == "script":
                break
            previous = _previous_with_links(node)
            if previous is not None:
                if _shape(previous) != _shape(node):  # a sibling panel of the same shape is another tab
                    _absorb(group, previous, group_of)
                break
            parent = node.getparent()
            if parent is None or _first_with_links(parent) is not node:
                break
            node = parent


def _absorb(group: _Group, previous: Any, group_of: dict[Any, _Group]) -> None:
    inner = [other for container, other in group_of.items() if _is_inside(container, previous)]
    if len(inner) == 1 and inner[0] is not group:
        other = inner[0]
        loose = [a for a in ANCHORS(previous) if not any(_is_inside(a, r) for r in other.records)]
        if len(other.records) <= HEADLINE_MAX and not _content_links(loose) and _dated(other.records):
            group.head = other.head + other.records + group.head
            other.container = None
        return
    if not inner and len(_content_links(ANCHORS(previous))) == 1 and _dated([previous]):
        group.head = [previous, *group.head]


def _previous_with_links(node: Any) -> Any | None:
    """The nearest earlier sibling holding a link; headings without links are looked past."""
    for sibling in node.itersiblings(preceding=True):
        if isinstance(sibling.tag, str) and ANCHORS(sibling):
            return sibling
    return None


def _first_with_links(parent: Any) -> Any | None:
    if parent is None:
        return None
    return next((child for child in parent if isinstance(child.tag, str) and ANCHORS(child)), None)


def _is_inside(node: Any, ancestor: Any) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _content_links(anchors: list[Any]) -> list[Any]:
    return [a for a in anchors if (text := clean(STRING(a))) and not GENERIC_RE.match(text)]


def _dated(records: list[Any]) -> bool:
    return any(DATE_RE.search(clean(" ".join(TEXT_OUTSIDE_ANCHORS(record)))) for record in records)


def _shape(node: Any) -> tuple[str, str]:
    return (str(node.tag), " ".join(sorted((node.get("class") or "").split())[:1]))


def _list_name(container: Any, headline: list[Any] | tuple[Any, ...] = ()) -> str:
    """The heading or tab label shown for a list (see the module docstring), or "" when there is none.
    The list's own headline box is looked past: its link is the top story, not the list's name."""
    node = container
    panel: tuple[int, int] | None = None  # (index, count) of the tab panel holding the list
    for _ in range(5):
        parent = node.getparent()
        if parent is None:
            return ""
        if panel is None:
            panels = [c for c in parent if _shape(c) == _shape(node) and (c is node or not _heading_bar(c))]
            if len(panels) > 1:
                panel = (panels.index(node), len(panels))
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str):
                continue
            if _shape(sibling) == _shape(node) and not _heading_bar(sibling):
                continue  # another panel of the same tab strip
            if any(_is_inside(record, sibling) for record in headline):
                continue
            labels = _labels(sibling)
            if panel is not None and len(labels) == panel[1]:
                return labels[panel[0]]
            heading = _heading(sibling, labels)
            if heading:
                return heading
            if ANCHORS(sibling) or len(clean(STRING(sibling))) > MAX_NAME:
                break  # something else stands between the list and any heading above it
        node = parent
    return ""


def _heading_bar(node: Any) -> bool:
    """A heading and its 更多 link, drawn in a box shaped like the list's (a table layout's heading table)."""
    anchors = ANCHORS(node)
    more = [anchor for anchor in anchors if MORE_ONLY_RE.match(clean(STRING(anchor)))]
    return bool(more) and len(anchors) - len(more) <= 1 and len(clean(STRING(node))) <= MAX_NAME + 8


def _labels(node: Any) -> list[str]:
    """The short link texts of a heading bar or tab strip, in order, generic ones (更多) left out."""
    texts = [clean(STRING(anchor)) for anchor in ANCHORS(node)]
    labels = [text for text in texts if text and not GENERIC_RE.match(text) and len(text) <= MAX_NAME]
    if not labels and not ANCHORS(node):  # tabs written as <li> or <span> without links
        items = [child for child in node.iter("li", "span") if clean(STRING(child))]
        labels = [clean(STRING(item)) for item in items if len(clean(STRING(item))) <= MAX_NAME]
    return labels


def _heading(node: Any, labels: list[str]) -> str:
    text = clean(STRING(node))
    if BREADCRUMB_RE.search(text) or len(CRUMB_SEPARATOR_RE.findall(text)) >= 2:
        # 当前位置：首页 > 政务动态 > 乡镇动态: the trail's last step is the list's name, not its first link
        steps = [step for step in map(clean, CRUMB_SEPARATOR_RE.split(text)) if step]
        while steps and (CRUMB_PAGE_RE.match(steps[-1]) or GENERIC_RE.match(steps[-1])):
            steps.pop()  # an article's trail ends in 正文: the step before it is the column
        name = steps[-1] if steps else ""
        return name if len(name) <= MAX_NAME and not BREADCRUMB_RE.search(name) else ""
    more_link = False
    for anchor in ANCHORS(node):  # the heading bar's 更多 link is not part of the name
        if MORE_ONLY_RE.match(more := clean(STRING(anchor))):
            text, more_link = clean(text.replace(more, "")), True
    if more_link and not labels and 0 < len(text) <= MAX_NAME:
        return text  # a heading bar: the name as text, and a 更多 link (table layouts: td.lmbt)
    is_heading = node.tag in HEADING_TAGS or bool(HEADING_CLASS_RE.search(node.get("class") or ""))
    if len(labels) == 1 and (is_heading or len(text) <= MAX_NAME + 6):
        return labels[0]
    if is_heading and text and len(text) <= MAX_NAME:
        return text
    inner = next((h for h in node.iter(*HEADING_TAGS) if clean(STRING(h))), None)
    if inner is not None and len(clean(STRING(inner))) <= MAX_NAME and not ANCHORS(node):
        return clean(STRING(inner))
    return ""


def _css_path(element: Any) -> str:
    """A short CSS-like path of a list's container, for people reading the facts: tag#id.class of it
    and its parent. Two lists may share it; the stored container adds the list's number on the page."""
    names = []
    for node in (element.getparent(), element):
        if node is None or not isinstance(node.tag, str):
            continue
        name = node.tag.lower()
        if node.get("id"):
            name += "#" + node.get("id").strip()
        elif node.get("class"):
            name += "." + ".".join(node.get("class").split()[:2])
        names.append(name)
    return ">".join(names)
