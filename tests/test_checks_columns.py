"""Columns: found among menus, hubs and articles; stale, empty and catalogue-note columns."""

from dataclasses import replace
from datetime import date

import pytest

from checks.columns import check_columns, discover_columns, newest_date
from checks.facts import Entry
from checks.rules import load_rules
from tests.sitefacts import HOME, entries, link, menu, page, site

TODAY = date(2026, 11, 28)
RULES = load_rules()
NEWS, TZGG, XXGK, ML, XZCF, KONG = (
    f"{HOME}gzdt/",
    f"{HOME}tzgg/",
    f"{HOME}xxgk/",
    f"{HOME}xxgk/ml/",
    f"{HOME}xxgk/ml/xzcf/",
    f"{HOME}kong/",
)
SIDE = {"工作动态": NEWS, "通知公告": TZGG, "空白栏目": KONG}


def farm_like_site(news_dates=("2026-11-20", "[11-02]"), tzgg_dates=("2026年05月01日",)):
    """Two dated columns and an empty one under a side menu, a hub, and a catalogue column with a note."""
    lists = {
        NEWS: entries(NEWS, "div.content>ul.list", [(f"动态{i}", d) for i, d in enumerate(news_dates)])
        + menu(NEWS, SIDE),
        TZGG: entries(TZGG, "table.list", [(f"公告{i}", d) for i, d in enumerate(tzgg_dates)])
        + menu(TZGG, SIDE),
        KONG: menu(KONG, SIDE),
        XXGK: menu(XXGK, {"信息公开目录": ML, "通知公告": TZGG}),
        ML: menu(ML, {"行政处罚": XZCF}),
    }
    pages = [
        page(NEWS, "首页 > 工作动态"),
        page(TZGG, "首页 > 通知公告"),
        page(KONG, "首页 > 空白栏目 暂无信息"),
        page(XXGK, "信息公开"),
        page(ML, "信息公开目录"),
        page(XZCF, "根据《中华人民共和国政府信息公开条例》，本机关无此类信息。"),
    ]
    links = [link(HOME, url, name) for name, url in {**SIDE, "信息公开": XXGK}.items()]
    links += [link(ML, XZCF, "行政处罚"), link(XXGK, ML, "信息公开目录")]
    return site(pages, links, lists)


def by_name(columns):
    return {column.name: column for column in columns}


def test_columns_are_found_and_menus_and_hubs_are_not():
    columns = by_name(discover_columns(farm_like_site(), RULES))
    assert set(columns) == {"工作动态", "通知公告", "空白栏目", "行政处罚"}
    assert columns["工作动态"].freshness == "news"
    assert columns["通知公告"].freshness == "notice_policy"
    assert columns["空白栏目"].state == "empty"
    assert columns["行政处罚"].state == "note"
    assert [e.title for e in columns["工作动态"].first_entries] == ["动态0", "动态1"]


def test_stale_and_empty_columns_are_findings_and_a_catalogue_note_is_accepted():
    facts = farm_like_site(news_dates=("2026-11-01", "[10-30]"))
    findings = check_columns(facts, discover_columns(facts, RULES), RULES, TODAY)
    subjects = {(f.check, f.column) for f in findings}
    assert subjects == {
        ("column_stale", "工作动态"),
        ("column_stale", "通知公告"),
        ("column_empty", "空白栏目"),
    }
    stale = next(f for f in findings if f.column == "工作动态")
    assert stale.evidence == {
        "freshness": "news",
        "limit_days": 14,
        "entries": 2,
        "newest": "2026-11-01",
        "age_days": 27,
        "identified_by": "navigation",  # named by the links of the site's own menu
        "how": "导航链接文字",
        "page_kind": "unknown",  # facts stored before page kinds were read
        "confidence": "confirmed",
    }
    assert "2026年11月1日" in stale.detail and "27 天" in stale.detail


def test_a_bare_no_data_note_in_the_catalogue_is_still_empty():
    facts = farm_like_site()
    bare = page(XZCF, "首页 > 信息公开目录 > 行政处罚 暂无信息")
    facts = site(
        [*(p for p in facts.pages.values() if p.url != XZCF), bare], facts.links, dict(facts.entries)
    )
    columns = by_name(discover_columns(facts, RULES))
    assert columns["行政处罚"].state == "empty"


