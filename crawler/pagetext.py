"""A page's main text, as the content check (checks/content.py) reads it: an article's body, a list page's
entry titles, a static page's text outside its menus, header and footer.

The body is the element holding the most running text in its own paragraphs (the measure
crawler/pagekind.py uses for `long_body`), read paragraph by paragraph; menus, headers, footers, scripts and
forms never count. On a list or navigation page the entry titles are what a reader sees: the dated ones
when there are any (the undated ones there are mostly menus).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from lxml import etree

from crawler.extract import FOOTER_XPATH, NAV_ANCESTOR, clean
from crawler.items import ListItemFact

MAX_CHARS = 100_000  # a page's text kept for the check; longer pages are cut (noted in the text's length)
DOMINANT = 0.6  # share of its parent's text that makes a block the body
MIN_BODY = 40  # characters: less is a caption, not a body; the page's other text is read instead
EXCLUDED = (
    f"ancestor::script or ancestor::style or ancestor::select or ancestor::form or {NAV_ANCESTOR}"
    f" or ancestor::*[self::header or @id='header' or @id='head' or contains(@class, 'header')]"
)
TEXTS = etree.XPath(f"//body//text()[not({EXCLUDED})]", smart_strings=True)
FOOTERS = etree.XPath(FOOTER_XPATH, smart_strings=False)
BLOCK_TAGS = frozenset(
    ["p", "div", "li", "tr", "td", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "table"]
)


def main_text(root: Any, kind: str | None, items: list[ListItemFact]) -> str:
    """The text worth checking on the page, blocks separated by newlines, at most `MAX_CHARS`."""
    if kind in ("list", "navigation") and items:
        dated = [item.title for item in items if item.date_text] or [item.title for item in items]
        return "\n".join(dict.fromkeys(title for title in dated if title))[:MAX_CHARS]
    footers = set(FOOTERS(root))
    texts = [node for node in TEXTS(root) if clean(node) and not _inside(node, footers)]
    holder = _body_holder(texts)
    if holder is not None:
        texts = [node for node in texts if _within(_holder(node), holder)]
    return _joined(texts)[:MAX_CHARS]


def _holder(text: Any) -> Any:
    parent = text.getparent()
    return parent.getparent() if text.is_tail and parent is not None else parent


def _inside(text: Any, elements: set[Any]) -> bool:
    if not elements:
        return False
    node = _holder(text)
    while node is not None:
        if node in elements:
            return True
        node = node.getparent()
    return False


def _within(node: Any, holder: Any) -> bool:
    while node is not None:
        if node is holder:
            return True
        node = node.getparent()
    return False


def _body_holder(texts: list[Any]) -> Any | None:
    """The body: from the outermost element holding text, step into the child holding most of its text
    (`DOMINANT` or more) until no child does. Menus and footers are already out, so on an article page the
    walk ends at the content block; where no block holds a body (`MIN_BODY`), None: the whole text counts."""
    total: dict[Any, int] = defaultdict(int)
    children: dict[Any, set[Any]] = defaultdict(set)
    top = None
    for text in texts:
        length = len(clean(text))
        node, below = _holder(text), None
        while node is not None:
            total[node] += length
            if below is not None:
                children[node].add(below)
            below, node = node, node.getparent()
        top = below
    if top is None:
        return None
    while True:
        best = max(children.get(top, ()), key=lambda child: total[child], default=None)
        if best is None or total[best] < DOMINANT * total[top]:
            break
        top = best
    return top if total[top] >= MIN_BODY else None


def _joined(texts: list[Any]) -> str:
    """The texts in document order, a newline where a new block (paragraph, cell, item) starts, so that
    sentences of different paragraphs stay apart."""
    parts: list[str] = []
    last = None
    for text in texts:
        block = _block(_holder(text))
        if parts and block is not last:
            parts.append("\n")
        parts.append(clean(text))
        last = block
    return "".join(parts).strip()


def _block(node: Any) -> Any:
    """The nearest block element holding `node` (a span's paragraph)."""
    while node is not None:
        if isinstance(node.tag, str) and node.tag.lower() in BLOCK_TAGS:
            return node
        node = node.getparent()
    return None
