"""Tests of the demo web farm (crawler/farm): determinism, honest ground truth, and the served faults."""

from __future__ import annotations

import json
import re
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
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.farm import FarmServer, build_farm
from crawler.farm import text as farm_text
from crawler.farm.model import PORT_TOKEN
from tests.builders import cli
from tests.farm_reader import decode_html
from tests.farm_selfcheck import check_farm

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


@pytest.mark.e2e  # renders and reads every page of the whole farm (~15 s)
def test_self_check_passes(farm):
    assert check_farm(farm) == []


@pytest.mark.e2e  # renders and reads every page of the whole farm (~15 s)
def test_self_check_catches_a_lie(farm, monkeypatch):
    from crawler.farm import truth as truth_mod
    from tests import farm_selfcheck

    def lying(f, port):
        gt = truth_mod.ground_truth(f, port)
        gt["sites"]["lxz"]["dead_links"][0]["status"] = 200
        gt["sites"]["zjj"]["columns"][1]["sorted"] = True
        gt["sites"]["fgw"]["columns"][0]["items"] += 1  # records read from a Hanweb datastore
        empty = next(c for c in gt["sites"]["dxx"]["columns"] if c["empty"])
        empty["empty_markup"] = "text"
        gt["sites"]["lxs"]["raw_paths"][1]["status"] = 404  # the raw Chinese path that answers 200
        chained = next(d for d in gt["sites"]["rsj"]["dead_links"] if len(d["redirect_chain"]) == 2)
        chained["redirect_chain"] = chained["redirect_chain"][1:]
        gt["sites"]["lxx"]["fiscal_reports"].pop()  # a planted budget page the truth forgets
        gt["sites"]["zwfw-ghx"]["service_guides"][0]["missing"].pop()  # an element the guide does leave out
        gt["sites"]["jyj"]["policy_links"][0]["back"] = True  # the policy that does not link back
        return gt

    monkeypatch.setattr(farm_selfcheck, "ground_truth", lying)
    problems = check_farm(farm)
    assert any("answers 404, truth says 200" in p for p in problems)
    assert any("sorted flag wrong" in p for p in problems)
    assert any(p.startswith("fgw: column 部门动态:") and "items listed" in p for p in problems)
    assert any(p.startswith("dxx: column") and "empty but says nothing" in p for p in problems)
    assert any(p.startswith("lxs: raw path") and "does not answer 404" in p for p in problems)
    assert any(p.startswith("rsj: ") and "redirects through" in p for p in problems)
    assert any(p.startswith("lxx: ") and "names a budget the truth does not list" in p for p in problems)
    assert any(p.startswith("zwfw-ghx: service guide") for p in problems)
    assert any(p.startswith("jyj: policy") and "truth says True" in p for p in problems)


@pytest.mark.e2e
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
        "raw_paths",
        "help_pages",
        "malformed_pages",
    }
    for sid, s in sites.items():
        assert keys <= set(s), sid
        assert PORT_TOKEN not in json.dumps(s)
        # Planted mailboxes, key-area columns and service guides add pages to a few sites (ghx, lxz).
        assert 80 <= s["url_count"] <= 300, (sid, s["url_count"])
    assert server.base_url("lxz") == f"http://127.0.0.2:{server.port}/"
    assert server.base_url("zwfw-lxz") == f"http://127.0.0.30:{server.port}/lxz/"
    assert sites["zwfw-klx"]["scope"] == {"host": f"127.0.0.30:{server.port}", "path_prefix": "/klx/"}
    total = sum(s["url_count"] for s in sites.values())
    assert 3000 <= total <= 5000


@pytest.mark.e2e
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
        "rsj": ["sitemap", "error_report"],
    }
    notes = [c for s in sites.values() for c in s["columns"] if c["catalogue_note"]]
    assert len(notes) == 1 and notes[0]["empty"]
    unsorted = [c["url"] for s in sites.values() for c in s["columns"] if not c["sorted"]]
    assert len(unsorted) == 1
    forms = {c["form"] for s in sites.values() for c in s["columns"]}
    assert forms == {"li", "table", "script_json", "trs_paged", "url_date", "bracket_date"}
    undated = [c for s in sites.values() for c in s["columns"] if c["items"] and c["newest_date"] is None]
    assert undated and all(c["stale"] for c in undated if c["freshness"] != "static")