def test_items_without_a_date_count_as_not_updated():
    facts = farm_like_site(tzgg_dates=(None, None))
    findings = check_columns(facts, discover_columns(facts, RULES), RULES, TODAY)
    undated = next(f for f in findings if f.column == "通知公告")
    assert "newest" not in undated.evidence and "均未标注发布日期" in undated.detail


def test_an_unsorted_first_page_sends_the_check_to_every_page():
    facts = farm_like_site(news_dates=("2026-10-01", "2026-11-20", "2026-09-01"))
    column = by_name(discover_columns(facts, RULES))["工作动态"]
    assert newest_date(column, TODAY) == date(2026, 11, 20)


def test_trs_pages_and_index_aliases_belong_to_their_column():
    facts = farm_like_site(news_dates=("2026-10-01",))
    page_two = f"{NEWS}index_1.html"
    lists = {**facts.entries, page_two: entries(page_two, "div.content>ul.list", [("动态旧", "2026-11-25")])}
    pages = [*facts.pages.values(), page(page_two, "工作动态"), page(f"{NEWS}index.html", "工作动态")]
    links = [*facts.links, link(NEWS, page_two, "第2页", tag="script", attr="createPageHTML")]
    columns = discover_columns(site(pages, links, lists), RULES)
    news = [c for c in columns if c.name == "工作动态"]
    assert len(news) == 1 and set(news[0].pages) == {NEWS, f"{NEWS}index.html", page_two}
    assert newest_date(news[0], TODAY) == date(2026, 10, 1)  # sorted first page: the second is not needed


@pytest.mark.parametrize(
    ("name", "freshness"),
    [
        ("政务动态", "news"),
        ("部门动态", "news"),
        ("乡镇动态", "news"),
        ("通知公告", "notice_policy"),
        ("规范性文件", "notice_policy"),
        ("政策解读", "notice_policy"),
        ("人事信息", "longterm"),
        ("机构职能", "longterm"),
        ("信息公开指南", "static"),
        ("依申请公开", "static"),
        ("网站地图", "static"),
        ("专题专栏", None),
    ],
)
def test_column_names_are_classified_through_synonyms(name, freshness):
    assert RULES.classify(name) == freshness


@pytest.mark.parametrize(
    ("name", "section"),
    [
        ("政府信息公开工作年度报告", "信息公开年报"),
        ("信息公开年度报告", "信息公开年报"),
        ("走进临夏", "概况信息"),
        ("领导之窗", "负责人信息"),
        ("政务动态", "工作动态"),
        ("法定主动公开内容", "信息公开目录"),
        ("招商引资", None),
    ],
)
def test_section_names_are_matched_through_synonyms(name, section):
    assert RULES.section_of(name) == section


def test_a_list_whose_items_articles_link_to_is_still_a_column():
    """A policy shown on the homepage, in its column, and linked from its interpretation (an article's
    related links) is no menu entry: the policy column stays a column."""
    zcwj, jd = f"{HOME}zcwj/", f"{HOME}zcjd/"
    policies = entries(zcwj, "table.list_tb", [(f"政策{i}", "2026-10-0{i}") for i in range(1, 4)])
    readings = [f"{jd}t{i}.html" for i in range(1, 4)]
    lists = {zcwj: policies, HOME: tuple(replace(e, page_url=HOME, container="td>table#6") for e in policies)}
    for reading, policy in zip(readings, policies, strict=True):
        lists[reading] = (
            Entry(reading, "td>table.article", 0, "附件：实施方案.pdf", f"{reading}.pdf", None),
            Entry(reading, "td>table.article", 1, f"政策原文：{policy.title}", policy.url, None),
            Entry(reading, "td>table.article", 2, "打印本页", None, None),
        )
    pages = [page(zcwj, "政策文件"), *(page(url, "解读正文", kind="article") for url in readings)]
    facts = site(pages, [link(HOME, zcwj, "政策文件")], lists)
    assert "政策文件" in by_name(discover_columns(facts, RULES))


@pytest.mark.parametrize("more", ["更多 +", "MORE >>", "查看更多>", "[更多]", "更多信息"])
def test_more_links_of_every_spelling_do_not_name_a_column(more):
    facts = farm_like_site()
    facts = replace(facts, links=(*facts.links, *(link(f"{HOME}p{n}/", NEWS, more) for n in range(3))))
    assert "工作动态" in by_name(discover_columns(facts, RULES))
