"""What the spider reads off an HTML page: links of every kind, meta tags, footer text, forms and a text
excerpt. Content lists are read by crawler/pages/lists.py, the page's kind by crawler/pages/pagekind.py; the
form of a URL that is fetched and stored is made in crawler/pages/urlform.py.

Pure functions over a parsel `Selector`; they query its lxml tree with compiled XPath (fast, and never
touching the network).
Scrapy's LinkExtractor is not used: it drops images, scripts and attachments, which a link check must see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from posixpath import splitext
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector

# The URL forms are re-exported: the spider and the page view call them as extract.normalize_url.
from crawler.pages.shown import DOCUMENT_WRITE_RE, clean, shown_tail, shown_text, unescape
from crawler.pages.urlform import normalize_url, resolve, resolve_or_error
from crawler.vocab import LinkKind

# Tags and attributes whose URLs are fetched when checking a page's links.
LINK_XPATH = (
    "//a[@href] | //area[@href] | //img[@src] | //link[@href] | //script[@src] | //iframe[@src]"
    " | //frame[@src] | //embed[@src] | //source[@src] | //video[@src] | //audio[@src] | //object[@data]"
)
LINK_ATTR = {"a": "href", "area": "href", "link": "href", "object": "data"}
ATTACHMENT_EXTENSIONS = frozenset(
    [
        ".pdf",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".et",
        ".ppt",
        ".pptx",
        ".wps",
        ".ofd",
        ".txt",
        ".csv",
        ".zip",
        ".rar",
        ".7z",
        ".tar",
        ".gz",
        ".xml",
    ]
)
IMAGE_EXTENSIONS = frozenset([".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico"])

# Dates as Chinese government lists write them; the raw text is stored, parsing is the checks' job.
DATE_RE = re.compile(
    # 2026-10-12, 2026/10/12, 2026.10.12, 2026年10月12日
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"|[\[(（]\s*\d{1,2}\s*[-/.]\s*\d{1,2}\s*[\])）]"  # [10-12], [10/12], (10.12)
    r"|(?<![\d-])\d{1,2}-\d{1,2}(?![\d-])"  # 10-12
    r"|(?<!\d)\d{1,2}月\d{1,2}日"  # 10月12日
)
# TRS pagination: createPageHTML(pageCount, currentPage, "index", "html") writes index_1.html ... links.
TRS_PAGER_RE = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
WRITTEN_LINK_RE = re.compile(r"<\s*(script|img|a|iframe)\b[^>]*?\b(src|href)\s*=\s*[\"']?([^\"'\s>]+)", re.I)
# footer, foot, foot-wrap, footer_box... as an id or a class name; bottom and copyright as a whole name.
FOOTER_XPATH = (
    "//footer | //*[starts-with(@id, 'foot') or @id='bottom' or @id='copyright']"
    " | //*[contains(concat(' ', normalize-space(@class)), ' foot')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' bottom ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' copyright ')]"
)
# Lists inside these are navigation, not content.
NAV_ANCESTOR = (
    "ancestor::nav or ancestor::header or ancestor::footer or ancestor::*[contains(@class, 'nav')"
    " or contains(@class, 'menu') or contains(@class, 'footer')"
    " or contains(@id, 'nav') or contains(@id, 'menu')]"
)


@dataclass(frozen=True)
class RawLink:
    url: str
    tag: str
    attr: str
    kind: LinkKind
    anchor_text: str


def problem(problems: list[str] | None, where: str, value: str, error: Exception | str) -> None:
    """Note an attribute that could not be read (it is left out; the rest of the page is kept)."""
    if problems is not None:
        problems.append(f"{where}={value.strip()[:120]!r}: {error}"[:300])


def link_kind(tag: str, url: str, rel: str = "") -> LinkKind:
    extension = splitext(urlsplit(url).path)[1].lower()
    if tag == "img" or extension in IMAGE_EXTENSIONS:
        return LinkKind.IMAGE
    if tag in ("a", "area", "object", "embed") and extension in ATTACHMENT_EXTENSIONS:
        return LinkKind.ATTACHMENT
    if tag in ("a", "area"):
        return LinkKind.PAGE
    if tag == "link":
        return LinkKind.STYLESHEET if "stylesheet" in rel.lower() else LinkKind.OTHER
    if tag == "script":
        return LinkKind.SCRIPT
    if tag in ("iframe", "frame"):
        return LinkKind.FRAME
    return LinkKind.OTHER


def _xpath(expression: str) -> etree.XPath:
    # Compiled once; plain strings (not "smart" ones holding a reference to their element).
    return etree.XPath(expression, smart_strings=False)


BASE_HREF = _xpath("//base/@href")
LINKS = _xpath(LINK_XPATH)
STRING = _xpath("string()")
INLINE_SCRIPTS = _xpath("//script[not(@src)]/text()")
TITLE_TEXT = _xpath("//title//text()")
META = _xpath("//meta[@name and @content]")
BODY_TEXT = _xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
FOOTERS = _xpath(FOOTER_XPATH)
FOOTER_CHARS = 3000  # characters of footer text kept: several blocks of links, addresses and numbers
TAIL_CHARS = 1000  # characters at the very end of the page, read as the footer's too
FORMS = _xpath("//form")
FORM_INPUTS = _xpath(".//input | .//select | .//textarea")
# A search box is often a text input and a button with no <form> around them (the button's onclick searches).
FORMLESS_TEXT_INPUTS = _xpath(
    "//input[not(ancestor::form)][not(@type) or @type='' or @type='text' or @type='search']"
)
TEXT_INPUTS = _xpath(".//input[not(@type) or @type='' or @type='text' or @type='search']")
BUTTONS = _xpath(
    ".//button | .//input[@type='button' or @type='submit' or @type='image']"
    " | .//a[@onclick] | .//img[@onclick]"
)
# What tells a search box from a login or paging box: its ids, classes, placeholder, handlers and labels.
HINT_ATTRIBUTES = (
    "id",
    "class",
    "name",
    "placeholder",
    "title",
    "value",
    "alt",
    "onclick",
    "onsubmit",
    "onkeydown",
)
BOX_LEVELS = 3  # ancestors of a lone input searched for its button
IN_NAV = _xpath(f"boolean({NAV_ANCESTOR})")
SCRIPTS = _xpath("count(//script)")
ONCLICK = _xpath("//*[contains(@onclick, 'window.open')]")
WINDOW_OPEN_RE = re.compile(r"window\.open\(\s*[\"'](https?://[^\"'\s]+)[\"']\s*[,)]")


def _root(selector: Selector) -> Any:
    """The lxml tree under a parsel Selector: the hot paths below query it directly, since a parsel
    Selector per matched element costs more than the query itself."""
    return selector.root


def _text(element: Any) -> str:
    return clean(STRING(element))


def base_url_of(selector: Selector, page_url: str, problems: list[str] | None = None) -> str:
    """The URL relative links are resolved against: `<base href>`, or the page's own URL when there is
    none or it is malformed (as browsers do: a base that does not parse is ignored)."""
    base = BASE_HREF(_root(selector))
    if not base or not base[0].strip():
        return page_url
    try:
        return normalize_url(urljoin(page_url, base[0].strip()))
    except ValueError as error:
        problem(problems, "base@href", base[0], error)
        return page_url


def extract_links(
    selector: Selector,
    page_url: str,
    encoding: str = "utf-8",
    problems: list[str] | None = None,
    limit: int | None = None,
) -> list[RawLink]:
    """Every checkable link on the page, in document order, duplicates kept (each is a separate place).

    `encoding` is the page's: a query written in raw Chinese is percent-encoded in it, as a browser does.
    A malformed link value is left out and noted in `problems`; the other links are kept.
    `limit` keeps the first links only (the DUWANG_MAX_LINKS_PER_PAGE setting): a page of hundreds of
    thousands of links just under the size cap would otherwise cost a gigabyte in link facts and requests.
    How many were left out is noted in `problems`, so the page's truncation is reported, not silent.
    """
    base = base_url_of(selector, page_url, problems)
    links: list[RawLink] = []
    elements = LINKS(_root(selector))
    if limit is not None and len(elements) > limit:
        problem(
            problems,
            "links",
            f"{len(elements)}",
            f"the page has {len(elements)} link elements: only the first {limit} are kept and checked "
            "(DUWANG_MAX_LINKS_PER_PAGE)",
        )
        elements = elements[:limit]
    for element in elements:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        attr = LINK_ATTR.get(tag, "src")
        raw = element.get(attr, "")
        url = resolve_or_error(base, raw, encoding)
        if isinstance(url, ValueError):
            problem(problems, f"{tag}@{attr}", raw, url)
            continue
        if url is None:
            continue
        text = _text(element) if tag in ("a", "area") else ""
        if not text:
            text = clean(element.get("title") or element.get("alt"))
        links.append(RawLink(url, tag, attr, link_kind(tag, url, element.get("rel", "")), text[:200]))
    links.extend(trs_pagination(selector, base, encoding))
    links.extend(opened_links(selector))
    links.extend(script_written_links(selector, base, encoding))
    return links


def script_written_links(selector: Selector, base: str, encoding: str = "utf-8") -> list[RawLink]:
    """The links a page writes into itself with `document.write(...)`, often `unescape`d: the 党政机关
    badge is inserted so (`document.write(unescape("%3Cspan id='_ideConac'...%3Cscript src='http://dcs.conac.cn/...'"))`).
    A browser loads them like any other link, so they are checked like any other."""
    links = []
    for script in INLINE_SCRIPTS(_root(selector)):
        if "document.write" not in script:
            continue
        for call in DOCUMENT_WRITE_RE.finditer(script):
            written = unescape(call.group(2))
            for tag, _attr, value in WRITTEN_LINK_RE.findall(written):
                url = resolve(base, value, encoding)
                if url is not None:
                    tag = tag.lower()
                    links.append(RawLink(url, tag, "document.write", link_kind(tag, url), ""))
    return links


def opened_links(selector: Selector) -> list[RawLink]:
    """Whole addresses a click opens (`onclick="window.open('https://bszs.conac.cn/...')"`): the badge
    is often a local image whose link only opens the badge's page so. Addresses built by the script (a
    search with the typed words) are not read: only a complete literal address is a link."""
    links = []
    for element in ONCLICK(_root(selector)):
        for url in WINDOW_OPEN_RE.findall(element.get("onclick", "")):
            found = resolve(url, url)
            if found is not None:
                tag = element.tag.lower() if isinstance(element.tag, str) else ""
                links.append(RawLink(found, tag, "onclick", link_kind("a", found), _text(element)[:200]))
    return links


def trs_pagination(selector: Selector, base: str, encoding: str = "utf-8") -> list[RawLink]:
    """The further list pages that a TRS `createPageHTML(...)` call would write into the page."""
    links = []
    for script in INLINE_SCRIPTS(_root(selector)):
        for match in TRS_PAGER_RE.finditer(script):
            count, name, extension = int(match[1]), match[3], match[4]
            for number in range(min(count, 500)):
                page = f"{name}.{extension}" if number == 0 else f"{name}_{number}.{extension}"
                url = resolve(base, page, encoding)
                if url is not None:
                    links.append(RawLink(url, "script", "createPageHTML", LinkKind.PAGE, f"第{number + 1}页"))
    return links


def page_title(selector: Selector) -> str:
    return clean(" ".join(TITLE_TEXT(_root(selector))))[:500]


def meta_tags(selector: Selector) -> dict[str, str]:
    """`<meta name=... content=...>` pairs; the first of a repeated name wins."""
    meta: dict[str, str] = {}
    for element in META(_root(selector)):
        meta.setdefault(element.get("name").strip(), clean(element.get("content")))
    return meta


def script_count(selector: Selector) -> int:
    return int(SCRIPTS(_root(selector)))


def text_excerpt(selector: Selector, limit: int = 3000) -> str:
    """The page's visible text, enough to read an error page or a 暂无信息 note."""
    return clean(" ".join(BODY_TEXT(_root(selector))))[:limit]