@pytest.mark.e2e
def test_dead_links_over_http(truth):
    for s in truth["sites"].values():
        for dl in s["dead_links"]:
            if dl["kind"] in ("timeout", "refused", "offlist"):
                continue
            status, headers, body = get(dl["target"])
            url = dl["target"]
            for hop in dl["redirect_chain"]:  # a retired URL: judged by where its redirects end
                assert status in (301, 302) and urljoin(url, headers["Location"]) == hop, dl
                url = hop
                status, headers, body = get(url)
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


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_flaky_homepage_sequence(server):
    server.reset_log()
    statuses = [get(server.base_url("yjx"))[0] for _ in range(4)]
    assert statuses == [503, 200, 200, 503]
    other = [get(server.base_url("lxz"))[0] for _ in range(3)]
    assert other == [200, 200, 200]


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_refused_port_refuses(server):
    with socket.socket() as sock:
        sock.settimeout(2)
        with pytest.raises(ConnectionRefusedError):
            sock.connect(("127.0.0.250", server.port))


@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
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


# -- template families (issue 10) ------------------------------------------------------------------------


def page_html(farm, url: str) -> str:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    reply = farm.respond(parts.hostname, target, parts.port)
    assert reply.status == 200, url
    return decode_html(reply.body)


@pytest.fixture(scope="module")
def gt(farm):
    from crawler.farm.truth import ground_truth

    return ground_truth(farm, 8123)


def test_every_family_has_two_or_three_sites(gt):
    by_family: dict[str, list[str]] = {}
    for sid, s in gt["sites"].items():
        by_family.setdefault(s["template"], []).append(sid)
    assert sorted(by_family) == ["hanweb", "standard", "tabs", "trs_table"]
    assert all(2 <= len(by_family[f]) <= 3 for f in ("hanweb", "tabs", "trs_table")), by_family
    assert len(gt["sites"]) == 25


def test_trs_table_columns_under_two_urls_and_articles_without_meta(farm, gt):
    site = gt["sites"]["ghx"]
    home = page_html(farm, site["base_url"])
    hubs = home + "".join(page_html(farm, site["base_url"] + p) for p in ("xxgk/", "xxgk/xxgkml/", "hdjl/"))
    docs = set()
    for col in site["columns"]:
        assert col["aliases"], col["name"]
        assert f'href="{urlsplit(col["url"]).path}"' in hubs  # navigation links the folder
        for alias in col["aliases"]:
            assert page_html(farm, alias) == page_html(farm, col["url"])
            docs.add(alias.rsplit("/", 1)[1])
    assert {"index.html", "index.shtml", "default.htm"} <= docs
    tzgg = next(c for c in site["columns"] if c["name"] == "通知公告")
    listing = page_html(farm, tzgg["url"])
    assert '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="list_tb">' in listing
    assert re.search(
        r'<tr>\n<td class="bt" height="30"><a href="[^"]+" title="[^"]+" target="_blank">', listing
    )
    assert listing.count("<table") >= 4  # layout tables around the list table
    news = next(c for c in site["columns"] if c["section"] == "工作动态")
    assert "createPageHTML(" in page_html(farm, news["url"]) and news["pages"] > 1
    title = next(t for u, t in site["titles"].items() if "/t20" in u)
    url = next(u for u, t in site["titles"].items() if t == title)
    article = page_html(farm, url)
    assert 'name="ArticleTitle"' not in article and 'name="PubDate"' not in article
    for word in ("发布时间：", "来源：", "字号：", "打印本页", "关闭窗口"):
        assert word in article
    assert f"<title>{title}</title>" in article
    with_attachment = [
        farm.sites["ghx"].base_url for c in farm.sites["ghx"].columns for i in c.items if i.attachments
    ]
    assert with_attachment  # and an attachment row on those pages:
    item = next(i for c in farm.sites["ghx"].columns for i in c.items if i.attachments)
    assert '<td class="fj">附件：<a href="' in page_html(farm, f"http://127.0.0.7:8123{item.path}")


