"""Page elements, required sections and the annual report, availability and homepage freshness."""

from datetime import date, datetime, timedelta

import pytest

from checks.availability import check_availability, check_homepage
from checks.blocked import check_unread
from checks.columns import discover_columns
from checks.elements import check_elements
from checks.facts import Probe
from checks.inspect import check_site
from checks.rules import RubricError, load_rules
from checks.sections import check_sections
from tests.sitefacts import HOME, entries, link, menu, page, site

RULES = load_rules()
TODAY = date(2026, 11, 28)
FOOTER = "主办单位：测试县人民政府 网站标识码：6229990001 陇ICP备05000001号 甘公网安备 62299902000001号"
SEARCH = ({"action": "http://x.gov.cn/search/", "method": "get", "inputs": ["q"], "text": ""},)
BADGE = "http://bszs.conac.cn/sitename?method=show&id=1"
JIUCUO = "https://zfwzgl.www.gov.cn/exposure/jiucuo.js"  # the national 找错 platform's button script


def home_links():
    return [
        link(HOME, BADGE, "党政机关", fetchable=False, in_scope=False),
        link(HOME, f"{HOME}sitemap/", "网站地图"),
        link(HOME, JIUCUO, "", fetchable=False, in_scope=False),
    ]


def test_a_complete_footer_has_no_findings():
    facts = site(
        [],
        home_links(),
        footers={HOME: FOOTER},
        forms={HOME: SEARCH},
        meta={HOME: {"SiteIDCode": "6229990001"}},
    )
    assert check_elements(facts) == []


def test_missing_elements_and_a_site_id_unequal_to_its_meta():
    footer = FOOTER.replace(" 甘公网安备 62299902000001号", "")
    facts = site([], [], footers={HOME: footer}, forms={HOME: ()}, meta={HOME: {"SiteIDCode": "6229990002"}})
    findings = check_elements(facts)
    assert {(f.check, f.element) for f in findings} == {
        ("element_missing", "police"),
        ("element_missing", "conac_badge"),
        ("element_missing", "sitemap"),
        ("element_missing", "search"),
        ("element_missing", "error_report"),
        ("element_invalid", "site_id_code"),
    }


def test_a_malformed_site_id_code():
    facts = site(
        [], home_links(), footers={HOME: FOOTER.replace("6229990001", "62299")}, forms={HOME: SEARCH}
    )
    assert [(f.check, f.evidence) for f in check_elements(facts)] == [
        ("element_invalid", {"footer": "62299", "page": HOME})
    ]


def annual_report_site(kind, titles):
    report = f"{HOME}xxgk/nb/"
    lists = {
        report: entries(report, "ul.list", [(t, "2026-03-01") for t in titles])
        + menu(report, {"年报": report})
    }
    return site(
        [page(report, "信息公开年报")], [link(HOME, report, "政府信息公开工作年度报告")], lists, kind=kind
    )


def test_the_annual_report_deadline_depends_on_the_kind_of_site():
    department = annual_report_site("department", ["2024年政府信息公开工作年度报告"])
    late = [
        f
        for f in check_sections(department, discover_columns(department, RULES), RULES, TODAY)
        if f.check == "annual_report_late"
    ]
    assert late and late[0].evidence == {
        "latest_year": 2024,
        "due_year": 2025,
        "deadline": "2026-01-31",
        "confidence": "confirmed",
        "identified_by": "navigation",
    }
    assert late[0].severity == "deduction"
    on_time = annual_report_site("department", ["2025年政府信息公开工作年度报告"])
    assert not [
        f
        for f in check_sections(on_time, discover_columns(on_time, RULES), RULES, TODAY)
        if f.check == "annual_report_late"
    ]
    # A government's report for 2025 is due only by 31 March 2026: in February, 2024's is enough.
    portal = annual_report_site("portal", ["2024年政府信息公开工作年度报告"])
    february = date(2026, 2, 20)
    assert not [
        f
        for f in check_sections(portal, discover_columns(portal, RULES), RULES, february)
        if f.check == "annual_report_late"
    ]


