"""One crawl run spread over several processes, so a CPU-bound crawl uses every core.

The sites are split by host (sites sharing any host stay in one process, so its politeness limits hold) into
at most DUWANG_PROCESSES groups. The parent records the run, each child (`crawler.app.worker --join-run`)
crawls its group into that run (a link into another group's site is left to the process that crawls it), and
the parent closes the run from the children's site statuses: completed when every site completed, interrupted
when any was interrupted, failed otherwise. SIGINT/SIGTERM are passed on to the children, and a child ends
when its parent dies.

A process that leaves a link to another process fetches it only if that process's own crawl reaches it
(a deep page, or an image that only other sites use, it never does). So when every group has completed
and such targets remain, one last child `--sweep` checks each link target of the run that no process
fetched, once: one run checks every link whatever the split.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.app.workerargs import worker_command
from crawler.registry import Site
from crawler.store import Store
from crawler.vocab import RunStatus

if TYPE_CHECKING:
    from crawler.app.progress import Feed

PR_SET_PDEATHSIG = 1


def process_count(setting: str | int | None, sites: tuple[Site, ...]) -> int:
    """How many processes to use: the setting, or "auto" (one per core, at most 4), never more than hosts."""
    hosts = len(host_groups(sites))
    auto = setting in (None, "", "auto")
    wanted = min(len(os.sched_getaffinity(0)), 4) if auto else max(int(setting or 1), 1)
    return max(min(wanted, hosts), 1)


def host_groups(sites: tuple[Site, ...]) -> list[list[Site]]:
    """Sites that share any host, directly or through another site, in one group (registry order kept).

    A site may span several hosts (its portal and an 信息公开 platform): it joins every site on any of
    them, so each host's politeness limits are kept by the one process that crawls it.
    """
    parent = list(range(len(sites)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_on_host: dict[str, int] = {}
    for index, site in enumerate(sites):
        hosts = [urlsplit(url).hostname or "" for url in site.start_urls] + list(site.scope.hostnames)
        for host in hosts:
            if host in first_on_host:
                parent[root(index)] = root(first_on_host[host])
            else:
                first_on_host[host] = index
    groups: dict[int, list[Site]] = defaultdict(list)
    for index, site in enumerate(sites):
        groups[root(index)].append(site)
    return list(groups.values())


def partition(sites: tuple[Site, ...], count: int, sizes: dict[str, int] | None = None) -> list[list[Site]]:
    """Host groups dealt into `count` buckets, largest first into the lightest.

    A site weighs the URLs it had in the last completed run (`sizes`), else its page budget: budgets are
    all alike, while the sites are not (a county portal has twice the URLs of a 政务服务网 sub-site).
    """
    known = sizes or {}

    def weight_of(group: list[Site]) -> int:
        return sum(known.get(site.id, site.limits.max_pages) for site in group)

    buckets: list[list[Site]] = [[] for _ in range(count)]
    weight = [0] * count
    for group in sorted(host_groups(sites), key=lambda g: -weight_of(g)):
        lightest = weight.index(min(weight))
        buckets[lightest].extend(group)
        weight[lightest] += weight_of(group)
    return [bucket for bucket in buckets if bucket]


def run_parallel(
    config: Path,
    db: Path,
    sites: tuple[Site, ...],
    count: int,
    settings: Mapping[str, object],
    feed: Feed | None = None,
) -> int:
    """Crawl `sites` in `count` child processes as one run, all with the same `settings`; return its id.

    With a `feed`, each child reports its progress on a pipe of its own to it (`crawler.app.progress`)."""
    with Store(db) as store:
        sizes = store.last_site_sizes()
        run_id = store.begin_run([site.id for site in sites], config)
    everyone = [site.id for site in sites]

    def child(bucket: list[Site], sweep: bool = False) -> subprocess.Popen:
        own = {name: value for name, value in settings.items() if name != "DUWANG_PROGRESS_FD"}
        fd = feed.pipe("sweep" if sweep else bucket[0].id) if feed is not None else None
        if fd is not None:
            own["DUWANG_PROGRESS_FD"] = fd
        command = worker_command(
            config,
            db,
            site_ids=[site.id for site in bucket],
            settings=own,
            join_run=run_id,
            run_sites=everyone,
            sweep=sweep,
        )
        try:
            passed = () if fd is None else (fd,)
            return subprocess.Popen(command, preexec_fn=_die_with_parent, pass_fds=passed)
        finally:
            if fd is not None:  # the child has its copy; the feed sees the pipe end when the child does
                os.close(fd)

    children = [child(bucket) for bucket in partition(sites, count, sizes)]

    def forward(signum: int, frame: FrameType | None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)

    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        codes = [process.wait() for process in children]
        status = _run_status(db, run_id, sites)
        if status is RunStatus.COMPLETED and _unfetched_targets(db, run_id):
            children.append(child(list(sites), sweep=True))
            codes.append(children[-1].wait())
            status = _run_status(db, run_id, sites) if codes[-1] == 0 else RunStatus.FAILED
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    with Store(db) as store:
        store.end_run(run_id, status, {"processes": len(children), "exit_codes": codes})
    return run_id


def _unfetched_targets(db: Path, run_id: int) -> int:
    """How many link targets of the run no process fetched: a sweep is started only when there are some."""
    with Store(db) as store:
        return len(store.unfetched_link_targets(run_id))


def _run_status(db: Path, run_id: int, sites: tuple[Site, ...]) -> RunStatus:
    """The run's status from its sites': completed when every one completed."""
    with Store(db) as store:
        statuses = {row["site_id"]: row["status"] for row in store.site_stats(run_id)}
    if len(statuses) == len(sites) and all(status == RunStatus.COMPLETED for status in statuses.values()):
        return RunStatus.COMPLETED
    if RunStatus.INTERRUPTED in statuses.values():
        return RunStatus.INTERRUPTED
    return RunStatus.FAILED


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the parent dies, so no crawl outlives its run (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
