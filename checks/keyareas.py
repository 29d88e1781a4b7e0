"""Key areas (重点领域信息公开): the columns the seed's 读网督查 reads every time, and the year's budget and
final accounts (indicators.md §5; 预算法 Art. 14).

An area (财政预决算, 重大建设项目, 公共资源配置, 行政权力, 环境保护) stands on a site when one of its columns
(found by checks/columns.py) has a name containing one of the area's words (checks/data/keyareas.toml). Each
area read on the site ([key_areas] in the rubric, by kind or site id) must be there and have a new item
within its class's limit; the current year's 预算 and last year's 决算 must be named by some title the
crawl read. Never a deduction on a guess: an area found only as a link text, a column identified without
confidence, or a crawl cut off by its deadline gives a 待确认 warning instead.
"""

from __future__ import annotations

import re
from datetime import date

from checks.columns import CLASS_NAMES, HOW, Column, column_finding, newest_date, stale_since
from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.keyareadata import Area, areas, fiscal_words
from checks.rules import Rules

FISCAL_AREA = "财政预决算"
SHORT_LINK = 12  # a link text this short that names an area may be its column's menu entry
YEAR = re.compile(r"(?:19|20)\d{2}年")


def check_key_areas(facts: SiteFacts, columns: list[Column], rules: Rules, today: date) -> list[Finding]:
    """Missing and stale key-area columns, then the year's budget and final accounts."""
    wanted = rules.key_areas_of(facts.site_id, facts.kind)
    findings: list[Finding] = []
    for area in (a for a in areas() if a.name in wanted):
        matched = [column for column in columns if area.names(column.name)]
        if not matched:
            findings.append(_missing(facts, area, columns))
        elif (finding := _freshness(facts, area, matched, rules, today)) is not None:
            findings.append(finding)
    if FISCAL_AREA in wanted:
        fiscal = next(a for a in areas() if a.name == FISCAL_AREA)
        findings += _fiscal_reports(facts, [c for c in columns if fiscal.names(c.name)], rules, today)
    return findings


def _cut_off(facts: SiteFacts) -> bool:
    """The crawl ended before the site was done: what was not read may still be there."""
    return facts.crawl.stopped_by is not None


def _missing(facts: SiteFacts, area: Area, columns: list[Column]) -> Finding:
    candidates = sorted(
        {
            text
            for link in facts.links
            if (text := link.anchor_text.strip()) and len(text) <= SHORT_LINK and area.names(text)
        }
    )
    evidence: dict[str, object] = {
        "area": area.name,
        "words": list(area.words),
        "columns_read": len(columns),
    }
    detail = (
        f"未找到重点领域“{area.name}”的信息公开栏目（已识别 {len(columns)} 个栏目，名称均不含"
        f"“{'、'.join(area.words[:4])}”等），请按政务公开要求设置并及时更新。"
    )
    if candidates or _cut_off(facts):
        evidence["candidates"] = candidates[:5]
        why = (
            f"发现疑似链接“{'、'.join(candidates[:3])}”，但未能识别为栏目" if candidates else "本次抓取未完成"
        )
        return Finding(
            facts.site_id,
            CheckId.KEY_AREA_MISSING,
            Severity.WARNING,
            f"【待确认】{detail}（{why}，请人工确认。）",
            element=area.name,
            evidence=evidence,
        )
    return Finding(
        facts.site_id,
        CheckId.KEY_AREA_MISSING,
        Severity.DEDUCTION,
        detail,
        element=area.name,
        evidence=evidence,
    )


