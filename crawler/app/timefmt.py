"""Times and durations as the command line and the service's log show them to people: Beijing time (the
UTC+8 offset of `checks.dates.CHINA_OFFSET`, the one place it is defined) and durations in Chinese units.

The database keeps UTC ISO timestamps (`crawler.store.now_iso`); only what is shown is converted.
"""

from __future__ import annotations

from datetime import UTC, datetime

from checks.dates import CHINA_OFFSET


def beijing(timestamp: str | datetime | None) -> str:
    """`2026-12-02 21:22:43` in Beijing time, from a stored UTC timestamp (a naive one is taken as UTC);
    "-" when there is none."""
    if timestamp is None or timestamp == "":
        return "-"
    moment = datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(UTC) + CHINA_OFFSET
    return local.strftime("%Y-%m-%d %H:%M:%S")


def between(start: str | None, end: str | None) -> float | None:
    """Seconds from one stored timestamp to another; None when either is missing."""
    if not start or not end:
        return None
    first, last = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return (last - first).total_seconds()


def duration_text(seconds: float | None) -> str:
    """`45秒`, `3分20秒`, `2小时05分`; "-" for none."""
    if seconds is None:
        return "-"
    whole = max(round(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes:02d}分"
    if minutes:
        return f"{minutes}分{secs:02d}秒"
    return f"{secs}秒"
