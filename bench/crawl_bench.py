"""Crawl benchmark (not a test): serve the demo farm, crawl all of it, print throughput.

    .venv/bin/python bench/crawl_bench.py [--scale N] [--out DIR]

The farm runs in its own process and the crawl in a child `duwang crawl`, so the figures are those of the
crawler alone: wall time, CPU time of the crawl's whole process tree (the browser included), and peak RSS
of its largest Python process (the browser's Node driver and Chromium are reported beside it). Results go
to stdout and are appended as one JSON line to DIR/results.jsonl.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from peers import run_timed  # noqa: E402

from crawler.app.farmprocess import FarmProcess  # noqa: E402
from crawler.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=int, default=1, help="farm scale (1: ~4k URLs; 10: ~2k pages per site)"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / f"bench-scale{args.scale}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    with FarmProcess(args.out / f"farm-scale{args.scale}", scale=args.scale) as registry:
        command = [sys.executable, "-m", "crawler.app.cli", "crawl"]
        command += ["--config", str(registry), "--db", str(db)]
        timed = run_timed([*command, "--quiet"], timeout=3600)  # measured as the inspection bench does
        if timed.returncode != 0:
            raise SystemExit(f"crawl failed (exit {timed.returncode}): {timed.error or ''}")

    store = Store(db)
    run = store.latest_run(status=None)
    counts = store.db.execute(
        "select sum(role = 'page'), sum(role = 'check'), count(*) from pages where run_id = ?", [run["id"]]
    ).fetchone()
    links = store.db.execute("select count(*) from links where run_id = ?", [run["id"]]).fetchone()[0]
    store.close()
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()} {platform.processor()}".strip(),
        "cpus": _cpus(),
        "python": platform.python_version(),
        "scale": args.scale,
        "status": run["status"],
        "pages_crawled": counts[0],
        "urls_checked": counts[1],
        "urls_total": counts[2],
        "links_seen": links,
        "wall_s": round(timed.wall_s, 2),
        "cpu_s": round(timed.cpu_s, 2),
        "peak_rss_mb": round(timed.hwm_by_kind_mb.get("python", 0.0), 1),
        "browser_peak_rss_mb": {
            kind: round(mb) for kind, mb in timed.hwm_by_kind_mb.items() if kind != "python" and mb >= 1
        },
        "pages_per_s": round(counts[0] / timed.wall_s, 1),
        "urls_per_s": round(counts[2] / timed.wall_s, 1),
    }
    for key, value in result.items():
        print(f"{key:>14}: {value}")
    with (args.out / "results.jsonl").open("a", encoding="utf-8") as results:
        results.write(json.dumps(result) + "\n")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    main()
