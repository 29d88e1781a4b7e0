"""The farm's answers: the ground-truth dict (which defects were injected where) and the registry TOML."""

from __future__ import annotations

import json
from typing import Any

from . import families
from .answers import Farm
from .model import ELEMENTS, LIMITS, PORT_TOKEN, Column, SiteModel, absolute
from .tables import SECTION_COLUMNS

REGISTRY_HEADER = """# duwang demo farm registry — generated, do not edit
[defaults]
max_pages = 1000
max_depth = 8
concurrency = 8
delay = 0.0
obey_robots = true
timeout = 3
retries = 1
user_agent = "duwang-demo/0.1 (+mailto:xxzx@lxz.example.gov.cn)"

[network]
allow = ["127.0.0.0/8"]
"""


def _sub(obj: Any, port: int) -> Any:
    """Put the real port into every string of a nested structure."""
    if isinstance(obj, str):
        return obj.replace(PORT_TOKEN, str(port))
    if isinstance(obj, dict):
        return {_sub(k, port): _sub(v, port) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_sub(v, port) for v in obj]
    return obj


def column_truth(farm: Farm, site: SiteModel, col: Column) -> dict:
    dated = [i.date for i in col.items if i.date is not None]
    newest = max(dated) if dated else None
    age = (farm.today - newest).days if newest else None
    if col.freshness == "static" or col.empty:
        stale = False  # static columns have no freshness rule; empty ones are counted as empty, not stale
    elif newest is None:
        stale = True  # an item without a publication date counts as not updated
    else:
        stale = age > LIMITS[col.freshness]  # type: ignore[operator]
    return {
        "name": col.name,
        "section": col.section,
        "url": _abs(site, col.index),  # the canonical first page, as navigation links it
        "aliases": [_abs(site, a) for a in col.aliases],  # the same page under other default documents
        "page_urls": [_abs(site, col.page_path(n)) for n in range(col.pages)],
        "freshness": col.freshness,
        "form": col.form,
        "markup": col.markup,
        "date_format": col.date_format,
        "sorted": col.sorted,
        "newest_date": newest.isoformat() if newest else None,
        "age_days": age,
        "stale": stale,
        "empty": col.empty,
        "catalogue_note": col.state == "empty_note",
        "empty_markup": families.empty_markup(site.d, col),  # note | text | bare (an empty <ul>) | None
        "items": len(col.items),
        "undated_items": sum(1 for i in col.items if i.date is None),
        "pages": col.pages,
        "render": col.render,
    }


def _abs(site: SiteModel, path: str) -> str:
    return absolute(site.d.ip, path)


def scope(site: SiteModel) -> dict:
    """The site's scope: its host and prefix, and the second host of its 信息公开 platform if it has one."""
    d = site.d
    out: dict = {"host": f"{d.ip}:{PORT_TOKEN}", "path_prefix": d.prefix}
    if d.xxgk_host:
        out["also"] = [{"host": f"{d.xxgk_host}:{PORT_TOKEN}", "path_prefix": "/xxgk/"}]
    return out


def site_truth(farm: Farm, site: SiteModel) -> dict:
    d = site.d
    columns = [column_truth(farm, site, c) for c in site.columns]
    by_section = {c["section"]: c for c in columns}
    for section, column in SECTION_COLUMNS.items():  # one column serving two required sections
        if column in by_section:
            by_section.setdefault(section, by_section[column])
    home_dates = [i.date for i in site.home_items if i.date is not None]
    home_newest = max(home_dates) if home_dates else None
    home_stale = home_newest is None or (farm.today - home_newest).days > LIMITS["news"]
    return {
        "name": d.name,
        "kind": d.kind,
        "template": d.template,
        "base_url": site.base_url,
        "scope": scope(site),
        "encoding": d.encoding,
        "header_charset": d.header_charset,
        "meta_charset": d.meta_charset,
        "homepage_title": d.name,
        "titles": dict(site.titles),
        "site_id_code": d.site_id_code,
        "meta_site_id_code": (d.meta_code or d.site_id_code) if d.meta_tags else None,
        "elements": {e: (e not in d.missing_elements) for e in ELEMENTS},
        "flaky_homepage": d.flaky,
        "robots_disallowed": list(site.robots_disallowed),
        "robots_linked": list(site.robots_linked),
        "trap": site.trap,
        "dead_links": [
            {
                "target": dl.target,
                "kind": dl.kind,
                "status": dl.status,
                "error": dl.error,
                "tag": dl.tag,
                "pages": list(dl.pages),
                "on_homepage": site.base_url in dl.pages,
                "offlist": dl.offlist,
                "redirect_chain": list(dl.chain),  # empty unless the target redirects to its answer
            }
            for dl in site.dead_links
        ],
        "redirects": list(site.redirects),
        # The planting modules' own keys (build.PLANTERS), in planting order. linkcases.py (issue 10 causes
        # 10 and 11): raw_paths, help_pages, malformed_pages.
        **site.planted.truth,
        "columns": columns,
        "sections": dict(site.sections),
        "section_names": dict(site.section_names),
        "empty_sections": [
            s for s, url in site.sections.items() if url and s in by_section and by_section[s]["empty"]
        ],
        "annual_report_latest_year": site.annual_report_latest_year,
        "annual_report_late": site.annual_report_late,
        "homepage_newest_date": home_newest.isoformat() if home_newest else None,
        "homepage_stale": home_stale,
        "url_count": len(site.paths),
    }


def ground_truth(farm: Farm, port: int) -> dict:
    """The ground truth of a farm served on `port` (see the brief for the schema)."""
    sites = {sid: site_truth(farm, s) for sid, s in farm.sites.items()}
    return _sub(
        {
            "seed": farm.seed,
            "today": farm.today.isoformat(),
            "port": port,
            "scale": farm.scale,
            "sites": sites,
        },
        port,
    )


def _q(value: str) -> str:
    # A JSON string is a valid TOML basic string for everything json.dumps emits (\" \\ \n \uXXXX).
    return json.dumps(value, ensure_ascii=False)


def registry_toml(farm: Farm, port: int) -> str:
    """The registry for all 25 sites in the format of crawler/sites.example.toml (no column hints)."""
    out = [REGISTRY_HEADER]
    for sid, site in farm.sites.items():
        d = site.d
        base = site.base_url.replace(PORT_TOKEN, str(port))
        out.append(
            f"[[sites]]\nid = {_q(sid)}\nname = {_q(d.name)}\nkind = {_q(d.kind)}\n"
            f"start_urls = [{_q(base)}]\n"
        )
        if d.kind == "department":
            out.append("services = false  # no public services of its own: scored out of 75\n")
        out.append(f"[sites.scope]\nhost = {_q(f'{d.ip}:{port}')}\n")
        if d.prefix != "/":
            out.append(f"path_prefix = {_q(d.prefix)}\n")
        if d.xxgk_host:  # the 信息公开 platform on a host of its own
            out.append(f'also = [{{ host = {_q(f"{d.xxgk_host}:{port}")}, path_prefix = "/xxgk/" }}]\n')
        out.append(f"\n[[sites.owners]]\nname = {_q(d.owner_name)}\nemail = {_q(d.owner_email)}\n\n")
    return "".join(out)
