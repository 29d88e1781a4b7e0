"""The registry's `[content]` table: the operator's own leaders and sensitive words for the content check
(checks/content.py), validated with errors that name the place and the fix.

    [content]
    sensitive_words = ["某某词"]

    [[content.leaders]]
    name = "张三"
    titles = ["市长", "市政府市长"]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checks.contentdata import ContentLists, Leader

Fail = Callable[[str, str, str], Exception]
NAME_CHARS = range(2, 9)  # a leader's name: two to eight characters


def parse_content(raw: Any, fail: Fail) -> ContentLists:
    """`ContentLists` from the `[content]` table; `fail(where, problem, fix)` builds the error to raise."""
    if not isinstance(raw, dict):
        raise fail("[content]", "must be a table", 'write [content] with sensitive_words = ["…"]')
    unknown = sorted(set(raw) - {"leaders", "sensitive_words"})
    if unknown:
        raise fail("[content]", f"unknown field(s) {', '.join(unknown)}", "known: leaders, sensitive_words")
    words = raw.get("sensitive_words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise fail(
            "[content], field 'sensitive_words'", f"{words!r} is not a list of words", 'e.g. ["某某词"]'
        )
    leaders = raw.get("leaders", [])
    if not isinstance(leaders, list):
        raise fail("[content], field 'leaders'", "must be a list of tables", "write [[content.leaders]]")
    return ContentLists(
        leaders=tuple(_leader(index, entry, fail) for index, entry in enumerate(leaders)),
        sensitive_words=tuple(w.strip() for w in words),
    )


def _leader(index: int, raw: Any, fail: Fail) -> Leader:
    where = f"[[content.leaders]] number {index + 1}"
    if not isinstance(raw, dict):
        raise fail(where, "must be a table", 'write name = "张三" and titles = ["市长"]')
    unknown = sorted(set(raw) - {"name", "titles"})
    if unknown:
        raise fail(where, f"unknown field(s) {', '.join(unknown)}", "known: name, titles")
    name = raw.get("name")
    if not isinstance(name, str) or len(name.strip()) not in NAME_CHARS or " " in name.strip():
        raise fail(f"{where}, field 'name'", f"{name!r} is not a name of 2 to 8 characters", 'e.g. "张三"')
    titles: Any = raw.get("titles")
    if (
        not isinstance(titles, list)
        or not titles
        or not all(isinstance(t, str) and t.strip() for t in titles)
    ):
        raise fail(
            f"{where}, field 'titles'",
            f"{titles!r} is not a non-empty list of titles",
            'e.g. titles = ["市长", "市人民政府市长"]',
        )
    return Leader(name.strip(), tuple(t.strip() for t in titles))
