"""What an operator's rubric file may say: the tables, fields and value kinds of `checks/rubric.toml`, the
indicators' fields, and `RubricError`. `checks.rules` reads the file; this module refuses a typo or a wrong
value with the file, the table and the field named, instead of silently ignoring a setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checks.errors import ConfigError
from checks.interaction_rules import is_date

FRESHNESS_CLASSES = ("news", "notice_policy", "longterm", "static")
SITE_KINDS = ("portal", "department", "service")


class RubricError(ConfigError):
    """A rubric file that cannot be used; the message is one line meant for the operator."""


# What an operator's file may say, so that a typo is an error instead of a silently ignored setting.
# Value kinds: "days"/"count" whole numbers ≥ 1, "share" a number from 0 to 1, "points" a number ≥ 0.
TABLE_FIELDS: dict[str, dict[str, str]] = {
    "freshness": {"news": "days", "notice_policy": "days", "longterm": "days"},
    "homepage": {"window_days": "days", "warn_days": "days"},
    "columns_stale": {
        key: "count"
        for key in (
            "news_and_policy_veto",
            "news_and_policy_warn",
            "should_update_veto",
            "should_update_warn",
            "empty_veto",
            "empty_warn",
        )
    },
    "availability": {"days": "days", "veto_share": "share", "warn_share": "share"},
    "annual_report": {"department_deadline": "text", "government_deadline": "text"},
    "scoring": {
        "full_marks": "points",
        "pass_line": "points",
        "bonus_line": "points",
        "department_without_services": "points",
    },
    "periods": {"rule": "text", "veto_score": "points"},
    "tech": {"cert_warn_days": "days", "https_severity": "text"},
    "key_area_dates": {"budget_deadline": "text", "final_accounts_deadline": "text"},
    "services": {"guide_missing": "count", "guides_veto": "count", "stats_days": "days"},
    "interaction": {
        "window_months": "count",
        "unanswered_months": "count",
        "reply_gap_months": "count",
        "reply_limit_days": "count",
        "holidays": "dates",
        "channel_kinds": "kinds",
    },
}
# Word tables: their keys are the named vocabulary (None: any name, e.g. a section's synonyms).
WORD_TABLES: dict[str, tuple[str, ...] | None] = {
    "column_classes": FRESHNESS_CLASSES,
    "sections": SITE_KINDS,
    "section_synonyms": None,
    "section_not": None,
    "texts": ("soft_404", "empty_column", "catalogue_note"),
    "key_areas": None,  # a site kind or a site id
    "interaction_words": ("channels", "answered", "pending", "invalid"),
}
CATEGORIES = ("veto", "deduction", "bonus")
_KINDS = {
    "days": ("a whole number ≥ 1", lambda v: isinstance(v, int) and v >= 1),
    "count": ("a whole number ≥ 1", lambda v: isinstance(v, int) and v >= 1),
    "share": ("a number from 0 to 1", lambda v: isinstance(v, int | float) and 0 <= v <= 1),
    "points": ("a number ≥ 0", lambda v: isinstance(v, int | float) and v >= 0),
    "text": ("a text", lambda v: isinstance(v, str) and bool(v.strip())),
    "dates": ('a list of dates ("2026-10-01")', lambda v: isinstance(v, list) and all(map(is_date, v))),
    "kinds": (
        f"a list of site kinds ({', '.join(SITE_KINDS)})",
        lambda v: isinstance(v, list) and all(kind in SITE_KINDS for kind in v),
    ),
}


def validate_override(extra: dict[str, Any], path: Path) -> None:
    """Refuse an operator's rubric that names an unknown table, field or check, or a value out of range.

    The message names the file, the table or indicator, and the field."""
    for table, raw in extra.items():
        if table == "indicators":
            _validate_indicators(raw, path)
        elif table in TABLE_FIELDS:
            check_fields(table, raw, path)
        elif table in WORD_TABLES:
            vocabulary = WORD_TABLES[table]
            for key in _table(raw, path, table):
                if vocabulary is not None and key not in vocabulary:
                    raise RubricError(
                        f"{path}: [{table}] {key}: unknown field (known fields: {', '.join(vocabulary)})"
                    )
        else:
            known_tables = [*TABLE_FIELDS, *WORD_TABLES, "indicators"]
            raise RubricError(f"{path}: [{table}]: unknown table (known tables: {', '.join(known_tables)})")


INDICATOR_FIELDS = (
    "id",
    "name",
    "category",
    "checks",
    "points",
    "cap",
    "severity",
    "on_homepage",
    "freshness",
    "sections",
    "kinds",
    "thresholds",
    "enabled",
    "unconfirmed",
)


def check_fields(table: str, raw: Any, path: Path) -> None:
    known = TABLE_FIELDS[table]
    for key, value in _table(raw, path, table).items():
        if key not in known:
            raise RubricError(f"{path}: [{table}] {key}: unknown field (known fields: {', '.join(known)})")
        noun, ok = _KINDS[known[key]]
        if isinstance(value, bool) or not ok(value):
            raise RubricError(f"{path}: [{table}] {key}: {value!r} is not {noun} (set it to {noun})")


def _validate_indicators(raw: Any, path: Path) -> None:
    from checks.findings import CheckId, Severity

    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise RubricError(f"{path}: indicators: write each indicator as an [[indicators]] table")
    lists: dict[str, tuple[str, ...] | None] = {
        "checks": tuple(CheckId),
        "severity": tuple(Severity),
        "freshness": FRESHNESS_CLASSES,
        "kinds": SITE_KINDS,
        "sections": None,
    }
    for number, item in enumerate(raw):
        indicator_id = item.get("id")
        if not isinstance(indicator_id, str) or not indicator_id.strip():
            raise RubricError(
                f"{path}: indicators[{number}]: field 'id': missing (an indicator is changed or added by id)"
            )
        label = f"{path}: indicator {indicator_id!r}"
        for key, value in item.items():
            _validate_indicator_field(f"{label}: field {key!r}", key, value, lists)


def _validate_indicator_field(
    where: str, key: str, value: Any, lists: dict[str, tuple[str, ...] | None]
) -> None:
    """One field of an override's [[indicators]] table; `lists` holds the vocabulary of the list fields."""
    if key not in INDICATOR_FIELDS:
        raise RubricError(f"{where}: unknown field (known fields: {', '.join(INDICATOR_FIELDS)})")
    if key in ("points", "cap"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RubricError(f"{where}: {value!r} is not a number ≥ 0")
    elif key == "category":
        if value not in CATEGORIES:
            raise RubricError(f"{where}: {value!r} is not veto, deduction or bonus")
    elif key in ("on_homepage", "enabled", "unconfirmed"):
        if not isinstance(value, bool):
            raise RubricError(f"{where}: {value!r} is not true or false")
    elif key in ("name", "thresholds"):
        if not isinstance(value, str) or not value.strip():
            raise RubricError(f"{where}: {value!r} is not a text")
        if key == "thresholds" and value not in TABLE_FIELDS:
            raise RubricError(f"{where}: {value!r} is not a table of thresholds")
    elif key in lists:
        allowed = lists[key]
        if (
            not isinstance(value, list)
            or (key == "checks" and not value)
            or not all(isinstance(word, str) and word for word in value)
        ):
            raise RubricError(f"{where}: {value!r} is not a list of texts")
        if allowed is not None and (unknown := [word for word in value if word not in allowed]):
            raise RubricError(
                f"{where}: {', '.join(map(repr, unknown))} unknown (known: {', '.join(allowed)})"
            )


def _table(raw: Any, path: Path, table: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise RubricError(f"{path}: [{table}]: must be a table")
    return raw
