"""End to end on a few hand-written pages served on loopback: `duwang crawl` then `duwang check`.

The homepage carries the markup that used to drop a page (a malformed `<base href>`, a full-width '／' in
a form's host, a port that is no number): it must be stored, counted and checked like any other. Its
links reach an error page by several redirects, raw Chinese paths on a UTF-8 and a GBK page, and a help
page that only mentions "页面不存在".
"""

from __future__ import annotations

import subprocess

import pytest

from crawler.store import Store
from tests.builders import LOOPBACK_NETWORK, cli, registry_toml, site_toml, write_registry
from tests.loopback import Reply, Site, serve

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

TEMPLATE = """<html><head><meta charset="{charset}"><title>{title}</title>{head}</head><body>
<div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/faq/">常见问题</a></li></ul></div>
<div class="main">{main}</div>
<div class="footer">主办：测试县人民政府办公室 网站标识码：6299000001 陇ICP备05000001号
<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=62290102000001">甘公网安备 62290102000001号</a>
<a href="/sitemap/">网站地图</a></div></body></html>"""


def html(title: str, main: str, head: str = "", charset: str = "utf-8") -> str:
    return TEMPLATE.format(charset=charset, title=title, head=head, main=main)


HOME = html(
    "测试县人民政府",
    # relative links resolve against the page itself: browsers ignore a <base> that does not parse
    """<form action="ORIGIN／search/index.jsp" method="get"><input name="q"><input type="submit" value="搜索"></form>
<ul class="list">
<li><a href="xxgk/政策文件/">政策文件</a><span>2026-11-20</span></li>
<li><a href="/zt/2019年专题/">2019年专题</a><span>2026-11-18</span></li>
<li><a href="/old1/">旧版栏目一</a><span>2026-11-10</span></li>
<li><a href="/old2/">旧版栏目二</a><span>2026-11-09</span></li>
<li><a href="/old3/">旧版栏目三</a><span>2026-11-08</span></li>
<li><a href="/gbk/">部门子站</a><span>2026-11-07</span></li>
<li><a href="http://127.0.0.1:99999/bsfw/">办事服务（端口错误）</a><span>2026-11-06</span></li>
</ul>""",
    head='<base href="http://[">',
)
NOT_FOUND_PAGE = html(
    "页面不存在", '<p class="tip">抱歉，您访问的页面不存在或已被删除！</p><a href="/">返回首页</a>'
)
FAQ = html(
    "常见问题",
    "<dl><dt>问：为什么点击链接后显示页面不存在？</dt><dd>答：该信息可能已过期下线，请使用站内搜索。</dd></dl>",
)
GBK_PAGE = html(
    "部门子站",
    '<ul><li><a href="/附件/通知 2026.doc">通知 2026</a></li><li><a href="/search?q=营商环境">营商环境</a></li></ul>',
    charset="gbk",
)
PAGES = {
    "/": Reply(body=HOME),
    "/faq/": Reply(body=FAQ),
    "/sitemap/": Reply(body=html("网站地图", "<p>网站地图</p>")),
    "/xxgk/%E6%94%BF%E7%AD%96%E6%96%87%E4%BB%B6/": Reply(body=html("政策文件", "<p>政策文件列表</p>")),
    "/old1/": Reply(302, location="ORIGIN/404.html"),
    "/old2/": Reply(302, location="ORIGIN/404.html"),
    "/old3/": Reply(301, location="ORIGIN/tmp/hop.html"),
    "/tmp/hop.html": Reply(302, location="ORIGIN/404.html"),
    "/404.html": Reply(body=NOT_FOUND_PAGE),
    "/gbk/": Reply(body=GBK_PAGE, charset="gbk"),
    "/search?q=%D3%AA%C9%CC%BB%B7%BE%B3": Reply(body=html("搜索结果", "<p>共 3 条</p>")),
}
DEFAULTS = "[defaults]\ndelay = 0.0\ntimeout = 5\nretries = 0\n"


def duwang(*args: str) -> subprocess.CompletedProcess:
    return cli(*args, timeout=300)


@pytest.fixture(scope="module")
def inspected(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("links")
    db = tmp / "facts.db"
    with serve(Site(dict(PAGES))) as site:
        cs = site_toml(
            "cs", "测试县人民政府", f"{site.host}:{site.port}", owners=[("测试", "cs@example.gov.cn")]
        )
        registry = write_registry(tmp, registry_toml(cs, head=DEFAULTS + LOOPBACK_NETWORK))
        common = ["--config", str(registry), "--db", str(db)]
        crawl = duwang("crawl", *common, "--processes", "1")
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
        check = duwang("check", *common, "--today", "2026-11-28")
        assert check.returncode == 0, check.stdout + check.stderr
        runs = duwang("runs", *common)
    store = Store(db)
    yield {"site": site, "store": store, "crawl": crawl.stdout, "runs": runs.stdout, "run": store.runs()[-1]}
    store.close()


def test_a_homepage_with_malformed_attributes_is_stored_and_its_problems_counted(inspected):
    store, site, run = inspected["store"], inspected["site"], inspected["run"]
    assert run["status"] == "completed"
    home = store.page(run["id"], f"{site.origin}/")
    assert home["status"] == 200 and home["title"] == "测试县人民政府"
    problems = home["extract_errors"].splitlines()
    assert sorted(line.split("=", 1)[0] for line in problems) == ["a@href", "base@href", "form@action"]
    (stats,) = store.site_stats(run["id"])
    assert stats["extract_errors"] == 3
    assert "读取错误" in inspected["crawl"] and "3 处页面属性无法读取" in inspected["crawl"]
    header, row = inspected["runs"].splitlines()  # duwang runs: the last column is 读取错误
    assert header.split()[-1] == "读取错误" and row.split()[-1] == "3", inspected["runs"]
    # its other links were followed, relative ones against the page itself
    assert f"{site.origin}/xxgk/%E6%94%BF%E7%AD%96%E6%96%87%E4%BB%B6/" in {
        link["target_url"] for link in store.links(run["id"])
    }


def test_the_homepage_is_checked_like_any_other(inspected):
    store, run = inspected["store"], inspected["run"]
    findings = store.findings(run["id"])
    # its footer and form were read: the identification code, ICP, police record and search box are there
    missing = {f["element"] for f in findings if f["check"] == "element_missing"}
    assert not missing & {"site_code", "icp", "police", "search", "sitemap"}, missing
    assert not [f for f in findings if f["check"] == "unreachable"]


def test_dead_links_behind_redirects_and_raw_chinese_paths_are_reported(inspected):
    store, site, run = inspected["store"], inspected["site"], inspected["run"]
    origin = site.origin
    dead = {
        (f["url"], f["page"]): f["evidence"]["reason"]
        for f in store.findings(run["id"])
        if f["check"] == "dead_link"
    }
    assert dead == {
        (f"{origin}/zt/2019%E5%B9%B4%E4%B8%93%E9%A2%98/", f"{origin}/"): "404",
        (f"{origin}/old1/", f"{origin}/"): "soft_404",
        (f"{origin}/old2/", f"{origin}/"): "soft_404",
        (f"{origin}/old3/", f"{origin}/"): "soft_404",
        (f"{origin}/%E9%99%84%E4%BB%B6/%E9%80%9A%E7%9F%A5%202026.doc", f"{origin}/gbk/"): "404",
    }
    # the FAQ that mentions the words is no error page, and the GBK page's Chinese query was understood
    assert "/search?q=%D3%AA%C9%CC%BB%B7%BE%B3" in site.requests
    # every URL was asked for once, the error page too however many redirects led to it
    assert site.requests.count("/404.html") == 1
