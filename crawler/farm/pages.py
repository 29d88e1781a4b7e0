"""Builds a site's pages once its columns exist: each column's list pages (and their default-document
aliases and JSON feed) and detail pages with their files, the hub pages that list columns, the fixed pages
(概况, 办事服务, 在线办理, sitemap, search, calendar trap), the homepage, and the meta tags each page carries.

Pages are Resources with a template and a context (model.py); render.py turns them into HTML on request.
"""

from __future__ import annotations

import json

from . import families
from .builder import SiteBuilder
from .identities import SERVICE_IP
from .model import PORT_TOKEN, Column, Item, Resource, origin
from .tables import CONTENT_TYPES, FILE_BYTES

HOME_BLOCK_ITEMS = 6
CATALOGUE_NOTE = "根据《中华人民共和国政府信息公开条例》，本机关无此类信息。"


def build_pages(b: SiteBuilder) -> None:
    """Every page of the site, after its columns: list and detail pages, hubs, fixed pages, the homepage."""
    for col in b.columns:
        _column_pages(b, col)
    _hub_pages(b)
    _fixed_pages(b)
    _home(b)


def _hub_pages(b: SiteBuilder) -> None:
    """The 信息公开, 信息公开目录 and 互动交流 pages that list their columns."""
    d = b.d
    hubs = {
        "xxgk": (b.p("xxgk/"), "政府信息公开" if d.kind == "portal" else "信息公开"),
        "ml": (b.p("xxgk/xxgkml/"), "信息公开目录"),
        "hdjl": (b.p("hdjl/"), "互动交流"),
    }
    for hub, (path, name) in hubs.items():
        members = [c for c in b.columns if c.hub == hub]
        if not members:
            continue
        links = [(c.name, c.index) for c in members]
        if hub == "xxgk":
            links.insert(2, ("信息公开目录", hubs["ml"][0]))
        b.page(path, "hub.html", b.title(name), heading=name, links=links)


def _fixed_pages(b: SiteBuilder) -> None:
    """The pages outside any column: 概况, 办事服务, 在线办理, the sitemap, search and the calendar trap."""
    d = b.d
    intro = {"portal": f"走进{d.short}" if d.id == "lxz" else f"{d.short}概况", "department": "单位概况"}
    if d.kind in intro:
        b.page(
            b.p("gkxx/"),
            "hub.html",
            b.title(intro[d.kind]),
            heading=intro[d.kind],
            paragraphs=[
                f"{d.name}位于甘肃省西南部，是全国两个回族自治州之一。",
                f"本栏目介绍{d.short}的基本情况、历史沿革和行政区划。",
            ],
            links=[],
        )
    if d.kind == "portal":
        b.page(
            b.p("bsfw/"),
            "hub.html",
            b.title("办事服务"),
            heading="办事服务",
            paragraphs=["办事服务统一在甘肃政务服务网办理。"],
            links=[(f"甘肃政务服务网{d.short}子站", f"{origin(SERVICE_IP)}/{d.id}/")],
        )
    if d.kind == "service" and "在线办理" not in d.missing_sections:
        b.page(
            b.p("zxbl/"),
            "hub.html",
            b.title("在线办理"),
            heading="在线办理",
            paragraphs=["请选择事项，登录后在线申报。"],
            links=[(c.title, c.path) for c in b.column("办事指南").items[:5]],
        )
    if "sitemap" not in d.missing_elements:
        links = [(c.name, c.index) for c in b.columns]
        b.page(b.p("sitemap/"), "hub.html", b.title("网站地图"), heading="网站地图", links=links)
    if "search" not in d.missing_elements:
        b.page(
            b.p("search/"),
            "hub.html",
            b.title("搜索结果"),
            heading="站内搜索",
            paragraphs=["请输入关键字进行搜索。"],
            links=[],
        )
    if d.trap:
        b.add(b.p("calendar/"), Resource("calendar", title="活动日历"))


