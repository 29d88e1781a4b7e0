"""Content lists found by record structure (crawler/pages/lists.py), on small pages shaped like real templates:
each test names the markup it covers."""

import pytest
from parsel import Selector

from crawler.pages.lists import list_items

PAGE = "http://127.0.0.2:8800/zwdt/index.html"


def lists(markup: str, url: str = PAGE) -> list[tuple[str, int, list[str | None]]]:
    """(name, number of entries, date texts) per list, in page order."""
    groups: dict[str, list] = {}
    for item in list_items(Selector(text=markup), url):
        groups.setdefault(item.container, []).append(item)
    return [(items[0].list_name, len(items), [i.date_text for i in items]) for items in groups.values()]


def test_raw_dates_titles_and_navigation():
    page = """<html><body>
    <div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwdt/">工作动态</a></li>
      <li><a href="/xxgk/">信息公开</a></li></ul></div>
    <div class="list"><h2>工作动态</h2><ul>
      <li><a href="./202611/t20261120_1.html" title="州政府召开常务会议（全文）">州政府召开常务会议</a><span>2026-11-20</span></li>
      <li><a href="./202611/t20261102_2.html">全州安全生产工作会议</a><span>[11-02]</span></li>
      <li><a href="./202610/t20261001_3.html">国庆假期值班安排</a> 2026年10月1日</li>
      <li><a href="./202609/t20260915_4.html">2026-2030年发展规划征求意见</a></li>
    </ul></div></body></html>"""
    items = list_items(Selector(text=page), PAGE)
    assert [(item.title, item.date_text) for item in items] == [
        ("州政府召开常务会议（全文）", "2026-11-20"),  # the title attribute beats the shortened text
        ("全州安全生产工作会议", "[11-02]"),
        ("国庆假期值班安排", "2026年10月1日"),
        ("2026-2030年发展规划征求意见", None),  # digits inside the title are not its date
    ]
    assert items[0].url == "http://127.0.0.2:8800/zwdt/202611/t20261120_1.html"
    assert items[0].container.startswith("div.list>ul#")
    assert items[0].list_name == "工作动态"  # the undated three-link menu is navigation, not a list


def test_tabs_sharing_one_class_stay_separate_lists_named_by_their_tab_labels():
    # 邯郸 (TRS): four ul.sx-c1-list.list1 panels, three hidden, under one tab strip with a 更多 link.
    rows = "".join(
        f'<li><a href="/zfwj/{n}.html">文件{n}</a><span>2020-07-{n:02d}</span></li>' for n in range(1, 4)
    )
    page = f"""<div class="right"><div class="tabs-title">
      <a href="/zfwj/szfwj/" class="s2r-as">市政府文件</a><a href="/zfwj/bgswj/" class="s2r-as">市政府办公室文件</a>
      <a href="/zfwj/szfl/" class="s2r-as">市政府令</a><a href="/zfwj/szfwj/" class="more">更多&gt;&gt;</a></div>
      <ul class="sx-list list1" style="display: block;">{rows}</ul>
      <ul class="sx-list list1" style="display: none;">{rows}</ul>
      <ul class="sx-list list1" style="display: none;">{rows}</ul></div>"""
    assert [(name, count) for name, count, _ in lists(page)] == [
        ("市政府文件", 3),
        ("市政府办公室文件", 3),
        ("市政府令", 3),
    ]


def test_a_headline_box_before_the_list_is_its_first_entry():
    # 宜春 2023: the top story in div.newsTt (title, summary, MM-DD date), then ul.newsList; tab panels
    # div.item each with a one-row "最新" list in its own box before the main list.
    page = """<div class="ycyw"><div class="hd"><ul><li><a href="/zwyw/list.shtml">政务要闻</a></li></ul>
      <span class="more"><a href="/zwyw/list.shtml">更多</a></span></div>
      <div class="bd"><div class="item">
        <div class="newsTt"><h4><a href="/zwyw/202310/a1.shtml" title="头条">头条</a></h4><p>摘要……<span>10-11</span></p></div>
        <ul class="newsList"><li><h4><a href="/zwyw/202310/a2.shtml">二</a><span>10-11</span></h4></li>
          <li><h4><a href="/zwyw/202310/a3.shtml">三</a><span>10-10</span></h4></li></ul></div></div></div>
    <div class="zcwj"><div class="hd"><ul><li><a href="/zfwj/">政府文件</a></li><li><a href="/zcjd/">政策解读</a></li></ul></div>
      <div class="bd">
        <div class="item"><div class="newest"><h3>最新政府文件</h3><ul><li><a href="/zfwj/1.shtml">文件一</a><span>2023-09-22</span></li></ul></div>
          <div class="bdPad"><ul class="newsList"><li><a href="/zfwj/2.shtml">文件二</a><span>09-19</span></li>
            <li><a href="/zfwj/3.shtml">文件三</a><span>09-01</span></li></ul></div></div>
        <div class="item"><div class="newest"><h3>最新政策解读</h3><ul><li><a href="/zcjd/1.shtml">解读一</a><span>2023-10-10</span></li></ul></div>
          <div class="bdPad"><ul class="newsList"><li><a href="/zcjd/2.shtml">解读二</a><span>10-08</span></li>
            <li><a href="/zcjd/3.shtml">解读三</a><span>10-07</span></li></ul></div></div></div></div>"""
    assert lists(page) == [
        ("政务要闻", 3, ["10-11", "10-11", "10-10"]),
        ("政府文件", 3, ["2023-09-22", "09-19", "09-01"]),
        ("政策解读", 3, ["2023-10-10", "10-08", "10-07"]),
    ]


