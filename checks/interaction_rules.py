"""The rubric's lines of 互动回应 ([interaction] and [interaction_words]) as one frozen object.

Kept apart from checks/rules.py, which validates the tables and builds this object from them; the check
itself is checks/interaction.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class InteractionRules:
    window_months: int = 12  # messages of the last year count for the veto line
    unanswered_months: int = 3  # veto: a valid message unanswered for more than this
    reply_gap_months: int = 2  # deduction: no new reply published within this
    reply_limit_days: int = 5  # 限时答复: working days from the message to its reply
    holidays: tuple[date, ...] = ()  # non-working weekdays, left out of the working-day count
    channel_kinds: tuple[str, ...] = ("portal",)  # site kinds that must offer a consultation channel
    channels: tuple[str, ...] = ()  # names of consultation columns
    answered: tuple[str, ...] = ()  # states meaning answered
    pending: tuple[str, ...] = ()  # states meaning not answered yet
    invalid: tuple[str, ...] = ()  # states of messages that are no valid message (不予受理, 重复留言)


def interaction_rules(raw: Mapping[str, Any], words: Mapping[str, tuple[str, ...]]) -> InteractionRules:
    """The object from the (already validated) [interaction] table and [interaction_words] lists."""
    defaults = InteractionRules()
    return InteractionRules(
        window_months=raw.get("window_months", defaults.window_months),
        unanswered_months=raw.get("unanswered_months", defaults.unanswered_months),
        reply_gap_months=raw.get("reply_gap_months", defaults.reply_gap_months),
        reply_limit_days=raw.get("reply_limit_days", defaults.reply_limit_days),
        holidays=tuple(date.fromisoformat(day) for day in raw.get("holidays", [])),
        channel_kinds=tuple(raw.get("channel_kinds", defaults.channel_kinds)),
        channels=words.get("channels", ()),
        answered=words.get("answered", ()),
        pending=words.get("pending", ()),
        invalid=words.get("invalid", ()),
    )


def is_date(value: Any) -> bool:
    """Whether `value` is a date written as YYYY-MM-DD."""
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True
