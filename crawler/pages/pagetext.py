"""A page's main text, as the content check (checks/content.py) reads it: an article's body, a list page's
entry titles, a static page's text outside its menus, header and footer.

The page is walked once, leaving out scripts, forms and the parts a page's chrome lives in (what
crawler/pages/extract.py takes for navigation and footers, and headers). The body is then found by stepping
from `<body>` into the child holding most of the text (`DOMINANT`), as long as one does: on an article page
the walk ends at the content block, beside which the info bar and share buttons stay out. On a list or
navigation page the entry titles are what a reader sees: the dated ones when there are any (the undated
ones there are mostly menus).
"""

from __future__ import annotations

import re
from typing import Any

from crawler.items import ListItemFact
from crawler.pages.extract import clean

MAX_CHARS = 100_000  # a page's text kept for the check; longer pages are cut
DOMINANT = 0.6  # share of its parent's text that makes a block the body
MIN_BODY = 40  # characters: less is a caption, not a body; the page's other text is read instead
SKIPPED_TAGS = frozenset(
    [
        "script",
        "style",
        "select",
        "option",
        "form",
        "nav",
        "header",
        "footer",
        "noscript",
        "button",
        "textarea",
    ]
)
# The chrome's class and id words (crawler/pages/extract.py's NAV_ANCESTOR and FOOTER_XPATH, and headers).
CHROME_CLASS_RE = re.compile(r"nav|menu|footer|header|(?:^|\s)(?:foot|bottom|copyright)(?:\s|$)", re.I)
CHROME_ID_RE = re.compile(r"nav|menu|^(?:footer|foot|bottom|copyright|header|head)$", re.I)
BLOCK_TAGS = frozenset(
    ["p", "div", "li", "tr", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "section", "table"]
)


def main_text(root: Any, kind: str | None, items: list[ListItemFact]) -> str:
    """The text worth checking on the page, blocks separated by newlines, at most `MAX_CHARS`."""
    if kind in ("list", "navigation") and items:
        dated = [item.title for item in items if item.date_text] or [item.title for item in items]
        return "\n".join(dict.fromkeys(title for title in dated if title))[:MAX_CHARS]
    bodies = root.xpath("//body") if hasattr(root, "xpath") else []
    top = bodies[0] if bodies else root
    totals: dict[Any, int] = {}
    texts: list[tuple[Any, str]] = []
    _walk(top, top, texts, totals)
    holder = _body(top, totals)
    if holder is not top and totals.get(holder, 0) >= MIN_BODY:
        texts = []
        _walk(holder, holder, texts, {})
    return _joined(texts)[:MAX_CHARS]


def _skipped(element: Any) -> bool:
    tag = element.tag
    if not isinstance(tag, str):
        return True  # a comment or processing instruction
    if tag.lower() in SKIPPED_TAGS:
        return True
    return bool(
        CHROME_CLASS_RE.search(element.get("class") or "") or CHROME_ID_RE.search(element.get("id") or "")
    )


def _walk(element: Any, block: Any, texts: list[tuple[Any, str]], totals: dict[Any, int]) -> int:
    """Collect the visible texts under `element` as (block, text) pairs; return (and note) their length."""
    if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
        block = element
    size = 0
    if element.text and (text := clean(element.text)):
        texts.append((block, text))
        size += len(text)
    for child in element:
        if not _skipped(child):
            size += _walk(child, block, texts, totals)
        if child.tail and (text := clean(child.tail)):  # the tail is outside the child, even a skipped one
            texts.append((block, text))
            size += len(text)
    totals[element] = size
    return size


def _body(top: Any, totals: dict[Any, int]) -> Any:
    """From `top`, step into the child holding `DOMINANT` of the text until no child does."""
    node = top
    while True:
        best = max((child for child in node if child in totals), key=totals.__getitem__, default=None)
        if best is None or totals[best] < DOMINANT * totals[node]:
            return node
        node = best


def _joined(texts: list[tuple[Any, str]]) -> str:
    """The texts in document order, a newline where a new block (paragraph, cell, item) starts, so that
    sentences of different paragraphs stay apart."""
    parts: list[str] = []
    last = None
    for block, text in texts:
        if parts and block is not last:
            parts.append("\n")
        parts.append(text)
        last = block
    return "".join(parts).strip()
