"""A crawl's limits end to end (issue 11 #6): the budget of outside checks and the crawl's deadline.

Loopback servers stand in for a site whose pages each carry 500 links to another allowed host that is no
registered site, and for a site with no end (every page links to new ones). The crawls run through the CLI
as an operator runs them; what is asserted is stored rows and printed notes, never how long anything took.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.builders import LOOPBACK_NETWORK, registry_toml, site_toml
from tests.conftest import duwang
from tests.loopback import respond, serving

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

SITE, OUTSIDE, ENDLESS = "127.0.0.81", "127.0.0.82", "127.0.0.83"
TODAY = "2026-11-28"
LINKS_PER_PAGE = 500
BUDGET = 60


def html(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    ).encode()


def site_page(path: str, outside: str) -> bytes | None:
    """Home and three list pages; each page links to 500 articles of a news portal on the outside host."""
    pages = ["/", "/xwzx/", "/tzgg/", "/zcwj/"]
    if path not in pages:
        return None
    number = pages.index(path)
    nav = "".join(f'<li><a href="{p}">栏目{i}</a></li>' for i, p in enumerate(pages))
    outside_links = "".join(
        f'<li><a href="{outside}/news/{number}_{i}.html">转载新闻{number}-{i}</a><span>2026-11-20</span></li>'
        for i in range(LINKS_PER_PAGE)
    )
    return html(
        f"测试县人民政府 栏目{number}", f'<ul class="nav">{nav}</ul><ul class="list">{outside_links}</ul>'
    )


def endless_page(path: str) -> bytes:
    """Every page links to three pages never seen before: only a limit can end this crawl."""
    match = re.fullmatch(r"/p/(\d+)\.html", path)
    number = int(match.group(1)) if match else 0
    links = "".join(
        f'<li><a href="/p/{number * 3 + k}.html">信息{number * 3 + k}</a></li>' for k in (1, 2, 3)
    )
    return html(f"无尽站点 {number}", f'<ul class="list">{links}</ul>')


@pytest.fixture(scope="module")
def hosts() -> Iterator[dict[str, object]]:
    """The site, the outside host (which counts the requests it answers) and the endless site."""
    ports: dict[str, int] = {}
    outside_requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def answer(self, with_body: bool) -> None:
            host, path = self.server.server_address[0], self.path.split("?")[0]
            if host == OUTSIDE:
                outside_requests.append(path)
                body: bytes | None = html("新闻", "<p>正文</p>")
            elif host == SITE:
                body = site_page(path, f"http://{OUTSIDE}:{ports[OUTSIDE]}")
            else:
                body = endless_page(path)
            respond(self, 200 if body else 404, body or b"", body=with_body)

        def do_GET(self) -> None:
            self.answer(True)

        def do_HEAD(self) -> None:
            self.answer(False)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, SITE, OUTSIDE, ENDLESS) as started:
        ports.update(started)
        yield {"ports": ports, "outside_requests": outside_requests}


def write_registry(path: Path, site_id: str, host: str, defaults: str = "", site_limits: str = "") -> None:
    head = f"[defaults]\ndelay = 0\nconcurrency = 8\nobey_robots = false\n{defaults}\n" + LOOPBACK_NETWORK
    site = site_toml(site_id, "测试县人民政府", host, owners=["owner@example.gov.cn"], tables=site_limits)
    path.write_text(registry_toml(site, head=head), encoding="utf-8")


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def budget_crawl(hosts, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("budget")
    registry, db = tmp / "sites.toml", tmp / "facts.db"
    ports = hosts["ports"]
    write_registry(
        registry, "lx", f"{SITE}:{ports[SITE]}", site_limits=f"[sites.limits]\nmax_outside_checks = {BUDGET}"
    )
    common = ["--config", str(registry), "--db", str(db)]
    hosts["outside_requests"].clear()
    summary = duwang("crawl", *common, "--quiet").stdout
    duwang("check", *common, "--today", TODAY)
    findings = json.loads(duwang("findings", *common, "--format", "json").stdout)["findings"]
    return {
        "db": db,
        "summary": summary,
        "runs": duwang("runs", *common).stdout,
        "findings": findings,
        "outside_requests": list(hosts["outside_requests"]),
        "outside_prefix": f"http://{OUTSIDE}:{ports[OUTSIDE]}/",
    }


def test_the_budget_caps_the_status_checks_of_outside_links(budget_crawl):
    db, prefix = budget_crawl["db"], budget_crawl["outside_prefix"] + "%"
    checked = query(db, "select count(*) from pages where url like ? and error is null", prefix)[0][0]
    skipped = query(db, "select count(*) from pages where url like ? and error = 'budget'", prefix)[0][0]
    assert checked == BUDGET
    assert len(set(budget_crawl["outside_requests"])) == BUDGET  # the outside host was asked no more
    assert skipped == 4 * LINKS_PER_PAGE - BUDGET  # the rest are recorded as not fetched, not dropped
    # The site's own pages were all crawled: the budget is for outside links only.
    assert query(db, "select count(*) from pages where role = 'page' and status = 200")[0][0] == 4


def test_hitting_the_budget_is_stored_printed_and_reported(budget_crawl):
    row = query(
        budget_crawl["db"],
        "select status, outside_checks, outside_skipped, outside_budget, stopped_by from run_sites",
    )
    assert row == [("completed", BUDGET, 4 * LINKS_PER_PAGE - BUDGET, BUDGET, None)]
    assert f"另有 {4 * LINKS_PER_PAGE - BUDGET} 个站外链接未检查" in budget_crawl["summary"]
    assert "max_outside_checks" in budget_crawl["runs"]
    (finding,) = [f for f in budget_crawl["findings"] if f["check"] == "links_over_budget"]
    assert finding["severity"] == "info"
    assert finding["evidence"]["unchecked"] == 4 * LINKS_PER_PAGE - BUDGET
    assert finding["evidence"]["budget"] == BUDGET and finding["evidence"]["checked"] == BUDGET
    assert finding["evidence"]["hosts"] == [budget_crawl["outside_prefix"].split("/")[2]]
    assert all(url.startswith(budget_crawl["outside_prefix"]) for url in finding["evidence"]["targets"])
    # Not checked is not dead: none of the skipped links is reported as broken.
    assert not [f for f in budget_crawl["findings"] if f["check"] == "dead_link"]


def test_a_crawl_stopped_by_its_deadline_completes_with_what_it_has_and_says_so(hosts, tmp_path):
    registry, db = tmp_path / "sites.toml", tmp_path / "facts.db"
    write_registry(
        registry,
        "endless",
        f"{ENDLESS}:{hosts['ports'][ENDLESS]}",
        defaults="max_minutes = 0.03\nmax_pages = 1000000\nmax_depth = 1000",
    )
    common = ["--config", str(registry), "--db", str(db)]
    summary = duwang("crawl", *common, "--quiet").stdout  # exit 0: the run completed
    assert query(db, "select status from runs") == [("completed",)]
    ((status, stopped_by, unfinished, minutes, pages),) = query(
        db, "select status, stopped_by, unfinished, max_minutes, pages from run_sites"
    )
    assert (status, stopped_by, minutes) == ("completed", "deadline", 0.03)
    assert unfinished > 0 and pages > 0
    assert query(db, "select count(*) from pages where role = 'page'")[0][0] == pages
    assert "到达抓取期限 0.03 分钟" in summary
    assert "到达抓取期限" in duwang("runs", *common).stdout
    duwang("check", *common, "--today", TODAY)
    findings = json.loads(duwang("findings", *common, "--format", "json").stdout)["findings"]
    (finding,) = [f for f in findings if f["check"] == "crawl_deadline"]
    assert finding["severity"] == "info"
    assert finding["evidence"] == {"max_minutes": 0.03, "unfinished": unfinished, "pages": pages}
    assert f"还有 {unfinished} 个地址未抓取或检查" in finding["detail"]