def test_an_annual_report_section_known_only_from_an_article_is_not_a_deduction():
    # TRS table layout: the only page saying 信息公开年报 is a report article (its ColumnName meta); the
    # column itself was never read. Its list cannot prove a late report: 待确认, not a deduction.
    article = f"{HOME}xxgk/nb/202603/t20260301_1.html"
    evidence = '{"score": 4, "signals": {"labels": ["date", "source", "print"], "long_body": 900}}'
    facts = site(
        [page(article, "2025年度报告", kind="article", kind_evidence=evidence)],
        [],
        {},
        kind="department",
        meta={article: {"ColumnName": "信息公开年报"}},
    )
    findings = check_sections(facts, discover_columns(facts, RULES), RULES, TODAY)
    assert "信息公开年报" not in [f.section for f in findings if f.check == "section_missing"]
    (late,) = [f for f in findings if f.check == "annual_report_late"]
    assert late.severity == "warning" and late.detail.startswith("【待确认】")
    assert late.evidence["confidence"] == "unconfirmed"


def test_sections_missing_by_kind():
    facts = annual_report_site("service", [])
    missing = {f.section for f in check_sections(facts, [], RULES, TODAY) if f.check == "section_missing"}
    assert missing == {"办事指南", "表格下载", "在线办理", "办件公示", "网上咨询", "投诉建议"}


def probes(failed: int, total: int, now: datetime):
    return tuple(
        Probe(now - timedelta(hours=i), i >= failed, 200 if i >= failed else 503, None) for i in range(total)
    )


def test_availability_veto_warning_and_the_probe_window():
    now = datetime(2026, 11, 28, 12)
    assert check_availability(site([], probes=probes(0, 140, now)), RULES, now) == []
    warning = check_availability(site([], probes=probes(5, 140, now)), RULES, now)  # 3.6 %
    assert [f.severity for f in warning] == ["warning"]
    veto = check_availability(site([], probes=probes(7, 140, now)), RULES, now)  # 5.0 %
    assert [f.severity for f in veto] == ["veto"] and veto[0].evidence["failed"] == 7
    old = tuple(Probe(now - timedelta(days=8), False, None, "timeout") for _ in range(10))
    assert check_availability(site([], probes=old), RULES, now) == []


def test_homepage_freshness():
    def facts(day):
        return site([], [], {HOME: entries(HOME, "div.block>ul", [("要闻", day)])})

    assert check_homepage(facts("2026-11-20"), [], RULES, TODAY) == []
    assert [f.severity for f in check_homepage(facts("2026-11-16"), [], RULES, TODAY)] == ["warning"]
    assert [f.severity for f in check_homepage(facts("2026-11-13"), [], RULES, TODAY)] == ["veto"]
    assert [f.severity for f in check_homepage(facts(None), [], RULES, TODAY)] == ["veto"]  # read, undated
    # nothing read on the homepage and no dated column: 待确认, not a veto
    (unsure,) = check_homepage(site([], [], {}), [], RULES, TODAY)
    assert unsure.severity == "warning" and unsure.detail.startswith("【待确认】")


def test_an_operator_rubric_extends_word_lists_and_replaces_values(tmp_path):
    mine = tmp_path / "rubric.toml"
    mine.write_text('[freshness]\nnews = 7\n[column_classes]\nnews = ["工作进展通报"]\n', encoding="utf-8")
    rules = load_rules(mine)
    assert rules.freshness_days["news"] == 7 and rules.freshness_days["longterm"] == 365
    assert "工作进展通报" in rules.column_classes["news"] and "动态" in rules.column_classes["news"]


