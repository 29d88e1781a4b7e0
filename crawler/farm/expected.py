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
    expected |= _key_areas(site, today, rules)
    expected |= _services(site, today, rules)
    return _one_per_fact(expected | _policy_links(site), site)


def _one_per_fact(expected: set[tuple], site: dict) -> set[tuple]:
    """checks/overlaps.py's rule, from the truth: a column one specific finding speaks for gets no generic
    finding. key_area_stale and service_stats_stale take the column_stale, column_empty and section_empty of
    their column; annual_report_late the annual-report column's column_stale; section_empty its column's
    column_empty. The veto lines above still count every stale and empty column."""
    sections = site["sections"]
    specific = {key[3] for key in expected if key[0] == "key_area_stale"}
    specific |= {key[2] for key in expected if key[0] == "service_stats_stale"}
    empty_sections = {sections[key[2]] for key in expected if key[0] == "section_empty"}
    annual = {sections.get("信息公开年报")} if ("annual_report_late", "deduction") in expected else set()

    def covered(key: tuple) -> bool:
        check, subject = key[0], key[2] if len(key) > 2 else None
        if check == "section_empty":
            return sections.get(subject) in specific
        if check == "column_empty":
            return subject in specific or subject in empty_sections
        return check == "column_stale" and (subject in specific or subject in annual)

    return {key for key in expected if not covered(key)}


def _policy_links(site: dict) -> set[tuple]:
    """crawler/farm/interpretations.py: an interpretation linking no policy, a policy not linking back."""
    expected: set[tuple] = set()
    for row in site.get("policy_links", ()):
        if row["policy"] is None:
            expected.add(("interpretation_unlinked", "deduction", row["interpretation"]))
        elif not row["back"]:
            expected.add(("policy_backlink_missing", "deduction", row["policy"], row["interpretation"]))
    return expected


def _services(site: dict, today: date, rules: Any) -> set[tuple]:
    """crawler/farm/services.py: guides missing [services] guide_missing or more elements, the veto line
    over them (a 待确认 warning); a 办件公示 column empty, undated or older than stats_days. A list filled by
    script is not read without a browser (column_needs_render) and not expected."""
    if site.get("kind") not in ("service", "department"):
        return set()
    lines = rules.services
    incomplete = [g for g in site.get("service_guides", ()) if len(g["missing"]) >= lines["guide_missing"]]
    expected: set[tuple] = {("service_guide_incomplete", "deduction", g["url"]) for g in incomplete}
    if len(incomplete) >= lines["guides_veto"]:
        expected.add(("services_unusable", "warning"))
    for column in site["columns"]:
        if column["section"] != "办件公示" or column["render"] == "script":
            continue
        newest = column["newest_date"]
        if newest is None or (today - date.fromisoformat(newest)).days > lines["stats_days"]:
            expected.add(("service_stats_stale", "deduction", column["url"]))
    return expected


def _key_areas(site: dict, today: date, rules: Any) -> set[tuple]:
    """crawler/farm/keyareas.py: the areas the rubric reads on the site's kind, missing or not updated
    within their class's limit (empty and undated count as not updated); the due budget and final accounts
    not published (a 待确认 warning where the site has no 财政预决算 column to read them in)."""
    from checks.keyareadata import areas
    from checks.keyareas import due_years

    if "key_areas" not in site:  # a truth written before keyareas.py planted anything
        return set()
    wanted = rules.key_areas_of(site["id"], site["kind"])
    classes = {area.name: area.freshness for area in areas()}
    expected: set[tuple] = set()
    rows = {row["area"]: row for row in site.get("key_areas", ())}
    for area in wanted:
        row = rows.get(area)
        if row is None or row["url"] is None:
            expected.add(("key_area_missing", "deduction", area))
            continue
        newest = row["newest_date"]
        limit = rules.freshness_days[classes[area]]
        if newest is None or (today - date.fromisoformat(newest)).days > limit:
            expected.add(("key_area_stale", "deduction", area, row["url"]))
    if "财政预决算" in wanted:
        fiscal = rows.get("财政预决算")
        severity = "deduction" if fiscal and fiscal["url"] else "warning"
        published = {(row["kind"], row["year"]) for row in site.get("fiscal_reports", ())}
        budget, final = due_years(rules, today)
        for kind, year, label in (("budget", budget, "预算"), ("final_accounts", final, "决算")):
            if (kind, year) not in published:
                expected.add(("fiscal_report_missing", severity, f"{year}年{label}"))
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
    "key_area_missing": ("element",),
    "key_area_stale": ("element", "url"),
    "fiscal_report_missing": ("element",),
    "service_guide_incomplete": ("url",),
    "services_unusable": (),
    "service_stats_stale": ("url",),
    "interpretation_unlinked": ("url",),
    "policy_backlink_missing": ("url", "page"),
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
