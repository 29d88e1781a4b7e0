"""Browser gzip bomb benchmark (not a test): the crawl tree's peak memory while Chromium is served a bomb.

    .venv/bin/python bench/browser_bomb_bench.py [--runs N] [--browser PATH]

Runs the scenario of `tests/test_browser_network.py` N times (default 3), each in a fresh pytest process: a
loopback site whose rendered pages get a 512 MB-of-zeros gzip body (about 500 KB on the wire) only when the
browser asks, crawled through `duwang crawl`; the test samples the proportional set size (PSS) of the crawl
process and all its descendants (Playwright's driver, Chromium's processes) every 50 ms and prints the peak.
This script prints each run's peak and the largest, and appends them to bench/out/browser_bomb.jsonl.
Without Chromium it says so and exits 0. `--browser PATH` uses a Chromium that is not on PATH under one of
the names duwang looks for (it is linked as `chromium` in a temporary folder put first on the runs' PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from crawler.browser.render import find_browser

ROOT = Path(__file__).resolve().parent.parent
TEST = (
    "tests/test_browser_network.py::test_a_gzip_bomb_served_only_to_the_browser_keeps_the_crawl_tree_bounded"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser", type=Path, help="a Chromium executable that is not on PATH")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        if args.browser is not None:
            (Path(folder) / "chromium").symlink_to(args.browser.resolve())
            env["PATH"] = f"{folder}{os.pathsep}{env.get('PATH', '')}"
        browser = shutil.which("chromium", path=env["PATH"]) or find_browser(env.get("DUWANG_BROWSER"))
        if browser is None:
            print("skipped: no Chromium on this machine (apt-get install chromium, or give --browser PATH)")
            return
        peaks = measure(args.runs, env)
    print(f"largest of {len(peaks)}: {max(peaks)} MB (browser {args.browser or browser})")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    with (out / "browser_bomb.jsonl").open("a", encoding="utf-8") as file:
        record = {
            "date": datetime.now(UTC).date().isoformat(),
            "machine": f"{platform.machine()} {platform.processor()}".strip(),
            "cpus": os.cpu_count(),
            "peaks_mb": peaks,
        }
        file.write(json.dumps(record) + "\n")


def measure(runs: int, env: dict[str, str]) -> list[int]:
    peaks = []
    for number in range(1, runs + 1):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        found = re.search(r"peak memory \(PSS\) of the crawl tree: (\d+) MB", result.stdout)
        if result.returncode != 0 or found is None:
            raise SystemExit(f"run {number} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
        peaks.append(int(found[1]))
        print(f"run {number}: peak PSS of the crawl tree {peaks[-1]} MB")
    return peaks


if __name__ == "__main__":
    main()
