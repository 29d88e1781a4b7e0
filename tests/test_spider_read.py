"""The spider's parse on synthetic Scrapy responses: a page is stored whatever its markup or a reader does."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.items import PageFact
from crawler.progress import SiteProgress, site_progress
from crawler.spiders.site import SiteSpider
from crawler.vocab import FetchRole
from tests.builders import LOOPBACK_NETWORK, registry_toml, site_spider, site_toml, write_registry

HOME = "http://127.0.0.2:8800/"
REGISTRY = registry_toml(
    site_toml("cs", "测试县人民政府", "127.0.0.2:8800", owners=[("测试", "cs@example.gov.cn")]),
    head=LOOPBACK_NETWORK,
)
# A homepage as a careless template writes it: a <base> that does not parse, a full-width '／' typed into
# the search form's host, a port that is no number.
MALFORMED_HOME = """<html><head><base href="http://["><title>测试县人民政府</title></head><body>
<form action="http://www.example.gov.cn／search/search.jsp"><input name="keyword"><input type="submit"></form>
<ul class="nav"><li><a href="/xxgk/">政务公开</a></li><li><a href="http://127.0.0.2:port/bsfw/">办事服务</a></li></ul>
<div class="footer">网站标识码：6299000001 陇ICP备05000001号</div></body></html>"""


def make_spider(tmp_path, **extra) -> SiteSpider:
    config = write_registry(tmp_path, REGISTRY)
    return site_spider(config, "cs", {"DUWANG_DB": str(tmp_path / "f.db")} | extra)


def progress(spider: SiteSpider) -> SiteProgress:
    return site_progress(spider.crawler.stats, "cs")


@pytest.fixture
def spider(tmp_path):
    return make_spider(tmp_path)


def home_response(spider: SiteSpider, body: str) -> HtmlResponse:
    request = spider.make_request(HOME, spider.sites[0], FetchRole.PAGE, depth=0, referer=None)
    return HtmlResponse(
        HOME, body=body.encode("utf-8"), headers={"Content-Type": "text/html"}, request=request
    )


def test_a_page_with_malformed_attributes_is_read_and_its_problems_counted(spider):
    output = list(spider.parse(home_response(spider, MALFORMED_HOME)))
    (fact,) = [item for item in output if isinstance(item, PageFact) and item.url == HOME]
    assert fact.status == 200 and fact.title == "测试县人民政府"
    assert "网站标识码：6299000001" in fact.footer and fact.forms[0]["inputs"] == ["keyword", ""]
    assert [link.target_url for link in fact.links] == ["http://127.0.0.2:8800/xxgk/"]
    assert sorted(line.split("=", 1)[0] for line in fact.extract_errors.splitlines()) == [
        "a@href",
        "base@href",
        "form@action",
    ]
    assert progress(spider).extract_errors == 3
    assert [request.url for request in output if isinstance(request, Request)] == [
        "http://127.0.0.2:8800/xxgk/"
    ]


def test_a_page_whose_reading_fails_outright_is_still_stored(spider, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a reader's bug")

    monkeypatch.setattr("crawler.spiders.reading.redirect_hops", broken)  # fails outside every per-part guard
    (fact,) = list(spider.parse(home_response(spider, MALFORMED_HOME)))
    assert fact.url == HOME and fact.status == 200 and fact.content_type == "text/html"
    assert fact.extract_errors.endswith("page: RuntimeError: a reader's bug")
    assert progress(spider).pages == 1 and progress(spider).extract_errors >= 1


def link_farm(count: int) -> str:
    """A sitemap-like page of `count` article links in one table, as a CMS export page writes it."""
    rows = "".join(
        f'<tr><td><a href="/art/2026/{n}.html">信息公开第{n}号</a></td><td>2026-11-{n % 28 + 1:02d}</td></tr>'
        for n in range(count)
    )
    return (
        '<html><head><meta charset="utf-8"><title>网站地图</title></head><body>'
        f'<div class="map"><table class="list">{rows}</table></div></body></html>'
    )


def test_links_past_the_per_page_bound_are_left_out_and_reported(tmp_path):
    spider = make_spider(tmp_path, DUWANG_MAX_LINKS_PER_PAGE=200)
    output = list(spider.parse(home_response(spider, link_farm(3000))))
    (fact,) = [item for item in output if isinstance(item, PageFact) and item.url == HOME]
    assert len(fact.links) == 200
    assert fact.links[-1].target_url == "http://127.0.0.2:8800/art/2026/199.html"  # the first ones, in order
    assert len([request for request in output if isinstance(request, Request)]) == 200
    (line,) = fact.extract_errors.splitlines()
    assert line.startswith("links='3000'") and "only the first 200 are kept" in line
    assert progress(spider).extract_errors == 1 and progress(spider).links == 200


def test_a_page_within_the_default_bound_keeps_every_link(spider):
    output = list(spider.parse(home_response(spider, link_farm(300))))
    (fact,) = [item for item in output if isinstance(item, PageFact) and item.url == HOME]
    assert len(fact.links) == 300 and fact.extract_errors is None
