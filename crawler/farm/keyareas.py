"""Key areas (重点领域) planted in the demo farm for checks/keyareas.py, with their truth.

The key-area columns themselves are ordinary columns (tables.PORTAL_COLUMNS and EXTRA_COLUMNS, named on
each portal by identities.PORTAL_KEY_AREA_COLUMNS; stale or missing ones by SiteDef.tweaks and
extra_columns in sites.py). This module writes down which column stands for which area ("key_areas": one row
per area, with the column's URL, newest visible date and item count, or no URL when the site has none) and
plants the budget and final-accounts titles in the 财政资金 column ("fiscal_reports": kind, year, URL).

Titles the seeded text happened to give a budget or final-accounts form are retitled first, so that what a
site publishes is exactly FISCAL's plan: every site with a 财政资金 column has the budgets of this year and
last and the final accounts of last year and the year before, except lxx (no budget of this year) and ghx
(no final accounts of last year). Pure: the builder's random generator is not touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Column, Planted

if TYPE_CHECKING:
    from .builder import SiteBuilder

# The farm's column section -> the area it stands for (the names of checks/data/keyareas.toml).
AREA_OF = {
    "财政资金": "财政预决算",
    "重大建设项目": "重大建设项目",
    "公共资源配置": "公共资源配置",
    "权责清单": "行政权力",
    "生态环境": "环境保护",
}
FISCAL_COLUMN = "财政资金"
# Years before today's year of the budgets and final accounts a site publishes.
FISCAL_DEFAULT = {"budget": (0, 1), "final_accounts": (1, 2)}
FISCAL = {
    "lxx": {"budget": (1,), "final_accounts": (1, 2)},  # this year's budget not published
    "ghx": {"budget": (0, 1), "final_accounts": (2,)},  # last year's final accounts not published
}
FORMS = {"budget": "{short}{year}年财政预算公开", "final_accounts": "{short}{year}年财政决算公开"}


def plant_titles(b: SiteBuilder) -> None:
    """Retitle the seeded budget-like titles, then give the 财政资金 column FISCAL's plan. build_site runs
    this before the pages are built: a page's <title> and ArticleTitle meta are written then."""
    for column in b.columns:
        for item in column.items:
            if "预算" in item.title or "决算" in item.title:
                item.title = f"{b.d.short}{item.created.year}年财政收支情况"
    fiscal = _fiscal_column(b)
    if fiscal is not None:
        for item, (kind, year) in zip(fiscal.items, _plan(b), strict=False):
            item.title = FORMS[kind].format(short=b.d.short, year=year)


def build(b: SiteBuilder) -> Planted:
    """The planting module (build.PLANTERS): "key_areas" rows on every site, "fiscal_reports" on every
    site with a 财政资金 column (empty lists elsewhere), as plant_titles planted them."""
    return Planted(truth={"key_areas": _areas(b), "fiscal_reports": _fiscal(b)})


def _areas(b: SiteBuilder) -> list[dict]:
    by_area = {AREA_OF[c.section]: c for c in b.columns if c.section in AREA_OF}
    return [_area_row(b, area, by_area.get(area)) for area in AREA_OF.values()]


def _area_row(b: SiteBuilder, area: str, column: Column | None) -> dict:
    if column is None:
        return {"area": area, "url": None, "column": None, "newest_date": None, "items": 0}
    dated = [item.date for item in column.items if item.date is not None]
    return {
        "area": area,
        "url": b.url(column.index),
        "column": column.name,
        "newest_date": max(dated).isoformat() if dated else None,
        "items": len(column.items),
    }


def _fiscal_column(b: SiteBuilder) -> Column | None:
    return next((c for c in b.columns if c.section == FISCAL_COLUMN), None)


def _plan(b: SiteBuilder) -> list[tuple[str, int]]:
    plan = FISCAL.get(b.d.id, FISCAL_DEFAULT)
    return [(kind, b.today.year - back) for kind, backs in plan.items() for back in backs]


def _fiscal(b: SiteBuilder) -> list[dict]:
    column = _fiscal_column(b)
    if column is None:
        return []
    return [
        {"kind": kind, "year": year, "url": b.url(item.path)}
        for item, (kind, year) in zip(column.items, _plan(b), strict=False)
    ]
