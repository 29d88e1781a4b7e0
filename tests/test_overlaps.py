"""One fact, one finding (checks/overlaps.py): a key-area, 办件统计, annual-report or required-section column
judged stale or empty by its specific check is reported and scored once, under the specific indicator; an
ordinary column keeps its column finding; a 待确认 column stays a warning; the veto line still counts it."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from checks.columns import UNCONFIRMED, check_columns, discover_columns
from checks.findings import CheckId, Finding, Severity
from checks.inspect import check_site
from checks.keyareas import check_key_areas
from checks.overlaps import one_per_fact
from checks.rules import load_rules
from checks.sections import check_sections
from checks.services import check_services
from reports.model import Finding as ScoredFinding
from reports.scoring import SiteInfo, load_scoring, score_site
from tests.sitefacts import HOME, entries, link, menu, page, site

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 4, tzinfo=UTC)
RULES = load_rules()
SCORING = load_scoring()
FRESH = ("2026-11-20", "2026-11-10")
KEY_AREA_COLUMNS = ("财政预决算", "重大建设项目", "招标公告", "权责清单", "生态环境")


def column_site(dates: dict[str, tuple[str | None, ...]], kind: str = "portal"):
    """A site whose columns, named by its side menu, list items of these dates (none: an empty column)."""
    urls = {name: f"{HOME}c{i}/" for i, name in enumerate(dates)}
    lists = {
        url: entries(url, "div.content>ul.list", [(f"{name}信息{i}", d) for i, d in enumerate(dates[name])])
        + menu(url, urls)
        for name, url in urls.items()
    }
    pages = [page(url, f"首页 > {name}" + ("" if dates[name] else " 暂无信息")) for name, url in urls.items()]
    return site(pages, [link(HOME, url, name) for name, url in urls.items()], lists, kind=kind), urls


def portal(**changed: tuple[str | None, ...]):
    """A portal with every key area and the 工作动态 and 通知公告 columns fresh, but for `changed`."""
    return column_site(
        {"工作动态": FRESH, "通知公告": FRESH} | dict.fromkeys(KEY_AREA_COLUMNS, FRESH) | changed
    )


def of_column(findings: list[Finding], url: str) -> list[Finding]:
    """The findings about the column at `url`: its freshness and emptiness (the year's budget and final
    accounts, looked for by title in the 财政预决算 column, are another fact)."""
    return [
        f
        for f in findings
        if (f.url == url or f.evidence.get("column_urls") == [url]) and f.check != "fiscal_report_missing"
    ]


def deductions(findings: list[Finding], kind: str = "portal") -> dict[str, float]:
    """What these findings (one column's) cost under the shipped rubric."""
    scored = [ScoredFinding.from_json(f.as_json()) for f in findings]
    score = score_site(SiteInfo("x", "测试县人民政府", kind), scored, SCORING)
    return {d.indicator: d.points for d in score.deductions}


def test_a_stale_key_area_column_is_one_finding_and_one_deduction_under_key_areas():
    facts, urls = portal(生态环境=("2026-02-01", "2026-01-10"))
    findings = check_site(facts, RULES, NOW)
    [finding] = of_column(findings, urls["生态环境"])
    assert (finding.check, finding.severity, finding.element) == ("key_area_stale", "deduction", "环境保护")
    # the evidence a person checks: how the column was found, the newest date read, the limit, and the
    # generic finding folded into this one
    assert finding.evidence["how"] == "导航链接文字"
    assert finding.evidence["confidence"] == "confirmed"
    assert (finding.evidence["newest"], finding.evidence["limit_days"]) == ("2026-02-01", 183)
    assert len(finding.evidence["also"]) == 1 and "生态环境" in finding.evidence["also"][0]
    assert deductions(of_column(findings, urls["生态环境"])) == {"key_areas": 2}


def test_an_empty_key_area_column_is_one_finding_too():
    facts, urls = portal(招标公告=())
    findings = check_site(facts, RULES, NOW)
    [finding] = of_column(findings, urls["招标公告"])
    assert (finding.check, finding.evidence["problem"]) == ("key_area_stale", "empty")
    assert deductions(of_column(findings, urls["招标公告"])) == {"key_areas": 2}


def test_a_stale_ordinary_column_is_unchanged():
    facts, urls = portal(通知公告=("2026-04-01",))
    alone = check_columns(facts, discover_columns(facts, RULES), RULES, TODAY)
    findings = check_site(facts, RULES, NOW)
    [finding] = of_column(findings, urls["通知公告"])
    assert finding == next(f for f in alone if f.url == urls["通知公告"])
    assert finding.check == "column_stale" and "also" not in finding.evidence
    assert deductions(of_column(findings, urls["通知公告"])) == {"policy_column_stale": 5}


def test_an_unidentified_key_area_column_stays_a_warning_to_confirm():
    facts, urls = portal(生态环境=("2026-02-01",))
    columns = [
        replace(c, confidence=UNCONFIRMED) if c.url == urls["生态环境"] else c
        for c in discover_columns(facts, RULES)
    ]
    findings = one_per_fact(
        [*check_columns(facts, columns, RULES, TODAY), *check_key_areas(facts, columns, RULES, TODAY)]
    )
    [finding] = of_column(findings, urls["生态环境"])
    assert (finding.check, finding.severity) == ("key_area_stale", "warning")
    assert finding.detail.startswith("【待确认】") and finding.evidence["confidence"] == "unconfirmed"
    assert deductions([finding]) == {}


def test_a_warning_never_hides_a_deduction():
    url = f"{HOME}c1/"
    specific = Finding("x", CheckId.KEY_AREA_STALE, Severity.WARNING, "【待确认】…", url=url)
    generic = Finding("x", CheckId.COLUMN_STALE, Severity.DEDUCTION, "栏目…", url=url)
    assert one_per_fact([generic, specific]) == [generic, specific]


@pytest.mark.parametrize("column", KEY_AREA_COLUMNS)
def test_a_key_area_column_the_generic_check_drops_is_always_reported_by_the_key_area_check(column):
    """Whatever its age, a key-area column the column check calls stale or empty is still reported once:
    by key_area_stale when the area's limit is passed, else by the column check itself."""
    for age in (*range(0, 800, 7), None):
        dates = () if age is None else ((TODAY - timedelta(days=age)).isoformat(),)
        facts, urls = portal(**{column: dates})
        generic = [f for f in check_columns(facts, discover_columns(facts, RULES), RULES, TODAY)]
        findings = of_column(check_site(facts, RULES, NOW), urls[column])
        if any(f.url == urls[column] for f in generic):
            assert len(findings) == 1, (column, age, findings)
        else:
            assert all(f.check == "key_area_stale" for f in findings)


def test_the_veto_line_still_counts_a_folded_column(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text("[columns_stale]\nshould_update_warn = 1\n", encoding="utf-8")
    rules = load_rules(override)
    facts, urls = portal(生态环境=("2026-02-01",))
    findings = check_site(facts, rules, NOW)
    [line] = [f for f in findings if f.check == "columns_stale"]
    assert (line.severity, line.element, line.evidence["count"]) == ("warning", "should_update", 1)
    assert [f.check for f in of_column(findings, urls["生态环境"])] == ["key_area_stale"]


def test_a_stale_or_empty_service_statistics_column_is_one_finding():
    for dates in (("2026-02-01",), ()):
        facts, urls = column_site({"办件公示": dates, "办事指南": FRESH}, kind="service")
        columns = discover_columns(facts, RULES)
        findings = one_per_fact(
            [
                *check_columns(facts, columns, RULES, TODAY),
                *check_sections(facts, columns, RULES, TODAY),
                *check_services(facts, columns, RULES, TODAY),
            ]
        )
        [finding] = of_column(findings, urls["办件公示"])
        assert (finding.check, finding.severity) == ("service_stats_stale", "deduction")
        assert finding.evidence["how"] == "导航链接文字" and finding.evidence["also"]
        assert deductions([finding], "service") == {"service_stats": 2}


def test_an_empty_required_section_is_one_finding_under_required_sections():
    facts, urls = portal(政策解读=())
    findings = check_site(facts, RULES, NOW)
    [finding] = of_column(findings, urls["政策解读"])
    assert (finding.check, finding.section) == ("section_empty", "政策解读")
    assert "空白栏目" in finding.evidence["also"][0]


def test_a_folded_key_area_column_still_costs_the_columns_bonus(tmp_path):
    """An operator who turns on 栏目全部按时更新 does not award it to a site whose stale column is now
    reported as key_area_stale instead of column_stale."""
    override = tmp_path / "rubric.toml"
    override.write_text('[[indicators]]\nid = "bonus_columns"\nenabled = true\n', encoding="utf-8")
    facts, urls = portal(生态环境=("2026-02-01",))
    scored = [
        ScoredFinding.from_json(f.as_json())
        for f in of_column(check_site(facts, RULES, NOW), urls["生态环境"])
    ]
    site = score_site(SiteInfo("x", "测试县人民政府", "portal"), scored, load_scoring(override))
    assert (site.score, site.bonuses) == (98.0, [])
    assert score_site(SiteInfo("x", "测试县人民政府", "portal"), [], load_scoring(override)).bonus == 5.0


def test_a_budget_column_is_held_to_one_limit_by_every_check():
    # A 财政预决算 column 200 days old must not be 栏目更新不及时 (通知公告、政策文件类, 6 months) while the
    # key area, whose documents are yearly, finds it in time.
    from checks.keyareadata import areas
    from checks.rules import load_rules

    rules = load_rules()
    (fiscal,) = [area for area in areas() if area.name == "财政预决算"]
    for word in fiscal.words:
        assert rules.classify(word) in (None, fiscal.freshness), word
