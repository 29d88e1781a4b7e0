"""Charts for the HTML report as inline SVG strings, drawn from numbers only.

`score_histogram` draws the score distribution of one inspection, `trend_chart` the average score over past
inspections (all sites, or the sites given). Both mark the rubric's pass line, which the caller passes in
(`Report.lines.pass_line`). Both return a complete `<svg>` element that the templates insert
as markup, so every text put into it is escaped here. Output is deterministic: the same input gives the same
bytes (fixed number formats, no randomness, no clock), which keeps reports diffable and tests stable.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from checks.dates import chinese_date
from reports.model import HistoryPoint

# Colours are plain fills, not CSS backgrounds, so they survive printing with "background graphics" off.
BAR = "#3b6ea5"
BAR_FAIL = "#c0392b"
LINE = "#3b6ea5"
AXIS = "#555555"
GRID = "#d9d9d9"
TEXT = "#222222"
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"

VETO_LABEL = "单项否决"
Bins = tuple[tuple[str, float, float], ...]
TrendPoint = tuple[date, int, float | None, int]  # (day, run_id, average or None, vetoed sites)


def bins(pass_line: float) -> Bins:
    """(label, lower bound inclusive, upper bound exclusive) in score points: everything below the pass line
    (不合格), then tens from the pass line up to 90–100 (100 inclusive), then 100+ for scores lifted by a
    bonus. With the usual pass line 60: 0–59, 60–69, 70–79, 80–89, 90–100, 100+."""
    bounds = [pass_line, *(float(ten) for ten in range(10, 100, 10) if ten > pass_line), 100.0]
    if pass_line >= 90.0:
        bounds = [pass_line, 100.0]
    result = [(f"0–{_below(pass_line)}", -math.inf, pass_line)]
    for low, high in itertools.pairwise(bounds):
        upper = "100" if high == 100.0 else _below(high)
        result.append((f"{low:g}–{upper}", low, high))
    return (*result, ("100+", 100.0, math.inf))


def _below(bound: float) -> str:
    """The label of the last score under `bound`: 59 below 60, "<72.5" below a fractional line."""
    return f"{bound - 1:g}" if bound == int(bound) else f"<{bound:g}"


def _num(value: float) -> str:
    """A coordinate with fixed precision, so output does not depend on float repr quirks."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, content: str, *, anchor: str = "middle", size: int = 12, **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(value)}"' for name, value in attrs.items())
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" fill="{TEXT}"{extra}>'
        f"{escape(content)}</text>"
    )


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    # width/height plus viewBox: the chart has a natural size but scales down with max-width:100% in CSS.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" font-family="{FONT}">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _bin_index(score: float, table: Bins) -> int:
    """Index into `table`: 59.5 is still 不合格 (below the pass line), 100 is 90–100, above 100 is 100+."""
    if score < table[0][2]:
        return 0
    if score > 100.0:
        return len(table) - 1
    for index, (_, low, high) in enumerate(table[1:-1], start=1):
        if low <= score < high or (high == 100.0 and score == 100.0):
            return index
    raise AssertionError(score)  # pragma: no cover - the bins cover every number


def histogram_counts(scores: Iterable[float | None], *, pass_line: float) -> list[tuple[str, int]]:
    """How many sites fall in each bin, vetoed sites (score None) in their own last bin."""
    table = bins(pass_line)
    counts = [0] * (len(table) + 1)
    for score in scores:
        counts[-1 if score is None else _bin_index(score, table)] += 1
    labels = [label for label, _, _ in table] + [VETO_LABEL]
    return list(zip(labels, counts, strict=True))


