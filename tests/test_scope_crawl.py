"""A site spanning hosts, crawled end to end: the portal's 信息公开 platform on its own host and its pages
under a provincial platform's path are crawled as the portal's own, a county sub-site nested on that
platform keeps its pages, and required sections found on the other hosts count.

Three tiny servers on loopback stand in for the hosts; the crawl runs through the CLI as an operator runs it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.builders import LOOPBACK_NETWORK, registry_toml, site_toml, write_registry
from tests.conftest import duwang
from tests.loopback import respond, serving

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

WWW, XXGK, PLATFORM = "127.0.0.61", "127.0.0.62", "127.0.0.63"
TODAY = "2026-11-28"


def html(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    ).encode()


def dated_list(prefix: str, count: int = 3) -> str:
    items = "".join(
        f'<li><a href="{prefix}t2026112{i}_{i}.html">{prefix}信息{i}</a><span>2026-11-2{i}</span></li>'
        for i in range(count)
    )
    return f'<ul class="list">{items}</ul>'


def pages(ports: dict[str, int]) -> dict[tuple[str, str], bytes]:
    xxgk, platform = f"http://{XXGK}:{ports[XXGK]}", f"http://{PLATFORM}:{ports[PLATFORM]}"
    site = {
        (WWW, "/"): html(
            "测试县人民政府",
            # a dropdown header, the 信息公开 platform on its own host, and the portal's part of the platform
            '<ul class="nav"><li><a href="javascript:;">政务公开</a></li>'
            f'<li><a href="{xxgk}/">信息公开</a></li>'
            f'<li><a href="{platform}/lxz/xxgk/">政务服务</a></li></ul>' + dated_list("/xwzx/"),
        ),
        (XXGK, "/"): html(
            "测试县政府信息公开",
            '<div class="menu"><a href="/jgzn/">机构职能</a> <a href="/fzrxx/">负责人信息</a></div>'
            + dated_list("/gkdt/"),
        ),
        (XXGK, "/jgzn/"): html("机构职能", dated_list("/jgzn/")),
        (XXGK, "/fzrxx/"): html("负责人信息", dated_list("/fzrxx/")),
        (PLATFORM, "/lxz/xxgk/"): html("测试县政务服务", '<a href="bszn/">办事服务</a>'),
        (PLATFORM, "/lxz/xxgk/bszn/"): html("办事服务", dated_list("/lxz/xxgk/bszn/")),
        (PLATFORM, "/lxz/"): html("测试县政务服务网子站", '<a href="bszn/">办事指南</a>'),
        (PLATFORM, "/lxz/bszn/"): html("办事指南", dated_list("/lxz/bszn/")),
    }
    for (host, path), _ in list(site.items()):
        if path.endswith("/") and path != "/":
            for i in range(3):
                site.setdefault((host, f"{path}t2026112{i}_{i}.html"), html(f"信息{i}", "<p>正文</p>"))
    for i in range(3):
        site[(WWW, f"/xwzx/t2026112{i}_{i}.html")] = html(f"信息{i}", "<p>正文</p>")
        site[(XXGK, f"/gkdt/t2026112{i}_{i}.html")] = html(f"信息{i}", "<p>正文</p>")
    return site


@pytest.fixture(scope="module")
def hosts() -> Iterator[dict[str, int]]:
    """One server per host; each answers the pages of its host by path, 404 otherwise."""
    content: dict[tuple[str, str], bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = content.get((self.server.server_address[0], self.path.split("?")[0]))
            respond(self, 200 if body else 404, body or b"")

        def do_HEAD(self) -> None:
            self.send_response(200 if (self.server.server_address[0], self.path) in content else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, WWW, XXGK, PLATFORM) as ports:
        content.update(pages(ports))
        yield ports


HEAD = "[defaults]\ndelay = 0\nobey_robots = false\n" + LOOPBACK_NETWORK


@pytest.fixture(scope="module")
def inspected(hosts, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scope")
    www, xxgk, platform = (f"{host}:{hosts[host]}" for host in (WWW, XXGK, PLATFORM))
    portal = site_toml(
        "p",
        "测试县人民政府",
        www,
        scope=f'also = [{{ host = "{xxgk}" }}, {{ host = "{platform}", path_prefix = "/lxz/xxgk/" }}]',
        owners=["p@example.gov.cn"],
    )
    service = site_toml(
        "s",
        "测试县政务服务网子站",
        platform,
        "service",
        start_urls=[f"http://{platform}/lxz/"],
        scope='path_prefix = "/lxz/"',
        owners=["s@example.gov.cn"],
    )
    registry, db = write_registry(tmp, registry_toml(portal, service, head=HEAD)), tmp / "facts.db"
    common = ["--config", str(registry), "--db", str(db)]
    duwang("crawl", *common, "--quiet", "--processes", "2")
    duwang("check", *common, "--today", TODAY)
    findings = json.loads(duwang("findings", *common, "--format", "json").stdout)["findings"]
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select url, site_id, role, status from pages").fetchall()
        links = conn.execute("select source_url, target_url, in_scope from links").fetchall()
    return {
        "pages": {url: (site_id, role, status) for url, site_id, role, status in rows},
        "links": links,
        "findings": findings,
        "ports": hosts,
    }


def test_every_part_of_the_scope_is_crawled_as_the_sites_own(inspected):
    ports, pages = inspected["ports"], inspected["pages"]
    xxgk, platform = f"http://{XXGK}:{ports[XXGK]}", f"http://{PLATFORM}:{ports[PLATFORM]}"
    assert pages[f"{xxgk}/jgzn/"] == ("p", "page", 200)
    assert pages[f"{xxgk}/fzrxx/t20261121_1.html"] == ("p", "page", 200)
    assert pages[f"{platform}/lxz/xxgk/bszn/"] == ("p", "page", 200)
    # the county sub-site nested on the platform keeps its own pages
    assert pages[f"{platform}/lxz/bszn/"] == ("s", "page", 200)
    in_scope = {(source, target): bool(flag) for source, target, flag in inspected["links"]}
    assert in_scope[(f"{xxgk}/", f"{xxgk}/jgzn/")] is True
    assert in_scope[(f"http://{WWW}:{ports[WWW]}/", f"{xxgk}/")] is True


def test_sections_on_the_sites_other_hosts_count(inspected):
    missing = {
        f["section"] for f in inspected["findings"] if f["site_id"] == "p" and f["check"] == "section_missing"
    }
    assert {"机构职能", "负责人信息", "办事服务"}.isdisjoint(missing), missing
    assert "通知公告" in missing  # nowhere on the site: still missing
    service_missing = {
        f["section"] for f in inspected["findings"] if f["site_id"] == "s" and f["check"] == "section_missing"
    }
    assert "办事指南" not in service_missing
