"""End to end: `duwang crawl` (a subprocess, as an operator runs it) against the demo farm on loopback.

The farm serves in this test process and logs every request it answers, so the tests can see what the
crawler really sent; the ground truth says what the farm injected.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.browser.render import find_browser
from crawler.farm import FarmServer, build_farm
from crawler.registry import load_registry
from crawler.store import Store
from tests.builders import CLI, cli

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

TODAY = date(2026, 11, 28)
ROOT = Path(__file__).parent.parent


def crawl_command(registry: Path, db: Path, *options: str) -> list[str]:
    return [*CLI, "crawl", "--config", str(registry), "--db", str(db), *(options or ["--quiet"])]


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    """The demo farm serving in this process, and its registry file."""
    registry = tmp_path_factory.mktemp("farm") / "registry.toml"
    with FarmServer(build_farm(seed=2018, today=TODAY), port=0) as server:
        server.write_registry(registry)
        yield server, registry


@pytest.fixture(scope="module")
def farm_runs(farm, tmp_path_factory):
    """Two crawls of the whole farm into one database; the farm's request log of each. The first is quiet, the
    second, over two processes, shows its progress (stderr is a pipe here: plain lines)."""
    server, registry = farm
    db = tmp_path_factory.mktemp("e2e") / "facts.db"
    truth = server.ground_truth()
    logs, stderr = [], []
    progress = ("--processes", "2", "--set", "DUWANG_PROGRESS_LINE_EVERY=1")
    for options in ((), progress):
        server.reset_log()
        command = crawl_command(registry, db, *options)
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        logs.append(server.requests())
        stderr.append(result.stderr)
    store = Store(db)
    runs = store.runs()
    yield {
        "truth": truth,
        "store": store,
        "runs": runs,
        "logs": logs,
        "registry": load_registry(registry),
        "summary": result.stdout,
        "stderr": stderr,
    }
    store.close()


def test_the_registry_written_by_the_farm_is_loopback_only(farm_runs):
    registry = farm_runs["registry"]
    assert len(registry.sites) == 25
    assert registry.allow.is_loopback_only
    assert sorted(site.kind for site in registry.sites).count("service") == 9


def test_every_request_stayed_on_loopback(farm_runs):
    for log in farm_runs["logs"]:
        assert log, "the farm saw no request"
        assert all(record["host"].startswith("127.") for record in log)


def test_two_runs_are_stored_side_by_side(farm_runs):
    runs = farm_runs["runs"]
    assert [run["status"] for run in runs] == ["completed", "completed"]
    store = farm_runs["store"]
    for run in runs:
        sites = {row["site_id"]: row for row in store.site_stats(run["id"])}
        assert len(sites) == 25
        assert all(row["pages"] > 0 for row in sites.values()), sites


def test_one_progress_line_for_the_whole_crawl_across_processes_and_none_when_quiet(farm_runs):
    quiet, shown = farm_runs["stderr"]
    assert "[duwang]" not in quiet
    lines = [line for line in shown.splitlines() if line.startswith("[duwang]")]
    assert len(lines) >= 2, shown
    pattern = re.compile(r"\[duwang\] 站点 (\d+)/25 已完成 .*· 页面 (\d+) · 检查 (\d+) · .*· 预计剩余 ")
    figures = [tuple(int(n) for n in pattern.match(line).groups()) for line in lines]  # type: ignore[union-attr]
    # one count of the whole crawl, never one per process: the sites done and pages only grow
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(figures)), lines
    run = farm_runs["runs"][-1]
    pages = sum(row["pages"] for row in farm_runs["store"].site_stats(run["id"]))
    assert lines[-1].startswith("[duwang] 站点 25/25 已完成 · 页面 ") and figures[-1][1] == pages
    assert "sites 0/" not in shown


def test_the_summary_lists_every_site(farm_runs):
    summary = farm_runs["summary"]
    for site in farm_runs["registry"].sites:
        assert f"\n{site.id} " in summary
    assert "合计 total" in summary


def test_every_dead_link_in_the_ground_truth_was_stored_with_its_status_or_error(farm_runs):
    store, truth = farm_runs["store"], farm_runs["truth"]
    missing, wrong = [], []
    for run in farm_runs["runs"]:
        for site_id, site in truth["sites"].items():
            for dead in site["dead_links"]:
                row = store.page(run["id"], dead["target"])
                if row is None:
                    missing.append((site_id, dead["target"]))
                    continue
                observed = (row["status"], row["error"])
                expected = (dead["status"], dead["error"])
                if dead["redirect_chain"]:
                    # A retired URL: its row holds the answer at the end of its redirects, or, when the
                    # crawl had met a later URL of the chain already, a redirect row pointing there.
                    chain = dead["redirect_chain"]
                    observed = (row["status"], row["error"], row["final_url"])
                    expected = (dead["status"], dead["error"], chain[-1])
                    if row["status"] in (301, 302) and row["final_url"] in chain:
                        expected = observed
                if observed != expected:
                    wrong.append((site_id, dead["target"], dead["kind"], observed, expected))
    assert not missing, missing
    assert not wrong, wrong


def test_chinese_titles_decode_on_gbk_sites_too(farm_runs):
    store, truth = farm_runs["store"], farm_runs["truth"]
    run_id = farm_runs["runs"][-1]["id"]
    gbk_sites = [site for site in truth["sites"].values() if site["encoding"] == "gbk"]
    assert len(gbk_sites) >= 2
    assert any(site["header_charset"] == "utf-8" for site in gbk_sites), "the lying-header site is missing"
    for site in truth["sites"].values():
        home = store.page(run_id, site["base_url"])
        assert home is not None and home["title"] == site["homepage_title"], (site["base_url"], home)
        for url, title in site["titles"].items():
            row = store.page(run_id, url)
            assert row is not None and row["title"] == title, (url, row and row["title"], title)


def test_robots_disallowed_paths_are_never_requested(farm_runs):
    truth, store = farm_runs["truth"], farm_runs["store"]
    checked = 0
    for site in truth["sites"].values():
        host = site["scope"]["host"]
        for prefix in site["robots_disallowed"]:
            for log in farm_runs["logs"]:
                hits = [r for r in log if r["host"] == host and r["path"].startswith(prefix)]
                assert not hits, hits
        for url in site["robots_linked"]:
            row = store.page(farm_runs["runs"][-1]["id"], url)
            assert row is not None and row["error"] == "robots", (url, row)
            checked += 1
    assert checked, "the ground truth has no robots-disallowed link"


def test_no_url_is_fetched_twice_in_one_run(farm_runs):
    sites = farm_runs["truth"]["sites"].values()
    # Allowed a second fetch: a timeout (retried, then probed again) and a list page read through the browser.
    again = {
        path_of(dead["target"]) for site in sites for dead in site["dead_links"] if dead["kind"] == "timeout"
    }
    again |= {
        path_of(column["url"]) for site in sites for column in site["columns"] if column["render"] == "script"
    }
    for log in farm_runs["logs"]:
        answers = defaultdict(list)
        for record in log:
            answers[(record["host"], record["path"])].append(record["status"])
        for (host, path), statuses in answers.items():
            if len(statuses) == 1 or path in again:
                continue
            # Only a transient failure (5xx, dropped connection) may be tried again.
            assert all(status is None or status >= 500 for status in statuses[:-1]), (host, path, statuses)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_spider_trap_is_contained_by_depth_and_budget(farm_runs):
    store, truth = farm_runs["store"], farm_runs["truth"]
    run_id = farm_runs["runs"][-1]["id"]
    traps = [site["trap"] for site in truth["sites"].values() if site["trap"]]
    assert traps
    limit = farm_runs["registry"].defaults.max_depth
    for trap in traps:
        rows = store.db.execute(
            "select count(*) from pages where run_id = ? and url like ?", [run_id, trap + "%"]
        ).fetchone()[0]
        assert 0 < rows <= limit + 1


def test_the_flaky_homepage_was_retried_and_read(farm_runs):
    store, truth = farm_runs["store"], farm_runs["truth"]
    flaky = [site for site in truth["sites"].values() if site["flaky_homepage"]]
    assert flaky
    for site in flaky:
        row = store.page(farm_runs["runs"][-1]["id"], site["base_url"])
        assert row["status"] == 200


def test_scrapy_crawl_runs_one_site_the_scrapy_way(farm, tmp_path):
    server, registry = farm
    db = tmp_path / "one.db"
    result = subprocess.run(
        [
            "scrapy",
            "crawl",
            "site",
            "-a",
            "site=hbj",
            "-a",
            f"config={registry}",
            "-a",
            f"db={db}",
            "-s",
            "DUWANG_PROGRESS=0",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    store = Store(db)
    try:
        run = store.latest_run()
        assert json.loads(run["sites"]) == ["hbj"]
        pages = store.pages(run["id"])
        assert {page["site_id"] for page in pages if page["role"] == "page"} == {"hbj"}
        assert store.page(run["id"], server.base_url("hbj"))["status"] == 200
    finally:
        store.close()


def test_an_interrupted_crawl_is_recorded_and_a_killed_one_found_crashed(farm, tmp_path):
    _, registry = farm
    db = tmp_path / "stopped.db"
    command = crawl_command(registry, db)
    for run_id, stop, expected in ((1, signal.SIGINT, "interrupted"), (2, signal.SIGKILL, "crashed")):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_pages(db, process, run_id)
            process.send_signal(stop)
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
        listing = cli("runs", "--db", str(db), timeout=60)
        assert listing.returncode == 0
        # The status column: the Chinese word, then the stored value (运行中/完成/中断/失败/崩溃 and its id).
        assert listing.stdout.strip().splitlines()[-1].split()[2] == expected, listing.stdout
    store = Store(db)
    try:
        assert [run["status"] for run in store.runs()] == ["interrupted", "crashed"]
        assert all(store.pages(run["id"]) for run in store.runs()), "facts stored before the stop were lost"
    finally:
        store.close()


def wait_for_pages(db: Path, process: subprocess.Popen, run_id: int, minimum: int = 50) -> None:
    """Block until run `run_id` has stored some pages (its first batch is written after DUWANG_BATCH_SIZE)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            with contextlib.closing(sqlite3.connect(db, timeout=5)) as conn:
                try:
                    if (
                        conn.execute("select count(*) from pages where run_id = ?", [run_id]).fetchone()[0]
                        >= minimum
                    ):
                        return
                except sqlite3.OperationalError:
                    pass  # the schema is still being created
        time.sleep(0.2)
    raise AssertionError("the crawl stored no page in time")


