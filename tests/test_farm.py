"""Tests of the demo web farm (crawler/farm): determinism, honest ground truth, and the served faults."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.farm import FarmServer, build_farm
from crawler.farm import text as farm_text
from crawler.farm.model import PORT_TOKEN
from crawler.farm.selfcheck import check_farm, decode_html

TODAY = date(2026, 11, 28)
ROOT = Path(__file__).resolve().parents[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # let the test see every 3xx itself


# No proxies (the farm is loopback only) and no automatic redirects.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def get(url: str, timeout: float = 5, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method, headers={"User-Agent": "farm-test/1"})
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def farm():
    return build_farm(seed=2018, today=TODAY)


@pytest.fixture(scope="module")
def server(farm):
    with FarmServer(farm, port=0) as srv:
        yield srv


@pytest.fixture(scope="module")
def truth(server):
    return server.ground_truth()


def test_determinism():
    a, b = build_farm(seed=2018, today=TODAY), build_farm(seed=2018, today=TODAY)
    from crawler.farm.truth import ground_truth

    assert ground_truth(a, 8123) == ground_truth(b, 8123)
    for ip, host in a.hosts.items():
        for path in host:
            assert a.respond(ip, path, 8123).body == b.respond(ip, path, 8123).body, (ip, path)
    c = build_farm(seed=7, today=TODAY)
    assert ground_truth(c, 8123) != ground_truth(a, 8123)
    # The port only ever appears inside absolute URLs.
    body = a.respond("127.0.0.2", "/", 8123).body.decode()
    assert body.replace("8123", "9999") == a.respond("127.0.0.2", "/", 9999).body.decode()


def test_self_check_passes(farm):
    assert check_farm(farm) == []


def test_self_check_catches_a_lie(farm, monkeypatch):
    from crawler.farm import selfcheck
    from crawler.farm import truth as truth_mod

    def lying(f, port):
        gt = truth_mod.ground_truth(f, port)
        gt["sites"]["lxz"]["dead_links"][0]["status"] = 200
        gt["sites"]["zjj"]["columns"][1]["sorted"] = True
        return gt

    monkeypatch.setattr(selfcheck, "ground_truth", lying)
    problems = check_farm(farm)
    assert any("answers 404, truth says 200" in p for p in problems)
    assert any("sorted flag wrong" in p for p in problems)


def test_ground_truth_shape(truth, server):
    assert truth["seed"] == 2018 and truth["today"] == "2026-11-28" and truth["port"] == server.port
    sites = truth["sites"]
    assert len(sites) == 25
    kinds = [s["kind"] for s in sites.values()]
    assert (kinds.count("portal"), kinds.count("service"), kinds.count("department")) == (9, 9, 7)
    keys = {
        "name",
        "kind",
        "base_url",
        "scope",
        "encoding",
        "header_charset",
        "homepage_title",
        "titles",
        "site_id_code",
        "meta_site_id_code",
        "elements",
        "flaky_homepage",
        "robots_disallowed",
        "robots_linked",
        "trap",
        "dead_links",
        "columns",
        "sections",
        "empty_sections",
        "annual_report_latest_year",
        "homepage_newest_date",
        "homepage_stale",
    }
    for sid, s in sites.items():
        assert keys <= set(s), sid
        assert PORT_TOKEN not in json.dumps(s)
        assert 80 <= s["url_count"] <= 250, (sid, s["url_count"])
    assert server.base_url("lxz") == f"http://127.0.0.2:{server.port}/"
    assert server.base_url("zwfw-lxz") == f"http://127.0.0.30:{server.port}/lxz/"
    assert sites["zwfw-klx"]["scope"] == {"host": f"127.0.0.30:{server.port}", "path_prefix": "/klx/"}
    total = sum(s["url_count"] for s in sites.values())
    assert 3000 <= total <= 5000


def test_injected_defects_are_all_there(truth):
    sites = truth["sites"]
    kinds = {d["kind"] for s in sites.values() for d in s["dead_links"]}
    assert kinds == {
        "http_404",
        "http_500",
        "http_503",
        "refused",
        "timeout",
        "soft_404",
        "redirect_loop",
        "broken_image",
        "broken_attachment",
        "offlist",
    }
    assert any(d["on_homepage"] for d in sites["lxz"]["dead_links"])
    offlist = [d for s in sites.values() for d in s["dead_links"] if d["offlist"]]
    assert {d["target"] for d in offlist} >= {"http://www.lxzold.gov.cn/"}

    def stale(sid: str, classes: tuple[str, ...]) -> int:
        return sum(1 for c in sites[sid]["columns"] if c["stale"] and c["freshness"] in classes)

    assert stale("klx", ("news", "notice_policy")) >= 5  # crosses the columns_stale veto line
    assert sum(1 for c in sites["dxx"]["columns"] if c["empty"] and not c["catalogue_note"]) >= 5
    assert [sid for sid, s in sites.items() if s["homepage_stale"]] == ["klx"]
    assert [sid for sid, s in sites.items() if s["flaky_homepage"]] == ["yjx"]
    assert [sid for sid, s in sites.items() if s["trap"]] == ["ghx"]
    assert sites["hzx"]["sections"]["政策解读"] is None
    assert sites["fgw"]["sections"]["信息公开年报"] is None
    assert sites["czj"]["empty_sections"] == ["政策解读"]
    assert sites["jyj"]["annual_report_latest_year"] == 2024
    assert sites["lxz"]["annual_report_latest_year"] == 2025
    assert sites["jssx"]["meta_site_id_code"] != sites["jssx"]["site_id_code"]
    missing = {sid: [e for e, ok in s["elements"].items() if not ok] for sid, s in sites.items()}
    assert {sid: m for sid, m in missing.items() if m} == {
        "hzx": ["site_id_code"],
        "dxx": ["search"],
        "fgw": ["police"],
        "hbj": ["conac_badge"],
        "rsj": ["sitemap"],
    }
    notes = [c for s in sites.values() for c in s["columns"] if c["catalogue_note"]]
    assert len(notes) == 1 and notes[0]["empty"]
    unsorted = [c["url"] for s in sites.values() for c in s["columns"] if not c["sorted"]]
    assert len(unsorted) == 1
    forms = {c["form"] for s in sites.values() for c in s["columns"]}
    assert forms == {"li", "table", "script_json", "trs_paged", "url_date", "bracket_date"}
    undated = [c for s in sites.values() for c in s["columns"] if c["items"] and c["newest_date"] is None]
    assert undated and all(c["stale"] for c in undated if c["freshness"] != "static")


def test_dead_links_over_http(truth):
    for s in truth["sites"].values():
        for dl in s["dead_links"]:
            if dl["kind"] in ("timeout", "refused", "offlist"):
                continue
            status, headers, body = get(dl["target"])
            if dl["kind"] == "redirect_loop":
                assert status == 302
                nxt = urlsplit(dl["target"])._replace(path=headers["Location"]).geturl()
                status2, headers2, _ = get(nxt)
                assert status2 == 302 and dl["target"].endswith(headers2["Location"])
                continue
            assert status == dl["status"], dl
            if dl["kind"] == "soft_404":
                assert "您访问的页面不存在或已被删除" in decode_html(body)
            if dl["kind"] == "broken_attachment" and status == 200:
                assert headers["Content-Type"].startswith("text/html") and "文件不存在" in decode_html(body)
        for r in s["redirects"]:
            status, headers, _ = get(r["from"])
            assert status == 301 and r["to"].endswith(headers["Location"])


def test_gbk_pages(truth):
    lxx, lxs = truth["sites"]["lxx"], truth["sites"]["lxs"]
    assert (lxx["encoding"], lxx["header_charset"]) == ("gbk", "utf-8")
    for url, title in lxx["titles"].items():
        status, headers, body = get(url)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"  # the lying header
        assert b'content="text/html; charset=gb2312"' in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        html = body.decode("gb2312")  # strict: the meta charset is the truth
        assert f"<title>{title}</title>" in html
    for url, title in lxs["titles"].items():
        status, headers, body = get(url)
        assert headers["Content-Type"] == "text/html; charset=GBK"
        assert b'<meta charset="gbk">' in body and f"<title>{title}</title>" in body.decode("gbk")


def test_text_pools_fit_gb2312():
    for name in ("TOPICS", "PLACES", "SURNAMES", "GIVEN", "SERVICE_ITEMS", "ISSUES", "SENTENCES"):
        for word in getattr(farm_text, name):
            word.encode("gb2312")


def test_flaky_homepage_sequence(server):
    server.reset_log()
    statuses = [get(server.base_url("yjx"))[0] for _ in range(4)]
    assert statuses == [503, 200, 200, 503]
    other = [get(server.base_url("lxz"))[0] for _ in range(3)]
    assert other == [200, 200, 200]


def test_robots(server, truth):
    status, headers, body = get(f"http://127.0.0.2:{server.port}/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /internal/" in body.decode()
    assert len(truth["sites"]["lxz"]["robots_linked"]) >= 3
    for sid, s in truth["sites"].items():
        host = s["scope"]["host"]
        text = get(f"http://{host}/robots.txt")[2].decode()
        assert "Disallow: /\n" not in text, sid
        for prefix in s["robots_disallowed"]:
            assert f"Disallow: {prefix}" in text
        for url in s["robots_linked"]:
            assert any(urlsplit(url).path.startswith(p) for p in s["robots_disallowed"])


def test_refused_port_refuses(server):
    with socket.socket() as sock:
        sock.settimeout(2)
        with pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.250", server.port))


def test_registry(server, tmp_path):
    path = tmp_path / "registry.toml"
    server.write_registry(path)
    reg = tomllib.loads(path.read_text(encoding="utf-8"))
    assert reg["defaults"]["timeout"] == 3 and reg["network"]["allow"] == ["127.0.0.0/8"]
    ids = [s["id"] for s in reg["sites"]]
    assert len(ids) == 25 and len(set(ids)) == 25
    by_id = {s["id"]: s for s in reg["sites"]}
    assert by_id["lxz"]["start_urls"] == [server.base_url("lxz")]
    assert by_id["zwfw-lxx"]["scope"] == {"host": f"127.0.0.30:{server.port}", "path_prefix": "/lxx/"}
    assert by_id["lxz"]["scope"] == {"host": f"127.0.0.2:{server.port}"}
    assert all(s["owners"][0]["email"].endswith("example.gov.cn") for s in reg["sites"])
    assert "columns" not in by_id["lxz"]
    gt_path = tmp_path / "gt.json"
    server.write_ground_truth(gt_path)
    assert json.loads(gt_path.read_text(encoding="utf-8")) == server.ground_truth()


def test_request_log_high_water_and_stop(farm, tmp_path):
    log = tmp_path / "requests.jsonl"
    srv = FarmServer(farm, port=0, log_path=log).start()
    try:
        stall = f"http://127.0.0.2:{srv.port}/video/live.html"
        errors: list[BaseException] = []

        def stalled() -> None:
            try:
                get(stall, timeout=0.4)
            except (TimeoutError, urllib.error.URLError) as exc:
                errors.append(exc)

        threads = [threading.Thread(target=stalled) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(errors) == 3  # the server sleeps far longer than the client waits
        status, _, _ = get(srv.base_url("lxz"))
        assert status == 200
        assert srv.high_water()[f"127.0.0.2:{srv.port}"] >= 3
        reqs = srv.requests()
        assert [r["path"] for r in reqs].count("/video/live.html") == 3
        home = next(r for r in reqs if r["path"] == "/")
        assert home["status"] == 200 and home["user_agent"] == "farm-test/1" and home["method"] == "GET"
        assert home["host"] == f"127.0.0.2:{srv.port}"
        lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
        assert any(r["path"] == "/" and r["status"] == 200 for r in lines)  # written as each request ends
    finally:
        t0 = time.monotonic()
        srv.stop()
        assert time.monotonic() - t0 < 3  # stopping does not wait for the 30 s sleeps
    stalled_recs = [r for r in srv.requests() if r["path"] == "/video/live.html"]
    assert all(r["status"] is None for r in stalled_recs)
    srv.reset_log()
    assert srv.requests() == [] and srv.high_water() == {}


def test_serve_entry_point(tmp_path):
    code = (
        "import sys; from datetime import date; from pathlib import Path; from crawler.farm import serve; "
        "serve(0, Path(sys.argv[1]), 2018, date(2026, 11, 28))"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            lines = [proc.stdout.readline() for _ in range(25)]  # type: ignore[union-attr]
            assert lines[0].startswith("lxz\t临夏回族自治州人民政府\thttp://127.0.0.2:")
            reg = tomllib.loads((tmp_path / "registry.toml").read_text(encoding="utf-8"))
            gt = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
            assert len(reg["sites"]) == 25 and gt["port"] == int(
                lines[0].rsplit(":", 1)[1].strip().strip("/")
            )
            assert get(lines[0].split("\t")[2].strip())[0] == 200
        finally:
            proc.send_signal(2)  # SIGINT
            assert proc.wait(timeout=5) == 0
