"""checks/interaction.py: 互动回应 — overdue messages, consultation channels, reply gaps and statistics."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from checks.facts import CrawlLimits, Message
from checks.interaction import add_months, check_interaction, working_days
from checks.rules import load_rules
from tests.sitefacts import HOME, link, page, site

RULES = load_rules()
TODAY = date(2026, 11, 28)  # a Saturday
BOX = "http://x.gov.cn/hdjl/ldxx/"


def row(n: int, asked: str | None, replied: str | None = None, state: str | None = None) -> Message:
    return Message(BOX, n, f"来信{n}", f"{BOX}xj_{n}.html", asked, replied, state, "list")


def letter_page(n: int, asked: str, replied: str | None, state: str | None) -> Message:
    url = f"{BOX}xj_{n}.html"
    return Message(url, 0, f"来信{n}", url, asked, replied, state, "page")


def findings(*messages: Message, kind: str = "portal", **fields):
    facts = site([page(BOX, title="领导信箱")], kind=kind, messages=messages, **fields)
    return check_interaction(facts, RULES, TODAY)


def by_check(found, check):
    return [f for f in found if f.check == check]


def test_a_message_of_the_last_year_unanswered_for_more_than_three_months_is_the_veto_line():
    found = findings(
        row(1, "2026-11-20", "2026-11-23", "已办结"),
        row(2, "2026-07-02", None, "未回复"),  # 4 months: overdue
        row(3, "2026-06-01", None, "办理中"),  # overdue, the oldest
        row(4, "2026-09-01", None, "未回复"),  # under 3 months
        row(5, "2025-10-01", None, "未回复"),  # older than a year: outside the window
        row(6, "2026-05-01", None, "不予受理"),  # no valid message
    )
    (veto,) = by_check(found, "message_unanswered")
    assert (veto.severity, veto.url, veto.evidence["count"]) == ("veto", f"{BOX}xj_3.html", 2)
    assert [m["url"] for m in veto.evidence["overdue"]] == [f"{BOX}xj_3.html", f"{BOX}xj_2.html"]


def test_a_message_answered_late_is_answered_no_veto():
    found = findings(
        row(1, "2026-05-01", "2026-10-30", "已办结"), row(2, "2026-11-02", "2026-11-03", "已回复")
    )
    assert by_check(found, "message_unanswered") == []
    (stats,) = by_check(found, "interaction_stats")
    assert (stats.evidence["answered"], stats.evidence["in_time"], stats.evidence["in_time_rate"]) == (
        2,
        1,
        0.5,
    )


def test_an_overdue_message_whose_state_the_pages_do_not_show_is_only_to_be_confirmed():
    (warning,) = by_check(findings(row(1, "2026-06-01", None, None)), "message_unanswered")
    assert warning.severity == "warning" and "待确认" in warning.detail


def test_the_list_row_and_the_letters_page_are_one_message():
    found = findings(row(1, "2026-06-01"), letter_page(1, "2026-06-01 09:30", "2026-06-03", "已办结"))
    (stats,) = by_check(found, "interaction_stats")
    assert (stats.evidence["messages"], stats.evidence["answered"]) == (1, 1)
    assert by_check(found, "message_unanswered") == []


def test_no_new_reply_within_two_months_is_the_deduction():
    found = findings(
        row(1, "2026-08-20", "2026-08-25", "已办结"), row(2, "2026-07-01", "2026-07-02", "已办结")
    )
    (stale,) = by_check(found, "reply_stale")
    assert (stale.severity, stale.evidence["latest_reply"]) == ("deduction", "2026-08-25")
    assert by_check(findings(row(1, "2026-10-20", "2026-10-25", "已办结")), "reply_stale") == []


def test_a_reply_gap_is_to_be_confirmed_when_some_answer_has_no_date():
    found = findings(row(1, "2026-08-20", None, "已办结"), row(2, "2026-07-01", "2026-07-02", "已办结"))
    (stale,) = by_check(found, "reply_stale")
    assert stale.severity == "warning"


def test_statistics_count_working_days_and_the_median():
    # Friday 2026-11-20 → Friday 11-27: 5 working days (in time); with a holiday on the Monday, 4.
    found = findings(
        row(1, "2026-11-20", "2026-11-27", "已办结"),
        row(2, "2026-11-02", "2026-11-10", "已办结"),  # 6 working days: late
        row(3, "2026-11-25", None, "办理中"),
    )
    (stats,) = by_check(found, "interaction_stats")
    assert stats.severity == "info"
    assert {k: stats.evidence[k] for k in ("messages", "answered", "unanswered", "in_time")} == {
        "messages": 3,
        "answered": 2,
        "unanswered": 1,
        "in_time": 1,
    }
    assert stats.evidence["median_reply_days"] == 7.5
    assert working_days(date(2026, 11, 20), date(2026, 11, 27)) == 5
    assert working_days(date(2026, 11, 20), date(2026, 11, 27), (date(2026, 11, 23),)) == 4


def test_month_arithmetic_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2026, 11, 30), -9) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 28), -12) == date(2025, 11, 28)


def test_no_consultation_channel_found_by_name_is_for_a_person_to_confirm():
    # Not found is no proof: the channel may go by a name the rubric's list lacks. `duwang confirm` makes it
    # the veto once a person has looked.
    (unsure,) = check_interaction(site([]), RULES, TODAY)
    assert (unsure.check, unsure.severity) == ("no_consultation", "warning")
    assert unsure.evidence == {"channels": [], "crawl_complete": True} and "待确认" in unsure.detail


def test_no_channel_in_a_crawl_cut_short_is_only_to_be_confirmed():
    cut_short = site([], crawl=CrawlLimits(stopped_by="deadline", unfinished=40))
    (warning,) = check_interaction(cut_short, RULES, TODAY)
    assert (warning.check, warning.severity) == ("no_consultation", "warning")


def test_a_working_channel_link_is_enough():
    mailbox = "http://x.gov.cn/hdjl/zxts/"
    facts = site([page(mailbox, title="咨询投诉")], links=[link(HOME, mailbox, "咨询投诉")])
    assert check_interaction(facts, RULES, TODAY) == []


def test_channels_that_are_all_dead_are_the_veto_line_and_unfetched_ones_to_be_confirmed():
    dead, offsite = "http://x.gov.cn/ldxx/", "http://wsxf.example.cn/?orgid=1"
    links = [link(HOME, dead, "领导信箱"), link(HOME, offsite, "网上信访", in_scope=False, fetchable=False)]
    gone = page(dead, status=404)
    (veto,) = check_interaction(site([gone], links=links[:1]), RULES, TODAY)
    assert (veto.severity, veto.url) == ("veto", dead)
    unfetched = page(offsite, role="check", status=None, error="offlist", site_id=None)
    (warning,) = check_interaction(site([gone, unfetched], links=links), RULES, TODAY)
    assert warning.severity == "warning"


def test_a_department_site_needs_no_channel_by_default_and_the_rubric_can_ask_for_one():
    assert findings(kind="department") == []
    rules = replace(RULES, interaction=replace(RULES.interaction, channel_kinds=("portal", "department")))
    facts = site([], kind="department")
    assert [f.check for f in check_interaction(facts, rules, TODAY)] == ["no_consultation"]


def test_a_person_confirms_no_consultation_into_the_veto():
    import tomllib
    from pathlib import Path

    from crawler.app.confirm import CONTENT_CHECKS, default_decision

    rubric = tomllib.loads(
        (Path(__file__).parent.parent / "checks" / "rubric.toml").read_text(encoding="utf-8")
    )
    assert "no_consultation" in CONTENT_CHECKS
    assert default_decision("no_consultation", rubric["indicators"]) == "veto"