@pytest.mark.skipif(
    find_browser(os.environ.get("DUWANG_BROWSER")) is None,
    reason="no Chromium on this machine (.ci/run installs Debian's chromium)",
)
def test_lists_filled_by_script_are_read_through_the_browser(farm_runs):
    store, truth = farm_runs["store"], farm_runs["truth"]
    run_id = farm_runs["runs"][-1]["id"]
    scripted = [
        column
        for site in truth["sites"].values()
        for column in site["columns"]
        if column["render"] == "script"
    ]
    assert scripted
    for column in scripted:
        page = store.page(run_id, column["url"])
        assert page["render_state"] == "rendered", column["url"]
        items = [item for item in store.list_items(run_id, column["url"]) if item["date_text"]]
        assert len(items) == column["items"], column["url"]


def test_transient_failures_are_probed_again_after_the_crawl(farm_runs):
    store, truth = farm_runs["store"], farm_runs["truth"]
    run_id = farm_runs["runs"][-1]["id"]
    for site in truth["sites"].values():
        for dead in site["dead_links"]:
            if dead["kind"] in ("http_500", "http_503", "timeout", "refused"):
                row = store.page(run_id, dead["target"])
                assert (row["reprobe_status"], row["reprobe_error"]) == (dead["status"], dead["error"]), row
