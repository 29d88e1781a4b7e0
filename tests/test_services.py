"""办事服务 (checks/services.py): the 10 guide elements read from a guide's text, incomplete guides, the
veto line as a 待确认 warning, 办件统计 freshness, and the rubric's [services] lines."""

from datetime import date

import pytest

from checks.columns import UNCONFIRMED, Column
from checks.findings import CheckId, Severity
from checks.rules import RubricError, load_rules
from checks.services import check_services as check
from checks.services import missing_elements
from tests.sitefacts import HOME, entries, site

TODAY = date(2026, 11, 28)
RULES = load_rules()
ELEMENTS = ("事项名称", "设定依据", "申请条件", "办理材料", "办理地点", "办理机构", "收费标准", "办理时间")
FULL = (
    "\n".join(f"{name}：内容{n}" for n, name in enumerate(ELEMENTS))
    + "\n咨询电话：0930-1234567\n办事流程：申请—受理"
)


def guide_text(leave_out: int) -> str:
    lines = FULL.split("\n")
    return "\n".join(lines[leave_out:])


def guide_column(texts: list[str], name: str = "办事指南", **fields) -> tuple[Column, dict[str, str]]:
    url = f"{HOME}bszn/"
    listed = entries(url, "ul.list", [(f"事项{i}办事指南", "2026-10-01") for i in range(len(texts))])
    column = Column(name, url, "static", "items", listed, listed, (url,), **fields)
    return column, {entry.url: text for entry, text in zip(listed, texts, strict=True)}


def stats_column(dates: tuple[str | None, ...], state: str = "items") -> Column:
    url = f"{HOME}bjgs/"
    listed = entries(url, "ul.list", [(f"办件{i}", d) for i, d in enumerate(dates)])
    return Column("办件公示", url, "notice_policy", state, listed, listed, (url,))


def findings(columns, texts=None, kind="service", rules=RULES):
    return check(site([], kind=kind, texts=texts or {}), columns, rules, TODAY)


def test_elements_are_read_by_their_labels_and_need_a_value():
    assert missing_elements(FULL) == []
    assert missing_elements("事项名称：户口迁移\n收费标准：\n办理时间：工作日") == [
        "设定依据",
        "申请条件",
        "办理材料",
        "办理地点",
        "办理机构",
        "收费标准",  # a label with no value before the next label
        "联系电话",
        "办理流程",
    ]
    assert "办理机构" not in missing_elements("实施机关 临夏县政务服务中心")  # a table's label and value


def test_a_guide_missing_four_elements_is_a_finding_and_three_is_not():
    column, texts = guide_column([FULL, guide_text(3), guide_text(4)])
    [finding] = findings([column], texts)
    assert (finding.check, finding.severity) == (CheckId.SERVICE_GUIDE_INCOMPLETE, Severity.DEDUCTION)
    assert finding.evidence["missing"] == ["事项名称", "设定依据", "申请条件", "办理材料"]
    assert "事项2办事指南" in finding.detail and finding.url.endswith("_art2.html")


def test_five_incomplete_guides_reach_the_veto_line_only_as_a_warning_to_confirm():
    column, texts = guide_column([guide_text(5)] * 5 + [FULL])
    result = findings([column], texts)
    [line] = [f for f in result if f.check is CheckId.SERVICES_UNUSABLE]
    assert line.severity is Severity.WARNING and line.detail.startswith("【待确认】")
    assert line.evidence | {} == {"guides_read": 6, "incomplete": 5, "guide_missing": 4, "veto_line": 5}
    assert sum(f.check is CheckId.SERVICE_GUIDE_INCOMPLETE for f in result) == 5
    assert not any(f.severity is Severity.VETO for f in result)


def test_guides_not_read_are_not_judged_and_unconfirmed_columns_only_warn():
    column, texts = guide_column(
        [guide_text(6), guide_text(6)], identified_by="title", confidence=UNCONFIRMED
    )
    texts.popitem()
    [finding] = findings([column], texts)
    assert finding.severity is Severity.WARNING and "【待确认】" in finding.detail


def test_portals_are_not_read():
    column, texts = guide_column([guide_text(8)])
    assert findings([column], texts, kind="portal") == []
    assert len(findings([column], texts, kind="department")) == 1


@pytest.mark.parametrize(
    ("dates", "state", "problem"),
    [
        (("2026-10-01",), "items", None),
        (("2026-08-28",), "items", None),  # 92 days is within the limit, 93 is not
        (("2026-08-27",), "items", "age"),
        ((None,), "items", "undated"),
        ((), "empty", "empty"),
        ((), "needs_render", None),
    ],
)
def test_service_statistics_must_be_updated_within_three_months(dates, state, problem):
    result = findings([stats_column(dates, state)])
    if problem is None:
        assert result == []
        return
    [finding] = result
    assert (finding.check, finding.severity) == (CheckId.SERVICE_STATS_STALE, Severity.DEDUCTION)
    assert finding.url == f"{HOME}bjgs/"
    if problem == "age":
        assert finding.evidence["age_days"] == 93


def test_the_rubric_lines_can_be_changed_and_are_checked(tmp_path):
    override = tmp_path / "rubric.toml"
    override.write_text("[services]\nguide_missing = 2\nstats_days = 30\n", encoding="utf-8")
    rules = load_rules(override)
    column, texts = guide_column([guide_text(2)])
    assert len(findings([column], texts, rules=rules)) == 1
    override.write_text("[services]\nguides_veto = 0\n", encoding="utf-8")
    with pytest.raises(RubricError, match="guides_veto"):
        load_rules(override)
