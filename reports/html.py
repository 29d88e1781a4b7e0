"""The HTML report: an overview page and one page per site, rendered with Jinja2 from `reports.views`.

`write_html(report, out_dir)` writes `out_dir/index.html` and `out_dir/sites/<site_id>.html`. The pages are
self-contained (inline CSS, inline SVG charts from `reports.charts`, no scripts, fonts or images) so they open
from file:// and from a mail attachment alike, and they print on A4.

Finding texts come from crawled pages and are untrusted: templates autoescape everything, only the SVG that
`reports.charts` draws from numbers is marked safe, and only http(s) URLs (the views' `href`s) become links.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from checks.dates import chinese_date
from reports.charts import score_histogram, trend_chart
from reports.history import History
from reports.model import Bulletin, Report
from reports.views import Overview, fmt_points, indicator_points, overview, site_view


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,  # every template, whatever its extension: finding texts are crawled data
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cn_date"] = chinese_date
    env.filters["points"] = fmt_points
    return env


def write_html(
    report: Report, out_dir: Path, *, bulletin: Bulletin | None = None, history: str | None = None
) -> Path:
    """Write the overview `out_dir/index.html` and one page per site under `out_dir/sites/`; return the
    overview's path. `bulletin`: the overview's title, 文号 and 落款; `history`: the path from `out_dir` to
    the history folder (`reports.history`), linked from every page when given."""
    out_dir = Path(out_dir)
    (out_dir / "sites").mkdir(parents=True, exist_ok=True)
    bulletin = bulletin or Bulletin()
    env = _environment()
    view = overview(report)
    common = {
        "title": bulletin.title,
        "inspection": view.inspection,
        "previous": view.previous,
        "period": view.period,
        "total_sites": view.summary.sites,
        "has_previous": view.has_previous,
    }
    index = out_dir / "index.html"
    page = _overview_page(env, view, bulletin, history).render(**common)
    index.write_text(page, encoding="utf-8", newline="\n")
    site_template = env.get_template("site.html")
    for row in view.rows:
        site = site_view(view, row)
        page = site_template.render(
            **common,
            root="../",
            row=row,
            site=site.site,
            groups=site.groups,
            vetoes=site.vetoes,
            points=indicator_points(site.site),
            history_href=f"../{history}/{row.href}" if history else None,
            interaction=site.interaction,
            trend=Markup(
                trend_chart(
                    view.history,
                    [row.site.site_id],
                    pass_line=view.lines.pass_line,
                    width=360,
                    height=170,
                    title="本站历次检查得分",
                )
            ),
        )
        (out_dir / row.href).write_text(page, encoding="utf-8", newline="\n")
    return index


def _overview_page(env: Environment, view: Overview, bulletin: Bulletin, history: str | None) -> Template:
    """The overview's template with everything but the parts it shares with the site pages."""
    pass_line = view.lines.pass_line
    rows = view.rows
    return env.get_template(
        "overview.html",
        globals={
            "root": "",
            "rows": rows,
            "unchecked_rows": view.unchecked_rows,
            "vetoes": view.vetoes,
            "summary": view.summary,
            "rule": view.rule,
            "lines": view.lines,
            "bulletin": bulletin,
            "signed_on": bulletin.signed_on or view.inspection.as_of,
            "combined": view.combined,
            "gaps": view.gaps,
            "history_href": f"{history}/index.html" if history else None,
            "any_bonus": any(row.site.bonuses for row in rows),
            "any_unconfirmed": any(d.unconfirmed for row in rows for d in row.site.deductions),
            # The one place markup is trusted: SVG drawn by reports.charts from numbers, texts escaped there.
            "histogram": Markup(
                score_histogram(
                    (None if row.site.vetoes else row.site.score for row in rows),
                    pass_line=pass_line,
                    width=520,
                )
            ),
            "trend": Markup(trend_chart(view.history, pass_line=pass_line, width=520, height=260)),
        },
    )


def write_history(history: History, folder: Path, *, bulletin: Bulletin | None = None) -> Path:
    """Write the history `folder/index.html` (every inspection, newest first) and one page per site under
    `folder/sites/` (its scores and open findings over time); links to the inspections' own reports lead to
    `../<key>/` beside `folder`. Returns the index's path."""
    folder = Path(folder)
    (folder / "sites").mkdir(parents=True, exist_ok=True)
    bulletin = bulletin or Bulletin()
    env = _environment()
    latest = history.inspections[0].inspection if history.inspections else None
    pass_line = history.lines.pass_line
    common = {"title": bulletin.title, "inspection": latest, "lines": history.lines}
    index = folder / "index.html"
    index.write_text(
        env.get_template("history_index.html").render(
            **common,
            rows=history.inspections,
            sites=history.sites,
            trend=Markup(trend_chart(history.trend, pass_line=pass_line, width=640, height=260)),
        ),
        encoding="utf-8",
        newline="\n",
    )
    for site in history.sites:
        page = env.get_template("history_site.html").render(
            **common,
            site=site,
            trend=Markup(
                trend_chart(
                    history.trend,
                    [site.site_id],
                    pass_line=pass_line,
                    width=520,
                    height=220,
                    title="本站历次督查得分",
                )
            ),
        )
        (folder / "sites" / site.page).write_text(page, encoding="utf-8", newline="\n")
    return index
