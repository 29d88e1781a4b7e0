"""The farm model: build_farm() turns (seed, today, scale) into every page, file and fault of the 25 sites.

The model is pure data plus a respond() method that answers one request the way the HTTP server will; the
server only adds sockets, sleeping and logging. Absolute URLs carry PORT_TOKEN until a port is known, so
one model serves on any port and the same seed + today always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from . import content, families, linkcases, render
from .sites import ELEMENTS, SERVICE_IP, SITES, ColumnTweak, SiteDef
from .tables import (
    CONTENT_TYPES,
    DEAD_TARGETS,
    DEPARTMENT_COLUMNS,
    EXTRA_COLUMNS,
    FILE_BYTES,
    PNG_1PX,
    PORTAL_COLUMNS,
    SECTION_COLUMNS,
    SECTION_OF,
    SECTIONS,
    SERVICE_COLUMNS,
    ColumnSpec,
)
from .text import body_for, title_for

PORT_TOKEN = "__FARMPORT__"
LIMITS = {"news": 14, "notice_policy": 183, "longterm": 365}
TIMEOUT_SLEEP = 30.0
LIST_PAGE_SIZE = 20
TRS_PAGE_SIZE = 10
TRS_ITEMS = 45  # five list pages of ten at scale 1, as in createPageHTML(5, 0, "index", "html")
HOME_BLOCK_ITEMS = 6
CATALOGUE_NOTE = "根据《中华人民共和国政府信息公开条例》，本机关无此类信息。"


@dataclass
class Item:
    """One entry of a column: a detail page (or, in 表格下载, a file), with its publication date."""

    id: int
    title: str
    date: date | None  # the visible publication date; None for an item published without one
    created: date  # the date inside TRS-style URLs
    time: str
    path: str  # absolute path of the detail page or file
    href: str  # the link as written on the list page (relative to the list folder)
    body: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (label, href)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (text, href, tag)


@dataclass
class Column:
    """One list column of a site, with its items in display order."""

    name: str
    section: str  # canonical name (工作动态 for the news column, 信息公开年报 for the annual reports)
    path: str  # absolute folder path, ending in "/"
    freshness: str
    hub: str
    form: str
    markup: str
    date_format: str
    state: str
    home: bool
    items: list[Item] = field(default_factory=list)
    page_size: int = LIST_PAGE_SIZE
    links: list[tuple[str, str, str]] = field(default_factory=list)  # extra links on the first list page
    first: str = ""  # the first page when it is not the folder itself (Hanweb: .../index.html)
    pager: str = "trs"  # trs: index_N.html ; query: index.html?uid=..&pageNum=N+1
    cid: int = 0  # Hanweb column number
    uid: int = 0  # Hanweb pager uid
    aliases: list[str] = field(default_factory=list)  # other paths serving the first page

    @property
    def index(self) -> str:
        """The canonical first page: the path navigation links."""
        return self.first or self.path

    @property
    def pages(self) -> int:
        if self.form == "script_json":
            return 1
        return max(1, -(-len(self.items) // self.page_size))

    @property
    def render(self) -> str:
        return "script" if self.form == "script_json" else "static"

    @property
    def empty(self) -> bool:
        return not self.items

    @property
    def sorted(self) -> bool:
        dated = [i.date for i in self.items if i.date is not None]
        return all(a >= b for a, b in itertools.pairwise(dated))

    def page_path(self, n: int) -> str:
        if n == 0:
            return self.index
        if self.pager == "query":
            return f"{self.index}?uid={self.uid}&pageNum={n + 1}"
        return f"{self.path}index_{n}.html"


@dataclass
class Resource:
    """What one path answers: a rendered page, a file, or a fault."""

    kind: str  # page | file | text | status | redirect | timeout | soft404 | fake_file | calendar
    site: str | None = None
    template: str = ""
    ctx: dict = field(default_factory=dict)
    title: str = ""
    status: int = 200
    content_type: str = "text/html"
    body: bytes = b""
    location: str = ""
    flaky: bool = False
    variants: dict[str, dict] = field(default_factory=dict)  # query string -> ctx of another list page


@dataclass
class DeadLink:
    """One injected broken link: its target and every page that links it."""

    target: str  # absolute URL (with PORT_TOKEN)
    kind: str
    status: int | None
    error: str | None
    tag: str
    pages: list[str] = field(default_factory=list)  # absolute URLs
    chain: list[str] = field(default_factory=list)  # the URLs its redirects go through, the last answering

    @property
    def offlist(self) -> bool:
        return self.kind == "offlist"


@dataclass
class SiteModel:
    """Everything one site serves, plus what the ground truth needs to know about it."""

    d: SiteDef
    base_url: str
    columns: list[Column]
    sections: dict[str, str | None]  # canonical section -> absolute URL
    section_names: dict[str, str]  # canonical section -> the name the site uses
    dead_links: list[DeadLink]
    robots_disallowed: list[str]
    robots_linked: list[str]
    redirects: list[dict]
    trap: str | None
    titles: dict[str, str]
    annual_report_latest_year: int | None
    annual_report_late: bool
    home_items: list[Item]
    paths: list[str]  # every path the site serves (the trap counts once)
    chrome: dict = field(default_factory=dict)  # what every page of the site shows: nav, footer, badges
    cases: linkcases.LinkCases = field(default_factory=linkcases.LinkCases)  # issue 10 causes 10 and 11
    content: list[dict] = field(default_factory=list)  # planted content errors (crawler/farm/content.py)


@dataclass
class Reply:
    """One answer: status (None = drop the connection), headers, body, and a delay before answering."""

    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    delay: float = 0.0


@dataclass
class Farm:
    """The whole farm: 25 site models and the resources of each host."""

    seed: int
    today: date
    scale: int
    sites: dict[str, SiteModel]
    hosts: dict[str, dict[str, Resource]]  # ip -> path -> resource
    robots: dict[str, str]  # ip -> robots.txt

    def site_for(self, ip: str, path: str) -> SiteModel | None:
        best: SiteModel | None = None
        for s in self.sites.values():
            if (
                s.d.ip == ip
                and path.startswith(s.d.prefix)
                and (best is None or len(s.d.prefix) > len(best.d.prefix))
            ):
                best = s
        return best

    def flaky_path(self, ip: str, path: str) -> bool:
        res = self.hosts.get(ip, {}).get(path)
        return bool(res and res.flaky)

    def url_count(self, site_id: str) -> int:
        return len(self.sites[site_id].paths)

    def render_html(self, ip: str, path: str, query: str = "") -> str:
        """The page's HTML with PORT_TOKEN still in it. Rendered on every request (about 70 µs): caching
        every page of a scale-10 farm would cost hundreds of megabytes for no measurable gain."""
        res = self.hosts[ip][path]
        site = self.sites[res.site] if res.site else None
        if res.kind == "calendar":
            d = _int_param(query, "d")
            return render.render_calendar(site, self.today, d)  # type: ignore[arg-type]
        return render.render(res.template, site, res.variants.get(query, res.ctx))

    def respond(self, ip: str, target: str, port: int, attempt: int = 2, method: str = "GET") -> Reply:
        """Answer one request; `attempt` is the 1-based count of requests to this path (flaky homepage)."""
        parts = urlsplit(target)
        path = parts.path or "/"
        host = self.hosts.get(ip, {})
        if path == "/robots.txt" and ip in self.robots:
            return _text_reply(200, "text/plain; charset=utf-8", self.robots[ip].encode())
        res = host.get(path)
        site = self.site_for(ip, path)
        if res is None:
            return self._error_page(site, 404, port)
        if res.flaky and attempt % 3 == 1:
            return self._error_page(site, 503, port)
        if res.kind in ("page", "calendar", "soft404", "timeout"):
            html = self.render_html(ip, path, parts.query)
            reply = self._html_reply(res.site, 200, html, port)
            if res.kind == "timeout":
                reply.delay = TIMEOUT_SLEEP
            return reply
        if res.kind == "status":
            return self._error_page(site, res.status, port)
        if res.kind == "redirect":
            loc = res.location.replace(PORT_TOKEN, str(port))
            body = f'<html><body><a href="{loc}">moved</a></body></html>'.encode()
            return Reply(res.status, [("Location", loc), ("Content-Type", "text/html; charset=utf-8")], body)
        if res.kind == "fake_file":
            html = render.render(
                "message.html", site, {"title": "文件不存在", "message": "您下载的文件不存在或已被删除。"}
            )
            return self._html_reply(res.site, 200, html, port)
        body = res.body.replace(PORT_TOKEN.encode(), str(port).encode()) if res.kind == "text" else res.body
        return _text_reply(res.status, res.content_type, body)

    def _html_reply(self, site_id: str | None, status: int, html: str, port: int) -> Reply:
        html = html.replace(PORT_TOKEN, str(port))
        d = self.sites[site_id].d if site_id else None
        encoding = d.encoding if d else "utf-8"
        charset = d.header_charset if d else "utf-8"
        # The GBK site spells its header the way IIS does: "charset=GBK".
        ctype = (
            f"text/html; charset={charset.upper() if charset == 'gbk' else charset}"
            if charset
            else "text/html"
        )
        return _text_reply(status, ctype, html.encode(encoding))

    def _error_page(self, site: SiteModel | None, status: int, port: int) -> Reply:
        titles = {404: "404 Not Found", 500: "500 Internal Server Error", 503: "503 Service Unavailable"}
        title = titles.get(status, str(status))
        html = (
            f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
        )
        return _text_reply(status, "text/html; charset=utf-8", html.encode())


def _text_reply(status: int, ctype: str, body: bytes) -> Reply:
    return Reply(status, [("Content-Type", ctype)], body)


def _int_param(query: str, name: str) -> int:
    try:
        return max(0, int(parse_qs(query).get(name, ["0"])[0]))
    except ValueError:
        return 0


def origin(ip: str) -> str:
    return f"http://{ip}:{PORT_TOKEN}"


def absolute(ip: str, path: str) -> str:
    """The URL of a path of host `ip`; a protocol-relative path ("//host:port/...") names its own host."""
    return "http:" + path if path.startswith("//") else origin(ip) + path


class _Routes:
    """A site's resource table: its own host's, except that a protocol-relative path ("//ip:port/...")
    goes to that host's table (a site whose 信息公开 platform lives on another host)."""

    def __init__(self, hosts: dict[str, dict[str, Resource]], ip: str) -> None:
        self.hosts = hosts
        self.ip = ip

    def _split(self, path: str) -> tuple[dict[str, Resource], str]:
        if not path.startswith("//"):
            return self.hosts[self.ip], path
        netloc, _, rest = path[2:].partition("/")
        ip = netloc.split(":")[0]
        return self.hosts.setdefault(ip, _host_resources(ip)), "/" + rest

    def __getitem__(self, path: str) -> Resource:
        table, key = self._split(path)
        return table[key]

    def __setitem__(self, path: str, res: Resource) -> None:
        table, key = self._split(path)
        table[key] = res

    def __contains__(self, path: str) -> bool:
        table, key = self._split(path)
        return key in table


