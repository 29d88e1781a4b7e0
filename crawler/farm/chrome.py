"""Builds what every page of a site shows around its content (the chrome: navigation, dropdown menus,
footer identity, badges, the family's page style), the "政府网站" block linking the other farm sites, and
where each required section of the site is linked (the sections of its ground truth).
"""

from __future__ import annotations

import hashlib

from . import families
from .builder import SiteBuilder
from .model import ELEMENTS, SiteModel
from .tables import SECTION_COLUMNS, SECTIONS


def chrome(b: SiteBuilder) -> dict:
    """The `site` every template of the site renders with (gov_links is added once all sites exist)."""
    d = b.d
    elements = set(ELEMENTS) - set(d.missing_elements)
    return {
        "name": d.name,
        "prefix": b.p(""),
        "meta_charset": d.meta_charset,
        "nav": _nav(b),
        "elements": elements,
        "site_id_code": d.site_id_code,
        "icp": d.icp,
        "police": d.police,
        "police_code": "".join(ch for ch in d.police if ch.isdigit()),
        "conac_id": hashlib.md5(d.id.encode()).hexdigest().upper(),
        "owner_name": d.owner_name,
        "owner_email": d.owner_email,
        "footer_markup": d.footer_markup,
        "xxgk": b.p("xxgk/") if d.kind != "service" else None,
        "kind": d.kind,
        **families.chrome(d, d.police, _menus(b), [(c.name, c.index) for c in b.columns]),
    }


def _nav(b: SiteBuilder) -> list[tuple[str, str]]:
    d = b.d
    out = [("首页", b.p(""))]
    for c in b.columns:
        if c.hub == "nav":
            out.append((c.name, c.index))
    if d.kind != "service":
        out.append(("信息公开", b.p("xxgk/")))
    if d.kind == "portal":
        out += [("互动交流", b.p("hdjl/")), ("办事服务", b.p("bsfw/"))]
    if d.kind == "service" and "在线办理" not in d.missing_sections:
        out.append(("在线办理", b.p("zxbl/")))
    if d.kind in ("portal", "department"):
        out.append(
            (
                "走进" + d.short
                if d.id == "lxz"
                else (f"{d.short}概况" if d.kind == "portal" else "单位概况"),
                b.p("gkxx/"),
            )
        )
    return out


def _menus(b: SiteBuilder) -> dict[str, list[tuple[str, str]]]:
    """The entries under the 信息公开 and 互动交流 menu headers of a dropdown navigation."""
    xxgk = [(c.name, c.index) for c in b.columns if c.hub == "xxgk"]
    return {
        "信息公开": [("政府信息公开", b.p("xxgk/")), ("信息公开目录", b.p("xxgk/xxgkml/")), *xxgk],
        "互动交流": [(c.name, c.index) for c in b.columns if c.hub == "hdjl"],
    }


def sections(b: SiteBuilder) -> tuple[dict[str, str | None], dict[str, str]]:
    """Each required section of the site's kind: its URL (None when missing) and the name the site uses."""
    pages = {
        "概况信息": b.p("gkxx/"),
        "信息公开目录": b.p("xxgk/xxgkml/"),
        "办事服务": b.p("bsfw/"),
        "在线办理": b.p("zxbl/"),
        "互动交流": b.p("hdjl/"),
    }
    urls: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for sec in SECTIONS[b.d.kind]:
        wanted = SECTION_COLUMNS.get(sec, sec)
        col = next((c for c in b.columns if c.section == wanted), None)
        if col is not None:
            urls[sec], names[sec] = b.url(col.index), col.name
        elif sec in pages and pages[sec] in b.res:
            res = b.res[pages[sec]]
            urls[sec], names[sec] = b.url(pages[sec]), res.ctx.get("heading", sec)
        else:
            urls[sec] = None
    return urls, names


def gov_links(site: SiteModel, sites: dict[str, SiteModel]) -> list[tuple[str, str]]:
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