def test_hanweb_lists_live_in_a_datastore_script(farm, gt):
    site = gt["sites"]["fgw"]
    paged = [c for c in site["columns"] if c["pages"] > 1]
    assert paged and all(re.search(r"\?uid=\d+&pageNum=2$", c["page_urls"][1]) for c in paged)
    for col in site["columns"]:
        assert re.fullmatch(r"http://127\.0\.0\.11:8123/col/col\d+/index\.html", col["url"])
        html = page_html(farm, col["url"])
        outside = re.sub(r'<script type="text/xml">.*?</script>', "", html, flags=re.S)
        if col["items"]:
            assert "<datastore>" in html and "<record><![CDATA[" in html
            assert not re.search(r'<li><a href="/art/', outside)  # no record in the DOM outside the script
            assert re.search(r'<a href="/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html" title="', html)
        for n, page in enumerate(col["page_urls"][1:], start=2):
            assert f"pageNum={n}" in page and "<record>" in page_html(farm, page)
    # A site-wide ColumnName: the site's name on the homepage, a list and an article.
    article = next(u for u in site["titles"] if "/art/" in u)
    for url in (site["base_url"], site["columns"][1]["url"], article):
        assert f'<meta name="ColumnName" content="{site["name"]}">' in page_html(farm, url)
    rsj = gt["sites"]["rsj"]
    assert f'<meta name="ColumnName" content="{rsj["columns"][1]["name"]}">' in page_html(
        farm, rsj["columns"][1]["url"]
    )
    police = page_html(farm, rsj["base_url"])
    assert re.search(r"甘公网安备 \d+</a>", police)  # written without 号


def test_tabs_homepage(farm, gt):
    site = gt["sites"]["yjx"]
    home = page_html(farm, site["base_url"])
    tabs = re.search(r'<div class="home-newsBox tab-concise js-tab">(.*?)\n</div>\n</div>\n', home, re.S)
    assert tabs
    labels = re.findall(r'<li(?: class="on")?><a href="[^"]+">([^<]+)</a></li>', tabs.group(1))
    assert labels == ["通知公告", "政策文件", "政策解读"]
    assert tabs.group(1).count('<div class="item" style="display:none">') == 2
    assert home.count('<div class="newsTt">') == 4  # a headline item before each list
    assert re.search(r'</div>\n<ul class="newsList">', home)
    assert '<a href="/zcjd/"><img src="/images/nav.png" alt=""></a>' in home
    assert '<li class="drop"><a href="#">信息公开</a>' in home
    assert '<li class="drop"><a href="#">互动交流</a>' in home
    assert "<form" not in home and '<input type="text" id="keyword"' in home
    assert "document.write(unescape(" in home and "_ideConac" in home


def test_tabs_footer_menu_differs_per_page(farm, gt):
    site = gt["sites"]["yjx"]
    cols = site["columns"]

    def menu(url: str) -> str:
        return re.search(r'<div class="footer-menu">(.*?)</div>', page_html(farm, url), re.S).group(1)

    a, b = menu(cols[0]["url"]), menu(cols[3]["url"])
    assert a != b
    path_a, path_b = urlsplit(cols[0]["url"]).path, urlsplit(cols[3]["url"]).path
    assert f'<a href="{path_a}" class="on">' in a and f'<a href="{path_b}" class="on">' in b
    links_a = re.findall(r'href="([^"]+)"', a)
    links_b = re.findall(r'href="([^"]+)"', b)
    assert links_a[:-1] == links_b[:-1]  # the same menu but for its last, varying link


def test_tabs_empty_column_is_a_bare_empty_list(farm, gt):
    bare = [(sid, c) for sid, s in gt["sites"].items() for c in s["columns"] if c["empty_markup"] == "bare"]
    assert {sid for sid, _ in bare} == {"dxx", "zwfw-klx"}
    for _, col in bare:
        html = page_html(farm, col["url"])
        assert '<ul class="list"></ul>' in html and "暂无" not in html
        assert col["empty"] and not col["catalogue_note"]


@pytest.mark.e2e
def test_scope_causes(farm, gt, server):
    jssx = gt["sites"]["jssx"]
    also = jssx["scope"]["also"]
    assert also == [{"host": "127.0.0.18:8123", "path_prefix": "/xxgk/"}]
    on_xxgk = [s for s, url in jssx["sections"].items() if url and url.startswith("http://127.0.0.18:")]
    assert {"政策文件", "信息公开指南", "信息公开年报", "信息公开目录"} <= set(on_xxgk)
    url = jssx["sections"]["政策文件"].replace(":8123", f":{server.port}")
    status, _, body = get(url)
    assert status == 200 and f'href="//127.0.0.10:{server.port}/"' in decode_html(body)
    assert gt["sites"]["czj"]["section_names"]["机构职能"] == "机构职责"
    klx = gt["sites"]["zwfw-klx"]
    assert klx["section_names"]["网上咨询"] == klx["section_names"]["投诉建议"] == "网上咨询"
    assert [c["name"] for c in klx["columns"] if c["section"] == "咨询投诉"] == ["网上咨询", "投诉建议"]
    ghx = page_html(farm, gt["sites"]["ghx"]["base_url"])
    assert '<script id="_jiucuo_"' in ghx and "dcs.conac.cn/js/" in ghx and "bszs.conac.cn" not in ghx


