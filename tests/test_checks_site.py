"""Page elements, required sections and the annual report, availability and homepage freshness."""

from datetime import date, datetime, timedelta

import pytest

from checks.availability import check_availability, check_homepage
from checks.columns import discover_columns
from checks.elements import check_elements
from checks.facts import Probe
from checks.rules import RubricError, load_rules
from checks.sections import check_sections
from tests.sitefacts import HOME, entries, link, menu, page, site

RULES = load_rules()
TODAY = date(2026, 11, 28)
FOOTER = "主办单位：测试县人民政府 网站标识码：6229990001 陇ICP备05000001号 甘公网安备 62299902000001号"
SEARCH = ({"action": "http://x.gov.cn/search/", "method": "get", "inputs": ["q"], "text": ""},)
BADGE = "http://bszs.conac.cn/sitename?method=show&id=1"


def home_links():
    return [
        link(HOME, BADGE, "党政机关", fetchable=False, in_scope=False),
        link(HOME, f"{HOME}sitemap/", "网站地图"),
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
        ("element_invalid", "site_id_code"),
    }


def test_a_malformed_site_id_code():
    facts = site(
        [], home_links(), footers={HOME: FOOTER.replace("6229990001", "62299")}, forms={HOME: SEARCH}
    )
    assert [(f.check, f.evidence) for f in check_elements(facts)] == [
        ("element_invalid", {"footer": "62299"})
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
    assert late and late[0].evidence == {"latest_year": 2024, "due_year": 2025, "deadline": "2026-01-31"}
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


def test_sections_missing_by_kind():
    facts = annual_report_site("service", [])
    missing = {f.section for f in check_sections(facts, [], RULES, TODAY) if f.check == "section_missing"}
    assert missing == {"办事指南", "表格下载", "在线办理", "办件公示", "咨询投诉"}


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
    assert [f.severity for f in check_homepage(facts(None), [], RULES, TODAY)] == ["veto"]


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
