"""Columns (栏目): the freshness and empty-column checks over the columns checks/discovery.py finds.

Rules encoded (indicators.md §1): a column must have a new item within its class's limit (news 14 days,
notice/policy 6 months, long-term 1 year; static columns have none); an item without a publication date
counts as not updated; an empty column (nothing listed, or only 暂无信息) is a finding, except a
disclosure-catalogue column whose page explains that no such information exists. Over a site, stale and
empty columns add up to the veto indicator 栏目不更新.

The discovery's names (`Column`, `discover_columns`, `page_kind`, `HOW`) are re-exported here, where the
checks, the reports and `duwang columns` have always imported them from.
"""

from __future__ import annotations

from datetime import date

from checks.dates import chinese_date, item_date
from checks.discovery import CONFIRMED, HOW, UNCONFIRMED, Column, discover_columns, page_kind
from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules
from checks.text import mentions

__all__ = [
    "CLASS_NAMES",
    "CONFIRMED",
    "HOW",
    "UNCONFIRMED",
    "Column",
    "check_columns",
    "column_finding",
    "discover_columns",
    "newest_date",
    "page_kind",
    "stale_since",
]

CLASS_NAMES = {"news": "动态要闻类", "notice_policy": "通知公告、政策文件类", "longterm": "长期类"}


def check_columns(facts: SiteFacts, columns: list[Column], rules: Rules, today: date) -> list[Finding]:
    """Stale, empty and unreadable columns, then the site-wide veto indicator they add up to."""
    findings: list[Finding] = []
    for column in columns:
        if column.state == "needs_render":
            findings.append(
                Finding(
                    facts.site_id,
                    CheckId.COLUMN_NEEDS_RENDER,
                    Severity.INFO,
                    f"栏目“{column.name}”的列表由脚本生成，本次未能用浏览器读取，无法判断其更新情况，请人工核查。",
                    url=column.url,
                    column=column.name,
                )
            )
        elif column.state == "empty":
            findings.append(
                column_finding(
                    facts,
                    column,
                    CheckId.COLUMN_EMPTY,
                    f"栏目“{column.name}”没有任何信息（空白栏目），请补充内容；确无此类信息的公开目录栏目应注明原因。",
                    {"text": _empty_phrase(column, facts, rules)},
                )
            )
        elif column.state == "items":
            finding = _freshness(facts, column, rules, today)
            if finding is not None:
                findings.append(finding)
    findings.extend(_columns_veto(facts, findings, rules))
    return findings


def column_finding(
    facts: SiteFacts, column: Column, check: CheckId, detail: str, evidence: dict, **fields: str
) -> Finding:
    """A finding about one column (stale, empty; its key area, its 办件统计), with how the column was
    identified in its evidence. Only a confirmed column deducts; the rest are warnings marked 待确认, saying
    how the column was identified, for a person to confirm (`duwang columns --write-hints`)."""
    evidence = {**evidence, **dict(column.evidence), "confidence": column.confidence}
    severity = Severity.DEDUCTION
    if not column.confirmed:
        severity = Severity.WARNING
        detail = f"【待确认】{detail}（本栏目由{HOW[column.identified_by]}识别，请人工确认是否为栏目。）"
    return Finding(
        facts.site_id,
        check,
        severity,
        detail,
        url=column.url,
        column=column.name,
        evidence=evidence,
        **fields,
    )


def newest_date(column: Column, today: date) -> date | None:
    """The column's newest publication date: from its first page, or from every page when the first page
    is not sorted newest-first or shows no date."""
    first = [d for d in (item_date(e.date_text, e.url, today) for e in column.first_entries) if d]
    if first and first == sorted(first, reverse=True):
        return first[0]
    every = [d for d in (item_date(e.date_text, e.url, today) for e in column.all_entries) if d]
    return max(every, default=None)


def stale_since(newest: date, today: date, limit: int) -> tuple[dict[str, object], str] | None:
    """None while `newest` is within `limit` days of `today`; else the evidence (newest, age_days) and the
    clause every staleness sentence shares: "最新信息发布于…，已 N 天未更新"."""
    age = (today - newest).days
    if age <= limit:
        return None
    evidence: dict[str, object] = {"newest": newest.isoformat(), "age_days": age}
    return evidence, f"最新信息发布于{chinese_date(newest)}，已 {age} 天未更新"


def _freshness(facts: SiteFacts, column: Column, rules: Rules, today: date) -> Finding | None:
    if column.freshness in (None, "static"):
        return None
    limit = rules.freshness_days[column.freshness]
    newest = newest_date(column, today)
    evidence = {"freshness": column.freshness, "limit_days": limit, "entries": len(column.all_entries)}
    if newest is None:
        detail = (
            f"栏目“{column.name}”的 {len(column.all_entries)} 条信息均未标注发布日期，按未更新处理；"
            f"请为每条信息标注发布日期，并在 {limit} 天内更新。"
        )
    elif (stale := stale_since(newest, today, limit)) is None:
        return None
    else:
        evidence |= stale[0]
        what = f"栏目“{column.name}”（{CLASS_NAMES[column.freshness]}，应在 {limit} 天内更新）"
        detail = f"{what}{stale[1]}，请及时更新。"
    return column_finding(facts, column, CheckId.COLUMN_STALE, detail, evidence)


def _columns_veto(facts: SiteFacts, findings: list[Finding], rules: Rules) -> list[Finding]:
    """The veto indicator 栏目不更新, counted over confirmed columns only: never a veto on a guess."""
    confirmed = [f for f in findings if f.severity is Severity.DEDUCTION]
    stale = [f for f in confirmed if f.check is CheckId.COLUMN_STALE]
    news_policy = [f for f in stale if f.evidence["freshness"] in ("news", "notice_policy")]
    empty = [f for f in confirmed if f.check is CheckId.COLUMN_EMPTY]
    lines = rules.columns_stale
    counts = (
        (
            "news_and_policy",
            len(news_policy),
            "动态要闻类栏目超过2周未更新与通知公告、政策文件类栏目超过6个月未更新",
        ),
        ("should_update", len(stale), "应更新但长期未更新的栏目"),
        ("empty", len(empty), "空白栏目"),
    )
    results = []
    for key, count, what in counts:
        veto, warn = lines[f"{key}_veto"], lines[f"{key}_warn"]
        if count >= veto:
            severity, verdict = Severity.VETO, f"达到单项否决线（{veto} 个）"
        elif count >= warn:
            severity, verdict = Severity.WARNING, f"接近单项否决线（{veto} 个）"
        else:
            continue
        results.append(
            Finding(
                facts.site_id,
                CheckId.COLUMNS_STALE,
                severity,
                f"{what}共 {count} 个，{verdict}，请尽快逐一更新或整改。",
                element=key,
                evidence={"count": count, "veto_line": veto, "warn_line": warn},
            )
        )
    return results


def _empty_phrase(column: Column, facts: SiteFacts, rules: Rules) -> str | None:
    return mentions(facts.pages[column.url], rules.empty_texts)
