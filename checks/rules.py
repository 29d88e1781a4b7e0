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

from checks.interaction_rules import InteractionRules, interaction_rules
from checks.keyareadata import area_names  # the synonym table names the areas
from checks.rubricschema import (
    FRESHNESS_CLASSES,
    SITE_KINDS,
    TABLE_FIELDS,
    RubricError,
    check_fields,
    validate_override,
)

DEFAULT_RUBRIC = Path(__file__).with_name("rubric.toml")


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
    key_areas: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind or site id -> areas read
    budget_deadline: tuple[int, int] = (3, 31)  # [key_area_dates]: the year's budget is online by then
    final_accounts_deadline: tuple[int, int] = (9, 30)  # last year's final accounts are online by then
    services: dict[str, int] = field(default_factory=dict)  # [services]: guide and 办件统计 lines

    def key_areas_of(self, site_id: str, kind: str) -> tuple[str, ...]:
        """The key areas read on one site: its own [key_areas] list if it has one, else its kind's."""
        return self.key_areas.get(site_id, self.key_areas.get(kind, ()))

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

    def deadline(key: str, table: str = "annual_report") -> tuple[int, int]:
        text = need(table, key, str)
        try:
            parsed = date.fromisoformat(f"2024-{text}")  # a leap year, so 02-29 is accepted
        except ValueError:
            raise RubricError(f"{path}: [{table}] {key}: {text!r} is not MM-DD") from None
        return parsed.month, parsed.day

    freshness = {name: need("freshness", name, int) for name in FRESHNESS_CLASSES if name != "static"}
    classes = _keys_within(
        words("column_classes"), "column_classes", FRESHNESS_CLASSES, "freshness class", path
    )
    sections = _keys_within(words("sections"), "sections", SITE_KINDS, "site kind", path)
    texts = words("texts")
    check_fields("interaction", data.get("interaction", {}), path)
    return Rules(
        freshness_days=freshness,
        homepage_window_days=need("homepage", "window_days", int),
        homepage_warn_days=need("homepage", "warn_days", int),
        columns_stale={key: need("columns_stale", key, int) for key in TABLE_FIELDS["columns_stale"]},
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
        key_areas=_key_areas(words("key_areas"), path),
        budget_deadline=deadline("budget_deadline", "key_area_dates"),
        final_accounts_deadline=deadline("final_accounts_deadline", "key_area_dates"),
        services={key: need("services", key, int) for key in TABLE_FIELDS["services"]},
        interaction=interaction_rules(data.get("interaction", {}), words("interaction_words")),
    )


def _keys_within(
    table: dict[str, tuple[str, ...]], name: str, allowed: tuple[str, ...], noun: str, path: Path
) -> dict[str, tuple[str, ...]]:
    """A word table whose keys must be one of `allowed` (freshness classes, site kinds)."""
    for key in table:
        if key not in allowed:
            raise RubricError(f"{path}: [{name}] {key}: not a {noun} ({', '.join(allowed)})")
    return table


def _key_areas(raw: dict[str, tuple[str, ...]], path: Path) -> dict[str, tuple[str, ...]]:
    known = area_names()
    for key, names in raw.items():
        if unknown := [name for name in names if name not in known]:
            raise RubricError(
                f"{path}: [key_areas] {key}: {', '.join(unknown)}: unknown area (known: {', '.join(known)})"
            )
    return raw


def _https_severity(value: str, path: Path) -> str:
    if value not in ("warning", "deduction"):
        raise RubricError(f"{path}: [tech] https_severity: {value!r} is not warning or deduction")
    return value