def _column_pages(b: SiteBuilder, col: Column) -> None:
    for it in col.items:
        if col.section == "表格下载":
            add_file(b, it.path)
            continue
        metas = _article_metas(b, col, it)
        b.page(
            it.path,
            "detail.html",
            b.title(it.title),
            item=it,
            column=col,
            metas=metas,
            crumbs=[*_crumbs(b, col), (col.name, col.index)],
            here="正文",
        )
        for img in it.images:
            add_file(b, img)
        for _label, href in it.attachments:
            add_file(b, href)
    metas = _column_metas(b, col)
    for n in range(col.pages):
        rows = col.items[n * col.page_size : (n + 1) * col.page_size] if col.form != "script_json" else []
        b.page(
            col.page_path(n),
            "list.html",
            b.title(col.name),
            column=col,
            rows=rows,
            page=n,
            metas=metas,
            crumbs=_crumbs(b, col),
            here=col.name,
            siblings=_siblings(b, col),
            note=CATALOGUE_NOTE,
            empty_text="暂无数据" if b.d.kind == "department" else "暂无信息",
        )
    for alias in col.aliases:  # default documents that serve the same first page
        b.add(alias, b.res[col.index])
    if col.form == "script_json":
        data = [
            {"title": i.title, "url": i.href, "date": i.date.isoformat() if i.date else ""} for i in col.items
        ]
        body = json.dumps(data, ensure_ascii=False, indent=1).encode()
        b.add(
            col.path + "list.json",
            Resource("file", content_type="application/json; charset=utf-8", body=body),
        )


def add_file(b: SiteBuilder, path: str) -> None:
    """Serve a small file (image, PDF, Office) at `path` once, however many pages link it."""
    if path in b.res:
        return
    ext = path.rsplit(".", 1)[-1]
    b.add(path, Resource("file", content_type=CONTENT_TYPES[ext], body=FILE_BYTES[ext]))


def _crumbs(b: SiteBuilder, col: Column) -> list[tuple[str, str]]:
    out = [("首页", b.p(""))]
    if col.hub in ("xxgk", "ml"):
        out.append(("信息公开", b.p("xxgk/")))
    if col.hub == "ml":
        out.append(("信息公开目录", b.p("xxgk/xxgkml/")))
    if col.hub == "hdjl":
        out.append(("互动交流", b.p("hdjl/")))
    return out


def _siblings(b: SiteBuilder, col: Column) -> list[tuple[str, str]]:
    return [(c.name, families.side_link(b.d, c)) for c in b.columns if c.hub == col.hub]


def site_metas(b: SiteBuilder) -> list[tuple[str, str]]:
    """The site-level meta tags of the homepage (and, first three, of every other page)."""
    if not b.d.meta_tags:
        return []
    domain = f"{b.d.ip}:{PORT_TOKEN}"
    return [
        ("SiteName", b.d.name),
        ("SiteDomain", domain),
        ("SiteIDCode", b.d.meta_code or b.d.site_id_code),
        *families.site_metas(b.d),
    ]


def _column_metas(b: SiteBuilder, col: Column) -> list[tuple[str, str]]:
    if not b.d.meta_tags:
        return []
    return [
        *site_metas(b)[:3],
        ("ColumnName", _column_name_meta(b, col)),
        ("ColumnDescription", f"{b.d.name}{col.name}"),
        ("ColumnKeywords", col.name),
        ("ColumnType", col.name),
    ]


def _column_name_meta(b: SiteBuilder, col: Column) -> str:
    # Cause 4 of issue 10: a site-wide ColumnName that names the site, not the column.
    return b.d.name if b.d.sitewide_column_name else col.name


def _article_metas(b: SiteBuilder, col: Column, it: Item) -> list[tuple[str, str]]:
    if not b.d.meta_tags:
        return []
    if not families.article_meta(b.d):
        return _column_metas(b, col)  # a TRS table layout: no ArticleTitle, no PubDate
    out = [
        *site_metas(b)[:3],
        ("ColumnName", _column_name_meta(b, col)),
        ("ColumnType", col.name),
        ("ArticleTitle", it.title),
    ]
    if it.date:
        out.append(("PubDate", f"{it.date.isoformat()} {it.time}"))
    out.append(("ContentSource", b.d.name))
    return out


def _home(b: SiteBuilder) -> None:
    d = b.d
    blocks = []
    shown: list[Item] = []
    for c in b.columns:
        if c.home:
            top = c.items[:HOME_BLOCK_ITEMS]
            shown += top
            blocks.append({"name": c.name, "more": families.side_link(d, c), "items": top})
    metas = site_metas(b)
    b.home_items = shown
    b.page(
        b.p(""),
        "home.html",
        d.name,
        blocks=blocks,
        metas=metas,
        date_style=d.default_date_format,
        trap=b.p("calendar/") if d.trap else None,
    )
    if d.flaky:
        b.res[b.p("")].flaky = True