# ---------------------------------------------------------------------------------------------------------
# Building


class _SiteBuilder:
    """Builds one site's columns, pages and faults into the host's resource table."""

    def __init__(
        self, d: SiteDef, seed: int, today: date, scale: int, hosts: dict[str, dict[str, Resource]]
    ) -> None:
        families.check(d)
        self.d = d
        self.today = today
        self.scale = scale
        self.rng = random.Random(f"duwang-farm:{seed}:{d.id}")
        self.res = _Routes(hosts, d.ip)
        self.base = origin(d.ip) + d.prefix
        self.next_id = self.rng.randint(100000, 400000)
        self.paths: list[str] = []
        self.columns: list[Column] = []
        self.page_links: dict[str, list[tuple[str, str, str]]] = {}  # extra links on pages by path
        self.annual_latest: int | None = None
        self.home_items: list[Item] = []

    # -- helpers -------------------------------------------------------------------------------------
    def p(self, rel: str) -> str:
        if self.d.xxgk_host:
            # Pages on two hosts: every link names its host, so shared chrome works on both.
            host = self.d.xxgk_host if rel.startswith("xxgk/") else self.d.ip
            return f"//{host}:{PORT_TOKEN}{self.d.prefix}{rel}"
        return self.d.prefix + rel

    def url(self, path: str) -> str:
        return absolute(self.d.ip, path)

    def add(self, path: str, res: Resource) -> None:
        if path in self.res:
            raise ValueError(f"farm: duplicate path {path} on {self.d.id}")
        res.site = self.d.id
        self.res[path] = res
        self.paths.append(path)

    def page(self, path: str, template: str, title: str, **ctx: object) -> Resource:
        res = Resource("page", template=template, title=title, ctx={"title": title, "path": path, **ctx})
        base, sep, query = path.partition("?")
        if sep:  # a list page paged by query string: a variant of the first page's resource
            self.res[base].variants[query] = res.ctx
            self.paths.append(path)
            return res
        self.add(path, res)
        return res

    def title(self, text: str) -> str:
        return f"{text}_{self.d.name}" if self.d.title_style == "suffixed" else text

    def new_id(self) -> int:
        self.next_id += self.rng.randint(1, 37)
        return self.next_id

    def news_name(self) -> str:
        return self.d.news_name

    def annual_name(self) -> str:
        if self.d.kind == "department":
            return (
                "信息公开年度报告"
                if self.d.id in ("fgw", "czj", "rsj", "gxw")
                else "政府信息公开工作年度报告"
            )
        return "信息公开年报" if self.d.id in ("lxz", "klx", "ghx", "dxx") else "政府信息公开年报"

    # -- columns -------------------------------------------------------------------------------------
    def specs(self) -> list[ColumnSpec]:
        table = {"portal": PORTAL_COLUMNS, "department": DEPARTMENT_COLUMNS, "service": SERVICE_COLUMNS}[
            self.d.kind
        ]
        out = []
        for spec in (*table, *(EXTRA_COLUMNS[name] for name in self.d.extra_columns)):
            name = spec[0]
            if name in ("要闻", "县市动态") and self.d.id != "lxz":
                continue
            if name == "乡镇动态" and self.d.id == "lxz":
                continue
            out.append(spec)
        return out

    def build_columns(self) -> None:
        tweaks = dict(self.d.tweaks)
        for index, (raw, rel, freshness, hub, base_items, home) in enumerate(self.specs()):
            section = SECTION_OF.get(raw, raw)
            name = {"@news": self.news_name(), "@annual": self.annual_name()}.get(raw, raw)
            if section in self.d.missing_sections:
                continue
            tw = tweaks.pop(name, None) or tweaks.pop(raw, None) or ColumnTweak()
            form = tw.form or self.d.default_form
            if form == "url_date" and self.d.url_style != "trs" and self.d.template != "hanweb":
                raise ValueError(f"farm: {self.d.id}: url_date needs TRS-style item URLs")
            table_like = form == "table" or (
                self.d.default_form == "table" and form in ("trs_paged", "url_date")
            )
            markup = families.markup(self.d, "table" if table_like else "li")
            date_format = (
                {"bracket_date": "bracket", "url_date": "none"}.get(form)
                or tw.date_format
                or (self.d.default_date_format)
            )
            folder, first, cid = families.column_location(self.d, self.p, rel, index)
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
                home=home or families.on_home(self.d, name),
                first=first,
                cid=cid,
            )
            if form == "trs_paged":
                col.page_size = TRS_PAGE_SIZE
                base_items = TRS_ITEMS
            if raw == "@annual":
                col.items = self.annual_items(col)
            elif tw.state not in ("empty", "empty_note"):
                col.items = self.items(col, base_items * self.scale, unsorted=tw.unsorted)
            families.setup_paging(self.d, col)
            col.aliases = families.aliases(self.d, col)
            self.columns.append(col)
        if tweaks:
            raise ValueError(f"farm: unknown column tweaks on {self.d.id}: {sorted(tweaks)}")

    def newest_age(self, col: Column) -> int:
        stale = col.state == "stale"
        ranges = {
            "news": (30, 120) if stale else (0, 6),
            "notice_policy": (200, 400) if stale else (1, 60),
            "longterm": (400, 800) if stale else (5, 200),
            "static": (30, 700),
        }
        return self.rng.randint(*ranges[col.freshness])

    def items(self, col: Column, count: int, unsorted: bool = False) -> list[Item]:
        gaps = {"news": (0, 4), "notice_policy": (3, 25), "longterm": (15, 80), "static": (60, 300)}[
            col.freshness
        ]
        age = self.newest_age(col)
        items: list[Item] = []
        for n in range(count):
            if n:
                age += self.rng.randint(*gaps) // (
                    1 if col.freshness == "static" else max(1, self.scale // 2)
                )
            if col.form == "bracket_date":
                age = min(age, 330)  # a [MM-DD] date is only unambiguous within the last year
            created = self.today - timedelta(days=age)
            shown: date | None = created
            if col.state == "undated" or (col.state == "part_undated" and n % 3 == 2):
                shown = None
            items.append(self.item(col, created, shown))
        if unsorted:
            # Shuffle but keep the first item out of first place, so the list really is not newest-first.
            first = items[0]
            self.rng.shuffle(items)
            if items[0] is first:
                items[0], items[-1] = items[-1], items[0]
        return items

    def item(self, col: Column, created: date, shown: date | None, title: str | None = None) -> Item:
        iid = self.new_id()
        org = self.d.name if self.d.kind != "service" else f"{self.d.short}政务服务中心"
        text = title or title_for(col.section, self.rng, self.d.short, org, created)
        when = f"{self.rng.randint(8, 18):02d}:{self.rng.randint(0, 59):02d}"
        if col.section == "表格下载":
            ext = "doc" if iid % 2 else "xls"
            path = f"{self.p('uploads/file/')}P0{created:%Y%m%d}{iid}.{ext}"
            it = Item(iid, text, shown, created, when, path, path)
            return it
        if self.d.url_style == "trs":
            rel = f"{created:%Y%m}/t{created:%Y%m%d}_{iid}.html"
        else:
            rel = f"content_{iid}.html"
        path, href = col.path + rel, "./" + rel
        art = families.item_location(self.d, self.p, col, created, iid)
        if art:
            path = href = art
        it = Item(
            iid, text, shown, created, when, path, href, body=body_for(self.rng, self.d.short, org, text)
        )
        folder = it.path.rsplit("/", 1)[0] + "/"
        if col.freshness == "news" and self.rng.random() < 0.3:
            ext = "jpg" if self.rng.random() < 0.7 else "png"
            it.images.append(self.file_path(folder, created, iid, ext, "W0"))
        if col.section in ("通知公告", "政策文件", "办事指南", "财政资金") and self.rng.random() < 0.35:
            ext = self.rng.choice(("pdf", "doc", "xls"))
            label = {"pdf": "实施方案.pdf", "doc": "申请表.doc", "xls": "统计表.xls"}[ext]
            it.attachments.append((f"附件：{label}", self.file_path(folder, created, iid, ext, "P0")))
        return it

    def file_path(self, folder: str, day: date, iid: int, ext: str, mark: str) -> str:
        if self.d.url_style == "trs":
            return f"{folder}{mark}{day:%Y%m%d}{iid}.{ext}"
        sub = "image" if ext in ("jpg", "png") else "file"
        return f"{self.p('uploads/' + sub + '/')}{mark}{day:%Y%m%d}{iid}.{ext}"

    def annual_items(self, col: Column) -> list[Item]:
        month = 1 if self.d.kind == "department" else 3

        def published(year: int) -> date:
            r = random.Random(f"{self.d.id}:{year}")
            return date(year + 1, month, 10 + r.randint(0, 15))

        latest = self.today.year - 1 if published(self.today.year - 1) <= self.today else self.today.year - 2
        if self.d.annual_late:
            latest -= 1  # injected: the newest report is a year behind
        self.annual_latest = latest
        org = self.d.name
        items = []
        for year in range(latest, latest - 5, -1):
            pub = published(year)
            title = f"{org}{year}年政府信息公开工作年度报告"
            it = self.item(col, pub, pub, title=title)
            folder = it.path.rsplit("/", 1)[0] + "/"
            it.attachments = [(f"{title}.pdf", self.file_path(folder, pub, it.id, "pdf", "P0"))]
            items.append(it)
        return items

    def column(self, section_or_name: str) -> Column:
        key = {"@news": self.news_name()}.get(section_or_name, section_or_name)
        for c in self.columns:
            if key in (c.name, c.section):
                return c
        raise ValueError(f"farm: {self.d.id} has no column {section_or_name}")

    # -- pages ---------------------------------------------------------------------------------------
    def build_pages(self) -> None:
        d = self.d
        for col in self.columns:
            self.column_pages(col)
        hubs = {
            "xxgk": (self.p("xxgk/"), "政府信息公开" if d.kind == "portal" else "信息公开"),
            "ml": (self.p("xxgk/xxgkml/"), "信息公开目录"),
            "hdjl": (self.p("hdjl/"), "互动交流"),
        }
        for hub, (path, name) in hubs.items():
            members = [c for c in self.columns if c.hub == hub]
            if hub == "xxgk":
                members = [c for c in self.columns if c.hub in ("xxgk",)]
            if not members:
                continue
            links = [(c.name, c.index) for c in members]
            if hub == "xxgk":
                links.insert(2, ("信息公开目录", hubs["ml"][0]))
            self.page(path, "hub.html", self.title(name), heading=name, links=links)
        intro = {"portal": f"走进{d.short}" if d.id == "lxz" else f"{d.short}概况", "department": "单位概况"}
        if d.kind in intro:
            self.page(
                self.p("gkxx/"),
                "hub.html",
                self.title(intro[d.kind]),
                heading=intro[d.kind],
                paragraphs=[
                    f"{d.name}位于甘肃省西南部，是全国两个回族自治州之一。",
                    f"本栏目介绍{d.short}的基本情况、历史沿革和行政区划。",
                ],
                links=[],
            )
        if d.kind == "portal":
            zwfw = SERVICE_IP
            self.page(
                self.p("bsfw/"),
                "hub.html",
                self.title("办事服务"),
                heading="办事服务",
                paragraphs=["办事服务统一在甘肃政务服务网办理。"],
                links=[(f"甘肃政务服务网{d.short}子站", f"{origin(zwfw)}/{d.id}/")],
            )
        if d.kind == "service" and "在线办理" not in d.missing_sections:
            self.page(
                self.p("zxbl/"),
                "hub.html",
                self.title("在线办理"),
                heading="在线办理",
                paragraphs=["请选择事项，登录后在线申报。"],
                links=[(c.title, c.path) for c in self.column("办事指南").items[:5]],
            )
        if "sitemap" not in d.missing_elements:
            links = [(c.name, c.index) for c in self.columns]
            self.page(self.p("sitemap/"), "hub.html", self.title("网站地图"), heading="网站地图", links=links)
        if "search" not in d.missing_elements:
            self.page(
                self.p("search/"),
                "hub.html",
                self.title("搜索结果"),
                heading="站内搜索",
                paragraphs=["请输入关键字进行搜索。"],
                links=[],
            )
        if d.trap:
            self.add(self.p("calendar/"), Resource("calendar", title="活动日历"))
        self.home()

    def column_pages(self, col: Column) -> None:
        for it in col.items:
            if col.section == "表格下载":
                self.add_file(it.path)
                continue
            metas = self.article_metas(col, it)
            self.page(
                it.path,
                "detail.html",
                self.title(it.title),
                item=it,
                column=col,
                metas=metas,
                crumbs=[*self.crumbs(col), (col.name, col.index)],
                here="正文",
            )
            for img in it.images:
                self.add_file(img)
            for _label, href in it.attachments:
                self.add_file(href)
        metas = self.column_metas(col)
        for n in range(col.pages):
            rows = col.items[n * col.page_size : (n + 1) * col.page_size] if col.form != "script_json" else []
            self.page(
                col.page_path(n),
                "list.html",
                self.title(col.name),
                column=col,
                rows=rows,
                page=n,
                metas=metas,
                crumbs=self.crumbs(col),
                here=col.name,
                siblings=self.siblings(col),
                note=CATALOGUE_NOTE,
                empty_text="暂无数据" if self.d.kind == "department" else "暂无信息",
            )
        for alias in col.aliases:  # default documents that serve the same first page
            self.add(alias, self.res[col.index])
        if col.form == "script_json":
            data = [
                {"title": i.title, "url": i.href, "date": i.date.isoformat() if i.date else ""}
                for i in col.items
            ]
            body = json.dumps(data, ensure_ascii=False, indent=1).encode()
            self.add(
                col.path + "list.json",
                Resource("file", content_type="application/json; charset=utf-8", body=body),
            )

    def add_file(self, path: str) -> None:
        if path in self.res:
            return
        ext = path.rsplit(".", 1)[-1]
        self.add(path, Resource("file", content_type=CONTENT_TYPES[ext], body=FILE_BYTES[ext]))

    def crumbs(self, col: Column) -> list[tuple[str, str]]:
        out = [("首页", self.p(""))]
        if col.hub in ("xxgk", "ml"):
            out.append(("信息公开", self.p("xxgk/")))
        if col.hub == "ml":
            out.append(("信息公开目录", self.p("xxgk/xxgkml/")))
        if col.hub == "hdjl":
            out.append(("互动交流", self.p("hdjl/")))
        return out

    def siblings(self, col: Column) -> list[tuple[str, str]]:
        return [(c.name, families.side_link(self.d, c)) for c in self.columns if c.hub == col.hub]

    def site_metas(self) -> list[tuple[str, str]]:
        if not self.d.meta_tags:
            return []
        domain = f"{self.d.ip}:{PORT_TOKEN}"
        return [
            ("SiteName", self.d.name),
            ("SiteDomain", domain),
            ("SiteIDCode", self.d.meta_code or self.d.site_id_code),
            *families.site_metas(self.d),
        ]

    def column_metas(self, col: Column) -> list[tuple[str, str]]:
        if not self.d.meta_tags:
            return []
        return [
            *self.site_metas()[:3],
            ("ColumnName", self.column_name_meta(col)),
            ("ColumnDescription", f"{self.d.name}{col.name}"),
            ("ColumnKeywords", col.name),
            ("ColumnType", col.name),
        ]

    def column_name_meta(self, col: Column) -> str:
        # Cause 4 of issue 10: a site-wide ColumnName that names the site, not the column.
        return self.d.name if self.d.sitewide_column_name else col.name

    def article_metas(self, col: Column, it: Item) -> list[tuple[str, str]]:
        if not self.d.meta_tags:
            return []
        if not families.article_meta(self.d):
            return self.column_metas(col)  # a TRS table layout: no ArticleTitle, no PubDate
        out = [
            *self.site_metas()[:3],
            ("ColumnName", self.column_name_meta(col)),
            ("ColumnType", col.name),
            ("ArticleTitle", it.title),
        ]
        if it.date:
            out.append(("PubDate", f"{it.date.isoformat()} {it.time}"))
        out.append(("ContentSource", self.d.name))
        return out

    def nav(self) -> list[tuple[str, str]]:
        d = self.d
        out = [("首页", self.p(""))]
        for c in self.columns:
            if c.hub == "nav":
                out.append((c.name, c.index))
        if d.kind != "service":
            out.append(("信息公开", self.p("xxgk/")))
        if d.kind == "portal":
            out += [("互动交流", self.p("hdjl/")), ("办事服务", self.p("bsfw/"))]
        if d.kind == "service" and "在线办理" not in d.missing_sections:
            out.append(("在线办理", self.p("zxbl/")))
        if d.kind in ("portal", "department"):
            out.append(
                (
                    "走进" + d.short
                    if d.id == "lxz"
                    else (f"{d.short}概况" if d.kind == "portal" else "单位概况"),
                    self.p("gkxx/"),
                )
            )
        return out

    def home(self) -> None:
        d = self.d
        blocks = []
        shown: list[Item] = []
        for c in self.columns:
            if c.home:
                top = c.items[:HOME_BLOCK_ITEMS]
                shown += top
                blocks.append({"name": c.name, "more": families.side_link(d, c), "items": top})
        metas = self.site_metas()
        self.home_items = shown
        self.page(
            self.p(""),
            "home.html",
            d.name,
            blocks=blocks,
            metas=metas,
            date_style=d.default_date_format,
            trap=self.p("calendar/") if d.trap else None,
        )
        if d.flaky:
            self.res[self.p("")].flaky = True

    # -- faults and fixtures ---------------------------------------------------------------------------
    def place(self, placement: str, link: tuple[str, str, str]) -> list[str]:
        """Put one extra link on a page; returns the absolute paths that serve that page."""
        if placement == "home":
            self.res[self.p("")].ctx.setdefault("extra_links", []).append(link)
            return [self.p("")]
        where, _, rest = placement.partition(":")
        if where == "list":
            col = self.column(rest)
            self.res[col.index].ctx.setdefault("extra_links", []).append(link)
            return [col.index, *col.aliases]  # every path that serves the first page
        name, _, idx = rest.rpartition(":")
        col = self.column(name)
        it = col.items[int(idx)]
        if link[2] == "img":
            it.images.append(link[1])
        elif link[0].startswith("附件"):
            it.attachments.append((link[0], link[1]))
        else:
            it.links.append(link)
        return [it.path]

    def dead_links(self) -> list[DeadLink]:
        out: dict[str, DeadLink] = {}
        for kind, placement in self.d.dead:
            rel, gt_kind, status, error, tag, text = DEAD_TARGETS[kind]
            if rel.startswith("http://"):
                target = rel.format(port=PORT_TOKEN, sid=self.d.id)
                href = target
            else:
                href = self.p(rel)
                target = self.url(href)
                if href not in self.res:
                    self.add(href, self.fault(kind))
                    if kind == "redirect_loop":
                        self.add(
                            self.p("loop/b"), Resource("redirect", status=302, location=self.p("loop/a"))
                        )
            dl = out.setdefault(target, DeadLink(target, gt_kind, status, error, tag))
            for page in self.place(placement, (text, href, tag)):
                if self.url(page) not in dl.pages:
                    dl.pages.append(self.url(page))
        return list(out.values())

    def fault(self, kind: str) -> Resource:
        if kind in ("http_404", "broken_image", "broken_attachment_pdf", "broken_attachment_doc"):
            return Resource("status", status=404)
        if kind == "http_500":
            return Resource("status", status=500)
        if kind == "http_503":
            return Resource("status", status=503)
        if kind == "timeout":
            return Resource(
                "timeout", template="message.html", ctx={"title": "视频直播", "message": "直播已结束。"}
            )
        if kind == "soft_404":
            return Resource(
                "soft404",
                template="message.html",
                ctx={"title": "页面不存在", "message": "您访问的页面不存在或已被删除"},
            )
        if kind == "redirect_loop":
            return Resource("redirect", status=302, location=self.p("loop/b"))
        if kind == "broken_attachment_xls":
            return Resource("fake_file")
        raise ValueError(kind)

    def robots(self) -> tuple[list[str], list[str]]:
        d = self.d
        disallowed = list(d.robots_disallow)
        linked: list[str] = []
        if d.id == "lxz":
            spots = [
                ("home", "internal/oa.html", "内网办公"),
                ("detail:@news:0", "internal/tzgg/", "内部通知"),
                ("detail:要闻:1", "internal/mail.html", "内部邮箱"),
            ]
        elif d.id == "fgw":
            spots = [
                ("home", "oa/login.html", "OA办公系统"),
                ("detail:@news:0", "oa/gw/index.html", "公文交换"),
            ]
        else:
            spots = []
        for placement, rel, text in spots:
            path = self.p(rel)
            self.page(
                path,
                "hub.html",
                self.title(text),
                heading=text,
                paragraphs=["内部系统，请登录后访问。"],
                links=[],
            )
            self.place(placement, (text, path, "a"))
            linked.append(self.url(path))
        return disallowed, linked

    def redirects(self) -> list[dict]:
        if not self.d.redirect_301:
            return []
        old = self.p("zwgk/")
        self.add(old, Resource("redirect", status=301, location=self.p("xxgk/")))
        pages = self.place("detail:@news:4", ("政务公开（原栏目）", old, "a"))
        return [
            {
                "from": self.url(old),
                "to": self.url(self.p("xxgk/")),
                "status": 301,
                "pages": [self.url(p) for p in pages],
            }
        ]

    def sections(self) -> tuple[dict[str, str | None], dict[str, str]]:
        pages = {
            "概况信息": self.p("gkxx/"),
            "信息公开目录": self.p("xxgk/xxgkml/"),
            "办事服务": self.p("bsfw/"),
            "在线办理": self.p("zxbl/"),
            "互动交流": self.p("hdjl/"),
        }
        urls: dict[str, str | None] = {}
        names: dict[str, str] = {}
        for sec in SECTIONS[self.d.kind]:
            wanted = SECTION_COLUMNS.get(sec, sec)
            col = next((c for c in self.columns if c.section == wanted), None)
            if col is not None:
                urls[sec], names[sec] = self.url(col.index), col.name
            elif sec in pages and pages[sec] in self.res:
                res = self.res[pages[sec]]
                urls[sec], names[sec] = self.url(pages[sec]), res.ctx.get("heading", sec)
            else:
                urls[sec] = None
        return urls, names

    def chrome(self) -> dict:
        d = self.d
        elements = set(ELEMENTS) - set(d.missing_elements)
        return {
            "name": d.name,
            "prefix": self.p(""),
            "meta_charset": d.meta_charset,
            "nav": self.nav(),
            "elements": elements,
            "site_id_code": d.site_id_code,
            "icp": d.icp,
            "police": d.police,
            "police_code": "".join(ch for ch in d.police if ch.isdigit()),
            "conac_id": hashlib.md5(d.id.encode()).hexdigest().upper(),
            "owner_name": d.owner_name,
            "owner_email": d.owner_email,
            "footer_markup": d.footer_markup,
            "xxgk": self.p("xxgk/") if d.kind != "service" else None,
            "kind": d.kind,
            **families.chrome(d, d.police, self.menus(), [(c.name, c.index) for c in self.columns]),
        }

    def menus(self) -> dict[str, list[tuple[str, str]]]:
        """The entries under the 信息公开 and 互动交流 menu headers of a dropdown navigation."""
        xxgk = [(c.name, c.index) for c in self.columns if c.hub == "xxgk"]
        return {
            "信息公开": [("政府信息公开", self.p("xxgk/")), ("信息公开目录", self.p("xxgk/xxgkml/")), *xxgk],
            "互动交流": [(c.name, c.index) for c in self.columns if c.hub == "hdjl"],
        }

    def build(self) -> SiteModel:
        self.build_columns()
        planted = []
        for placement, title in self.d.planted_titles:
            name, _, idx = placement.rpartition(":")
            item = self.column(name).items[int(idx)]
            item.title = title
            planted.append(item)
        content_errors = content.plant(self.d.id, self.column("@news").items)
        self.build_pages()
        disallowed, linked = self.robots()
        redirects = self.redirects()
        dead = self.dead_links()
        cases = linkcases.build(self)
        sections, names = self.sections()
        if self.d.kind == "service" and not disallowed:
            disallowed = ["/manage/"]
        elif not disallowed:
            disallowed = ["/admin/"]
        news = self.column("@news")
        titles = {self.base: self.d.name}
        titles[self.url(news.index)] = self.title(news.name)
        for col in (news, self.columns[1]):
            if col.items and col.section != "表格下载":
                titles[self.url(col.items[0].path)] = self.title(col.items[0].title)
        for item in planted:
            titles[self.url(item.path)] = self.title(item.title)
        return SiteModel(
            d=self.d,
            base_url=self.base,
            columns=self.columns,
            sections=sections,
            section_names=names,
            dead_links=dead + cases.dead,
            robots_disallowed=disallowed,
            robots_linked=linked,
            redirects=redirects,
            trap=self.url(self.p("calendar/")) if self.d.trap else None,
            titles=titles,
            annual_report_latest_year=self.annual_latest,
            annual_report_late=self.d.annual_late and self.annual_latest is not None,
            home_items=self.home_items,
            paths=self.paths,
            chrome=self.chrome(),
            cases=cases,
            content=content_errors,
        )


