"""The rubric's thresholds and vocabularies as one frozen `Rules` object, read from `checks/rubric.toml`
with an operator's file laid over it.

Reading files is the one impure thing in `checks/`: it happens once, before any check runs, and a bad file
raises `RubricError` naming the file, the table and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from checks.interaction_rules import InteractionRules, interaction_rules, is_date
from crawler.errors import ConfigError

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.toml")
FRESHNESS_CLASSES = ("news", "notice_policy", "longterm", "static")
SITE_KINDS = ("portal", "department", "service")


class RubricError(ConfigError):
    """A rubric file that cannot be used; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Rules:
    freshness_days: dict[str, int]
    homepage_window_days: int
    homepage_warn_days: int
    columns_stale: dict[str, int]
    availability_days: int
    availability_veto_share: float
    availability_warn_share: float
    department_report_deadline: tuple[int, int]  # (month, day)
    government_report_deadline: tuple[int, int]
    column_classes: dict[str, tuple[str, ...]]
    sections: dict[str, tuple[str, ...]]
    section_synonyms: dict[str, tuple[str, ...]]
    section_exclusions: dict[str, tuple[str, ...]]  # [section_not]: words that stop a name standing for it
    soft_404_texts: tuple[str, ...]
    empty_texts: tuple[str, ...]
    catalogue_notes: tuple[str, ...]
    tech_cert_warn_days: int = 30  # [tech]: a certificate expiring sooner is reported
    tech_https_severity: str = "warning"  # [tech]: of https_missing and cert_invalid (warning | deduction)
    interaction: InteractionRules = field(default_factory=InteractionRules)

    def classify(self, name: str) -> str | None:
        """A column name's freshness class: the class of the longest word of the name it contains."""
        best: tuple[int, str] | None = None
        for freshness, words in self.column_classes.items():
            for word in words:
                if word in name and (best is None or len(word) > best[0]):
                    best = (len(word), freshness)
        return best[1] if best else None

    def sections_of(self, name: str, kind: str | None = None) -> tuple[str, ...]:
        """The required sections a page name stands for, the best match first.

        Every synonym found in the name claims its place in it, and where two overlap the longer one wins
        ("政策解读" is 政策解读, not 政策文件 by its "政策"), so a name stands for two sections only when it
        names both side by side ("咨询投诉" on a service site: 网上咨询 and 投诉建议). A section's
        [section_not] words veto it ("事业单位法人年度报告" is no 信息公开年报). With `kind`, only that
        kind's required sections are considered.
        """
        if kind is None:
            candidates = list(
                dict.fromkeys([*self.section_synonyms, *(s for k in self.sections.values() for s in k)])
            )
        else:
            candidates = list(self.sections.get(kind, ()))
        matches: list[tuple[int, int, str]] = []
        for section in candidates:
            if any(word in name for word in self.section_exclusions.get(section, ())):
                continue
            for word in (section, *self.section_synonyms.get(section, ())):
                start = name.find(word)
                while start >= 0:
                    matches.append((len(word), start, section))
                    start = name.find(word, start + 1)
        taken: list[tuple[int, int]] = []
        found: list[str] = []
        for length, start, section in sorted(matches, key=lambda match: (-match[0], match[1])):
            if any(begin < start + length and start < end for begin, end in taken):
                continue
            taken.append((start, start + length))
            if section not in found:
                found.append(section)
        return tuple(found)

    def section_of(self, name: str) -> str | None:
        """The required section a page name stands for, by the longest synonym it contains."""
        found = self.sections_of(name)
        return found[0] if found else None

    def report_deadline(self, kind: str, year: int) -> date:
        month, day = (
            self.department_report_deadline if kind == "department" else self.government_report_deadline
        )
        return date(year, month, day)


def load_rules(path: str | Path | None = None) -> Rules:
    """The shipped rubric, with the file at `path` (if any) laid over it."""
    return _build(load_rubric_data(path), Path(path) if path else DEFAULT_RUBRIC)


