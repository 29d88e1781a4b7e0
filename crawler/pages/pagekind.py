"""What kind of page an HTML page is (article, list, navigation or static), and the signals that decided it.

A column check that reads an article's attachment row as a one-item "list" reports a column 1,400 days
stale, so the decision never rests on one meta tag: real article pages show several signals together, and
templates differ in which ones they carry (www.gov.cn has `firstpublishedtime` but no ArticleTitle; TRS
table layouts carry no meta at all but print 发布日期/来源/字号/打印). Signals and their weights:

- `meta` (2): an article meta tag (ArticleTitle, PubDate, firstpublishedtime, manuscriptId, ...);
- `labels` (1 for two label families, 2 for three or more): 发布时间/发布日期 with a date, 来源, 字号 or
  大中小, 打印, 关闭, 浏览次数;
- `long_body` (1): one block of running text of 400 characters or more outside links;
- `title_in_body` (1): the page title (12 characters or more) written again in the page, not as a link;
- `article_url` (1): an article address of the common CMSs (t20261012_123.html, /art/2026/10/12/art_1_2.html,
  content_123.htm, /202610/<32 hex>.shtml).

A page scoring 2 or more is an article, unless a long dated list dominates it, it has no long body and
it scores under 4 (a list page whose template prints 打印 and 关闭 in its footer; a short notice with its
labels, title and article address above eight related items is still an article). Otherwise a page
with a dated list is a list, one with only undated link lists a navigation page, and one without lists
static. The evidence is
stored with the page, so a person can see why a page was or was not taken for a column.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from lxml import etree

from crawler.items import ListItemFact
from crawler.pages.extract import NAV_ANCESTOR, clean
from crawler.pages.lists import HEADING_CLASS_RE, HEADING_TAGS, entry_texts

ARTICLE_META = (
    "ArticleTitle",
    "PubDate",
    "ContentSource",
    "firstpublishedtime",
    "manuscriptId",
    "publishdate",
    "article:published_time",
)
LABELS = {
    "date": re.compile(r"(发布|成文|发文|更新)(时间|日期)\s*[:：]?\s*\d{4}\s*[-/.年]"),
    "source": re.compile(r"(信息)?来源\s*[:：]"),
    "font": re.compile(
        r"字号\s*[:：]|【?\[?\s*大\s*\]?\s*\[?\s*中\s*\]?\s*\[?\s*小\s*\]?】?\s*(打印|$)|字体\s*[:：]"
    ),
    "print": re.compile(r"打印本页|【\s*打印\s*】|\[\s*打印\s*\]|打印\s*关闭|打印此页"),
    "close": re.compile(r"关闭窗口|关闭本页|【\s*关闭\s*】|\[\s*关闭\s*\]"),
    "views": re.compile(r"(浏览|阅读|点击|访问)(次数|量|数)\s*[:：]"),
}
ARTICLE_URL_RE = re.compile(
    r"/t(19|20)\d{6}_\d+\.s?html?$|/art/\d{4}/\d{1,2}/\d{1,2}/|content_\d+\.s?html?$|/\d{6}/[0-9a-f]{32}\.s?html?$",
    re.IGNORECASE,
)
TITLE_SPLIT_RE = re.compile(r"\s*(?:__|[_|｜—-]{1,2})\s*")
LONG_BODY = 400  # characters of running text in one block
LONG_TITLE = 12  # characters: an article title, not a column name
DOMINANT_LIST = 8  # dated entries: a list page, whatever its footer prints
STRONG_ARTICLE = 4  # a short notice with its labels, title and article address, under a long related list
EMPTY_LISTS = etree.XPath(
    "//body//*[self::ul or self::ol or self::tbody or self::dl][not(*)][not(normalize-space())]"
    f"[not({NAV_ANCESTOR})]",
    smart_strings=False,
)
STRING = etree.XPath("string()", smart_strings=False)
ALONE = 10  # characters beside an empty list and its heading: a table header (标题 发布日期), no more
BODY_TEXT = etree.XPath(
    "//body//text()[not(ancestor::a) and not(ancestor::script) and not(ancestor::style)"
    " and not(ancestor::select) and not(ancestor::option)]",
    smart_strings=True,  # each text knows the element holding it
)


def classify(
    root: Any, url: str, title: str, meta: dict[str, str], items: list[ListItemFact]
) -> tuple[str, dict[str, Any]]:
    """The page's kind and the evidence for it: `{"score": n, "signals": {...}}`."""
    signals: dict[str, Any] = {}
    score = 0
    found_meta = [name for name in ARTICLE_META if meta.get(name)]
    if found_meta:
        signals["meta"] = found_meta
        score += 2
    texts = [(_holder(node), text) for node in BODY_TEXT(root) if (text := clean(node))]
    page_text = " ".join(text for _, text in texts)
    entries = entry_texts(root)
    labels = [name for name, pattern in LABELS.items() if _article_label(pattern, page_text, entries)]
    if len(labels) >= 2:
        signals["labels"] = labels
        score += 2 if len(labels) >= 3 else 1
    body = _longest_block(texts)
    if body >= LONG_BODY:
        signals["long_body"] = body
        score += 1
    heading = _title_in_body(title, page_text)
    if heading:
        signals["title_in_body"] = heading
        score += 1
    if ARTICLE_URL_RE.search(url.split("?")[0]):
        signals["article_url"] = True
        score += 1
    lists: dict[str, int] = defaultdict(int)
    for item in items:
        if item.date_text:
            lists[item.container] += 1
    longest_list = max(lists.values(), default=0)
    if longest_list:
        signals["dated_entries"] = longest_list
    empty = _empty_list(root)
    if empty:  # read by the column checks only when no content list is left beside the menus
        signals["empty_list"] = empty
    evidence = {"score": score, "signals": signals}
    dominated = longest_list >= DOMINANT_LIST and body < LONG_BODY and score < STRONG_ARTICLE
    if score >= 2 and not dominated:
        return "article", evidence
    if lists:
        return "list", evidence
    if items:
        return "navigation", evidence
    return "static", evidence


