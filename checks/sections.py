"""Required sections (栏目/板块) by site kind, and the annual disclosure report's deadline.

Rules encoded: 政府网站发展指引 (国办发〔2017〕47号) lists the sections a portal, a department site and a
政务服务网 sub-site must have (the rubric's [sections], names matched through [section_synonyms]); a
section present with nothing in it is a finding of its own; the previous year's 政府信息公开工作年度报告
must be online by 31 January (departments) or 31 March (governments) (条例 Art. 49).
"""

from __future__ import annotations

import re
from datetime import date

from checks.columns import Column
from checks.dates import chinese_date
from checks.facts import Link, Page, SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.links import ERROR_WORDS
from checks.rules import Rules
from checks.text import is_error_page
from checks.urls import canonical, column_key

MAX_NAME = 10  # characters: a menu entry, not an article title
YEAR_RE = re.compile(r"(20\d{2})\s*年")
ANNUAL_REPORT = "信息公开年报"


def section_pages(facts: SiteFacts, columns: list[Column], rules: Rules) -> dict[str, str]:
    """For each required section found on the site, the URL of its page.

    A name counts only where it leads to a real page of the site: a discovered column, a page whose
    ColumnName says so, or a link to one of the site's own pages answering 200 that is neither the page
    the link stands on (`href="#"`), nor the homepage (a menu header `href="/"`), nor an error page, nor
    an article. Menu headers written `href="#"` or `javascript:` lead nowhere and never count.
    """
    articles = {
        canonical(entry.url)
        for entries in facts.entries.values()
        for entry in entries
        if entry.url and entry.date_text
    }
    home = canonical(facts.home_urls[0]) if facts.home_urls else None
    names: list[tuple[str, str]] = [(column.name, column.url) for column in columns]
    # An article's ColumnName shows its section exists, though its URL is no column to read.
    names += [(meta["ColumnName"], url) for url, meta in facts.meta.items() if meta.get("ColumnName")]
    landing: dict[str, bool] = {}  # navigation links the same few targets from every page
    for link in facts.links:
        text = link.anchor_text.strip()
        if (
            link.tag not in ("a", "area")
            or link.attr != "href"
            or not 0 < len(text) <= MAX_NAME
            or canonical(link.target_url) in (canonical(link.source_url), home)
            or canonical(link.target_url) in articles
        ):
            continue
        if link.target_url not in landing:
            page = _own_page(facts, link.target_url)
            landing[link.target_url] = (
                page is not None
                and canonical(page.url) != home
                and canonical(page.final_url or page.url) != home
                and not is_error_page(page, rules.soft_404_texts)
            )
        if landing[link.target_url]:
            names.append((text, link.target_url))
    found: dict[str, str] = {}
    sections: dict[str, tuple[str, ...]] = {}
    for name, url in names:
        if name not in sections:
            sections[name] = rules.sections_of(name, facts.kind)
        for section in sections[name]:
            found.setdefault(section, url)
    return found


def _own_page(facts: SiteFacts, url: str) -> Page | None:
    """The page a link leads to, after redirects, when it is one of the site's own pages answering 200.

    Own means crawled for this site, on any host or path of its registry scope (`also` parts included):
    the row's site is decided by the registry, so a 信息公开 platform on another host counts, while a
    sub-site nested on a shared host, or a link stored with last run's scope, is judged as it is now.
    """
    page = facts.pages.get(url)
    seen = {url}
    # A redirect's first URL holds the final answer's status; a hop's row points on to where it led.
    while page is not None and page.final_url and page.final_url not in seen:
        seen.add(page.final_url)
        after = facts.pages.get(page.final_url)
        if after is None:
            break
        page = after
    if page is None or page.site_id != facts.site_id or page.status != 200:
        return None
    return page


def check_sections(facts: SiteFacts, columns: list[Column], rules: Rules, today: date) -> list[Finding]:
    found = section_pages(facts, columns, rules)
    by_url = {column_key(column.url): column for column in columns}
    findings = []
    unread: dict[str, tuple[Link, Page | None]] | None = None
    for section in rules.sections.get(facts.kind, ()):
        url = found.get(section)
        if url is None:
            if unread is None:  # read once, and only for a site that lacks a section
                unread = unread_section_links(facts, rules)
            findings.append(_missing(facts, section, unread.get(section)))
            continue
        column = by_url.get(column_key(url))
        if column is not None and column.state == "empty":
            findings.append(
                Finding(
                    facts.site_id,
                    CheckId.SECTION_EMPTY,
                    Severity.DEDUCTION if column.confirmed else Severity.WARNING,
                    ("" if column.confirmed else "【待确认】")
                    + f"必备栏目“{section}”（{column.name}）没有任何内容，请补充。",
                    url=column.url,
                    section=section,
                    column=column.name,
                )
            )
    if ANNUAL_REPORT in rules.sections.get(facts.kind, ()) and ANNUAL_REPORT in found:
        findings.extend(
            _annual_report(
                facts, by_url.get(column_key(found[ANNUAL_REPORT])), found[ANNUAL_REPORT], rules, today
            )
        )
    return findings