@pytest.mark.e2e
def test_registry_scope_also(server, tmp_path):
    path = tmp_path / "registry.toml"
    server.write_registry(path)
    by_id = {s["id"]: s for s in tomllib.loads(path.read_text(encoding="utf-8"))["sites"]}
    assert by_id["jssx"]["scope"]["also"] == [{"host": f"127.0.0.18:{server.port}", "path_prefix": "/xxgk/"}]
    assert all("also" not in s["scope"] for sid, s in by_id.items() if sid != "jssx")
    result = cli("sites", "--config", str(path))
    assert result.returncode == 0, result.stderr


def test_retired_urls_redirect_to_one_soft_404_page_and_both_are_dead(gt, server):
    chains: dict[str, list[dict]] = {}
    for sid, site in gt["sites"].items():
        for dead in site["dead_links"]:
            if dead["redirect_chain"]:
                chains.setdefault(sid, []).append(dead)
    assert {gt["sites"][sid]["template"] for sid in chains} >= {"standard", "hanweb"}
    for sid, dead in chains.items():
        # one direct redirect and one by two hops, both landing on the same error page
        assert sorted(len(d["redirect_chain"]) for d in dead) == [1, 2], sid
        assert len({d["redirect_chain"][-1] for d in dead}) == 1
        assert all(d["kind"] == "soft_404" and d["status"] == 200 and d["pages"] for d in dead)
        landing = dead[0]["redirect_chain"][-1].replace(":8123", f":{server.port}")
        status, _, body = get(landing)
        assert status == 200 and "您访问的页面不存在或已被删除" in decode_html(body)
    assert len(chains["rsj"][0]["pages"]) == 2  # linked from two pages: dead for each


def test_links_with_raw_chinese_paths(farm, gt, server):
    rows = [(sid, row) for sid, s in gt["sites"].items() for row in s["raw_paths"]]
    assert {row["status"] for _, row in rows} == {200, 404}
    assert {gt["sites"][sid]["encoding"] for sid, _ in rows} == {"gbk", "utf-8"}
    for sid, row in rows:
        site = gt["sites"][sid]
        assert re.search(r"[\u4e00-\u9fff]", row["href"]) and "%E" in row["url"]
        for page in row["pages"]:  # written raw in the page, in the page's own encoding
            assert f'href="{row["href"]}"' in page_html(farm, page)
        status, _, _ = get(row["url"].replace(":8123", f":{server.port}"))
        assert status == row["status"]
        dead = [d for d in site["dead_links"] if d["target"] == row["url"]]
        assert (row["status"] == 404) == bool(dead)
        if dead:
            assert dead[0]["kind"] == "http_404" and dead[0]["pages"] == row["pages"]


def test_help_pages_mention_the_error_phrase_but_are_not_error_pages(farm, gt):
    rows = [(sid, row) for sid, s in gt["sites"].items() for row in s["help_pages"]]
    assert {gt["sites"][sid]["template"] for sid, _ in rows} >= {"tabs", "trs_table"}
    for sid, row in rows:
        html = page_html(farm, row["url"])
        title = re.search(r"<title>(.*?)</title>", html).group(1)
        assert title == row["title"] and row["phrase"] not in title
        assert (
            html.count(row["phrase"]) >= 2 and len(re.sub(r"<[^>]+>|\s", "", html)) > 600
        )  # an error page says a few words
        assert row["url"] not in {d["target"] for d in gt["sites"][sid]["dead_links"]}
        assert all(row["url"].replace("8123", "") not in p for p in row["pages"])


def test_pages_with_malformed_markup_are_served_and_keep_their_column(farm, gt):
    rows = [(sid, row) for sid, s in gt["sites"].items() for row in s["malformed_pages"]]
    assert {row["markup"] for _, row in rows} == {"base", "form_action"}
    on_columns = 0
    for sid, row in rows:
        html = page_html(farm, row["url"])
        if row["markup"] == "base":
            assert '<base href="http://[">' in html and row["extract_errors"] == ["base@href"]
        else:
            assert re.search(r'<form action="http://127\.0\.0\.\d+:8123／wsbs/query\.jsp"', html)
            assert row["url"] == gt["sites"][sid]["base_url"]
        columns = [c for c in gt["sites"][sid]["columns"] if row["url"] in (c["url"], *c["aliases"])]
        on_columns += bool(columns)
        if columns and sid == "lxs":
            assert columns[0]["stale"]  # still judged: its stale list must still be reported
    assert on_columns >= 3
