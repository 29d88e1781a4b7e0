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
    for box in site.get("mailbox", []):
        expected |= mailbox_findings(box, today, rules)
    return expected


def mailbox_findings(box: dict, today: date, rules: Any) -> set[tuple]:
    """What checks/interaction.py must say of one planted mailbox: its overdue letters (veto), a reply gap
    (deduction) and its statistics, counted from the letters' truth."""
    from checks.interaction import add_months, working_days  # the calendar arithmetic, not the verdicts

    lines = rules.interaction
    valid = [m for m in box["messages"] if m["state"] not in lines.invalid]
    since = add_months(today, -lines.window_months)
    overdue = sorted(
        (
            m
            for m in valid
            if m["state"] == "未回复"
            and since <= date.fromisoformat(m["asked"])
            and add_months(date.fromisoformat(m["asked"]), lines.unanswered_months) < today
        ),
        key=lambda m: m["asked"],
    )
    found: set[tuple] = set()
    if overdue:
        found.add(("message_unanswered", "veto", overdue[0]["url"], len(overdue)))
    replies = [date.fromisoformat(m["replied"]) for m in valid if m["replied"]]
    latest = max(replies, default=None)
    if latest is None or latest < add_months(today, -lines.reply_gap_months):
        found.add(("reply_stale", "deduction", latest.isoformat() if latest else None))
    day = date.fromisoformat
    timed = [(day(m["asked"]), day(m["replied"])) for m in valid if m["replied"]]
    in_time = sum(1 for a, r in timed if working_days(a, r, lines.holidays) <= lines.reply_limit_days)
    found.add(("interaction_stats", "info", len(valid), len(timed), in_time))
    return found


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
    "message_unanswered": ("url", "evidence.count"),
    "reply_stale": ("evidence.latest_reply",),
    "interaction_stats": ("evidence.messages", "evidence.answered", "evidence.in_time"),
    "no_consultation": ("url",),
}


def observed(finding: dict) -> tuple | None:
    """The key of one finding of `duwang findings --format json`; None for checks the truth does not
    cover (informational ones such as unchecked links)."""
    fields = SUBJECTS.get(finding["check"])
    if fields is None:
        return None
    return (finding["check"], finding["severity"], *(_subject(finding, f) for f in fields))


def _subject(finding: dict, name: str) -> Any:
    # "evidence.count": a value of the finding's evidence (a count the truth also knows).
    if name.startswith("evidence."):
        return finding["evidence"].get(name.removeprefix("evidence."))
    return finding[name]