def _article_label(pattern: re.Pattern[str], page_text: str, entries: list[str]) -> bool:
    """The label is on the page, and not only on the entries of a list (a column whose every row prints
    发布时间 and 来源 is a list page, however many labels its rows carry)."""
    found = len(pattern.findall(page_text))
    in_entries = sum(len(pattern.findall(text)) for text in entries)
    return found > 0 and not (in_entries >= 2 and found <= in_entries)


def _empty_list(root: Any) -> str | None:
    """An empty list standing alone under its heading (a column page with nothing listed and no 暂无信息
    note), as a short path. Menus are not looked at, and an empty placeholder beside running text (an
    introduction page with an unused `<ul>`) is not an empty list."""
    for element in EMPTY_LISTS(root):
        parent = element.getparent()
        if parent is None:
            continue
        rest = clean(STRING(parent))
        for child in parent:
            if isinstance(child.tag, str) and (
                child.tag in HEADING_TAGS or HEADING_CLASS_RE.search(child.get("class") or "")
            ):
                rest = rest.replace(clean(STRING(child)), "", 1)
        if len(rest.strip()) <= ALONE:
            return f"{parent.tag}>{element.tag}"
    return None


def evidence_json(evidence: dict[str, Any]) -> str:
    return json.dumps(evidence, ensure_ascii=False, sort_keys=True)


def _holder(text: Any) -> Any:
    """The element whose content a text node is: a tail belongs to the parent of the element before it."""
    parent = text.getparent()
    return parent.getparent() if text.is_tail and parent is not None else parent


def _longest_block(texts: list[tuple[Any, str]]) -> int:
    """The most running text held by one element and its direct children (paragraphs, spans, line breaks)."""
    size: dict[Any, int] = defaultdict(int)
    for parent, text in texts:
        size[parent] += len(text)
        grandparent = parent.getparent() if parent is not None else None
        if grandparent is not None:
            size[grandparent] += len(text)
    return max(size.values(), default=0)


def _title_in_body(title: str, page_text: str) -> str | None:
    """The article title when the page writes its <title> (or the title's first part) again as text."""
    for part in TITLE_SPLIT_RE.split(title.strip()):
        part = part.strip()
        if len(part) >= LONG_TITLE and part in page_text:
            return part
    return None