def load_rubric_data(path: str | Path | None = None) -> dict[str, Any]:
    """The rubric as parsed TOML: the shipped file with the operator's laid over it.

    Indicators merge by id: an operator's `[[indicators]]` with a known id changes that indicator's fields,
    one with a new id is added.
    """
    data = _read(DEFAULT_RUBRIC)
    if path is not None:
        extra = _read(Path(path))
        validate_override(extra, Path(path))
        indicators = {item.get("id"): item for item in data.get("indicators", [])}
        for item in extra.pop("indicators", []):
            if item.get("id") in indicators:
                indicators[item["id"]].update(item)
            else:
                data.setdefault("indicators", []).append(item)
        _overlay(data, extra)
    return data


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
            _check_fields(table, raw, path)
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


def _check_fields(table: str, raw: Any, path: Path) -> None:
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


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RubricError(f"{path}: file not found (start from checks/rubric.toml)") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{path}: not valid TOML: {exc}") from None


def _overlay(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _overlay(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            base[key] = base[key] + [item for item in value if item not in base[key]]
        else:
            base[key] = value


def _build(data: dict[str, Any], path: Path) -> Rules:
    def need(table: str, key: str, kind: type | tuple[type, ...]) -> Any:
        value = data.get(table, {}).get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            expected = "a whole number" if kind is int else "a text" if kind is str else "a number"
            found = "missing" if value is None else f"{value!r} is not {expected}"
            raise RubricError(f"{path}: [{table}] {key}: {found} (set it to {expected})")
        return value

    def words(table: str) -> dict[str, tuple[str, ...]]:
        raw = data.get(table, {})
        for key, value in raw.items():
            if not isinstance(value, list) or not all(isinstance(word, str) and word for word in value):
                raise RubricError(f"{path}: [{table}] {key}: must be a list of non-empty texts")
        return {key: tuple(value) for key, value in raw.items()}

    def deadline(key: str) -> tuple[int, int]:
        text = need("annual_report", key, str)
        try:
            parsed = date.fromisoformat(f"2024-{text}")  # a leap year, so 02-29 is accepted
        except ValueError:
            raise RubricError(f"{path}: [annual_report] {key}: {text!r} is not MM-DD") from None
        return parsed.month, parsed.day

    freshness = {name: need("freshness", name, int) for name in FRESHNESS_CLASSES if name != "static"}
    classes = words("column_classes")
    for name in classes:
        if name not in FRESHNESS_CLASSES:
            raise RubricError(
                f"{path}: [column_classes] {name}: not a freshness class ({', '.join(FRESHNESS_CLASSES)})"
            )
    sections = words("sections")
    for kind in sections:
        if kind not in SITE_KINDS:
            raise RubricError(f"{path}: [sections] {kind}: not a site kind ({', '.join(SITE_KINDS)})")
    texts = words("texts")
    columns_stale = {key: need("columns_stale", key, int) for key in TABLE_FIELDS["columns_stale"]}
    _check_fields("interaction", data.get("interaction", {}), path)
    return Rules(
        freshness_days=freshness,
        homepage_window_days=need("homepage", "window_days", int),
        homepage_warn_days=need("homepage", "warn_days", int),
        columns_stale=columns_stale,
        availability_days=need("availability", "days", int),
        availability_veto_share=float(need("availability", "veto_share", (int, float))),
        availability_warn_share=float(need("availability", "warn_share", (int, float))),
        department_report_deadline=deadline("department_deadline"),
        government_report_deadline=deadline("government_deadline"),
        column_classes=classes,
        sections=sections,
        section_synonyms=words("section_synonyms"),
        section_exclusions=words("section_not"),
        soft_404_texts=texts.get("soft_404", ()),
        empty_texts=texts.get("empty_column", ()),
        catalogue_notes=texts.get("catalogue_note", ()),
        tech_cert_warn_days=need("tech", "cert_warn_days", int),
        tech_https_severity=_https_severity(need("tech", "https_severity", str), path),
        interaction=interaction_rules(data.get("interaction", {}), words("interaction_words")),
    )


def _https_severity(value: str, path: Path) -> str:
    if value not in ("warning", "deduction"):
        raise RubricError(f"{path}: [tech] https_severity: {value!r} is not warning or deduction")
    return value