def score_histogram(
    scores: Iterable[float | None], *, pass_line: float, width: int = 640, height: int = 260
) -> str:
    """Bar chart of the score distribution; None scores (vetoed sites) are counted as "单项否决"."""
    counts = histogram_counts(scores, pass_line=pass_line)
    left, right, top, bottom = 44, 12, 30, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((count for _, count in counts), default=0)
    step = _tick_step(peak)
    # Headroom above the highest bar for its count label, so it never runs into the title.
    y_max = max(step, math.ceil(peak * 1.15 / step) * step)
    if y_max == peak:
        y_max += step
    body = [_text(width / 2, 16, "得分分布（站点数）", size=13, font_weight="bold")]
    for tick in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * tick / y_max
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, str(tick), anchor="end", size=11))
    slot = plot_w / len(counts)
    bar_w = slot * 0.62
    for index, (label, count) in enumerate(counts):
        x = left + slot * index + (slot - bar_w) / 2
        bar_h = plot_h * count / y_max
        y = top + plot_h - bar_h
        failing = index == 0 or label == VETO_LABEL
        colour = BAR_FAIL if failing else BAR
        if count:
            body.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" height="{_num(bar_h)}" '
                f'fill="{colour}"><title>{escape(f"{label}：{count} 个站点")}</title></rect>'
            )
        body.append(_text(x + bar_w / 2, y - 5, str(count), size=12))
        body.append(_text(x + bar_w / 2, top + plot_h + 17, label, size=12))
        if index == 0:
            body.append(_text(x + bar_w / 2, top + plot_h + 33, "不合格", size=11, fill=BAR_FAIL))
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    total = sum(count for _, count in counts)
    return _svg(width, height, f"得分分布：共 {total} 个站点", body)