def footer_text(selector: Selector) -> str:
    """The text at the foot of the page, where 网站标识码, ICP备案 and 公安备案 are written.

    Footers are named anything (div.g-ft, div.foot-wrap) and often followed by a floating box that is
    named like one (a div.bottom holding 返回顶部), and they are often split over several blocks (links,
    copyright, filing numbers): so the text of every outermost footer-like block is read, and then the
    page's last text, which is where a person looks for them. Text a script writes into the page with
    `document.write("网站标识码：...")` is shown by every browser, so it is read too."""
    root = _root(selector)
    footers = FOOTERS(root)
    inside = set(footers)
    outermost = [node for node in footers if not any(a in inside for a in node.iterancestors())]
    parts = [shown_text(node) for node in outermost]
    body = root.find("body") if root.tag == "html" else None
    tail = shown_tail(body if body is not None else root, TAIL_CHARS)
    text = clean(" ".join(parts))
    for part in parts:  # the footer blocks standing at the end of the page are read once
        tail = tail.replace(part, " ") if part else tail
    if clean(tail) and clean(tail) not in text:
        text = f"{text} {clean(tail)}".strip()
    return text[-FOOTER_CHARS:] if len(text) > FOOTER_CHARS else text


def forms(selector: Selector, page_url: str, problems: list[str] | None = None) -> list[dict]:
    """Each form's action, method, input names, text and hints (ids, classes, placeholders, handlers of it
    and its fields): enough to tell whether the site has a search box. A text input with a button but no
    `<form>` around them is a box too (`formless`, its action empty): many sites search from an onclick.

    A malformed action (a full-width '／' in its host, say) is kept as written and noted in `problems`.
    """
    found = []
    for form in FORMS(_root(selector)):
        action = (form.get("action") or "").strip()
        try:
            absolute = urljoin(page_url, action) if action else page_url
        except ValueError as error:
            problem(problems, "form@action", action, error)
            absolute = action
        found.append(
            {
                "action": absolute,
                "method": form.get("method", "get").lower(),
                "inputs": [i.get("name", "") for i in FORM_INPUTS(form)],
                "text": _text(form)[:100],
                "hints": _hints(form, [*FORM_INPUTS(form), *BUTTONS(form)]),
            }
        )
    boxes: list[Any] = []
    for field in FORMLESS_TEXT_INPUTS(_root(selector)):
        box = _box_of(field)
        if box is None or box in boxes:
            continue
        boxes.append(box)
        fields = TEXT_INPUTS(box)
        found.append(
            {
                "action": "",
                "method": "",
                "inputs": [i.get("name") or i.get("id") or "" for i in fields],
                "text": _text(box)[:100],
                "hints": _hints(box, [*fields, *BUTTONS(box)]),
                "formless": True,
            }
        )
    return found


def _box_of(field: Any) -> Any | None:
    """The nearest ancestor of a lone text input that also holds a button: the search box, if it is one."""
    node = field.getparent()
    for _ in range(BOX_LEVELS):
        if node is None or not isinstance(node.tag, str) or node.tag.lower() in ("body", "html"):
            return None
        if BUTTONS(node):
            return node
        node = node.getparent()
    return None


def _hints(box: Any, parts: list[Any]) -> str:
    values = [box.get(name) for name in HINT_ATTRIBUTES]
    for part in dict.fromkeys(parts):  # an <input type=button> is both a field and a button
        if part.get("type") != "hidden":
            values += [part.get(name) for name in HINT_ATTRIBUTES]
    return clean(" ".join(value for value in values if value))[:300]