def _freshness(
    facts: SiteFacts, area: Area, matched: list[Column], rules: Rules, today: date
) -> Finding | None:
    """The area as a whole: fresh when any of its columns has a new item within the area's limit. Confirmed
    columns speak for the area when there are any; a note that no such information exists is accepted."""
    confirmed = [column for column in matched if column.confirmed]
    used = confirmed or matched
    if any(column.state == "note" for column in used):
        return None
    listed = [column for column in used if column.state == "items"]
    if not listed and any(column.state == "needs_render" for column in used):
        return None  # reported as column_needs_render: nothing to judge by
    limit = rules.freshness_days[area.freshness]
    dated = [(d, column) for column in listed if (d := newest_date(column, today)) is not None]
    newest, column = max(dated, key=lambda pair: pair[0]) if dated else (None, (listed or used)[0])
    evidence: dict[str, object] = {
        "area": area.name,
        "columns": [c.name for c in used],
        # every column judged for the area: the generic column findings of these fold into this one
        "column_urls": [c.url for c in used],
        "freshness": area.freshness,
        "limit_days": limit,
        "how": HOW[column.identified_by],
    }
    what = f"重点领域“{area.name}”栏目“{column.name}”（{CLASS_NAMES[area.freshness]}，应在 {limit} 天内更新）"
    if not listed:
        detail = f"{what}没有任何信息，请及时公开。"
        evidence["problem"] = "empty"
    elif newest is None:
        detail = f"{what}的信息均未标注发布日期，按未更新处理，请标注发布日期并及时更新。"
        evidence["problem"] = "undated"
    elif (stale := stale_since(newest, today, limit)) is None:
        return None
    else:
        evidence |= {"problem": "stale", **stale[0]}
        detail = f"{what}{stale[1]}，请及时更新。"
    return column_finding(facts, column, CheckId.KEY_AREA_STALE, detail, evidence, element=area.name)


def due_years(rules: Rules, today: date) -> tuple[int, int]:
    """(the budget's year, the final accounts' year) that must be online on `today`."""
    budget = today.year if (today.month, today.day) >= rules.budget_deadline else today.year - 1
    final = today.year - 1 if (today.month, today.day) >= rules.final_accounts_deadline else today.year - 2
    return budget, final


def names_report(title: str, year: int, words: tuple[str, ...], not_words: tuple[str, ...] = ()) -> bool:
    """The title names `year`'s report: after "{year}年" (and before any other year) stands one of `words`
    and none of `not_words` ("2025年预算执行情况和2026年预算草案" names the 2026 budget only)."""
    marker = f"{year}年"
    start = title.find(marker)
    while start >= 0:
        rest = title[start + len(marker) :]
        following = YEAR.search(rest)
        segment = rest[: following.start()] if following else rest
        if any(w in segment for w in words) and not any(w in segment for w in not_words):
            return True
        start = title.find(marker, start + 1)
    return False


def _fiscal_reports(facts: SiteFacts, fiscal: list[Column], rules: Rules, today: date) -> list[Finding]:
    """The year's 预算 and last year's 决算, looked for in every list entry and page title the crawl read.
    A deduction only where a confirmed 财政预决算 column was read and the crawl finished."""
    titles = {entry.title for entries in facts.entries.values() for entry in entries}
    titles |= {page.title for page in facts.own_pages() if page.title}
    words = fiscal_words()
    budget_year, final_year = due_years(rules, today)
    confirmed = next((column for column in fiscal if column.confirmed), None)
    column = confirmed or (fiscal[0] if fiscal else None)
    findings = []
    for label, year, found_by, not_words in (
        ("预算", budget_year, words.budget, words.not_budget),
        ("决算", final_year, words.final_accounts, ()),
    ):
        if any(names_report(title, year, found_by, not_words) for title in titles):
            continue
        evidence: dict[str, object] = {"year": year, "titles_read": len(titles), "area": FISCAL_AREA}
        detail = (
            f"在本次读取的 {len(titles)} 个标题中未找到{year}年{label}公开信息"
            f"（标题含“{year}年…{label}”），请按预算法规定在批准后20日内公开。"
        )
        if confirmed is None or _cut_off(facts):
            why = "本次抓取未完成" if _cut_off(facts) else f"未能确认“{FISCAL_AREA}”栏目"
            severity, detail = Severity.WARNING, f"【待确认】{detail}（{why}，请人工确认。）"
        else:
            severity = Severity.DEDUCTION
        findings.append(
            Finding(
                facts.site_id,
                CheckId.FISCAL_REPORT_MISSING,
                severity,
                detail,
                url=column.url if column else None,
                column=column.name if column else None,
                element=f"{year}年{label}",
                evidence=evidence,
            )
        )
    return findings
