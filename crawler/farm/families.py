"""Template families of the demo farm: how a site built with one CMS lays out its URLs, lists, article
pages and page chrome. Modelled on the structure (not the text) of real government pages:

- ``standard``: the farm's original template (div layout, TRS-style URLs, full meta tags).
- ``trs_table``: a TRS table layout. Nested layout tables; list rows are ``<tr><td><a title>..</a></td>
  <td>date</td></tr>`` inside outer layout rows; article pages carry no ArticleTitle/PubDate meta but a
  发布时间/来源/字号 row, 打印本页/关闭窗口 and an attachment row; every column is linked both as ``/col/``
  and under a default document (``index.html``, one column ``index.shtml``, one ``default.htm``).
- ``hanweb``: Hanweb JCMS. Columns at ``/col/colNNN/index.html`` whose records sit inside ``<script
  type="text/xml"><datastore>`` (no ``<li>`` in the DOM outside the script), articles at
  ``/art/Y/M/D/art_NNN_MMM.html``, pagination by query string (``index.html?uid=..&pageNum=2``), 公安备案
  written without 号, and on one site a site-wide ColumnName meta.
- ``tabs``: a homepage of tabs (通知公告 / 政策文件 / 政策解读 with identical class names, non-first panels
  hidden), headline items outside their list, image-only and ``href="#"`` menu entries, a footer mega-menu
  that differs slightly per page, a search box without <form>, empty columns as a bare empty ``<ul>``.

The builders ask this module; the templates live in templates/<family>/ and fall back to the standard ones.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from .model import Column, SiteDef

FAMILIES = ("standard", "trs_table", "hanweb", "tabs")
# trs_table: the default document a column is also linked under, when not index.html.
ODD_DEFAULT_DOCUMENTS = {"通知公告": "index.shtml", "政策文件": "default.htm"}
HANWEB_PAGE_SIZE = 10
# tabs: nav entries shown as an image only, and the menu headers that are href="#" dropdowns.
IMAGE_NAV = frozenset({"政策解读", "回应关切", "办件公示"})
DROPDOWNS = ("信息公开", "互动交流")
ON_HOME = frozenset({"政策解读"})
CONAC_STYLE = {"trs_table": "script_src", "tabs": "document_write"}


def check(d: SiteDef) -> None:
    if d.template not in FAMILIES:
        raise ValueError(f"farm: {d.id}: unknown template family {d.template!r}")


def hanweb_id(d: SiteDef, index: int) -> int:
    """A column number in the style of Hanweb's col1229015646: stable per site and column."""
    return 1_620_000 + (zlib.crc32(d.id.encode()) % 900) * 100 + index


def column_location(d: SiteDef, p: Callable[[str], str], rel: str, index: int) -> tuple[str, str, int]:
    """(folder, first page, column number) of a column."""
    if d.template == "hanweb":
        cid = hanweb_id(d, index)
        folder = p(f"col/col{cid}/")
        return folder, folder + "index.html", cid
    return p(rel), "", 0


def on_home(d: SiteDef, name: str) -> bool:
    return d.template == "tabs" and name in ON_HOME


def markup(d: SiteDef, default: str) -> str:
    return "table" if d.template == "trs_table" else ("li" if d.template == "hanweb" else default)


def setup_paging(d: SiteDef, col: Column) -> None:
    """Page size and pager of a column once its items are known."""
    if d.template == "hanweb":
        col.pager = "query"
        col.page_size = HANWEB_PAGE_SIZE
        col.uid = 4_000_000 + col.cid % 100_000


def aliases(d: SiteDef, col: Column) -> list[str]:
    """Other paths that serve a column's first page (default documents)."""
    if col.pager == "query" or col.form == "script_json":
        return []
    out = []
    if d.template == "trs_table":
        out.append(col.path + ODD_DEFAULT_DOCUMENTS.get(col.section, "index.html"))
    if col.pages > 1 and col.path + "index.html" not in out:
        out.append(col.path + "index.html")  # TRS page.js links the first page as index.html
    return out


def side_link(d: SiteDef, col: Column) -> str:
    """How side menus and "more" links write a column: trs_table uses the default-document form."""
    return col.aliases[0] if d.template == "trs_table" and col.aliases else col.index


def item_location(d: SiteDef, p: Callable[[str], str], col: Column, day: object, iid: int) -> str | None:
    """The absolute path of a Hanweb article (None: the family keeps the TRS/plain layout)."""
    if d.template != "hanweb":
        return None
    return p(f"art/{day.year}/{day.month}/{day.day}/art_{col.cid}_{iid}.html")  # type: ignore[attr-defined]


def article_meta(d: SiteDef) -> bool:
    """Whether article pages carry ArticleTitle/PubDate meta."""
    return d.template != "trs_table"


def site_metas(d: SiteDef) -> list[tuple[str, str]]:
    return [("ColumnName", d.name)] if d.sitewide_column_name else []


def chrome(d: SiteDef, police: str, menus: dict, mega: list) -> dict:
    """What the family's templates need on every page."""
    return {
        "template": d.template,
        "police": police.removesuffix("号") if d.template == "hanweb" else police,
        "conac_style": CONAC_STYLE.get(d.template, "img"),
        "search_style": "input" if d.template == "tabs" else "form",
        "empty_style": "bare" if d.template == "tabs" else "text",
        "image_nav": IMAGE_NAV if d.template == "tabs" else frozenset(),
        "menus": menus if d.template == "tabs" else {},
        "mega": mega if d.template == "tabs" else [],
    }


def empty_markup(d: SiteDef, col: Column) -> str | None:
    """How an empty column says so: a catalogue note, a 暂无信息 text, or nothing (a bare empty list)."""
    if not col.empty:
        return None
    if col.state == "empty_note":
        return "note"
    return "bare" if d.template == "tabs" else "text"
