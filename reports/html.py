"""The HTML report: an overview page and one page per site, rendered with Jinja2 from `reports.views`.

`write_html(report, out_dir)` writes `out_dir/index.html` and `out_dir/sites/<site_id>.html`. The pages are
self-contained (inline CSS, inline SVG charts from `reports.charts`, no scripts, fonts or images) so they open
from file:// and from a mail attachment alike, and they print on A4.

Finding texts come from crawled pages and are untrusted: templates autoescape everything, only the SVG that
`reports.charts` draws from numbers is marked safe, and only http(s) URLs (the views' `href`s) become links.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from checks.dates import chinese_date
from reports.charts import score_histogram, trend_chart
from reports.model import Report
from reports.views import fmt_points, overview, site_view

DEFAULT_TITLE = "临夏州政府网站检查报告"


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


def write_html(report: Report, out_dir: Path, *, title: str = DEFAULT_TITLE) -> Path:
    """Write the overview `out_dir/index.html` and one page per site under `out_dir/sites/`; return the
    overview's path."""
    out_dir = Path(out_dir)
    (out_dir / "sites").mkdir(parents=True, exist_ok=True)
    env = _environment()
    view = overview(report)
    pass_line = view.lines.pass_line
    common = {
        "title": title,
        "inspection": view.inspection,
        "previous": view.previous,
        "period": view.period,
        "total_sites": view.summary.sites,
        "has_previous": view.has_previous,
    }
    page = env.get_template("overview.html").render(
        **common,
        root="",
        rows=view.rows,
        unchecked_rows=view.unchecked_rows,
        vetoes=view.vetoes,
        summary=view.summary,
        rule=view.rule,
        lines=view.lines,
        # The one place markup is trusted: SVG drawn by reports.charts from numbers, its texts escaped there.
        histogram=Markup(
            score_histogram(
                (None if site.vetoes else site.score for site in report.sites), pass_line=pass_line, width=520
            )
        ),
        trend=Markup(trend_chart(view.history, pass_line=pass_line, width=520, height=260)),
    )
    index = out_dir / "index.html"
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
            interaction=site.interaction,
            trend=Markup(
                trend_chart(
                    view.history,
                    [row.site.site_id],
                    pass_line=pass_line,
                    width=360,
                    height=170,
                    title="本站历次检查得分",
                )
            ),
        )
        (out_dir / row.href).write_text(page, encoding="utf-8", newline="\n")
    return index
