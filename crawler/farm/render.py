"""Page rendering for the farm: the jinja2 environment (autoescape on), date formats, page.js, calendar.

Imports the data types (model.py) only: what a page shows is decided by the builders, not here.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from .model import SiteModel

HERE = Path(__file__).resolve().parent
STYLE = (
    "body{font-family:SimSun,serif;margin:0}.header{background:#b40000;color:#fff;padding:8px}"
    ".nav li{display:inline;margin:0 8px}.footer,.bottom{border-top:2px solid #b40000;text-align:center}\n"
)


def fmt_date(d: date, style: str) -> str:
    """A date in one of the list forms real sites use."""
    if style == "slash":
        return f"{d:%Y/%m/%d}"
    if style == "dot":
        return f"{d:%Y.%m.%d}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "bracket":
        return f"[{d:%m-%d}]"
    return d.isoformat()


@cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fmt"] = fmt_date
    return env


@cache
def page_js() -> str:
    return (HERE / "page.js").read_text(encoding="utf-8")


@cache
def _has(name: str) -> bool:
    return (HERE / "templates" / name).is_file()


def render(template: str, site: SiteModel | None, ctx: dict) -> str:
    """One page as text (absolute URLs still carry the port token). A site of another template family uses
    templates/<family>/<template> where there is one, and its family's base layout in any case."""
    family = site.chrome.get("template", "standard") if site else "standard"
    name = f"{family}/{template}" if family != "standard" and _has(f"{family}/{template}") else template
    layout = f"{family}/base.html" if family != "standard" and _has(f"{family}/base.html") else "base.html"
    chrome = site.chrome if site else None
    return _env().get_template(name).render(site=chrome, layout=layout, **ctx)


def render_calendar(site: SiteModel, today: date, d: int) -> str:
    """The spider trap: day d of an event calendar, always linking to day d + 1."""
    day = today + timedelta(days=d)
    ctx = {
        "title": f"活动日历 {day.isoformat()}",
        "heading": f"活动日历：{day.year}年{day.month}月{day.day}日",
        "paragraphs": ["当日暂无活动安排。"],
        "links": [("下一天", f"?d={d + 1}")],
    }
    return render("hub.html", site, ctx)
