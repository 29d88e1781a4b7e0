"""Every date form of Chinese government lists, and the year of a date written without one."""

from datetime import date

import pytest

from checks.dates import date_from_url, infer_year, item_date, parse_date

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-12", date(2026, 10, 12)),
        ("2026/10/12", date(2026, 10, 12)),
        ("2026.10.12", date(2026, 10, 12)),
        ("2026年10月12日", date(2026, 10, 12)),
        ("2026 年 3 月 5 日", date(2026, 3, 5)),
        ("发布时间：2026-9-3 10:20", date(2026, 9, 3)),
        ("2026-10-12 08:30", date(2026, 10, 12)),  # PubDate meta
        ("[10-12]", date(2026, 10, 12)),
        ("[ 11-28 ]", date(2026, 11, 28)),
        ("[11/26]", date(2026, 11, 26)),
        ("(11.03)", date(2026, 11, 3)),
        ("10-12", date(2026, 10, 12)),
        ("12-05", date(2025, 12, 5)),  # not yet this year: last year's
        ("2026-02-30", None),
        ("13-01", None),
        ("暂无信息", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("month", "day", "today", "expected"),
    [
        (12, 30, date(2027, 1, 2), date(2026, 12, 30)),  # read just after New Year
        (1, 2, date(2026, 12, 30), date(2026, 1, 2)),  # read just before it
        (1, 1, date(2027, 1, 1), date(2027, 1, 1)),  # today itself is not the future
        (2, 29, date(2026, 11, 28), date(2024, 2, 29)),  # a leap day looks back to a leap year
    ],
)
def test_infer_year_around_new_year(month, day, today, expected):
    assert infer_year(month, day, today) == expected


def test_dates_in_urls():
    assert date_from_url("http://x.gov.cn/zwdt/202610/t20261012_123456.html") == date(2026, 10, 12)
    assert date_from_url("http://x.gov.cn/art/20261012/1.html") == date(2026, 10, 12)
    assert date_from_url("http://x.gov.cn/art/20261399/1.html") is None
    assert date_from_url("http://x.gov.cn/a.html") is None
    assert item_date(None, "./202611/t20261120_1.html", TODAY) == date(2026, 11, 20)
    assert item_date("2026-11-01", "./202611/t20261120_1.html", TODAY) == date(2026, 11, 1)


def test_a_month_and_day_take_the_year_of_the_entry_s_url():
    # Hanweb prints [11-27] for /art/2025/11/27/...: a year-old entry, not one of last week.
    today = date(2026, 12, 2)
    assert item_date("[11-27]", "/art/2025/11/27/art_1_2.html", today) == date(2025, 11, 27)
    assert item_date("11月27日", "/xw/202511/t20251127_9.html", today) == date(2025, 11, 27)
    # A URL of another day says nothing of the entry's year; a written year is never overridden.
    assert item_date("[11-27]", "/art/2025/11/20/art_1_2.html", today) == date(2026, 11, 27)
    assert item_date("2026-11-27", "/art/2025/11/27/art_1_2.html", today) == date(2026, 11, 27)
    # 开普云 folders carry the year and month only: the same month takes the folder's year.
    assert item_date("11-27", "/zwdt/202511/8c1f0a9d2b6e4f0c9a1b2c3d4e5f6a7b.shtml", today) == date(
        2025, 11, 27
    )
    assert item_date("11-27", "/zwdt/202510/8c1f0a9d2b6e4f0c9a1b2c3d4e5f6a7b.shtml", today) == date(
        2026, 11, 27
    )
