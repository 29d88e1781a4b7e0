"""Key areas (checks/keyareas.py): areas found by the synonym table, missing and stale ones, the year's budget
and final accounts by title, 待确认 where the evidence is weak, and the rubric's per-kind and per-site lists."""

from datetime import date

import pytest

from checks.columns import UNCONFIRMED, Column
from checks.facts import CrawlLimits, Entry
from checks.findings import CheckId, Severity
from checks.keyareadata import area_names
from checks.keyareas import check_key_areas, due_years, names_report
from checks.rules import RubricError, load_rules
from tests.sitefacts import HOME, entries, link, site

TODAY = date(2026, 11, 28)
RULES = load_rules()


def column(name: str, dates: tuple[str | None, ...] = ("2026-11-01",), **fields) -> Column:
    url = f"{HOME}{abs(hash(name)) % 10**6}/"
    listed = entries(url, "ul.list", [(f"{name}信息{i}", d) for i, d in enumerate(dates)])
    values = {"state": "items" if dates else "empty"} | fields
    return Column(
        name, url, "notice_policy", first_entries=listed, all_entries=listed, pages=(url,), **values
    )


def healthy_columns() -> list[Column]:
    return [
        column("财政预决算"),
        column("重大建设项目"),
        column("招标公告"),
        column("权责清单", ("2026-02-01",)),
        column("生态环境"),
    ]


def fiscal_titles(*titles: str) -> dict[str, tuple[Entry, ...]]:
    url = f"{HOME}czyjs/"
    return {url: entries(url, "ul.list", [(title, "2026-04-01") for title in titles])}


HEALTHY_TITLES = ("临夏州2026年部门预算公开", "关于临夏州2025年财政决算的公告")


def findings(columns, titles=HEALTHY_TITLES, kind="portal", rules=RULES, **fields):
    facts = site([], lists=fiscal_titles(*titles), kind=kind, **fields)
    return check_key_areas(facts, columns, rules, TODAY)


def test_a_site_with_every_area_fresh_and_both_reports_has_no_finding():
    assert findings(healthy_columns()) == []


def test_the_synonym_table_names_the_five_areas_of_the_seed():
    assert area_names() == ("财政预决算", "重大建设项目", "公共资源配置", "行政权力", "环境保护")


def test_a_missing_area_is_a_deduction_naming_it():
    columns = [c for c in healthy_columns() if c.name != "生态环境"]
    [finding] = findings(columns)
    assert (finding.check, finding.severity, finding.element) == (
        CheckId.KEY_AREA_MISSING,
        Severity.DEDUCTION,
        "环境保护",
    )
    assert "环境保护" in finding.detail and finding.evidence["columns_read"] == 4


def test_an_area_seen_only_as_a_menu_link_is_a_warning_to_confirm():
    columns = [c for c in healthy_columns() if c.name != "生态环境"]
    facts = site(
        [],
        links=[
            link(HOME, f"{HOME}hbj/", "环境保护"),
            link(HOME, f"{HOME}a.html", "关于加强生态环境保护工作的通知"),
        ],
        lists=fiscal_titles(*HEALTHY_TITLES),
    )
    [finding] = check_key_areas(facts, columns, RULES, TODAY)
    assert finding.severity is Severity.WARNING and finding.detail.startswith("【待确认】")
    assert finding.evidence["candidates"] == ["环境保护"]  # the long article title is no menu entry


def test_a_crawl_cut_off_never_deducts_for_what_it_did_not_read():
    columns = [c for c in healthy_columns() if c.name != "权责清单"]
    result = findings(columns, titles=(), crawl=CrawlLimits(stopped_by="deadline"))
    assert {f.severity for f in result} == {Severity.WARNING}
    assert {f.check for f in result} == {CheckId.KEY_AREA_MISSING, CheckId.FISCAL_REPORT_MISSING}


def test_stale_empty_and_undated_areas_by_the_areas_class():
    columns = healthy_columns()
    columns[1] = column("重大建设项目", ("2026-03-01",))  # notice_policy: 272 days > 183
    columns[2] = column("招标公告", ())  # empty
    columns[3] = column("权责清单", ("2026-01-02",))  # longterm: 330 days is within 365
    columns[4] = column("生态环境", (None, None))  # no dates: not updated
    result = {f.element: f for f in findings(columns)}
    assert set(result) == {"重大建设项目", "公共资源配置", "环境保护"}
    assert {f.check for f in result.values()} == {CheckId.KEY_AREA_STALE}
    stale = result["重大建设项目"].evidence
    assert (stale["problem"], stale["age_days"], stale["limit_days"]) == ("stale", 272, 183)
    assert result["公共资源配置"].evidence["problem"] == "empty"
    assert result["环境保护"].evidence["problem"] == "undated"
    assert result["公共资源配置"].url == columns[2].url


