"""Publication dates as Chinese government pages write them, parsed into `datetime.date`.

Forms read: 2026-10-12, 2026/10/12, 2026.10.12, 2026年10月12日 (with or without spaces and a time after it),
[10-12], [10/12], 10-12 and 10月12日 without a year, and dates inside item URLs (t20261012_123.html,
/202610/t20261012_..., Hanweb's /art/2026/10/12/art_1_2.html).
A date without a year takes the year of the entry's URL when the URL carries the same month and day (Hanweb
lists print [11-27] for /art/2025/11/27/...: a year-old entry, not a fresh one), or a year-month folder of
the same month (开普云's /202511/<32 hex>.shtml); else the latest year that does not put it in the future,
so on 2 January a list entry "12-30" is read as the 30 December just past.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

FULL_DATE_RE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
MONTH_DAY_RE = re.compile(r"(?<![\d-])(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?![\d-])")
URL_DATE_RE = re.compile(r"(?<!\d)t((?:19|20)\d{2})(\d{2})(\d{2})_\d+")
URL_FOLDER_DATE_RE = re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/")
URL_ART_DATE_RE = re.compile(
    r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"
)  # Hanweb: /art/2016/11/22/art_1_2.html
URL_MONTH_RE = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/")  # a year-month folder: /202511/
EARLIEST = date(1990, 1, 1)
# China Standard Time is UTC+8 all year (no daylight saving): inspection and report dates are China's
# dates, whatever the server's zone.
CHINA_OFFSET = timedelta(hours=8)


def chinese_date(day: date) -> str:
    """A date as Chinese prose, the way notices and reports write it: 2026年11月28日."""
    return f"{day.year}年{day.month}月{day.day}日"


def parse_date(text: str | None, today: date) -> date | None:
    """The date written in `text`, or None when there is none (or it is impossible, like 2026-02-30)."""
    if not text:
        return None
    match = FULL_DATE_RE.search(text)
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = MONTH_DAY_RE.search(text)
    if match:
        return infer_year(int(match[1]), int(match[2]), today)
    return None


def infer_year(month: int, day: int, today: date) -> date | None:
    """The most recent month-day that is not after `today` (29 February looks back to a leap year)."""
    for year in range(today.year, today.year - 9, -1):
        candidate = _safe_date(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    return None


def date_from_url(url: str | None) -> date | None:
    """The date TRS-style publishing systems put in article URLs: .../202610/t20261012_123.html."""
    if not url:
        return None
    match = URL_DATE_RE.search(url) or URL_FOLDER_DATE_RE.search(url) or URL_ART_DATE_RE.search(url)
    return _safe_date(int(match[1]), int(match[2]), int(match[3])) if match else None


def item_date(date_text: str | None, url: str | None, today: date) -> date | None:
    """A list entry's date: the text beside it first, else the date in its URL. A month and day without a
    year take the URL's year when the URL shows that same day or month (see the module docstring)."""
    written = parse_date(date_text, today)
    in_url = date_from_url(url)
    if written is None:
        return in_url
    if FULL_DATE_RE.search(date_text or ""):
        return written
    if in_url is not None:
        return in_url if (in_url.month, in_url.day) == (written.month, written.day) else written
    folder = URL_MONTH_RE.search(url or "")  # 开普云: /202511/<32 hex>.shtml
    if folder and int(folder[2]) == written.month:
        return _safe_date(int(folder[1]), written.month, written.day) or written
    return written


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if value >= EARLIEST else None
