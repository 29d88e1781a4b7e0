"""Database growth benchmark (not a test): the bytes one unchanged re-inspection adds to the database.

    .venv/bin/python bench/storage_bench.py [--scale N] [--crawls K] [--baseline REV]

Starts the demo farm on loopback, crawls it K times (default 3) without changing it, and after each crawl
prints the database's size: bytes in use (pages in use × page size, after a WAL checkpoint) and, per table,
the bytes its rows and indexes take (SQLite's dbstat, when the library has it). The growth per unchanged
re-inspection is the difference between consecutive crawls after the first. `--baseline REV` first repeats
the same crawls with the code of git revision REV (exported with `git archive` into a temporary folder), so
the figures before and after a change come from one command on one machine. Finally `duwang prune --keep 1`
runs on the current code's database, and its size after the prune and VACUUM is printed.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

from crawler.farm import FarmServer, build_farm

ROOT = Path(__file__).resolve().parent.parent


def used_bytes(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        conn.execute("pragma wal_checkpoint(truncate)")
        pages = conn.execute("pragma page_count").fetchone()[0]
        free = conn.execute("pragma freelist_count").fetchone()[0]
        size = conn.execute("pragma page_size").fetchone()[0]
        return (pages - free) * size
    finally:
        conn.close()


def table_bytes(db: Path) -> dict[str, int]:
    """Bytes per table, its indexes included; empty when this SQLite has no dbstat."""
    conn = sqlite3.connect(db)
    try:
        owners = dict(
            conn.execute("select name, tbl_name from sqlite_master where type in ('table', 'index')")
        )
        sizes: dict[str, int] = {}
        for name, size in conn.execute("select name, sum(pgsize) from dbstat group by name"):
            table = owners.get(name, name)
            sizes[table] = sizes.get(table, 0) + size
        return sizes
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def crawl(code: Path, registry: Path, db: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crawler.app.cli", "crawl", "--quiet", f"--config={registry}", f"--db={db}"],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=code,
        env=env,
        timeout=3600,
    )
    return time.perf_counter() - started


def export(revision: str, folder: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def series(label: str, code: Path, farm: FarmServer, folder: Path, crawls: int) -> Path:
    registry, db = folder / "registry.toml", folder / "facts.db"
    farm.write_registry(registry)
    before = 0
    previous_tables: dict[str, int] = {}
    print(f"{label}:")
    for number in range(1, crawls + 1):
        wall = crawl(code, registry, db)
        used, tables = used_bytes(db), table_bytes(db)
        grew = ", ".join(
            f"{name} +{(size - previous_tables.get(name, 0)) / 1e6:.2f}"
            for name, size in sorted(tables.items(), key=lambda item: -item[1])
            if size - previous_tables.get(name, 0) >= 50_000
        )
        print(
            f"  crawl {number}: {wall:6.1f} s  {used / 1e6:8.2f} MB in use"
            f"  (+{(used - before) / 1e6:.2f} MB{'; ' + grew if grew else ''})"
        )
        before, previous_tables = used, tables
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--crawls", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="also measure the code of this git revision first")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        FarmServer(build_farm(today=date.today(), scale=args.scale)) as farm,
    ):
        work = Path(folder)
        if args.baseline:
            code = export(args.baseline, work / "baseline-code")
            (work / "baseline").mkdir()
            series(f"baseline {args.baseline}", code, farm, work / "baseline", args.crawls)
        (work / "current").mkdir()
        db = series("current", ROOT, farm, work / "current", args.crawls)
        registry = work / "current" / "registry.toml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "crawler.app.cli",
                "prune",
                "--config",
                str(registry),
                "--db",
                str(db),
                "--keep=1",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        size = db.stat().st_size
        print(f"  after prune --keep 1: {used_bytes(db) / 1e6:8.2f} MB in use, file {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
