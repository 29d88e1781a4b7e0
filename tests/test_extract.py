"""What the spider reads off a page, on small inline pages shaped like real government markup."""

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.selector import Selector as ResponseSelector

from crawler.pages import extract, lists
from crawler.vocab import LinkKind

PAGE = "http://127.0.0.2:8800/zwdt/index.html"

LIST_PAGE = """<html><head><title> 工作动态 - 临夏州人民政府 </title>
<meta name="SiteIDCode" content="6229000001"><meta name="ColumnName" content="工作动态">
<meta name="ColumnName" content="重复"></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwdt/">工作动态</a></li><li><a href="/xxgk/">信息公开</a></li></ul></div>
<div class="list"><ul>
  <li><a href="./202611/t20261120_1.html" title="州政府召开常务会议（全文）">州政府召开常务会议</a><span>2026-11-20</span></li>
  <li><a href="./202611/t20261102_2.html">全州安全生产工作会议</a><span>[11-02]</span></li>
  <li><a href="./202610/t20261001_3.html">国庆假期值班安排</a> 2026年10月1日</li>
  <li><a href="./202609/t20260915_4.html">2026-2030年发展规划征求意见</a></li>
</ul></div>
<table class="gkml"><tr><td><a href="/xxgk/1.html">关于印发办法的通知</a></td><td>2026/09/03</td></tr>
<tr><td><a href="/xxgk/2.html">关于调整人员的通知</a></td><td>2026.08.15</td></tr></table>
<script>createPageHTML(3, 0, "index", "html");</script>
<a href="mailto:xxzx@example.gov.cn">信箱</a><a href="javascript:void(0)">打印</a><a href="#top">顶部</a>
<a href="tel:09306215157">电话</a>
<img src="/images/banner.jpg" alt="横幅"><a href="/uploads/年报.pdf">2025年年报</a>
<link rel="stylesheet" href="/css/main.css"><script src="/js/page.js"></script><iframe src="/video.html"></iframe>
<a href="http://bszs.conac.cn/sitename?method=show&amp;id=1#x"><img src="http://bszs.conac.cn/img/red.png"></a>
<div class="footer">主办：临夏州人民政府办公室 网站标识码：6229000001 陇ICP备05000001号
<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=62290102000001">甘公网安备 62290102000001号</a>
<form action="/search/" method="get"><input name="q"><input type="submit" value="搜索"></form></div>
</body></html>"""


def selector() -> Selector:
    return Selector(text=LIST_PAGE)


def test_links_of_every_kind_are_found_and_resolved():
    links = extract.extract_links(selector(), PAGE)
    by_url = {link.url: link for link in links}
    assert by_url["http://127.0.0.2:8800/images/banner.jpg"].kind is LinkKind.IMAGE
    assert by_url["http://127.0.0.2:8800/images/banner.jpg"].anchor_text == "横幅"
    assert by_url["http://127.0.0.2:8800/uploads/%E5%B9%B4%E6%8A%A5.pdf"].kind is LinkKind.ATTACHMENT
    assert by_url["http://127.0.0.2:8800/css/main.css"].kind is LinkKind.STYLESHEET
    assert by_url["http://127.0.0.2:8800/js/page.js"].kind is LinkKind.SCRIPT
    assert by_url["http://127.0.0.2:8800/video.html"].kind is LinkKind.FRAME
    assert by_url["http://127.0.0.2:8800/zwdt/202611/t20261120_1.html"].anchor_text == "州政府召开常务会议"
    # the fragment is dropped, the query kept
    assert "http://bszs.conac.cn/sitename?method=show&id=1" in by_url
    assert by_url["http://bszs.conac.cn/img/red.png"].tag == "img"


def test_mailto_tel_javascript_and_same_page_anchors_are_not_links():
    urls = [link.url for link in extract.extract_links(selector(), PAGE) if link.tag != "script"]
    assert not any(url.startswith(("mailto", "tel", "javascript")) for url in urls)
    assert PAGE not in urls  # "#top"


