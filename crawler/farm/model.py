"""The farm's data types: what a site is (SiteDef), what it serves (Column, Item, Resource), what was planted
in it (DeadLink, Planted) and what one request gets back (Reply). Plus the port token and URL helpers.

This module imports nothing of the farm: the tables (sites.py), the builders (builder.py and the modules it
names) and the renderer (render.py) all import it, never the other way round. Absolute URLs carry PORT_TOKEN
until a port is known, so one model serves on any port and the same seed + today always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

PORT_TOKEN = "__FARMPORT__"
# Freshness limits in days of the ground truth's stale flag, per column freshness class.
LIMITS = {"news": 14, "notice_policy": 183, "longterm": 365}
LIST_PAGE_SIZE = 20
# The page elements of indicators.md §3 that a footer or header may carry.
ELEMENTS = ("site_id_code", "icp", "police", "conac_badge", "sitemap", "search", "error_report")


def origin(ip: str) -> str:
    return f"http://{ip}:{PORT_TOKEN}"


def absolute(ip: str, path: str) -> str:
    """The URL of a path of host `ip`; a protocol-relative path ("//host:port/...") names its own host."""
    return "http:" + path if path.startswith("//") else origin(ip) + path


@dataclass(frozen=True)
class ColumnTweak:
    """A per-site deviation from the standard column: its state, list form, name or order."""

    state: str = "fresh"  # fresh | stale | empty | empty_note | undated | part_undated
    form: str | None = None  # li | table | script_json | trs_paged | url_date | bracket_date
    date_format: str | None = None  # iso | slash | dot | cn
    name: str | None = None
    unsorted: bool = False


@dataclass(frozen=True)
class SiteDef:
    """One site: who it is, where it lives and what is wrong with it."""

    id: str
    name: str
    kind: str  # portal | service | department
    ip: str
    prefix: str  # "/" or "/lxz/" for a service sub-site
    short: str  # short name used in titles: 临夏州, 康乐县, 州财政局
    region_code: str
    site_id_code: str
    icp: str
    police: str
    owner_name: str
    owner_email: str
    encoding: str = "utf-8"
    header_charset: str | None = "utf-8"
    meta_charset: str = "utf-8"  # what the page's own <meta> declares
    meta_tags: bool = True
    meta_code: str | None = None  # a SiteIDCode meta that differs from the footer (injected defect)
    url_style: str = "trs"  # trs: ./202610/t20261012_123456.html ; plain: ./content_123456.html
    footer_markup: str = "div"  # div: <div class="footer"> ; table: a footer table with another class
    title_style: str = "plain"  # plain: <title>标题</title> ; suffixed: <title>标题_站名</title>
    missing_elements: frozenset[str] = frozenset()
    default_form: str = "li"
    default_date_format: str = "iso"
    tweaks: dict[str, ColumnTweak] = field(default_factory=dict)
    missing_sections: frozenset[str] = frozenset()
    flaky: bool = False
    trap: bool = False
    annual_late: bool = False
    robots_disallow: tuple[str, ...] = ()
    dead: tuple[tuple[str, str], ...] = ()  # (kind, placement) pairs, see tables.DEAD_TARGETS
    redirect_301: bool = False
    news_name: str = "工作动态"
    # ("column:index", title): item titles planted to test that reports show crawled text as text only
    planted_titles: tuple[tuple[str, str], ...] = ()
    template: str = "standard"  # the template family, see families.py
    xxgk_host: str | None = None  # the 信息公开 sections live on this other loopback host
    sitewide_column_name: bool = False  # every page carries <meta name="ColumnName" content=site name>
    extra_columns: tuple[str, ...] = ()  # columns beyond the kind's standard set, see tables.EXTRA_COLUMNS
    link_cases: tuple[tuple[str, str], ...] = ()  # (case, placement) pairs, see linkcases.LINK_CASES
    malformed: tuple[tuple[str, str], ...] = ()  # (markup, "home" | "list:<column>"), see linkcases.MALFORMED
    mailbox: tuple[str, str] | None = None  # (list style, scenario) of its 领导信箱, see mailboxes.py


@dataclass
class Item:
    """One entry of a column: a detail page (or, in 表格下载, a file), with its publication date."""

    id: int
    title: str
    date: dt.date | None  # the visible publication date; None for an item published without one
    created: dt.date  # the date inside TRS-style URLs
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
class Planted:
    """What planting modules (linkcases.py, and any later kind) add to a site: more dead links, merged into
    the site's dead_links, and truth rows under keys of their own, written into the site's ground truth in
    the order they were planted."""

    dead: list[DeadLink] = field(default_factory=list)
    truth: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, other: Planted) -> None:
        self.dead += other.dead
        for key, rows in other.truth.items():
            if key in self.truth:
                raise ValueError(f"farm: two planting modules write the truth key {key!r}")
            self.truth[key] = rows


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
    planted: Planted = field(default_factory=Planted)  # what the planting modules added


@dataclass
class Reply:
    """One answer: status (None = drop the connection), headers, body, and a delay before answering."""

    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    delay: float = 0.0
