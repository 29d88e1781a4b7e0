"""How a crawl's progress is shown (the figures: `crawler.app.progress`), and which way for which crawl.

- `LiveDisplay`: a Rich live display on a terminal (stderr), redrawn in place;
- `LineDisplay`: a plain line every few seconds when stderr is not a terminal (a log file, a pipe);
- `ForwardDisplay`: the merged report as one JSON line on another pipe, for a process that itself reports to
  a parent (the crawl child of `duwang serve`, whose service logs the lines: `crawler.app.service`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

from crawler.app.progress import Display, Feed, Snapshot, Tally
from crawler.app.timefmt import duration_text
from crawler.extensions.progress import write_report

CURRENT_SHOWN = 4  # sites named in a plain line; the rest are counted


def progress_line(snapshot: Snapshot) -> str:
    """One plain line on the whole crawl, for a log or a pipe (site ids only: a line to grep, not to read)."""
    current = current_text(snapshot.current, limit=CURRENT_SHOWN)
    parts = [
        f"[duwang] 站点 {snapshot.done}/{snapshot.total} 已完成",
        f"正在抓取 {current}" if current else "",
        f"页面 {snapshot.pages}",
        f"检查 {snapshot.checks}",
        f"链接 {snapshot.links}",
        f"错误 {snapshot.errors}",
        f"{snapshot.rate:.0f} 个地址/秒",
        f"已用 {duration_text(snapshot.elapsed)}",
        f"预计剩余 {eta_text(snapshot.eta)}",
    ]
    return " · ".join(part for part in parts if part)


def current_text(
    current: list[str], names: Mapping[str, str] | None = None, limit: int = CURRENT_SHOWN
) -> str:
    """The sites being crawled: ids (what an operator greps for), with names when known, the rest counted."""
    shown = [
        f"{site_id}（{names[site_id]}）" if names and names.get(site_id) else site_id for site_id in current
    ]
    text = "、".join(shown[:limit])
    if len(shown) > limit:
        text += f" 等 {len(shown)} 个"
    return text


def eta_text(eta: float | None) -> str:
    return "估算中" if eta is None else duration_text(eta)


class LineDisplay:
    """A plain line on `stream` at most every `every` seconds, and one when the crawl ends."""

    def __init__(self, every: float = 10.0, stream: IO[str] | None = None) -> None:
        self.every = every
        self.stream = stream or sys.stderr
        self.last = float("-inf")

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        print(progress_line(snapshot), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class ForwardDisplay:
    """The merged report as one JSON line on the pipe `fd`, for the process that started this one."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        write_report(self.fd, snapshot.as_report())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class LiveDisplay:
    """A Rich live display on the terminal (stderr), redrawn in place: a bar of the sites done, the figures,
    the sites being crawled."""

    def __init__(self, names: Mapping[str, str], console: Any = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self.names = names
        self.live = Live(console=console or Console(stderr=True), refresh_per_second=4)
        self.live.start()

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        self.live.update(live_view(snapshot, self.names), refresh=final)

    def close(self) -> None:
        self.live.stop()


def live_view(snapshot: Snapshot, names: Mapping[str, str]) -> Any:
    """What `LiveDisplay` draws for one snapshot."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    head = Table.grid(padding=(0, 1))
    head.add_row(
        Text("抓取进度", style="bold"),
        ProgressBar(total=max(snapshot.total, 1), completed=snapshot.done, width=32),
        f"站点 {snapshot.done}/{snapshot.total} 已完成",
        f"已用 {duration_text(snapshot.elapsed)}",
        Text(f"预计剩余 {eta_text(snapshot.eta)}", style="cyan"),
    )
    figures = (
        f"页面 {snapshot.pages} · 检查 {snapshot.checks} · 链接 {snapshot.links} · "
        f"错误 {snapshot.errors} · {snapshot.rate:.0f} 个地址/秒"
    )
    current = "-"
    if snapshot.current:
        current = f"{len(snapshot.current)} 个：{current_text(snapshot.current, names, limit=8)}"
    return Group(head, Text(figures), Text(f"正在抓取 {current}", overflow="ellipsis", no_wrap=True))


def crawl_feed(
    names: Mapping[str, str],
    expected: Mapping[str, int] | None = None,
    *,
    show: bool = True,
    forward_fd: int | None = None,
    line_every: float = 10.0,
) -> Feed | None:
    """The started feed of a crawl of the sites `names` (id -> name): forwarded to `forward_fd` when a parent
    watches this process, else shown on stderr (live on a terminal, plain lines otherwise) unless `show` is
    off; None when nobody watches."""
    display: Display
    if forward_fd is not None:
        display, tick = ForwardDisplay(forward_fd), 1.0
    elif not show:
        return None
    elif sys.stderr.isatty():
        display, tick = LiveDisplay(names), 0.25
    else:
        display, tick = LineDisplay(line_every), 0.5
    return Feed(Tally(names, expected), display, tick).start()


class LogDisplay:
    """The progress of a crawl as log records, at most one every `every` seconds and one at the end:
    `log(message, fields)` gets the plain line as its message and the figures as fields (`duwang serve`)."""

    def __init__(self, log: Callable[[str, dict[str, Any]], None], every: float = 60.0) -> None:
        self.log = log
        self.every = every
        self.last = time.monotonic()  # the job's start is logged already: the first line after `every`

    def show(self, snapshot: Snapshot, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        fields = {
            "sites_done": snapshot.done,
            "sites_total": snapshot.total,
            "current": snapshot.current,
            "pages": snapshot.pages,
            "checks": snapshot.checks,
            "errors": snapshot.errors,
            "eta_seconds": None if snapshot.eta is None else round(snapshot.eta),
        }
        self.log(progress_line(snapshot), fields)

    def close(self) -> None:
        pass