def test_trs_create_page_html_writes_the_further_list_pages():
    pages = [link for link in extract.extract_links(selector(), PAGE) if link.attr == "createPageHTML"]
    assert [link.url for link in pages] == [
        "http://127.0.0.2:8800/zwdt/index.html",
        "http://127.0.0.2:8800/zwdt/index_1.html",
        "http://127.0.0.2:8800/zwdt/index_2.html",
    ]
    assert all(link.kind is LinkKind.PAGE and link.tag == "script" for link in pages)


def test_meta_title_footer_and_forms():
    page = selector()
    assert extract.page_title(page) == "工作动态 - 临夏州人民政府"
    assert extract.meta_tags(page) == {"SiteIDCode": "6229000001", "ColumnName": "工作动态"}
    footer = extract.footer_text(page)
    assert "网站标识码：6229000001" in footer and "甘公网安备 62290102000001号" in footer
    assert extract.forms(page, PAGE) == [
        {
            "action": "http://127.0.0.2:8800/search/",
            "method": "get",
            "inputs": ["q", ""],
            "text": "",
            "hints": "q 搜索",
        }
    ]


def test_a_page_without_footer_markup_falls_back_to_its_last_text():
    page = Selector(text="<html><body><p>正文</p><p>版权所有 网站标识码6229000002</p></body></html>")
    assert extract.footer_text(page).endswith("网站标识码6229000002")


def test_normalize_url():
    assert extract.normalize_url("HTTP://Example.GOV.cn#x") == "http://example.gov.cn/"
    assert extract.resolve("http://a.gov.cn/x/y.html", "../z.html?b=1#c") == "http://a.gov.cn/z.html?b=1"
    assert extract.resolve("http://a.gov.cn/", "http://a.gov.cn:99999/") is None


# Links as county sites write them: raw Chinese paths and file names, spaces, Chinese query values.
IRI_PAGE = """<html><head><meta charset="{charset}"><title>政策文件</title></head><body>
<ul class="list"><li><a href="/xxgk/政策文件/index.html">政策文件</a></li>
<li><a href="../uploads/2025年 政府工作报告.doc">2025年 政府工作报告</a></li>
<li><a href="/search/index.jsp?keyword=营商环境&amp;page=1">营商环境</a></li>
<li><a href="/zt/%E4%B8%93%E9%A2%98/">专题（已编码）</a></li></ul></body></html>"""


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_links_with_raw_chinese_and_spaces_are_stored_as_scrapy_requests_them(charset):
    body = IRI_PAGE.format(charset=charset).encode(charset)
    response = HtmlResponse("http://127.0.0.2:8800/zwgk/index.html", body=body)
    links = extract.extract_links(ResponseSelector(response), response.url, response.encoding)
    urls = [link.url for link in links]
    # the same form as Scrapy's own link extractor, and unchanged by Scrapy when requested
    assert urls == [link.url for link in LinkExtractor(deny_extensions=[]).extract_links(response)]
    assert all(Request(url).url == url for url in urls)
    # list entries name their targets in the same form, so a column's entries match its pages' rows
    entries = lists.list_items(ResponseSelector(response), response.url, response.encoding)
    assert [entry.url for entry in entries] == urls
    query = "%E8%90%A5%E5%95%86%E7%8E%AF%E5%A2%83" if charset == "utf-8" else "%D3%AA%C9%CC%BB%B7%BE%B3"
    assert urls == [
        "http://127.0.0.2:8800/xxgk/%E6%94%BF%E7%AD%96%E6%96%87%E4%BB%B6/index.html",
        "http://127.0.0.2:8800/uploads/2025%E5%B9%B4%20%E6%94%BF%E5%BA%9C%E5%B7%A5%E4%BD%9C%E6%8A%A5%E5%91%8A.doc",
        f"http://127.0.0.2:8800/search/index.jsp?keyword={query}&page=1",
        "http://127.0.0.2:8800/zt/%E4%B8%93%E9%A2%98/",
    ]


def test_start_urls_and_hints_take_the_same_form():
    assert extract.normalize_url("HTTP://Example.GOV.cn/专题/2019年 专题#top") == (
        "http://example.gov.cn/%E4%B8%93%E9%A2%98/2019%E5%B9%B4%20%E4%B8%93%E9%A2%98"
    )
    # an address already percent-encoded is kept as it is
    assert (
        extract.normalize_url("http://a.gov.cn/zt/%E4%B8%93%E9%A2%98/")
        == "http://a.gov.cn/zt/%E4%B8%93%E9%A2%98/"
    )