def _robots_txt(disallow: list[str]) -> str:
    lines = ["# robots.txt", "User-agent: *"]
    lines += [f"Disallow: {p}" for p in disallow] or ["Disallow:"]
    return "\n".join(lines) + "\n"


def _host_resources(ip: str) -> dict[str, Resource]:
    js = render.page_js().encode()
    return {
        "/js/page.js": Resource("file", content_type="application/javascript; charset=utf-8", body=js),
        "/images/ga.png": Resource("file", content_type="image/png", body=PNG_1PX),
        "/images/logo.png": Resource("file", content_type="image/png", body=PNG_1PX),
        "/images/nav.png": Resource("file", content_type="image/png", body=PNG_1PX),
        "/css/style.css": Resource(
            "file", content_type="text/css; charset=utf-8", body=render.STYLE.encode()
        ),
    }


def build_farm(seed: int = 2018, today: date | None = None, scale: int = 1) -> Farm:
    """The whole farm as data. Pure: no I/O, no clock except the default for `today`."""
    if today is None:
        today = date.today()
    if scale < 1:
        raise ValueError("scale must be >= 1")
    hosts: dict[str, dict[str, Resource]] = {}
    sites: dict[str, SiteModel] = {}
    for d in SITES:
        hosts.setdefault(d.ip, _host_resources(d.ip))
        sites[d.id] = _SiteBuilder(d, seed, today, scale, hosts).build()
    robots: dict[str, str] = {}
    for s in sites.values():
        robots.setdefault(s.d.ip, _robots_txt(s.robots_disallowed))
    for ip in hosts:  # a second host of a site (its 信息公开 platform)
        robots.setdefault(ip, _robots_txt(["/admin/"]))
    # The provincial host's own front page, outside every sub-site's prefix.
    zwfw_links = [(s.d.name, s.d.prefix) for s in sites.values() if s.d.ip == SERVICE_IP]
    hosts[SERVICE_IP]["/"] = Resource(
        "page",
        template="hub.html",
        title="甘肃政务服务网",
        ctx={"title": "甘肃政务服务网", "heading": "甘肃政务服务网", "links": zwfw_links},
    )
    for s in sites.values():
        s.chrome["gov_links"] = _gov_links(s, sites)
    return Farm(seed=seed, today=today, scale=scale, sites=sites, hosts=hosts, robots=robots)


def _gov_links(site: SiteModel, sites: dict[str, SiteModel]) -> list[tuple[str, str]]:
    """The "政府网站" block: live links to other sites of the farm (out of scope, but in the allow-list)."""
    d = site.d
    portals = [s for s in sites.values() if s.d.kind == "portal" and s.d.id != d.id]
    if d.kind == "portal":
        picks = [*portals, sites[f"zwfw-{d.id}"]]
    elif d.kind == "department":
        others = [s for s in sites.values() if s.d.kind == "department" and s.d.id != d.id]
        picks = [sites["lxz"], *others[:2]]
    else:
        county = d.id.removeprefix("zwfw-")
        picks = [sites[county]] + ([sites["zwfw-lxz"]] if county != "lxz" else [])
    return [(s.d.name, s.base_url) for s in picks]