def test_one_fresh_column_keeps_its_area_fresh_and_a_no_such_information_note_is_accepted():
    columns = [*healthy_columns(), column("中标公示", ("2025-01-01",)), column("环境监测", (), state="note")]
    assert findings(columns) == []


def test_an_unconfirmed_column_gives_a_warning_to_confirm():
    columns = healthy_columns()
    columns[1] = column("重大项目", ("2025-11-01",), identified_by="title", confidence=UNCONFIRMED)
    [finding] = findings(columns)
    assert finding.severity is Severity.WARNING and "【待确认】" in finding.detail


def test_budget_and_final_accounts_are_looked_for_by_title():
    result = findings(healthy_columns(), titles=("临夏州2025年部门预算公开", "临夏州2024年部门决算"))
    assert {(f.element, f.severity) for f in result} == {
        ("2026年预算", Severity.DEDUCTION),
        ("2025年决算", Severity.DEDUCTION),
    }
    assert all(f.check is CheckId.FISCAL_REPORT_MISSING and f.column == "财政预决算" for f in result)


def test_without_a_fiscal_column_a_missing_budget_is_only_to_confirm():
    columns = [c for c in healthy_columns() if c.name != "财政预决算"]
    result = findings(columns, titles=("临夏州2026年部门预算公开",))
    missing_report = [f for f in result if f.check is CheckId.FISCAL_REPORT_MISSING]
    assert [(f.element, f.severity) for f in missing_report] == [("2025年决算", Severity.WARNING)]


@pytest.mark.parametrize(
    ("title", "year", "words", "not_words", "expected"),
    [
        ("临夏州2026年部门预算公开", 2026, ("预算",), ("预算执行", "决算"), True),
        ("临夏州2026年部门决算公开", 2026, ("预算",), ("预算执行", "决算"), False),
        ("关于2025年预算执行情况和2026年预算草案的报告", 2025, ("预算",), ("预算执行", "决算"), False),
        ("关于2025年预算执行情况和2026年预算草案的报告", 2026, ("预算",), ("预算执行", "决算"), True),
        ("2026年度财政预算", 2026, ("预算",), (), True),
        ("临夏州2025年财政决算", 2025, ("决算",), (), True),
        ("临夏州2024年财政决算", 2025, ("决算",), (), False),
    ],
)
def test_names_report(title, year, words, not_words, expected):
    assert names_report(title, year, words, not_words) is expected


def test_due_years_move_at_the_rubric_deadlines():
    assert due_years(RULES, date(2026, 3, 30)) == (2025, 2024)
    assert due_years(RULES, date(2026, 3, 31)) == (2026, 2024)
    assert due_years(RULES, date(2026, 9, 30)) == (2026, 2025)


def test_departments_are_off_by_default_and_a_site_or_kind_list_turns_areas_on(tmp_path):
    assert findings([], kind="department") == []
    override = tmp_path / "rubric.toml"
    override.write_text(
        '[key_areas]\ndepartment = ["财政预决算"]\nx = ["环境保护"]\n'
        '[key_area_dates]\nbudget_deadline = "12-31"\n',
        encoding="utf-8",
    )
    rules = load_rules(override)
    assert rules.key_areas_of("other", "department") == ("财政预决算",)
    assert rules.budget_deadline == (12, 31)
    # the site's own list replaces its kind's: only 环境保护 is read on site "x"
    [finding] = findings([], kind="department", rules=rules)
    assert (finding.check, finding.element) == (CheckId.KEY_AREA_MISSING, "环境保护")


def test_a_site_list_may_turn_the_check_off(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text("[key_areas]\nx = []\n", encoding="utf-8")
    assert findings([], titles=(), rules=load_rules(override)) == []


def test_an_unknown_area_or_date_in_the_rubric_is_refused(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text('[key_areas]\nportal = ["扶贫项目"]\n', encoding="utf-8")
    with pytest.raises(RubricError, match="扶贫项目: unknown area"):
        load_rules(override)
    override.write_text('[key_area_dates]\nbudget_deadline = "13-01"\n', encoding="utf-8")
    with pytest.raises(RubricError, match="budget_deadline"):
        load_rules(override)