def _tick_step(peak: float) -> int:
    """A gridline step giving at most about five lines for counts up to `peak`."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if peak / step <= 5:
            return step
    return 1000


def trend_points(history: Iterable[HistoryPoint], site_ids: Iterable[str] | None = None) -> list[TrendPoint]:
    """Per inspection (date, run_id) in time order: the average score of the scored sites, and how many
    sites were vetoed.

    Vetoed sites (score None) are left out of the average rather than counted as 0, which would make one veto
    look like a collapse of the whole prefecture; the veto count is shown beside the point instead.
    """
    wanted = None if site_ids is None else set(site_ids)
    runs: dict[tuple[date, int], tuple[list[float], int]] = {}
    for point in history:
        if wanted is not None and point.site_id not in wanted:
            continue
        scores, vetoed = runs.setdefault((point.date, point.run_id), ([], 0))
        if point.score is None:
            runs[(point.date, point.run_id)] = (scores, vetoed + 1)
        else:
            scores.append(point.score)
    return [
        (day, run_id, (sum(scores) / len(scores)) if scores else None, vetoed)
        for (day, run_id), (scores, vetoed) in sorted(runs.items())
    ]


@dataclass(frozen=True)
class _Plot:
    """The trend chart's geometry: where a score and an inspection's index land."""

    width: int
    small: bool
    left: float
    right: float
    top: float
    plot_w: float
    plot_h: float
    y_min: float
    y_max: float
    count: int  # inspections along the x axis

    def y_of(self, score: float) -> float:
        return self.top + self.plot_h - self.plot_h * (score - self.y_min) / (self.y_max - self.y_min)

    def x_of(self, index: int) -> float:
        # Points stay clear of the plot's edges so the first and last date labels are not cut off.
        inset = 28 if self.small else 48
        span = self.plot_w - 2 * inset
        return self.left + inset + (span / 2 if self.count == 1 else span * index / (self.count - 1))


def trend_chart(
    history: Sequence[HistoryPoint],
    site_ids: Iterable[str] | None = None,
    *,
    pass_line: float,
    width: int = 640,
    height: int = 240,
    title: str = "历次检查平均得分",
) -> str:
    """Line chart of the average score per inspection over time (of `site_ids`, default every site).

    Inspections are spaced evenly along the x axis in date order (labels are dates): inspections are irregular
    and a time-true axis would squeeze most of them together. An inspection where every selected site was
    vetoed has no average; it is drawn as a red "否决" mark on the pass line and breaks the line.
    """
    points = trend_points(history, site_ids)
    small = width < 400
    left, right = (34, 10) if small else (44, 16)
    top, bottom = (24, 30) if small else (30, 40)
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [_text(width / 2, 15 if small else 18, title, size=12 if small else 13, font_weight="bold")]
    if not points:
        body.append(_text(width / 2, top + plot_h / 2, "暂无历史数据", size=12, fill=AXIS))
        return _svg(width, height, f"{title}：暂无历史数据", body)

    values = [avg for _, _, avg, _ in points if avg is not None]
    low = min([pass_line, *values])
    high = max([100.0, *values])
    y_min = max(0.0, math.floor((low - 5) / 10) * 10)
    y_max = math.ceil((high + 4) / 10) * 10  # room above the top point for its value label
    plot = _Plot(width, small, left, right, top, plot_w, plot_h, y_min, y_max, len(points))
    body += _trend_grid(plot, pass_line)
    body += _trend_line(plot, points)
    body += _trend_marks(plot, points, plot.y_of(pass_line))
    if any(avg is None for _, _, avg, _ in points):
        legend_y = 15 if small else 18
        body.append(_text(width - right, legend_y, "✕ 单项否决", anchor="end", size=10, fill=BAR_FAIL))
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{AXIS}"/>'
    )
    return _svg(width, height, f"{title}：{len(points)} 次检查", body)


def _trend_grid(plot: _Plot, pass_line: float) -> list[str]:
    """Gridlines with their scores, and the pass line dashed in red."""
    body = []
    left, end = plot.left, plot.width - plot.right
    step = 10 if (plot.y_max - plot.y_min) <= 60 else 20
    tick = plot.y_min
    while tick <= plot.y_max:
        y = plot.y_of(tick)
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{end}" y2="{_num(y)}" stroke="{GRID}"/>')
        body.append(_text(left - 5, y + 4, _num(tick), anchor="end", size=10 if plot.small else 11))
        tick += step
    pass_y = plot.y_of(pass_line)
    body.append(
        f'<line x1="{left}" y1="{_num(pass_y)}" x2="{end}" y2="{_num(pass_y)}" '
        f'stroke="{BAR_FAIL}" stroke-dasharray="4 3"/>'
    )
    if not plot.small:
        body.append(_text(end - 2, pass_y - 4, "合格线", anchor="end", size=10, fill=BAR_FAIL))
    return body


def _trend_line(plot: _Plot, points: list[TrendPoint]) -> list[str]:
    """One polyline per unbroken stretch of inspections that have an average."""
    stretch: list[str] = []
    stretches: list[list[str]] = [stretch]
    for index, (_, _, avg, _) in enumerate(points):
        if avg is None:
            stretch = []
            stretches.append(stretch)
        else:
            stretch.append(f"{_num(plot.x_of(index))},{_num(plot.y_of(avg))}")
    return [
        f'<polyline points="{" ".join(part)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        for part in stretches
        if len(part) > 1
    ]


def _trend_marks(plot: _Plot, points: list[TrendPoint], pass_y: float) -> list[str]:
    """Each inspection's point (or veto mark) with its tooltip and value, and the date labels."""
    body = []
    small = plot.small
    # Date labels counted back from the newest, so the latest inspection is always labelled.
    label_every = max(1, math.ceil(len(points) / (4 if small else 7)))
    labelled = set(range(len(points) - 1, -1, -label_every))
    for index, (day, _, avg, vetoed) in enumerate(points):
        x = plot.x_of(index)
        day_text = f"{day.month}月{day.day}日" if small else chinese_date(day)
        if avg is None:
            body.append(_text(x, pass_y + 4, "✕", size=12, fill=BAR_FAIL))
        else:
            y = plot.y_of(avg)
            tip = f"{day_text}：平均 {avg:.1f} 分" + (f"，{vetoed} 个站点单项否决" if vetoed else "")
            body.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{2.5 if small else 3.5}" fill="{LINE}">'
                f"<title>{escape(tip)}</title></circle>"
            )
            if not small or index == len(points) - 1:
                body.append(_text(x, y - 7, f"{avg:.1f}", size=10 if small else 11))
        if index in labelled:
            body.append(
                _text(x, plot.top + plot.plot_h + (16 if small else 18), day_text, size=9 if small else 11)
            )
    return body