def test_sibling_panels_with_one_row_each_are_not_merged():
    panels = "".join(
        f'<div class="box"><h3>栏目{n}</h3><ul><li><a href="/c{n}/1.html">条目</a><span>2026-10-0{n}</span></li></ul></div>'
        for n in (1, 2)
    )
    assert [(name, count) for name, count, _ in lists(f"<div>{panels}</div>")] == [("栏目1", 1), ("栏目2", 1)]


def test_layout_rows_holding_a_nested_table_are_not_entries_and_pager_rows_are_skipped():
    # TRS table layout: the outer <tr> holds the whole list table; the last row is the pager.
    page = """<table class="layout"><tr><td><a href="/">首页</a></td></tr><tr><td>
      <table class="list"><tr><td><a href="/tzgg/t20261012_1.html">通知一</a></td><td>2026-10-12</td></tr>
        <tr><td><a href="/tzgg/t20261001_2.html">通知二</a></td><td>2026-10-01</td></tr>
        <tr><td><a href="index.html">首页</a> <a href="index_1.html">下一页</a> <a href="index_4.html">尾页</a></td></tr>
      </table></td></tr></table>"""
    assert [(count, dates) for _, count, dates in lists(page)] == [(2, ["2026-10-12", "2026-10-01"])]


def test_hanweb_datastore_records_are_a_list():
    # Hanweb JCMS: the records travel as CDATA inside <script type="text/xml">; the DOM has no <li>.
    page = """<div class="lm"><h2 class="title">通知公告</h2><div id="4406">
      <script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup>
      <recordset>
      <record><![CDATA[<li><a href="/art/2026/10/12/art_1_101.html" title="关于开展检查的通知">关于开展检查的通知</a><span>2026-10-12</span></li>]]></record>
      <record><![CDATA[<li><a href="/art/2026/9/30/art_1_100.html">关于放假的通知</a><span>2026-09-30</span></li>]]></record>
      </recordset></datastore></script></div></div>"""
    items = list_items(Selector(text=page), "http://127.0.0.11:8800/col/col1/index.html")
    assert [(i.title, i.url, i.date_text) for i in items] == [
        ("关于开展检查的通知", "http://127.0.0.11:8800/art/2026/10/12/art_1_101.html", "2026-10-12"),
        ("关于放假的通知", "http://127.0.0.11:8800/art/2026/9/30/art_1_100.html", "2026-09-30"),
    ]
    assert items[0].list_name == "通知公告"


def test_a_date_inside_the_link_is_the_entry_s_date_and_not_part_of_its_title():
    # 开普云 and newer templates: the whole row is one link holding a title span and a date span.
    page = """<h3>部门动态</h3><ul class="news">
      <li><a href="/bmdt/1.shtml"><span class="t">县农业农村局开展防疫督导</span><span class="d">2026-11-26</span></a></li>
      <li><a href="/bmdt/2.shtml"><p>县市场监管局召开推进会</p><em>(2026-11-19)</em></a></li></ul>"""
    items = list_items(Selector(text=page), PAGE)
    assert [(i.title, i.date_text) for i in items] == [
        ("县农业农村局开展防疫督导", "2026-11-26"),
        ("县市场监管局召开推进会", "2026-11-19"),
    ]


def test_the_date_of_a_disclosure_table_is_its_publication_date_column():
    # 政府信息公开 catalogue: 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期; a column is as fresh as what it published.
    page = """<table><tr><th>索引号</th><th>标题</th><th>发文字号</th><th>成文日期</th><th>发布日期</th></tr>
      <tr><td>1113/2026-00412</td><td><a href="a.html">关于印发办法的通知</a></td><td>测政规〔2026〕9号</td>
        <td>2026-10-29</td><td>2026-11-25</td></tr>
      <tr><td>1113/2026-00398</td><td><a href="b.html">关于印发规定的通知</a></td><td>测政办规〔2026〕7号</td>
        <td>2026-09-30</td><td>2026-11-10</td></tr></table>"""
    assert lists(page) == [("", 2, ["2026-11-25", "2026-11-10"])]
    # Without a heading row, labels tell: 发布日期 before 成文日期 wherever they stand.
    rows = """<ul><li><a href="a.html">关于印发办法的通知</a><span>成文日期：2026-10-29</span>
      <span>发布日期：2026-11-25</span></li><li><a href="b.html">关于印发规定的通知</a>
      <span>成文日期：2026-09-30</span><span>发布日期：2026-11-10</span></li></ul>"""
    assert lists(rows)[0][2] == ["2026-11-25", "2026-11-10"]


