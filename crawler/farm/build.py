"""build_farm(): turns (seed, today, scale) into every page, file and fault of the 25 sites.

build_site() runs the builder modules on one site in a fixed order, since they share the site's seeded
random and later steps link into pages earlier ones made: columns.py (columns and items), pages.py (every
page; the titles keyareas.py and interpretations.py plant go in first), faults.py (robots fixtures, the
301, dead links), then each planting module of PLANTERS, then chrome.py (sections and page chrome). Pure:
no I/O, no clock except the default for `today`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from . import (
    chrome,
    columns,
    content,
    faults,
    interpretations,
    keyareas,
    linkcases,
    mailboxes,
    pages,
    services,
)
from .answers import Farm
from .builder import SiteBuilder, host_resources
from .identities import SERVICE_IP
from .model import Item, Planted, Resource, SiteDef, SiteModel
from .sites import SITES

# Planting modules, run in this order after the common faults. Each serves and links one kind of planted
# content on a SiteBuilder and returns a Planted: dead links for the common list, truth rows under its keys.
PLANTERS: tuple[Callable[[SiteBuilder], Planted], ...] = (
    linkcases.build,
    content.build,
    keyareas.build,
    services.build,
    interpretations.build,
    mailboxes.build,
)


def build_site(
    d: SiteDef, seed: int, today: date, scale: int, hosts: dict[str, dict[str, Resource]]
) -> SiteModel:
    """One site's model; its resources go into `hosts` (its own host's table, and a second host's)."""
    b = SiteBuilder(d, seed, today, scale, hosts)
    columns.build_columns(b)
    planted_items = _plant_titles(b)
    keyareas.plant_titles(b)  # before the pages: a page's <title> and ArticleTitle are written when built
    interpretations.plant_titles(b)
    pages.build_pages(b)
    disallowed, linked = faults.robots(b)
    redirects = faults.redirects(b)
    dead = faults.dead_links(b)
    planted = Planted()
    for plant in PLANTERS:
        planted.add(plant(b))
    sections, names = chrome.sections(b)
    if d.kind == "service" and not disallowed:
        disallowed = ["/manage/"]
    elif not disallowed:
        disallowed = ["/admin/"]
    return SiteModel(
        d=d,
        base_url=b.base,
        columns=b.columns,
        sections=sections,
        section_names=names,
        dead_links=dead + planted.dead,
        robots_disallowed=disallowed,
        robots_linked=linked,
        redirects=redirects,
        trap=b.url(b.p("calendar/")) if d.trap else None,
        titles=_titles(b, planted_items),
        annual_report_latest_year=b.annual_latest,
        annual_report_late=d.annual_late and b.annual_latest is not None,
        home_items=b.home_items,
        paths=b.paths,
        chrome=chrome.chrome(b),
        planted=planted,
    )


def _plant_titles(b: SiteBuilder) -> list[Item]:
    """SiteDef.planted_titles: items whose title tests that reports show crawled text as text only."""
    planted = []
    for placement, title in b.d.planted_titles:
        name, _, idx = placement.rpartition(":")
        item = b.column(name).items[int(idx)]
        item.title = title
        planted.append(item)
    return planted


def _titles(b: SiteBuilder, planted: list[Item]) -> dict[str, str]:
    """The <title> of the pages the ground truth names: home, news list, first items, planted titles."""
    news = b.column("@news")
    titles = {b.base: b.d.name}
    titles[b.url(news.index)] = b.title(news.name)
    for col in (news, b.columns[1]):
        if col.items and col.section != "表格下载":
            titles[b.url(col.items[0].path)] = b.title(col.items[0].title)
    for item in planted:
        titles[b.url(item.path)] = b.title(item.title)
    return titles


def _robots_txt(disallow: list[str]) -> str:
    lines = ["# robots.txt", "User-agent: *"]
    lines += [f"Disallow: {p}" for p in disallow] or ["Disallow:"]
    return "\n".join(lines) + "\n"


def build_farm(seed: int = 2018, today: date | None = None, scale: int = 1) -> Farm:
    """The whole farm as data. Pure: no I/O, no clock except the default for `today`."""
    if today is None:
        today = date.today()
    if scale < 1:
        raise ValueError("scale must be >= 1")
    hosts: dict[str, dict[str, Resource]] = {}
    sites: dict[str, SiteModel] = {}
    for d in SITES:
        hosts.setdefault(d.ip, host_resources(d.ip))
        sites[d.id] = build_site(d, seed, today, scale, hosts)
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
        s.chrome["gov_links"] = chrome.gov_links(s, sites)
    return Farm(seed=seed, today=today, scale=scale, sites=sites, hosts=hosts, robots=robots)
