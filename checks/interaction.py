"""互动回应: the site's consultation channels and how its messages are answered.

Rules encoded (indicators.md §1; the rubric's [interaction]):
- veto 互动回应差: a valid message of the last `window_months` (12) still unanswered more than
  `unanswered_months` (3) after it was written; or no working consultation channel on a site kind that must
  have one. A veto needs evidence: a message whose list or page says it is unanswered (未回复, 办理中, ...),
  and for the channel, a complete crawl that found none (or found each one
  dead). A message whose state cannot be read, or a crawl cut short, gives a 待确认 warning instead.
- deduction 留言答复: no new reply published within `reply_gap_months` (2) (−3 in the reference).
- statistics for the bulletin (one informational finding per site with messages): messages, answered,
  median reply days, and 限时答复率, the share answered within `reply_limit_days` working days (Monday to
  Friday, the rubric's holidays left out).

A message answered late is answered: it lowers 限时答复率, it is no veto. A message is read from its mailbox
list (crawler/pages/mailbox.py) and from its own page where the crawl reached it; the two are joined by its
URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from checks.dates import parse_date
from checks.facts import Message, SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.interaction_rules import InteractionRules

if TYPE_CHECKING:
    from checks.rules import Rules

EXAMPLES = 10  # messages named in a finding's evidence


@dataclass(frozen=True)
class Thread:
    """One message with what its list row and its own page say together."""

    url: str | None
    title: str
    asked: date | None
    replied: date | None
    state: str  # answered | pending | invalid | unknown
    page_url: str  # where it was read first


def check_interaction(facts: SiteFacts, rules: Rules, today: date) -> list[Finding]:
    """The 互动回应 findings of one site (see the module docstring)."""
    lines = rules.interaction
    threads = read_threads(facts.messages, lines, today)
    findings = _channel_findings(facts, lines, threads)
    if not threads:
        return findings
    findings += _overdue_findings(facts.site_id, threads, lines, today)
    findings += _reply_gap_findings(facts.site_id, threads, lines, today)
    findings.append(_statistics(facts.site_id, threads, lines))
    return findings


def read_threads(messages: tuple[Message, ...], lines: InteractionRules, today: date) -> list[Thread]:
    """The site's messages joined by URL (a list row and the message's page are one message)."""
    grouped: dict[Any, list[Message]] = {}
    for message in messages:
        key = message.url or (message.page_url, message.position)
        grouped.setdefault(key, []).append(message)
    threads = []
    for group in grouped.values():
        asked = next((d for m in group if (d := parse_date(m.asked_text, today))), None)
        replied = next((d for m in group if (d := parse_date(m.replied_text, today))), None)
        states = [_state(m.state or "", lines) for m in group]
        if replied is not None:
            state = "answered"
        elif "invalid" in states:
            state = "invalid"
        elif "answered" in states:
            state = "answered"  # answered, on a day the pages do not say
        elif "pending" in states:
            state = "pending"
        else:
            state = "unknown"
        first = group[0]
        threads.append(Thread(first.url, first.title, asked, replied, state, first.page_url))
    return threads


def _state(text: str, lines: InteractionRules) -> str:
    # Pending before answered: 未办结 contains 办结.
    for state, words in (
        ("invalid", lines.invalid),
        ("pending", lines.pending),
        ("answered", lines.answered),
    ):
        if any(word in text for word in words):
            return state
    return "unknown"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def working_days(start: date, end: date, holidays: tuple[date, ...] = ()) -> int:
    """Working days after `start` up to and including `end` (Monday to Friday, holidays left out)."""
    off = set(holidays)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            count += 1
    return count


def _example(thread: Thread) -> dict[str, Any]:
    return {
        "title": thread.title,
        "url": thread.url,
        "asked": thread.asked.isoformat() if thread.asked else None,
        "replied": thread.replied.isoformat() if thread.replied else None,
        "state": thread.state,
    }


def _overdue_findings(
    site_id: str, threads: list[Thread], lines: InteractionRules, today: date
) -> list[Finding]:
    since = add_months(today, -lines.window_months)

    def overdue(thread: Thread) -> bool:
        asked = thread.asked
        return asked is not None and asked >= since and add_months(asked, lines.unanswered_months) < today

    late = sorted((t for t in threads if t.state == "pending" and overdue(t)), key=lambda t: t.asked or today)
    unsure = [t for t in threads if t.state == "unknown" and overdue(t)]
    found = []
    for severity, group, detail in (
        (
            Severity.VETO,
            late,
            f"{len(late)} 条近一年内的有效留言超过 {lines.unanswered_months} 个月未回复（互动回应差），"
            "请尽快答复并公开答复内容。",
        ),
        (
            Severity.WARNING,
            unsure,
            f"{len(unsure)} 条留言已超过 {lines.unanswered_months} 个月，页面未显示是否已回复（待确认），"
            "请人工核实。",
        ),
    ):
        if group:
            found.append(
                Finding(
                    site_id=site_id,
                    check=CheckId.MESSAGE_UNANSWERED,
                    severity=severity,
                    detail=detail,
                    url=group[0].url,
                    page=group[0].page_url,
                    evidence={"count": len(group), "overdue": [_example(t) for t in group[:EXAMPLES]]},
                )
            )
    return found


def _reply_gap_findings(
    site_id: str, threads: list[Thread], lines: InteractionRules, today: date
) -> list[Finding]:
    valid = [t for t in threads if t.state != "invalid"]
    replies = [t.replied for t in valid if t.replied is not None]
    latest = max(replies, default=None)
    since = add_months(today, -lines.reply_gap_months)
    if not valid or (latest is not None and latest >= since):
        return []
    # Known only when every message says whether (and when) it was answered.
    known = all(t.state == "pending" or t.replied is not None for t in valid)
    when = f"最近一次回复在 {latest.isoformat()}" if latest else "未见任何回复"
    return [
        Finding(
            site_id=site_id,
            check=CheckId.REPLY_STALE,
            severity=Severity.DEDUCTION if known else Severity.WARNING,
            detail=f"{lines.reply_gap_months} 个月内没有新的留言回复（{when}），"
            + ("请及时答复网民留言。" if known else "部分留言未显示回复时间（待确认）。"),
            page=valid[0].page_url,
            evidence={"latest_reply": latest.isoformat() if latest else None, "messages": len(valid)},
        )
    ]


def reply_statistics(threads: list[Thread], lines: InteractionRules) -> dict[str, Any]:
    """Messages, answered, median reply days and 限时答复率 of the valid messages."""
    valid = [t for t in threads if t.state != "invalid"]
    answered = [t for t in valid if t.state == "answered"]
    timed = [t for t in answered if t.asked is not None and t.replied is not None]
    days = [(t.replied - t.asked).days for t in timed if t.replied and t.asked]
    in_time = sum(
        1
        for t in timed
        if t.asked
        and t.replied
        and working_days(t.asked, t.replied, lines.holidays) <= lines.reply_limit_days
    )
    dated = [t for t in valid if t.asked is not None]
    return {
        "messages": len(valid),
        "answered": len(answered),
        "unanswered": sum(1 for t in valid if t.state == "pending"),
        "median_reply_days": median(days) if days else None,
        "reply_limit_days": lines.reply_limit_days,
        "in_time": in_time,
        "in_time_rate": round(in_time / len(timed), 4) if timed else None,
        "latest_message": max((t.asked for t in dated if t.asked), default=None),
    }


def _statistics(site_id: str, threads: list[Thread], lines: InteractionRules) -> Finding:
    stats = reply_statistics(threads, lines)
    if stats["latest_message"] is not None:
        stats["latest_message"] = stats["latest_message"].isoformat()
    rate = stats["in_time_rate"]
    rate_text = f"{rate * 100:.1f}%" if rate is not None else "无法计算"
    return Finding(
        site_id=site_id,
        check=CheckId.INTERACTION_STATS,
        severity=Severity.INFO,
        detail=(
            f"留言 {stats['messages']} 条，已回复 {stats['answered']} 条，"
            f"限时答复率（{lines.reply_limit_days} 个工作日）{rate_text}。"
        ),
        evidence=stats,
    )


def find_channels(facts: SiteFacts, lines: InteractionRules) -> dict[str, str]:
    """The site's consultation channels: URL → the name it is linked by, from the links of its pages and the
    titles of its pages. A name holding a channel word counts: a false channel can only hold a veto back."""
    channels: dict[str, str] = {}
    for link in facts.links:
        if link.kind != "page":
            continue
        name = link.anchor_text.strip()
        if any(word in name for word in lines.channels):
            channels.setdefault(link.target_url, name)
    for page in facts.own_pages():
        title = page.title or ""
        # An article about the 12345 hotline is no channel; a mailbox page is a list or navigation page.
        if page.role == "page" and page.kind != "article" and any(word in title for word in lines.channels):
            channels.setdefault(page.url, title[:40])
    return channels


def channel_state(url: str, facts: SiteFacts) -> str:
    """working (answered 2xx), dead (an error the crawl confirmed) or unknown (not fetched, transient)."""
    page = facts.pages.get(url)
    for _ in range(5):  # follow the redirects the crawl stored, a few hops at most
        if (
            page is None
            or not page.final_url
            or page.final_url == page.url
            or page.status not in range(300, 400)
        ):
            break
        page = facts.pages.get(page.final_url)
    if page is None or page.status is None:
        if page is not None and page.error and page.reprobe_error:
            return "dead"  # failed twice: the crawl's second probe confirmed it
        return "unknown"
    if 200 <= page.status < 300:
        return "working"
    if page.status >= 500 and page.reprobe_status is not None and page.reprobe_status < 400:
        return "working"
    return "dead" if page.status >= 400 else "unknown"


def _channel_findings(facts: SiteFacts, lines: InteractionRules, threads: list[Thread]) -> list[Finding]:
    if facts.kind not in lines.channel_kinds or threads:
        return []  # messages read: a channel works
    channels = find_channels(facts, lines)
    states = {url: channel_state(url, facts) for url in channels}
    if "working" in states.values():
        return []
    complete = facts.crawl.stopped_by is None and facts.crawl.unfinished == 0
    dead_only = bool(states) and all(state == "dead" for state in states.values())
    # The veto rests on channels seen to fail. Finding none rests only on the names we know (a county site
    # may send its 政民互动 menu to the province's platform under a name of its own): a person confirms it
    # (`duwang confirm`) before it counts.
    confirmed = complete and dead_only
    if not states:
        what = "全站未发现咨询投诉、领导信箱、留言板等在线咨询渠道"
    elif dead_only:
        what = "在线咨询渠道的链接均无法访问"
    else:
        what = "在线咨询渠道的链接未能访问确认"
    return [
        Finding(
            site_id=facts.site_id,
            check=CheckId.NO_CONSULTATION,
            severity=Severity.VETO if confirmed else Severity.WARNING,
            detail=f"{what}（互动回应差）"
            + ("，请开设并保持可用。" if confirmed else "，请人工确认（待确认）。"),
            url=next(iter(channels), None),
            evidence={
                "channels": [{"url": url, "name": channels[url], "state": s} for url, s in states.items()],
                "crawl_complete": complete,
            },
        )
    ]