# Markup that used to drop a whole page: a <base> that does not parse, a full-width '／' typed into a
# form's host, ports that are no numbers. Each bad attribute is left out and noted; the rest is read.
MALFORMED = """<html><head><base href="http://["><title>某某县人民政府</title></head><body>
<form name="search" action="http://www.example.gov.cn／search/search.jsp" method="post" target="_blank">
<input name="keyword" type="text"><input type="image" src="/images/search.gif"></form>
<ul><li><a href="xxgk/index.html">政务公开</a></li><li><a href="http://127.0.0.1:99999/bsfw/">办事服务</a></li>
<li><a href="http://www.example.gov.cn:80a/">互动交流</a></li><li><a href="//[::1">旧系统</a></li></ul>
<img src="/images/logo.png" alt="标志"></body></html>"""


def test_a_malformed_base_form_action_or_port_loses_that_attribute_only():
    page = Selector(text=MALFORMED)
    problems: list[str] = []
    links = extract.extract_links(page, PAGE, problems=problems)
    # a base that does not parse is ignored, as browsers do: relative links resolve against the page
    assert [link.url for link in links] == [
        "http://127.0.0.2:8800/zwdt/xxgk/index.html",
        "http://127.0.0.2:8800/images/logo.png",
    ]
    (form,) = extract.forms(page, PAGE, problems)
    assert form["action"] == "http://www.example.gov.cn／search/search.jsp" and form["inputs"] == [
        "keyword",
        "",
    ]
    assert sorted(problem.split("=", 1)[0] for problem in problems) == [
        "a@href",
        "a@href",
        "a@href",
        "base@href",
        "form@action",
    ]
    assert "Port out of range" in next(problem for problem in problems if "99999" in problem)


def test_a_base_with_a_bad_port_is_ignored_and_a_good_one_used():
    bad = Selector(text='<html><head><base href="http://www.example.gov.cn:abc/"></head><body></body></html>')
    assert extract.base_url_of(bad, PAGE) == PAGE
    good = Selector(text='<html><head><base href="http://Example.gov.cn/主页/"></head><body></body></html>')
    assert extract.base_url_of(good, PAGE) == "http://example.gov.cn/%E4%B8%BB%E9%A1%B5/"


def test_the_footer_is_every_footer_block_and_the_page_s_end_as_a_browser_shows_them():
    # The real footer is div.g-ft (no footer class), a floating div.bottom (返回顶部) follows it, a mid-page
    # div.bottom holds a banner; 网站标识码 is written by document.write, a filing number drawn as an image.
    page = Selector(
        text="""<html><body><div class="main"><div class="bottom"><a href="/zt/">专题专栏</a></div></div>
        <div class="g-ft"><p>主办：测试区人民政府办公室</p>
          <p><script>document.write("网站标识码：5101000002");</script> 蜀ICP备05011111号</p>
          <p><img src="/ga.png" alt="川公网安备 51010202000222号"></p><style>.x{color:red}</style></div>
        <div class="bottom"><a href="javascript:scrollTo(0,0)">返回顶部</a></div></body></html>"""
    )
    footer = extract.footer_text(page)
    assert "网站标识码：5101000002" in footer and "蜀ICP备05011111号" in footer
    assert "川公网安备 51010202000222号" in footer
    assert "专题专栏" in footer and "返回顶部" in footer  # every footer-like block is read
    assert "color" not in footer and "document.write" not in footer


def test_a_footer_split_over_nested_blocks_is_read_whole():
    # div.footer holds div.foot-links, the 网站标识码 <p>, then div.copyright: the last match alone is not it.
    page = Selector(
        text="""<html><body><p>正文</p><div class="footer"><div class="foot-links"><a href="/wzdt/">网站地图</a></div>
        <p>网站标识码：6229000003</p><div class="copyright">版权所有 陇ICP备05000001号</div></div></body></html>"""
    )
    footer = extract.footer_text(page)
    assert footer.count("网站标识码：6229000003") == 1 and "陇ICP备05000001号" in footer
