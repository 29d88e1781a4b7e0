"""A finding's evidence as a reader sees it: labelled values in Chinese, dates as Chinese dates, shares as
percentages, long lists and texts cut. Part of the views (`reports.views`); the values stay plain text, and
escaping is each renderer's job.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checks.columns import CLASS_NAMES
from checks.dates import chinese_date
from checks.links import ERROR_WORDS, KIND_WORDS
from reports.glossary import evidence_name

ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HIDDEN = frozenset({"identified_by"})  # the same as `how`, which says it in Chinese
VALUE_WORDS = {
    "confidence": {"confirmed": "已确认", "unconfirmed": "待确认"},
    "page_kind": {"list": "列表页", "article": "文章页", "unknown": "未能判定"},
}
LIST_LIMIT = 12  # evidence lists (e.g. 100 unchecked link targets) are cut to keep a finding readable
TEXT_LIMIT = 400  # evidence strings likewise


@dataclass
class EvidenceItem:
    label: str
    text: str | None = None
    items: list[str] = field(default_factory=list)
    more: int = 0  # list items left out


def _value_text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "freshness" and isinstance(value, str):
        return CLASS_NAMES.get(value, value)
    if key in VALUE_WORDS and isinstance(value, str):
        return VALUE_WORDS[key].get(value, value)
    if key in ("reason", "error", "reprobe_error") and isinstance(value, str):
        return ERROR_WORDS.get(value, f"HTTP {value}" if value.isdigit() else value)
    if key == "kind" and isinstance(value, str):
        return KIND_WORDS.get(value, value)
    if key == "share" and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, str) and ISO_DATE_RE.match(value):
        try:
            return chinese_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"


def evidence_items(evidence: dict[str, Any] | None) -> list[EvidenceItem]:
    """Evidence as labelled values, the page title first (it tells a reader which page without opening it)."""
    if not evidence:
        return []
    keys = sorted(evidence, key=lambda key: key != "page_title")  # stable: otherwise the checks' own order
    result = []
    for key in keys:
        value = evidence[key]
        if value is None or key in HIDDEN:  # no error text beside an HTTP status: an empty line says nothing
            continue
        label = evidence_name(key)
        if isinstance(value, list | tuple | set | frozenset):
            values = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
            shown = [_value_text(key, item) for item in values[:LIST_LIMIT]]
            result.append(EvidenceItem(label, items=shown, more=len(values) - len(shown)))
        else:
            result.append(EvidenceItem(label, text=_value_text(key, value)))
    return result
