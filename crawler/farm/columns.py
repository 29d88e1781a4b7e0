"""Builds a site's columns: which columns its kind has (tables.py) after its tweaks (SiteDef.tweaks), and
each column's items with their seeded titles, dates, bodies, images and attachments. The annual-report
column's items are the yearly reports, the newest late when SiteDef.annual_late says so.

Everything drawn from the site's random.Random is drawn here, in a fixed order, before any page is built.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from . import families
from .builder import SiteBuilder
from .model import Column, ColumnTweak, Item, SiteDef
from .tables import (
    DEPARTMENT_COLUMNS,
    EXTRA_COLUMNS,
    PORTAL_COLUMNS,
    SECTION_OF,
    SERVICE_COLUMNS,
    ColumnSpec,
)
from .text import body_for, title_for

TRS_PAGE_SIZE = 10
TRS_ITEMS = 45  # five list pages of ten at scale 1, as in createPageHTML(5, 0, "index", "html")


def annual_name(d: SiteDef) -> str:
    """The name a site gives its annual-report column."""
    if d.kind == "department":
        return "信息公开年度报告" if d.id in ("fgw", "czj", "rsj", "gxw") else "政府信息公开工作年度报告"
    return "信息公开年报" if d.id in ("lxz", "klx", "ghx", "dxx") else "政府信息公开年报"


def build_columns(b: SiteBuilder) -> None:
    tweaks = dict(b.d.tweaks)
    for index, (raw, rel, freshness, hub, base_items, home) in enumerate(_specs(b)):
        section = SECTION_OF.get(raw, raw)
        name = {"@news": b.d.news_name, "@annual": annual_name(b.d)}.get(raw, raw)
        if section in b.d.missing_sections:
            continue
        tw = tweaks.pop(name, None) or tweaks.pop(raw, None) or ColumnTweak()
        form = tw.form or b.d.default_form
        if form == "url_date" and b.d.url_style != "trs" and b.d.template != "hanweb":
            raise ValueError(f"farm: {b.d.id}: url_date needs TRS-style item URLs")
        table_like = form == "table" or (b.d.default_form == "table" and form in ("trs_paged", "url_date"))
        markup = families.markup(b.d, "table" if table_like else "li")
        date_format = (
            {"bracket_date": "bracket", "url_date": "none"}.get(form)
            or tw.date_format
            or (b.d.default_date_format)
        )
        folder, first, cid = families.column_location(b.d, b.p, rel, index)
        col = Column(
            name=tw.name or name,
            section=section,
            path=folder,
            freshness=freshness,
            hub=hub,
            form=form,
            markup=markup,
            date_format=date_format,
            state=tw.state,
            home=home or families.on_home(b.d, name),
            first=first,
            cid=cid,
        )
        if form == "trs_paged":
            col.page_size = TRS_PAGE_SIZE
            base_items = TRS_ITEMS
        if raw == "@annual":
            col.items = _annual_items(b, col)
        elif tw.state not in ("empty", "empty_note"):
            col.items = _items(b, col, base_items * b.scale, unsorted=tw.unsorted)
        families.setup_paging(b.d, col)
        col.aliases = families.aliases(b.d, col)
        b.columns.append(col)
    if tweaks:
        raise ValueError(f"farm: unknown column tweaks on {b.d.id}: {sorted(tweaks)}")


def _newest_age(b: SiteBuilder, col: Column) -> int:
    stale = col.state == "stale"
    ranges = {
        "news": (30, 120) if stale else (0, 6),
        "notice_policy": (200, 400) if stale else (1, 60),
        "longterm": (400, 800) if stale else (5, 200),
        "static": (30, 700),
    }
    return b.rng.randint(*ranges[col.freshness])


def _items(b: SiteBuilder, col: Column, count: int, unsorted: bool = False) -> list[Item]:
    gaps = {"news": (0, 4), "notice_policy": (3, 25), "longterm": (15, 80), "static": (60, 300)}[
        col.freshness
    ]
    age = _newest_age(b, col)
    items: list[Item] = []
    for n in range(count):
        if n:
            age += b.rng.randint(*gaps) // (1 if col.freshness == "static" else max(1, b.scale // 2))
        if col.form == "bracket_date":
            age = min(age, 330)  # a [MM-DD] date is only unambiguous within the last year
        created = b.today - timedelta(days=age)
        shown: date | None = created
        if col.state == "undated" or (col.state == "part_undated" and n % 3 == 2):
            shown = None
        items.append(_item(b, col, created, shown))
    if unsorted:
        # Shuffle but keep the first item out of first place, so the list really is not newest-first.
        first = items[0]
        b.rng.shuffle(items)
        if items[0] is first:
            items[0], items[-1] = items[-1], items[0]
    return items


def _item(b: SiteBuilder, col: Column, created: date, shown: date | None, title: str | None = None) -> Item:
    iid = b.new_id()
    org = b.d.name if b.d.kind != "service" else f"{b.d.short}政务服务中心"
    text = title or title_for(col.section, b.rng, b.d.short, org, created)
    when = f"{b.rng.randint(8, 18):02d}:{b.rng.randint(0, 59):02d}"
    if col.section == "表格下载":
        ext = "doc" if iid % 2 else "xls"
        path = f"{b.p('uploads/file/')}P0{created:%Y%m%d}{iid}.{ext}"
        it = Item(iid, text, shown, created, when, path, path)
        return it
    trs = b.d.url_style == "trs"
    rel = f"{created:%Y%m}/t{created:%Y%m%d}_{iid}.html" if trs else f"content_{iid}.html"
    path, href = col.path + rel, "./" + rel
    art = families.item_location(b.d, b.p, col, created, iid)
    if art:
        path = href = art
    it = Item(iid, text, shown, created, when, path, href, body=body_for(b.rng, b.d.short, org, text))
    folder = it.path.rsplit("/", 1)[0] + "/"
    if col.freshness == "news" and b.rng.random() < 0.3:
        ext = "jpg" if b.rng.random() < 0.7 else "png"
        it.images.append(_file_path(b, folder, created, iid, ext, "W0"))
    if col.section in ("通知公告", "政策文件", "办事指南", "财政资金") and b.rng.random() < 0.35:
        ext = b.rng.choice(("pdf", "doc", "xls"))
        label = {"pdf": "实施方案.pdf", "doc": "申请表.doc", "xls": "统计表.xls"}[ext]
        it.attachments.append((f"附件：{label}", _file_path(b, folder, created, iid, ext, "P0")))
    return it


def _file_path(b: SiteBuilder, folder: str, day: date, iid: int, ext: str, mark: str) -> str:
    if b.d.url_style == "trs":
        return f"{folder}{mark}{day:%Y%m%d}{iid}.{ext}"
    sub = "image" if ext in ("jpg", "png") else "file"
    return f"{b.p('uploads/' + sub + '/')}{mark}{day:%Y%m%d}{iid}.{ext}"


def _annual_items(b: SiteBuilder, col: Column) -> list[Item]:
    month = 1 if b.d.kind == "department" else 3

    def published(year: int) -> date:
        r = random.Random(f"{b.d.id}:{year}")
        return date(year + 1, month, 10 + r.randint(0, 15))

    latest = b.today.year - 1 if published(b.today.year - 1) <= b.today else b.today.year - 2
    if b.d.annual_late:
        latest -= 1  # injected: the newest report is a year behind
    b.annual_latest = latest
    org = b.d.name
    items = []
    for year in range(latest, latest - 5, -1):
        pub = published(year)
        title = f"{org}{year}年政府信息公开工作年度报告"
        it = _item(b, col, pub, pub, title=title)
        folder = it.path.rsplit("/", 1)[0] + "/"
        it.attachments = [(f"{title}.pdf", _file_path(b, folder, pub, it.id, "pdf", "P0"))]
        items.append(it)
    return items


def _specs(b: SiteBuilder) -> list[ColumnSpec]:
    table = {"portal": PORTAL_COLUMNS, "department": DEPARTMENT_COLUMNS, "service": SERVICE_COLUMNS}[b.d.kind]
    out = []
    for spec in (*table, *(EXTRA_COLUMNS[name] for name in b.d.extra_columns)):
        name = spec[0]
        if name in ("要闻", "县市动态") and b.d.id != "lxz":
            continue
        if name == "乡镇动态" and b.d.id == "lxz":
            continue
        out.append(spec)
    return out
