"""All checks of one site in one call: facts + rules + the moment of inspection → findings."""

from __future__ import annotations

from datetime import date, datetime

from checks.availability import check_availability, check_homepage
from checks.blocked import check_blocked, check_unread
from checks.columns import Column, check_columns, discover_columns
from checks.content import check_content
from checks.elements import check_elements
from checks.facts import SiteFacts
from checks.findings import Finding
from checks.interaction import check_interaction
from checks.interpretations import check_interpretations
from checks.keyareas import check_key_areas
from checks.limits import check_limits
from checks.links import check_links
from checks.overlaps import one_per_fact
from checks.rules import Rules
from checks.sections import check_sections
from checks.services import check_services
from checks.tech import check_tech


def column_findings(facts: SiteFacts, columns: list[Column], rules: Rules, today: date) -> list[Finding]:
    """The findings judged from the columns' lists (stale, empty; key areas, 办件统计, required sections),
    folded as check_site folds them: what 复查 decides again from a re-fetched list page."""
    return one_per_fact(
        [
            *check_columns(facts, columns, rules, today),
            *check_sections(facts, columns, rules, today),
            *check_key_areas(facts, columns, rules, today),
            *check_services(facts, columns, rules, today),
        ]
    )


def check_site(facts: SiteFacts, rules: Rules, now: datetime) -> list[Finding]:
    """Every finding for one site. `now` is passed in: the checks never read the clock."""
    today = now.date()
    unread = check_blocked(facts) or check_unread(facts)
    if unread is not None:
        # Nothing else can be judged: what is missing was hidden by the firewall, or never reached, not absent
        # from the site. Availability and the technical probes are measured outside the crawl.
        return [*check_availability(facts, rules, now), *check_tech(facts, rules, now), unread]
    columns = discover_columns(facts, rules)
    # A column judged by a specific check (key area, 办件统计, annual report, required section) and by the
    # generic column checks is one fact: one finding, scored once (checks/overlaps.py).
    return one_per_fact(
        [
            *check_availability(facts, rules, now),
            *check_tech(facts, rules, now),
            *check_homepage(facts, columns, rules, today),
            *check_columns(facts, columns, rules, today),
            *check_sections(facts, columns, rules, today),
            *check_elements(facts),
            *check_links(facts, rules),
            *check_limits(facts),
            *check_content(facts),
            *check_key_areas(facts, columns, rules, today),
            *check_services(facts, columns, rules, today),
            *check_interpretations(facts, columns, rules),
            *check_interaction(facts, rules, today),
        ]
    )
