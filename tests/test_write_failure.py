"""A database that refuses writes stops the crawl (issue 11 #7): the run fails with the reason, earlier runs
stay intact, and the crawl ends after a bounded amount of work instead of fetching on with nowhere to write.

The disk is "filled" the way SQLite sees a full disk: `PRAGMA max_page_count` just above the database's size
(the DUWANG_DB_MAX_PAGES setting) makes the next growing write fail with "database or disk is full".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.builders import LOOPBACK_NETWORK, cli, registry_toml, site_toml, write_registry
from tests.conftest import duwang
from tests.loopback import respond, serving

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

HOST = "127.0.0.84"
LISTS, ARTICLES = 20, 15  # 1 + 20 + 300 pages


def html(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    ).encode()


def page(path: str) -> bytes | None:
    if path == "/":
        nav = "".join(f'<li><a href="/l{n}/">栏目{n}</a></li>' for n in range(LISTS))
        return html("测试县人民政府", f'<ul class="nav">{nav}</ul>')
    parts = path.strip("/").split("/")
    if len(parts) == 1 and parts[0][1:].isdigit():
        items = "".join(
            f'<li><a href="/{parts[0]}/a{i}.html">信息{i}</a><span>2026-11-{10 + i}</span></li>'
            for i in range(ARTICLES)
        )
        return html(f"栏目{parts[0]}", f'<ul class="list">{items}</ul>')
    if len(parts) == 2 and parts[1].startswith("a"):
        return html(f"信息 {path}", "<p>" + "正文内容。" * 80 + "</p>")
    return None


@pytest.fixture(scope="module")
def site() -> Iterator[dict[str, object]]:
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            body = page(self.path.split("?")[0])
            respond(self, 200 if body else 404, body or b"")

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, HOST) as ports:
        yield {"netloc": f"{HOST}:{ports[HOST]}", "requests": requests}


HEAD = "[defaults]\ndelay = 0\nconcurrency = 4\nobey_robots = false\n" + LOOPBACK_NETWORK


def snapshot(db: Path, run_id: int) -> tuple:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("select status, ended_at from runs where id = ?", [run_id]).fetchone(),
            conn.execute("select count(*) from pages where run_id = ?", [run_id]).fetchone(),
            conn.execute("select count(*) from links where run_id = ?", [run_id]).fetchone(),
            conn.execute("select count(*) from list_items where run_id = ?", [run_id]).fetchone(),
            conn.execute("select * from run_sites where run_id = ?", [run_id]).fetchall(),
        )


def test_a_full_disk_stops_the_crawl_and_fails_the_run_leaving_earlier_runs_intact(site, tmp_path):
    full = site_toml("full", "测试县人民政府", site["netloc"], owners=["owner@example.gov.cn"])
    registry, db = write_registry(tmp_path, registry_toml(full, head=HEAD)), tmp_path / "facts.db"
    common = ["--config", str(registry), "--db", str(db), "--quiet"]
    duwang("crawl", *common)
    total = len(site["requests"])
    assert total == 1 + LISTS + LISTS * ARTICLES
    earlier = snapshot(db, 1)
    with sqlite3.connect(db) as conn:
        size = conn.execute("pragma page_count").fetchone()[0]

    site["requests"].clear()
    result = cli(
        "crawl",
        *common,
        "--processes",
        "1",
        "--set",
        f"DUWANG_DB_MAX_PAGES={size + 2}",
        "--set",
        "DUWANG_BATCH_SIZE=10",
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "database or disk is full" in result.stdout  # the summary names the reason
    with sqlite3.connect(db) as conn:
        status, error = conn.execute("select status, error from runs where id = 2").fetchone()
        stored = conn.execute("select count(*) from pages where run_id = 2").fetchone()[0]
        sites = conn.execute("select status from run_sites where run_id = 2").fetchall()
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    assert status == "failed"
    assert "database or disk is full" in error
    assert sites in ([], [("failed",)])  # the site's row, when it still fit, says failed too
    # Stopped promptly: a few batches at most were fetched, not the whole site.
    assert stored < 3 * 10
    assert len(site["requests"]) < total / 2
    # The earlier run is as it was, and still the one the checks read.
    assert snapshot(db, 1) == earlier
    assert "数据库写入失败" in duwang("runs", "--config", str(registry), "--db", str(db)).stdout
