"""The command line of a crawl child process (`python -m crawler.app.worker`): `worker_command` builds it
(for `crawler.app.parallel` and the service's crawl through `crawler.app.jobs`), `parser` reads it; kept
together so the two always agree, and apart from the worker so that launching a child does not import the
crawl it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path


def worker_command(
    config: str | Path,
    db: str | Path,
    *,
    site_ids: Iterable[str] = (),
    settings: Mapping[str, object] | None = None,
    join_run: int | None = None,
    run_sites: Iterable[str] = (),
    sweep: bool = False,
    python: str = sys.executable,
) -> list[str]:
    """The command line of a crawl child: the sites to crawl (all when none), Scrapy or DUWANG_ settings,
    and for a child of a crawl spread over processes the run it joins, all the run's sites, if it sweeps."""
    command = [python, "-m", "crawler.app.worker", "--config", str(config), "--db", str(db)]
    for site_id in site_ids:
        command += ["--site", site_id]
    for name, value in (settings or {}).items():
        command += ["--set", f"{name}={value}"]
    if join_run is not None:
        command += ["--join-run", str(join_run), "--run-sites", ",".join(run_sites)]
    if sweep:
        command.append("--sweep")
    return command


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler.app.worker", description=__doc__)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--site", dest="site_ids", action="append", default=[])
    parser.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--join-run", type=int, default=None)
    parser.add_argument("--run-sites", default="")
    parser.add_argument("--sweep", action="store_true")
    return parser