def unread_section_links(facts: SiteFacts, rules: Rules) -> dict[str, tuple[Link, Page | None]]:
    """For each required section that a link of the site names, where the link's page could not be read in
    this crawl (never fetched, a network error, or an answer other than 200): the first such link and what
    its page answered (None: not fetched)."""
    home = canonical(facts.home_urls[0]) if facts.home_urls else None
    named: dict[str, tuple[str, ...]] = {}
    found: dict[str, tuple[Link, Page | None]] = {}
    for link in facts.links:
        text = link.anchor_text.strip()
        if (
            link.tag not in ("a", "area")
            or link.attr != "href"
            or not link.fetchable
            or not 0 < len(text) <= MAX_NAME
            or canonical(link.target_url) in (canonical(link.source_url), home)
        ):
            continue
        if text not in named:
            named[text] = rules.sections_of(text, facts.kind)
        if not named[text] or all(section in found for section in named[text]):
            continue
        page = _followed(facts, link.target_url)
        if page is not None and page.status == 200:
            continue
        for section in named[text]:
            found.setdefault(section, (link, page))
    return found


def _followed(facts: SiteFacts, url: str) -> Page | None:
    """The page a URL ends at after the redirects the crawl followed (None: never fetched)."""
    page, seen = facts.pages.get(url), {url}
    while (
        page is not None and page.final_url and page.final_url not in seen and page.final_url in facts.pages
    ):
        seen.add(page.final_url)
        page = facts.pages[page.final_url]
    return page


GONE = (404, 410)  # the page is not there: a person would call the section missing too


def _missing(facts: SiteFacts, section: str, unread: tuple[Link, Page | None] | None = None) -> Finding:
    """A required section not found; only 待确认 when the crawl's deadline stopped it before the site was
    read through (the section may stand on a page it never reached), or when a link names the section but
    its page could not be read this time (a timeout, a server error, a page left unfetched): the section
    may well be there. The link stays in the evidence and the text, not in `url`: the finding is the
    section's (its key), whichever link led to it."""
    detail = f"网站缺少必备栏目“{section}”，请按《政府网站发展指引》开设并保持更新。"
    if unread is not None:
        link, page = unread
        status = page.status if page is not None else None
        answer = (
            "本次未抓取"
            if page is None
            else ERROR_WORDS.get(page.error or "", page.error)
            if page.error
            else f"HTTP {status}"
        )
        evidence: dict[str, object] = {
            "anchor_text": link.anchor_text.strip(),
            "page": link.source_url,
            "url": link.target_url,
        }
        evidence |= {"status": status, "error": page.error if page is not None else "not_fetched"}
        if status in GONE:
            return Finding(
                facts.site_id,
                CheckId.SECTION_MISSING,
                Severity.DEDUCTION,
                f"{detail}（页面 {link.source_url} 上的“{evidence['anchor_text']}”链接指向的页面已不存在："
                f"{answer}。）",
                section=section,
                evidence=evidence,
            )
        return Finding(
            facts.site_id,
            CheckId.SECTION_MISSING,
            Severity.WARNING,
            f"【待确认】{detail}（页面 {link.source_url} 上有“{evidence['anchor_text']}”链接，"
            f"但本次未能打开它指向的页面（{answer}），请人工核查该栏目。）",
            section=section,
            evidence={"confidence": "unconfirmed", **evidence},
        )
    if facts.crawl.stopped_by:
        return Finding(
            facts.site_id,
            CheckId.SECTION_MISSING,
            Severity.WARNING,
            f"【待确认】{detail}（本次抓取因时限提前结束，可能未抓到该栏目，请人工核查。）",
            section=section,
            evidence={"confidence": "unconfirmed", "stopped_by": facts.crawl.stopped_by},
        )
    return Finding(facts.site_id, CheckId.SECTION_MISSING, Severity.DEDUCTION, detail, section=section)


def _annual_report(
    facts: SiteFacts, column: Column | None, url: str, rules: Rules, today: date
) -> list[Finding]:
    titles = [entry.title for entry in (column.all_entries if column else ())]
    years = [int(match) for title in titles for match in YEAR_RE.findall(title)]
    latest = max(years, default=None)
    due_year = today.year - 1 if today > rules.report_deadline(facts.kind, today.year) else today.year - 2
    if latest is not None and latest >= due_year:
        return []
    deadline = rules.report_deadline(facts.kind, due_year + 1)
    found = f"最新为{latest}年度" if latest else "未找到任何年度报告"
    detail = (
        f"{due_year}年度政府信息公开工作年度报告应于{chinese_date(deadline)}前发布，"
        f"栏目中{found}，请尽快发布。"
    )
    # Only a list read from a confirmed column is evidence of a late report; otherwise a person looks.
    confirmed = column is not None and column.confirmed
    if not confirmed:
        detail = f"【待确认】{detail}（年报栏目未能确认识别，请人工核查该栏目是否已发布。）"
    return [
        Finding(
            facts.site_id,
            CheckId.ANNUAL_REPORT_LATE,
            Severity.DEDUCTION if confirmed else Severity.WARNING,
            detail,
            url=url,
            section=ANNUAL_REPORT,
            column=column.name if column else None,
            evidence={
                "latest_year": latest,
                "due_year": due_year,
                "deadline": deadline.isoformat(),
                "confidence": "confirmed" if confirmed else "unconfirmed",
                **({"identified_by": column.identified_by} if column else {}),
            },
        )
    ]
