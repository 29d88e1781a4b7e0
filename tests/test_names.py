"""Every check id and every severity has a Chinese name for reports and mail, and the shared Chinese date and
severity order read as the documents expect."""

import re
from datetime import date

import pytest

from checks.dates import CHINA_OFFSET, chinese_date
from checks.findings import SEVERITY_ORDER, CheckId, Severity, severity_rank
from reports.glossary import CHECK_NAMES, SEVERITY_NAMES

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("check", list(CheckId))
def test_every_check_has_a_chinese_name(check):
    assert HAN.search(CHECK_NAMES.get(str(check), "")), (
        f"reports.glossary.CHECK_NAMES has no Chinese name for {check}"
    )


@pytest.mark.parametrize("severity", list(Severity))
def test_every_severity_has_a_chinese_name(severity):
    assert HAN.search(SEVERITY_NAMES.get(str(severity), "")), (
        f"reports.glossary.SEVERITY_NAMES has no Chinese name for {severity}"
    )


def test_names_are_only_for_known_checks_and_severities():
    assert set(CHECK_NAMES) <= {str(check) for check in CheckId}
    assert set(SEVERITY_NAMES) <= {str(severity) for severity in Severity}


def test_severities_sort_from_veto_to_info_and_unknown_last():
    assert [str(severity) for severity in SEVERITY_ORDER] == ["veto", "deduction", "warning", "info"]
    assert sorted(["info", "bogus", "veto", "warning", "deduction"], key=severity_rank) == [
        "veto",
        "deduction",
        "warning",
        "info",
        "bogus",
    ]


def test_chinese_date_has_no_leading_zeros():
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
    assert chinese_date(date(2026, 11, 28)) == "2026年11月28日"
    assert CHINA_OFFSET.total_seconds() == 8 * 3600
