"""Columns (栏目): finding them in the crawl facts, and the freshness and empty-column checks.

Rules encoded (indicators.md §1): a column must have a new item within its class's limit (news 14 days,
notice/policy 6 months, long-term 1 year; static columns have none); an item without a publication date
counts as not updated; an empty column (nothing listed, or only 暂无信息) is a finding, except a
disclosure-catalogue column whose page explains that no such information exists. Over a site, stale and
empty columns add up to the veto indicator 栏目不更新.

How columns are found without hints: a column is a list page. Lists that repeat on several pages (side
menus) and lists whose entries lead to other list pages (hubs, site maps) are navigation; a page whose own
list leads to leaf pages, or which says it has nothing to list, or whose list is filled by script, is a
column. Pages written by TRS pagination (index_1.html, ...) and `index.html` aliases belong to the column
they continue. Names come from the ColumnName meta tag, else from the link texts pointing at the page.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from checks.dates import item_date
from checks.facts import Entry, Page, SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules
from checks.text import mentions

DEFAULT_DOCUMENT_RE = re.compile(r"(index|default)\.s?html?$")
GENERIC_ANCHORS = re.compile(r"^(更多|more|首页|上一页|下一页|尾页|第\d+页|>>|»|\s*)$", re.IGNORECASE)
CLASS_NAMES = {"news": "动态要闻类", "notice_policy": "通知公告、政策文件类", "longterm": "长期类"}


@dataclass(frozen=True)
class Column:
    name: str
    url: str  # the first list page
    freshness: str | None  # news | notice_policy | longterm | static, or None when the name is unknown
    state: str  # items | empty | note | needs_render
    first_entries: tuple[Entry, ...]  # the list on the first page
    all_entries: tuple[Entry, ...]  # the lists on every page of the column
    pages: tuple[str, ...]


@lru_cache(maxsize=1 << 14)  # asked for every link of a site, which mostly repeat the same targets
def canonical(url: str) -> str:
    """A list URL without its default document: /gzdt/index.html and /gzdt/ are one page."""
    return DEFAULT_DOCUMENT_RE.sub("", url)


def discover_columns(facts: SiteFacts, rules: Rules) -> list[Column]:
    html = {
        page.url: page
        for page in facts.own_pages()
        if page.role == "page"
        and page.status == 200
        and (page.final_url in (None, page.url))
        and ((page.content_type or "").startswith("text/html") or page.render_state)
    }
    homes = {canonical(url) for url in facts.home_urls}
    first_page = _pagination_roots(facts, html)
    groups = {url: _groups(facts.entries.get(url, ())) for url in html}
    nav = _navigation_signatures(groups)
    content: dict[str, list[tuple[Entry, ...]]] = {url: [] for url in html}
    hubs: set[str] = set()
    hinted = {canonical(hint.url): hint for hint in facts.column_hints}
    for url, page_groups in groups.items():
        for group in page_groups:
            if _signature(group) in nav or any(canonical(e.url or "") == canonical(url) for e in group):
                continue
            content[url].append(group)

    def is_index(url: str | None) -> bool:
        """A page that lists others (or says it has nothing to list): not a leaf."""
        if not url or url not in html:
            return False
        return bool(content[url]) or _says_empty(html[url], rules) or url in hubs

    for url, page_groups in content.items():
        kept = []
        for group in page_groups:
            dated = sum(1 for entry in group if entry.date_text)
            leading_to_lists = sum(
                1 for entry in group if is_index(entry.url) and canonical(entry.url or "") != canonical(url)
            )
            if dated * 2 < len(group) and leading_to_lists * 2 >= len(group):
                hubs.add(url)  # a hub or a site map: its entries are other columns
            else:
                kept.append(group)
        content[url] = kept

    columns: dict[str, Column] = {}
    by_root: dict[str, list[str]] = defaultdict(list)
    for url in html:
        by_root[first_page.get(url, canonical(url))].append(url)
    for root, urls in by_root.items():
        if root in homes:
            continue
        first = min((u for u in urls if canonical(u) == root), key=len, default=min(urls, key=len))
        page = html[first]
        meta = facts.meta.get(first, {})
        if ("ArticleTitle" in meta or "PubDate" in meta) and root not in hinted:
            continue  # an article page, whatever lists it shows beside the text
        first_lists = content.get(first, [])
        state = None
        if first_lists:
            state = "items"
        elif page.render_state in ("needs_render", "render_failed"):
            state = "needs_render"
        elif mentions(page, rules.catalogue_notes):
            state = "note"
        elif _says_empty(page, rules) or root in hinted:
            state = "empty"
        if state is None:
            continue
        first_entries = max(first_lists, key=len) if first_lists else ()
        all_entries = tuple(e for url in sorted(urls) for group in content.get(url, []) for e in group)
        hint = hinted.get(root)
        name = (
            (hint.name if hint else None)
            or meta.get("ColumnName")
            or _anchor_name(facts, urls)
            or _title_name(page)
        )
        freshness = (hint.freshness if hint and hint.freshness else None) or rules.classify(name)
        if freshness is None and meta.get("ColumnType"):
            freshness = rules.classify(meta["ColumnType"])
        columns[root] = Column(
            name, first, freshness, state, tuple(first_entries), all_entries, tuple(sorted(urls))
        )
    return sorted(columns.values(), key=lambda column: column.url)


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
                Finding(
                    facts.site_id,
                    CheckId.COLUMN_EMPTY,
                    Severity.DEDUCTION,
                    f"栏目“{column.name}”没有任何信息（空白栏目），请补充内容；确无此类信息的公开目录栏目应注明原因。",
                    url=column.url,
                    column=column.name,
                    evidence={"text": _empty_phrase(column, facts, rules)},
                )
            )
        elif column.state == "items":
            finding = _freshness(facts, column, rules, today)
            if finding is not None:
                findings.append(finding)
    findings.extend(_columns_veto(facts, findings, rules))
    return findings


def newest_date(column: Column, today: date) -> date | None:
    """The column's newest publication date: from its first page, or from every page when the first page
    is not sorted newest-first or shows no date."""
    first = [d for d in (item_date(e.date_text, e.url, today) for e in column.first_entries) if d]
    if first and first == sorted(first, reverse=True):
        return first[0]
    every = [d for d in (item_date(e.date_text, e.url, today) for e in column.all_entries) if d]
    return max(every, default=None)


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
    else:
        age = (today - newest).days
        if age <= limit:
            return None
        evidence |= {"newest": newest.isoformat(), "age_days": age}
        detail = (
            f"栏目“{column.name}”（{CLASS_NAMES[column.freshness]}，应在 {limit} 天内更新）最新信息发布于"
            f"{newest.year}年{newest.month}月{newest.day}日，已 {age} 天未更新，请及时更新。"
        )
    return Finding(
        facts.site_id,
        CheckId.COLUMN_STALE,
        Severity.DEDUCTION,
        detail,
        url=column.url,
        column=column.name,
        evidence=evidence,
    )


def _columns_veto(facts: SiteFacts, findings: list[Finding], rules: Rules) -> list[Finding]:
    stale = [f for f in findings if f.check is CheckId.COLUMN_STALE]
    news_policy = [f for f in stale if f.evidence["freshness"] in ("news", "notice_policy")]
    empty = [f for f in findings if f.check is CheckId.COLUMN_EMPTY]
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


def _groups(entries: tuple[Entry, ...]) -> list[tuple[Entry, ...]]:
    by_container: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_container[entry.container].append(entry)
    return [tuple(group) for group in by_container.values()]


def _signature(group: tuple[Entry, ...]) -> frozenset[str]:
    return frozenset(canonical(entry.url or entry.title) for entry in group)


def _navigation_signatures(groups: dict[str, list[tuple[Entry, ...]]]) -> set[frozenset[str]]:
    """Lists that stand on two or more pages are menus, not content."""
    pages_by_signature: Counter[frozenset[str]] = Counter()
    for page_groups in groups.values():
        for signature in {_signature(group) for group in page_groups}:
            pages_by_signature[signature] += 1
    return {signature for signature, count in pages_by_signature.items() if count >= 2}


def _pagination_roots(facts: SiteFacts, html: dict[str, Page]) -> dict[str, str]:
    """For each page written by createPageHTML (or an index.html alias), the column's first page."""
    parent: dict[str, str] = {}
    for link in facts.links:
        if link.attr == "createPageHTML":
            source, target = canonical(link.source_url), canonical(link.target_url)
            if source != target:
                parent.setdefault(target, parent.get(source, source))
    roots = {}
    for url in html:
        key = canonical(url)
        seen = set()
        while key in parent and key not in seen:
            seen.add(key)
            key = parent[key]
        roots[url] = key
    return roots


def _says_empty(page: Page, rules: Rules) -> bool:
    return mentions(page, rules.empty_texts) is not None or mentions(page, rules.catalogue_notes) is not None


def _empty_phrase(column: Column, facts: SiteFacts, rules: Rules) -> str | None:
    return mentions(facts.pages[column.url], rules.empty_texts)


def _anchor_name(facts: SiteFacts, urls: list[str]) -> str | None:
    targets = {canonical(url) for url in urls}
    names = Counter(
        link.anchor_text.strip()
        for link in facts.links
        if canonical(link.target_url) in targets
        and link.tag == "a"
        and link.attr == "href"
        and not GENERIC_ANCHORS.match(link.anchor_text.strip())
    )
    return names.most_common(1)[0][0] if names else None


def _title_name(page: Page) -> str:
    return re.split(r"\s*[-_|｜—]\s*", page.title or "")[0] or page.url
