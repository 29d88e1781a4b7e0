"""Five-field cron expressions read as cron reads them, for APScheduler 3.

APScheduler 3's `CronTrigger.from_crontab` counts weekdays from Monday = 0, while cron counts from
Sunday = 0 (and accepts 7 for Sunday): "0 2 * * 1" would fire on Tuesdays. Weekday numbers are therefore
turned into names (mon, tue, ...) before the trigger is built.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expression: str, timezone: tzinfo | str) -> CronTrigger:
    """A trigger for `minute hour day month weekday`; raises ValueError on a malformed expression."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"{expression!r} has {len(fields)} fields, cron needs 5 (minute hour day month weekday)"
        )
    minute, hour, day, month, weekday = fields

    def name(match: re.Match[str]) -> str:
        number = int(match.group(0))
        if number > 7:
            raise ValueError(f"weekday {number} is not 0–7")
        return WEEKDAYS[number]

    # A step ("*/2") keeps its number; every other number in the weekday field is a day.
    weekday = re.sub(r"(?<!/)\b\d+\b", name, weekday)
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday, timezone=timezone)
