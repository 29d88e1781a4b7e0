"""One progress display for a whole crawl, however many processes crawl it: the reports and their merging.

Each crawl process (its Scrapy extension `crawler.extensions.Progress`) writes a report every second as one
JSON line on a pipe it was given (setting DUWANG_PROGRESS_FD): its sites' counters,
`{"sites": {"jyj": {"pages": 12, "checks": 30, "links": 400, "errors": 1, "pending": 5, "started": true,
"done": false}}}`. The process that started the crawl reads every pipe (`Feed`), keeps each process's last
report (`Tally`), and hands a `Snapshot` of the whole crawl (sites done of total, the sites being crawled,
pages, errors, an estimate of the time left) to a display of `crawler.app.progress_display`.

A site crawled by two processes (the sweep that checks leftover link targets counts towards every site)
sums their counters; it is done once any process finished it.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

COUNTERS = ("pages", "checks", "links", "errors", "pending")

POLL = 0.05  # seconds the feed waits for a report before it looks at the clock again


@dataclass
class SiteCount:
    """One site's counters as reported (or summed over the processes that crawl it)."""

    pages: int = 0
    checks: int = 0
    links: int = 0
    errors: int = 0
    pending: int = 0
    started: bool = False
    done: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteCount:
        return cls(
            **{name: int(data.get(name) or 0) for name in COUNTERS},
            started=bool(data.get("started")),
            done=bool(data.get("done")),
        )

    def add(self, other: SiteCount) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.started = self.started or other.started
        self.done = self.done or other.done

    def as_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in (*COUNTERS, "started", "done")}

    @property
    def answered(self) -> int:
        return self.pages + self.checks


@dataclass
class Snapshot:
    """The whole crawl at one moment."""

    total: int
    done: int
    current: list[str]
    pages: int
    checks: int
    links: int
    errors: int
    elapsed: float
    eta: float | None  # seconds left, None while there is too little to go on
    sites: dict[str, SiteCount] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return (self.pages + self.checks) / max(self.elapsed, 0.001)

    def as_report(self) -> dict[str, Any]:
        """The merged report, in the form a crawl process writes (so a parent can read it as one)."""
        return {"sites": {site_id: count.as_json() for site_id, count in self.sites.items()}}


class Tally:
    """The last report of every process of one crawl, merged on demand.

    `expected` holds the URLs each site had in the last completed crawl: the estimate of the time left
    weighs each site by it (sites differ tenfold), and a site being crawled counts by how much of it is done.
    """

    def __init__(
        self,
        site_ids: Iterable[str],
        expected: Mapping[str, int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.site_ids = list(site_ids)
        self.expected = dict(expected or {})
        self.clock = clock
        self.started = clock()
        self.reports: dict[str, dict[str, SiteCount]] = {}
        self.lock = threading.Lock()

    def update(self, source: str, report: Mapping[str, Any]) -> None:
        """Keep `report` as the latest of process `source` (each report holds the process's totals)."""
        sites = {str(site_id): SiteCount.from_json(data) for site_id, data in report.get("sites", {}).items()}
        with self.lock:
            self.reports[source] = sites

    def merged(self) -> dict[str, SiteCount]:
        sites = {site_id: SiteCount() for site_id in self.site_ids}
        with self.lock:
            for report in self.reports.values():
                for site_id, count in report.items():
                    sites.setdefault(site_id, SiteCount()).add(count)
        return sites

    def snapshot(self) -> Snapshot:
        sites = self.merged()
        elapsed = self.clock() - self.started
        values = sites.values()
        return Snapshot(
            total=len(sites),
            done=sum(1 for count in values if count.done),
            current=[site_id for site_id, count in sites.items() if count.started and count.pending > 0],
            pages=sum(count.pages for count in values),
            checks=sum(count.checks for count in values),
            links=sum(count.links for count in values),
            errors=sum(count.errors for count in values),
            elapsed=elapsed,
            eta=estimate_left(sites, self.expected, elapsed),
            sites=sites,
        )


def estimate_left(
    sites: Mapping[str, SiteCount], expected: Mapping[str, int], elapsed: float
) -> float | None:
    """Seconds left, from the share of the crawl done so far: each site weighs the URLs it had last time
    (else the mean of the others, else 1); a site being crawled counts its answered URLs against that, or,
    never crawled before, against the URLs it has answered and still waits for. None when under 2 % is done
    or under 3 seconds have passed: an estimate from so little would only mislead."""
    if not sites:
        return None
    known = [expected[site_id] for site_id in sites if expected.get(site_id)]
    fallback = sum(known) / len(known) if known else 1.0
    weight_done, weight_all = 0.0, 0.0
    for site_id, count in sites.items():
        weight = float(expected.get(site_id) or fallback)
        weight_all += weight
        if count.done:
            weight_done += weight
        elif count.started:
            size = expected.get(site_id) or (count.answered + count.pending)
            weight_done += weight * min(count.answered / max(size, 1), 0.95)
    share = weight_done / weight_all
    if share >= 1.0:
        return 0.0
    if share < 0.02 or elapsed < 3:
        return None
    return elapsed * (1 - share) / share


class Display(Protocol):
    """What `Feed` shows the crawl on."""

    def show(self, snapshot: Snapshot, final: bool = False) -> None: ...

    def close(self) -> None: ...


class Feed:
    """Reads the reports of the crawl processes from their pipes in a thread and shows the merged crawl every
    `tick` seconds (the display decides how often it really prints), and once more at `stop()`."""

    def __init__(self, tally: Tally, display: Display, tick: float = 0.5) -> None:
        self.tally = tally
        self.display = display
        self.tick = tick
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[int, bytes] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="duwang-progress", daemon=True)
        self.lock = threading.Lock()

    def pipe(self, source: str) -> int:
        """A new pipe for the crawl process `source`; returns the end it writes to. The caller hands it to the
        process (`pass_fds`) and closes its own copy once the process started, so its end is seen."""
        read, write = os.pipe()
        os.set_blocking(read, False)
        with self.lock:
            self.buffers[read] = b""
            self.selector.register(read, selectors.EVENT_READ, source)
        return write

    def start(self) -> Feed:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Read what is left, show the crawl a last time, close every pipe."""
        self.stopping.set()
        self.thread.join(timeout=5)
        with self.lock:
            for key in list(self.selector.get_map().values()):
                self._drain(key.fd, str(key.data))
            for fd in list(self.buffers):
                self._forget(fd)
        self.display.show(self.tally.snapshot(), final=True)
        self.display.close()
        self.selector.close()

    def _run(self) -> None:
        # The pipes are drained as soon as they hold data (a crawl process blocks on a full pipe), the display
        # shown every `tick`.
        shown = float("-inf")
        while not self.stopping.is_set():
            with self.lock:
                ready = self.selector.select(timeout=POLL) if self.selector.get_map() else []
                for key, _ in ready:
                    self._drain(key.fd, str(key.data))
            if not ready:
                self.stopping.wait(POLL)
            if time.monotonic() - shown >= self.tick:
                self.display.show(self.tally.snapshot())
                shown = time.monotonic()

    def _drain(self, fd: int, source: str) -> None:
        """Read all `fd` holds now and keep the last complete report; at end of file, forget the pipe."""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self._forget(fd)
                return
            lines = (self.buffers[fd] + chunk).split(b"\n")
            self.buffers[fd] = lines.pop()
            for line in reversed(lines):
                with contextlib.suppress(ValueError):
                    self.tally.update(source, json.loads(line))
                    break

    def _forget(self, fd: int) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(fd)
        self.buffers.pop(fd, None)
        with contextlib.suppress(OSError):
            os.close(fd)
