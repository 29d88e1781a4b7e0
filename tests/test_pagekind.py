"""Page kinds (crawler/pages/pagekind.py) from several signals together, never from one meta tag."""

from parsel import Selector

from crawler.pages import extract, pagekind
from crawler.pages.lists import list_items

BODY = "为深入贯彻落实全州安全生产工作部署，切实做好岁末年初各项工作，现将有关事项通知如下。" * 12


def kind(markup: str, url: str = "http://127.0.0.2:8800/tzgg/202610/t20261012_1.html") -> tuple[str, dict]:
    selector = Selector(text=markup)
    items = list_items(selector, url)
    return pagekind.classify(
        selector.root, url, extract.page_title(selector), extract.meta_tags(selector), items
    )


def test_a_table_layout_article_without_meta_is_an_article():
    # TRS table layout (cf. 载人航天, 邯郸 detail pages): no ArticleTitle/PubDate, a 发布日期/来源/字号 row,
    # an attachment row with a date, the title written again above the text.
    page = f"""<html><head><title>关于做好岁末年初安全生产工作的通知_临夏州人民政府</title></head><body>
    <table><tr><td><a href="/">首页</a> &gt; <a href="/tzgg/">通知公告</a></td></tr>
    <tr><td class="title">关于做好岁末年初安全生产工作的通知</td></tr>
    <tr><td>发布日期：2026-10-12 信息来源：州应急管理局 字号：[大] [中] [小] [打印]</td></tr>
    <tr><td class="content"><p>{BODY}</p></td></tr>
    <tr><td>附件：<a href="/uploads/1.pdf">安全检查表.pdf</a> 2026-10-12</td></tr>
    <tr><td><a href="javascript:window.close()">关闭窗口</a></td></tr></table></body></html>"""
    found, evidence = kind(page)
    assert found == "article"
    assert set(evidence["signals"]) >= {"labels", "long_body", "title_in_body", "article_url"}


def test_article_meta_of_other_cms_counts():
    # www.gov.cn: firstpublishedtime and manuscriptId, no ArticleTitle.
    page = """<html><head><title>国务院关于印发某某方案的通知__2007年第23号国务院公报</title>
    <meta name="firstpublishedtime" content="2007-08-29"><meta name="manuscriptId" content="711039"></head>
    <body><p>正文</p></body></html>"""
    assert kind(page, "http://www.example.gov.cn/gongbao/content/2007/content_711039.htm")[0] == "article"


def test_a_list_page_whose_footer_prints_print_and_close_is_a_list():
    rows = "".join(
        f'<li><a href="./202610/t202610{n:02d}_{n}.html">通知{n}</a><span>2026-10-{n:02d}</span></li>'
        for n in range(1, 13)
    )
    page = f"""<html><head><title>通知公告_临夏州人民政府</title></head><body><h2>通知公告</h2><ul>{rows}</ul>
    <div class="footer">【打印本页】【关闭窗口】 发布日期：2026-10-12</div></body></html>"""
    found, evidence = kind(page, "http://127.0.0.2:8800/tzgg/index.html")
    assert found == "list"
    assert evidence["signals"]["dated_entries"] == 12


def test_an_article_with_a_dated_related_list_stays_an_article():
    related = "".join(
        f'<li><a href="/xw/t2026100{n}_{n}.html">相关新闻{n}</a><span>2026-10-0{n}</span></li>'
        for n in range(1, 5)
    )
    page = f"""<html><head><title>全州安全生产工作会议召开</title><meta name="ArticleTitle" content="全州安全生产工作会议召开">
    </head><body><h1>全州安全生产工作会议召开</h1><p>{BODY}</p><div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>
    </body></html>"""
    assert kind(page, "http://127.0.0.2:8800/xw/content_99.html")[0] == "article"


def test_directories_and_text_pages():
    directory = "".join(f'<li><a href="/bm/{n}/">部门{n}信息公开指南</a></li>' for n in range(12))
    assert kind(f"<html><body><ul>{directory}</ul></body></html>", "http://127.0.0.2/zn/")[0] == "navigation"
    contact = "<html><head><title>联系我们</title></head><body><p>地址：临夏市红园路 电话：0930-0000000</p></body></html>"
    assert kind(contact, "http://127.0.0.2/lxwm/")[0] == "static"


def test_an_empty_list_alone_under_its_heading_is_recorded_one_beside_text_is_not():
    # A column page with nothing listed and no 暂无信息 note (a side menu beside it), and a 概况 page whose
    # template leaves an unused <ul> after its introduction.
    side = '<div class="side"><h3>栏目导航</h3><ul><li><a href="/a/">咨询投诉</a></li><li><a href="/b/">征集调查</a></li></ul></div>'
    empty = f'<html><body>{side}<div class="content"><h2 class="column-name">征集调查</h2><ul class="list"></ul></div></body></html>'
    assert kind(empty, "http://127.0.0.9/hdjl/zjdc/")[1]["signals"]["empty_list"] == "div>ul"
    intro = """<html><body><div class="content"><h2>广河县概况</h2><p>广河县位于甘肃省西南部。</p>
    <p>本栏目介绍全县基本情况、历史沿革和行政区划。</p><ul class="hub"></ul></div></body></html>"""
    assert "empty_list" not in kind(intro, "http://127.0.0.7/gkxx/")[1]["signals"]


def test_a_short_list_whose_rows_print_article_labels_is_a_list():
    # Column pages whose every row prints 发布时间/来源/浏览次数 (and a footer with 打印 关闭) are lists:
    # labels that stand only in list rows are not an article's.
    rows = "".join(
        f"""<div class="row"><h4><a href="/xzdt/t2026112{n}_{n}.html">乡镇动态第{n}条</a></h4><p>摘要……</p>
        <p><span>发布时间：2026-11-2{n}</span><span>来源：城关镇</span><span>浏览次数：12{n}</span></p></div>"""
        for n in range(1, 4)
    )
    page = f"""<html><head><title>乡镇动态</title></head><body><div class="list">{rows}</div>
      <div class="footer">【打印本页】【关闭窗口】</div></body></html>"""
    found, evidence = kind(page, "http://127.0.0.2:8800/xzdt/index.html")
    assert found == "list", evidence
    # One article's label row, even written as a link row, still counts for the article.
    article = f"""<html><head><title>关于做好岁末年初安全生产工作的通知</title></head><body><table>
      <tr><td>关于做好岁末年初安全生产工作的通知</td></tr>
      <tr><td>发布时间：2026-10-12 来源：州应急管理局 <a href="javascript:window.print()">【打印】</a></td></tr>
      <tr><td><p>{BODY}</p></td></tr></table></body></html>"""
    assert kind(article)[0] == "article"


def test_a_short_notice_above_a_long_related_list_stays_an_article():
    related = "".join(
        f'<li><a href="/tzgg/202610/t202610{n:02d}_{n}.html">相关通知{n}</a><span>2026-10-{n:02d}</span></li>'
        for n in range(1, 11)
    )
    page = f"""<html><head><title>测试县2026年度拟提拔任用干部任前公示_测试县人民政府</title></head><body>
      <h1>测试县2026年度拟提拔任用干部任前公示</h1><p>发布时间：2026-11-27 信息来源：县委组织部 字号：大 中 小</p>
      <p>现将拟提拔任用干部情况予以公示。附件：<a href="/1.pdf">名单.pdf</a></p>
      <div class="related"><h3>相关阅读</h3><ul>{related}</ul></div></body></html>"""
    found, evidence = kind(page, "http://127.0.0.2:8800/tzgg/202611/t20261127_9.html")
    assert found == "article" and evidence["score"] >= 4