def test_a_bad_rubric_names_the_file_table_and_field(tmp_path):
    mine = tmp_path / "rubric.toml"
    mine.write_text('[freshness]\nnews = "two weeks"\n', encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rules(mine)
    assert (
        str(caught.value)
        == f"{mine}: [freshness] news: 'two weeks' is not a whole number ≥ 1 (set it to a whole number ≥ 1)"
    )


XXGK = "http://xxgk.x.gov.cn/"


def multi_host_site(site_of_platform: str = "x"):
    """A portal whose 信息公开 platform lives on another host of its registry scope."""
    sections = {"机构职能": "jgzn/", "负责人信息": "fzrxx/", "政策文件": "zcwj/"}
    pages = [page(XXGK, "政府信息公开", site_id=site_of_platform)]
    pages += [page(f"{XXGK}{path}", name, site_id=site_of_platform) for name, path in sections.items()]
    links = [link(HOME, XXGK, "信息公开")]
    links += [link(XXGK, f"{XXGK}{path}", name) for name, path in sections.items()]
    return site(pages, links)


def test_sections_found_on_the_sites_other_hosts_count():
    missing = {f.section for f in check_sections(multi_host_site(), [], RULES, TODAY)}
    assert {"机构职能", "负责人信息", "政策文件"}.isdisjoint(missing)
    assert "通知公告" in missing


def test_sections_on_another_sites_pages_do_not_count():
    # the same pages crawled for another site (a sub-site nested on a shared host) are not this site's
    missing = {f.section for f in check_sections(multi_host_site("other"), [], RULES, TODAY)}
    assert {"机构职能", "负责人信息", "政策文件"} <= missing


def test_a_section_link_through_a_redirect_counts_where_it_lands():
    target = f"{HOME}xxgk/jgzn"
    facts = site(
        [
            page(target, status=200, final_url=f"{target}/"),  # the first URL holds the final answer
            page(f"{HOME}zcwj", status=301, final_url=f"{HOME}zcwj/"),
            page(f"{HOME}zcwj/", "政策文件"),
        ],
        [link(HOME, target, "机构职能"), link(HOME, f"{HOME}zcwj", "政策文件")],
    )
    missing = {f.section for f in check_sections(facts, [], RULES, TODAY)}
    assert {"机构职能", "政策文件"}.isdisjoint(missing)


def test_a_section_whose_page_could_not_be_read_this_time_is_to_be_confirmed():
    # Under load a timeout, a 503 or a page left unfetched is no proof the section is missing.
    facts = site(
        [
            page(f"{HOME}jgzn/", status=None, error="timeout"),
            page(f"{HOME}zcwj/", status=503),
            page(f"{HOME}tzgg/", status=404),
        ],
        [
            link(HOME, f"{HOME}jgzn/", "机构职能"),
            link(HOME, f"{HOME}zcwj/", "政策文件"),
            link(HOME, f"{HOME}ghjh/", "规划计划"),  # never fetched
            link(HOME, f"{HOME}tzgg/", "通知公告"),
            link(HOME, "javascript:void(0)", "人事信息", fetchable=False),  # a menu header leads nowhere
        ],
    )
    found = {f.section: f for f in check_sections(facts, [], RULES, TODAY) if f.check == "section_missing"}
    for section, answer in (("机构职能", "访问超时"), ("政策文件", "HTTP 503"), ("规划计划", "本次未抓取")):
        assert found[section].severity == "warning", section
        assert found[section].detail.startswith("【待确认】") and answer in found[section].detail
        assert (
            found[section].evidence["confidence"] == "unconfirmed" and found[section].evidence["page"] == HOME
        )
    # a page that is gone, and a section with no link at all, are missing: deductions, with what was read
    assert found["通知公告"].severity == "deduction" and found["通知公告"].evidence["status"] == 404
    assert found["人事信息"].severity == "deduction" and not found["人事信息"].evidence
    # the key stays the section's, whichever link was read: an inspection that reads the link finds the
    # same problem as one that did not
    assert all(f.url is None and f.page is None for f in found.values())


# The national list (indicators.md §2) and the prefecture's real disclosure columns (the seed report), each
# with the required section it must be read as.
NATIONAL_AND_SEED_NAMES = {
    "portal": {
        "法定主动公开内容": "信息公开目录",
        "领导信箱": "咨询投诉",
        "政府信息公开指南": "信息公开指南",
        "政府信息公开制度规定": "信息公开制度",
        "领导之窗": "负责人信息",
        "政府机构": "机构职能",
        "国民经济和社会发展规划": "规划计划",
        "经济社会发展统计信息": "数据发布",
        "公众参与": "互动交流",
        "政府信息公开年报": "信息公开年报",
        "政府信息公开工作年度报告": "信息公开年报",
    },
    "department": {"机构设置": "机构职能", "信息公开年度报告": "信息公开年报", "依申请公开": "依申请公开"},
    "service": {"办件统计": "办件公示", "在线咨询": "网上咨询", "我要投诉": "投诉建议"},
}


@pytest.mark.parametrize("kind", ["portal", "department", "service"])
def test_every_required_section_and_its_national_and_seed_names_are_read(kind):
    for section in RULES.sections[kind]:
        assert RULES.sections_of(section, kind) == (section,), section
        assert section in RULES.section_synonyms, f"{section} has no synonyms in the rubric"
    for name, section in NATIONAL_AND_SEED_NAMES[kind].items():
        assert RULES.sections_of(name, kind) == (section,), name


@pytest.mark.parametrize(
    ("name", "kind", "sections"),
    [
        ("机构职责", "portal", {"机构职能"}),
        ("互动交流", "portal", {"互动交流"}),
        ("政民互动", "portal", {"互动交流"}),
        ("互动交流", "department", set()),  # not a department's required section
        ("网上咨询", "portal", {"咨询投诉"}),
        ("网上咨询", "service", {"网上咨询"}),
        ("投诉建议", "service", {"投诉建议"}),
        ("咨询投诉", "service", {"网上咨询", "投诉建议"}),  # one entry naming both
        ("政策解读", "portal", {"政策解读"}),  # not 政策文件 by its 政策
        ("事业单位法人年度报告", "portal", set()),  # not the disclosure annual report
        ("招商引资", "portal", set()),
    ],
)
def test_section_vocabulary(name, kind, sections):
    assert set(RULES.sections_of(name, kind)) == sections


def test_only_names_leading_to_a_real_page_of_the_site_count():
    gone, moved = f"{HOME}zxft/", f"{HOME}zjdc/"
    facts = site(
        [
            page(f"{HOME}jgzz/", "机构职责 主要职责"),
            page(gone, "对不起，您访问的页面不存在", title="页面不存在"),  # a soft-404
            page(moved, status=200, final_url=HOME),  # a removed section sent to the homepage
        ],
        [
            link(HOME, HOME, "信息公开目录"),  # a dropdown header written href="/" (or "/#")
            link(f"{HOME}jgzz/", f"{HOME}jgzz/", "政策文件"),  # href="#" resolved to its own page
            link(HOME, f"{HOME}jgzz/", "机构职责"),
            link(HOME, gone, "在线访谈"),
            link(HOME, moved, "征集调查"),
            link(HOME, f"{HOME}jgzz/", "通知公告", attr="onclick"),  # not a link a visitor follows
        ],
    )
    missing = {f.section for f in check_sections(facts, [], RULES, TODAY) if f.check == "section_missing"}
    assert "机构职能" not in missing
    assert {"信息公开目录", "政策文件", "在线访谈", "征集调查", "通知公告"} <= missing


def test_sections_missing_after_a_crawl_cut_short_by_its_deadline_are_only_unconfirmed():
    from checks.facts import CrawlLimits

    facts = annual_report_site("service", [])
    cut = site(
        list(facts.pages.values()),
        facts.links,
        dict(facts.entries),
        kind="service",
        crawl=CrawlLimits(stopped_by="deadline", unfinished=40),
    )
    missing = [
        f
        for f in check_sections(cut, discover_columns(cut, RULES), RULES, TODAY)
        if f.check == "section_missing"
    ]
    assert missing and all(f.severity == "warning" and f.detail.startswith("【待确认】") for f in missing)


@pytest.mark.parametrize(
    ("home", "answer"),
    [
        (page(HOME, depth=0, status=None, error="timeout"), "访问超时"),
        (page(HOME, depth=0, status=502), "HTTP 502"),
        (None, "本次未抓取到首页"),
    ],
)
def test_a_site_whose_homepage_was_not_read_is_one_finding_to_confirm_and_no_veto(home, answer):
    facts = site([home] if home else [], [], footers={}, forms={})
    if home is None:
        del facts.pages[HOME]  # `site` adds a homepage that answered; this crawl never reached it
    findings = check_site(facts, RULES, datetime(2026, 11, 28, 12))
    # not dozens of missing sections, elements, key areas and a no-consultation veto read off nothing
    assert [(f.check, f.severity) for f in findings] == [("homepage_unread", "warning")]
    assert answer in findings[0].detail and findings[0].evidence["confidence"] == "unconfirmed"


def test_a_homepage_read_through_a_redirect_is_read():
    facts = site([page(HOME, depth=0, status=200, final_url=f"{HOME}index.html")], [])
    assert check_unread(facts) is None
