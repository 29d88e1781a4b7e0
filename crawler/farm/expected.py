"""The findings the checks must report on the demo farm, derived from its ground truth alone, and the key
that makes a stored finding comparable with them. Shared by tests/test_checks_e2e.py and
bench/accuracy_bench.py so both measure against one definition.

A finding is keyed as (check, severity, subject...): the column URL for column findings, (target, page) for
dead links, the section or element name, the veto line ("news_and_policy", "should_update", "empty").
"""

from __future__ import annotations

from datetime import date
from typing import Any


def expected_findings(site: dict, today: date, rules: Any = None) -> set[tuple]:
    """What the checks must report for one site of the ground truth, checked on `today`."""
    if rules is None:
        from checks.rules import load_rules  # the thresholds the checks use: one source of truth

        rules = load_rules()
    expected: set[tuple] = set()
    stale = [c for c in site["columns"] if c["stale"]]
    empty = [c for c in site["columns"] if c["empty"] and not c["catalogue_note"]]
    expected |= {("column_stale", "deduction", c["url"]) for c in stale}
    expected |= {("column_empty", "deduction", c["url"]) for c in empty}
    lines = rules.columns_stale
    for key, count in (
        ("news_and_policy", sum(1 for c in stale if c["freshness"] in ("news", "notice_policy"))),
        ("should_update", len(stale)),
        ("empty", len(empty)),
    ):
        if count >= lines[f"{key}_veto"]:
            expected.add(("columns_stale", "veto", key))
        elif count >= lines[f"{key}_warn"]:
            expected.add(("columns_stale", "warning", key))
    if site["homepage_stale"]:
        expected.add(("homepage_stale", "veto", site["base_url"]))
    elif (today - date.fromisoformat(site["homepage_newest_date"])).days > rules.homepage_warn_days:
        expected.add(("homepage_stale", "warning", site["base_url"]))
    for dead in site["dead_links"]:
        if dead["kind"] != "offlist":  # never fetched: reported as unchecked, not as dead
            expected |= {("dead_link", "deduction", dead["target"], page) for page in dead["pages"]}
    expected |= {
        ("section_missing", "deduction", name) for name, url in site["sections"].items() if url is None
    }
    expected |= {("section_empty", "deduction", name) for name in site["empty_sections"]}
    if site["annual_report_late"]:
        expected.add(("annual_report_late", "deduction"))
    expected |= {("element_missing", "deduction", name) for name, ok in site["elements"].items() if not ok}
    meta_code = site["meta_site_id_code"]
    if site["elements"]["site_id_code"] and meta_code and meta_code != site["site_id_code"]:
        expected.add(("element_invalid", "deduction", "site_id_code"))
    if site["flaky_homepage"]:
        expected.add(("unreachable", "veto", site["base_url"]))
    for error in site.get("content_errors", ()):  # crawler/farm/content.py: warnings awaiting confirmation
        element = f"{error['wrong']}→{error['right']}" if error["right"] else error["wrong"]
        expected.add((error["check"], "warning", error["url"], element))
    return expected


SUBJECTS = {
    "column_stale": ("url",),
    "column_empty": ("url",),
    "columns_stale": ("element",),
    "homepage_stale": ("url",),
    "dead_link": ("url", "page"),
    "section_missing": ("section",),
    "section_empty": ("section",),
    "annual_report_late": (),
    "element_missing": ("element",),
    "element_invalid": ("element",),
    "unreachable": ("url",),
    "leader_name": ("url", "element"),
    "leader_title": ("url", "element"),
    "wrong_formulation": ("url", "element"),
    "typo": ("url", "element"),
    "sensitive_word": ("url", "element"),
}


def observed(finding: dict) -> tuple | None:
    """The key of one finding of `duwang findings --format json`; None for checks the truth does not
    cover (informational ones such as unchecked links)."""
    fields = SUBJECTS.get(finding["check"])
    if fields is None:
        return None
    return (finding["check"], finding["severity"], *(finding[f] for f in fields))
