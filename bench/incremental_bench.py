"""Incremental re-inspection benchmark (not a test): two full crawls of an unchanged farm, timed.

    .venv/bin/python bench/incremental_bench.py [--scale N]

Prints wall time and bytes served by the farm for each crawl, and the second-to-first ratios (targets:
bytes ≤ 20 %, time ≤ 50 %).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from crawler.farm import FarmServer, build_farm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        FarmServer(build_farm(today=date.today(), scale=args.scale)) as farm,
    ):
        registry, db = Path(folder) / "registry.toml", Path(folder) / "facts.db"
        farm.write_registry(registry)
        figures = []
        for _ in range(2):
            farm.reset_log()
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "crawler.app.cli",
                    "crawl",
                    "--config",
                    str(registry),
                    "--db",
                    str(db),
                    "--quiet",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=3600,
            )
            wall = time.perf_counter() - started
            log = farm.requests()
            figures.append(
                (wall, sum(r.get("bytes", 0) for r in log), sum(1 for r in log if r["status"] == 304))
            )
    for label, (wall, sent, not_modified) in zip(("first", "second"), figures, strict=True):
        print(f"{label:>6}: {wall:7.1f} s  {sent / 1e6:8.2f} MB served  {not_modified:6d} × 304")
    print(f" ratio: time {figures[1][0] / figures[0][0]:.0%}  bytes {figures[1][1] / figures[0][1]:.0%}")


if __name__ == "__main__":
    main()