@pytest.mark.parametrize(
    ("row", "date_text"),
    [
        (
            '<div class="date"><b>28</b><span>2026-11</span></div><a href="/a.html">区政府召开常务会议</a>',
            "2026-11-28",
        ),
        (
            '<div class="date"><span>2026.11</span><strong>9</strong></div><a href="/a.html">全区森林防火会议</a>',
            "2026-11-09",
        ),
        ('<a href="/a.html">关于预算编制工作的通知</a><span>11月27日</span>', "11月27日"),
        ('<a href="/a.html">关于供暖保障的通知</a><span title="2026-11-03"></span>', "2026-11-03"),
        (
            '<a href="/a.html">招聘公告</a><p>11月28日，区长主持召开会议。</p><span>2026-11-16</span>',
            "2026-11-16",
        ),
        ('<a href="/a.html">镇党委理论学习会</a><span>[11/26]</span>', "[11/26]"),
    ],
    ids=[
        "day_over_year_month",
        "year_month_then_day",
        "month_day_in_chinese",
        "title_attribute",
        "summary",
        "month_day_slash",
    ],
)
def test_dates_as_portal_templates_draw_them(row, date_text):
    page = f"<ul><li>{row}</li><li>{row.replace('/a.html', '/b.html')}</li></ul>"
    assert lists(page)[0][2] == [date_text, date_text]


def test_rows_written_as_div_blocks_are_a_list_and_layout_boxes_are_not():
    rows = "".join(
        f"""<div class="item"><h4><a href="/xzdt/{n}.html">乡镇动态{n}</a></h4><p>摘要……</p>
        <p class="info"><span>发布时间：2026-11-2{n}</span><span>来源：城关镇</span></p></div>"""
        for n in range(1, 4)
    )
    boxes = """<div class="links"><div class="box"><a href="/a/">政务公开</a><a href="/b/">办事服务</a></div>
      <div class="box"><a href="/c/">互动交流</a></div></div>"""
    page = f'<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwdt/">政务动态</a> &gt; 乡镇动态</div><div class="list">{rows}</div>{boxes}'
    assert lists(page) == [("乡镇动态", 3, ["2026-11-21", "2026-11-22", "2026-11-23"])]


@pytest.mark.parametrize(
    "more", ["更多>>", "更多 +", "MORE &gt;&gt;", "查看更多&gt;", "[更多]", "+更多", "more»"]
)
def test_a_more_link_beside_the_heading_is_not_part_of_the_name(more):
    page = f"""<div class="box"><div class="box-hd"><span>通知公告</span><a href="/tzgg/">{more}</a></div>
      <ul><li><a href="/tzgg/1.html">关于放假的通知</a><span>2026-11-20</span></li></ul></div>"""
    assert lists(page)[0][0] == "通知公告"


def test_a_breadcrumb_names_the_list_by_its_last_step_before_the_article():
    trail = '<div class="pos">您现在的位置：<a href="/">首页</a> &gt; <a href="/tzgg/">通知公告</a> &gt; 正文</div>'
    rows = '<ul><li><a href="/tzgg/1.html">关于放假的通知</a><span>2026-11-20</span></li></ul>'
    assert lists(trail + rows)[0][0] == "通知公告"


def test_month_day_dates_under_a_year_heading_are_that_year_s():
    page = """<div class="y"><h3>2025年</h3><ul><li><a href="/c/1.html">第38次常务会议</a><span>11-26</span></li>
      <li><a href="/c/2.html">第37次常务会议</a><span>2025-10-30</span></li></ul></div>"""
    assert lists(page) == [("2025年", 2, ["2025-11-26", "2025-10-30"])]


def test_a_heading_table_before_the_list_table_names_it():
    # Hanweb/TRS table layouts: the heading and its 更多 link in one table, the rows in the next.
    page = """<td><table><tr><td class="lmbt">今日要闻</td><td><a href="/col/col1/index.html">更多&gt;&gt;</a></td></tr></table>
      <table><tr><td><a href="/art/1.html">市政府召开会议</a></td><td>11-27</td></tr>
        <tr><td><a href="/art/2.html">重点项目集中开工</a></td><td>11-25</td></tr></table></td>"""
    assert lists(f"<table><tr>{page}</tr></table>") == [("今日要闻", 2, ["11-27", "11-25"])]
