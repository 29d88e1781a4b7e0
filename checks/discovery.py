"""Finding a site's columns (栏目) in its crawl facts, and how sure each identification is.

A column is a list page. Lists that repeat on several pages (side menus) and lists whose entries lead to
other list pages (hubs, site maps) are navigation; a page whose own list leads to leaf pages, or which says
it has nothing to list, or whose list is filled by script, is a column. Pages written by TRS pagination
(index_1.html, ...) and `index.html` aliases belong to the column they continue. Names come from the
registry's hints, the ColumnName meta tag, else from the link texts pointing at the page. The freshness
and empty-column checks over the columns found here are in checks/columns.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from checks.facts import ColumnHint, Entry, Page, SiteFacts
from checks.rules import Rules
from checks.text import mentions
from checks.urls import canonical, column_key

# "More" links as sites write them (更多, 更多 +, MORE >>, 查看更多>, [更多]): never a column's name.
GENERIC_ANCHORS = re.compile(
    r"^([\[【(（]?\s*[+＋]?\s*(查看)?(更多|more)(信息|内容)?\s*[>＞»》+＋.…]*\s*[\]】)）]?"
    r"|首页|上一页|下一页|尾页|第\d+页|>>|»|\s*)$",
    re.IGNORECASE,
)
NAV_SHARE = 0.7  # of a list's entries listed on NAV_PAGES or more pages: a menu or a sidebar
NAV_PAGES = 3
CONFIRMED, UNCONFIRMED = "confirmed", "unconfirmed"
# How a column was identified, strongest first (stored with every column finding as `identified_by`).
HOW = {
    "registry": "登记表栏目配置",
    "meta": "页面 ColumnName 元数据",
    "navigation": "导航链接文字",
    "list_heading": "列表标题",
    "title": "页面标题",
}


@dataclass(frozen=True)
class Column:
    name: str
    url: str  # the first list page
    freshness: str | None  # news | notice_policy | longterm | static, or None when the name is unknown
    state: str  # items | empty | note | needs_render
    first_entries: tuple[Entry, ...]  # the list on the first page
    all_entries: tuple[Entry, ...]  # the lists on every page of the column
    pages: tuple[str, ...]
    identified_by: str = "navigation"  # a key of HOW: where the column's name came from
    confidence: str = CONFIRMED  # confirmed: evidence a person accepts; unconfirmed: reported as 待确认
    evidence: tuple[tuple[str, object], ...] = ()  # what identified it, for the finding's evidence

    @property
    def confirmed(self) -> bool:
        return self.confidence == CONFIRMED


@dataclass
class _Site:
    """What discovery works from: the site's HTML pages, each page's content lists and its column key."""

    facts: SiteFacts
    rules: Rules
    html: dict[str, Page]
    keys: dict[str, str]
    content: dict[str, list[tuple[Entry, ...]]]
    hubs: set[str]


def discover_columns(facts: SiteFacts, rules: Rules) -> list[Column]:
    """The site's columns: list pages grouped by column key, with how each was identified."""
    html = {
        page.url: page
        for page in facts.own_pages()
        if page.role == "page"
        and page.status == 200
        and (page.final_url in (None, page.url))
        and ((page.content_type or "").startswith("text/html") or page.render_state)
    }
    keys = _column_keys(facts, html)
    groups = {url: _groups(facts.entries.get(url, ())) for url in html}
    articles = {url for url, page in html.items() if page_kind(page, facts.meta.get(url, {})) == "article"}
    navigation = _navigation(groups, keys, articles)
    content = {
        url: [
            group
            for number, group in enumerate(page_groups)
            if (url, number) not in navigation
            and not any(column_key(e.url or "") == keys[url] for e in group)
        ]
        for url, page_groups in groups.items()
    }
    site = _Site(facts, rules, html, keys, content, set())
    _drop_hubs(site)
    homes = {column_key(url) for url in facts.home_urls}
    site_wide = _site_wide_column_names(site)
    by_key: dict[str, list[str]] = defaultdict(list)
    for url in html:
        by_key[keys[url]].append(url)
    columns = [
        column
        for key, urls in by_key.items()
        if key not in homes and (column := _column(site, key, urls, site_wide)) is not None
    ]
    return sorted(columns, key=lambda column: column.url)


def _column(site: _Site, key: str, urls: list[str], site_wide: set[str]) -> Column | None:
    facts, rules = site.facts, site.rules
    hint = next((h for h in facts.column_hints if column_key(h.url) == key), None)
    first = min(urls, key=lambda u: (canonical(u) != key, len(u), u))  # page 1 before index_2.html
    page = site.html[first]
    meta = facts.meta.get(first, {})
    if hint is None and page_kind(page, meta) == "article":
        return None  # an article page, whatever lists it shows beside the text
    first_lists = site.content.get(first, [])
    state = _state(page, first_lists, rules, hint is not None)
    if state is None:
        return None
    first_entries = max(first_lists, key=len) if first_lists else ()
    # /col/ and /col/index.html show the same list: each entry counts once however many aliases show it
    every = (e for url in sorted(urls) for group in site.content.get(url, []) for e in group)
    all_entries = tuple({(e.url or e.title, e.date_text): e for e in every}.values())
    name, how = _name(facts, urls, meta, first_entries, page, hint, site_wide)
    freshness = (hint.freshness if hint and hint.freshness else None) or rules.classify(name)
    if freshness is None and meta.get("ColumnType"):
        freshness = rules.classify(meta["ColumnType"])
    confidence, evidence = _confidence(page, how, state, first_entries)
    return Column(
        name,
        first,
        freshness,
        state,
        tuple(first_entries),
        all_entries,
        tuple(sorted(urls)),
        how,
        confidence,
        evidence,
    )


def page_kind(page: Page, meta: Mapping[str, str]) -> str | None:
    """The page's kind as the crawler read it; for facts stored before kinds were read, article meta."""
    if page.kind:
        return page.kind
    return "article" if ("ArticleTitle" in meta or "PubDate" in meta) else None


def _state(page: Page, first_lists: list[tuple[Entry, ...]], rules: Rules, hinted: bool) -> str | None:
    if first_lists:
        return "items"
    if page.render_state in ("needs_render", "render_failed"):
        return "needs_render"
    if mentions(page, rules.catalogue_notes):
        return "note"
    if _says_empty(page, rules) or hinted or _empty_list(page):
        return "empty"
    return None


def _empty_list(page: Page) -> bool:
    """The page shows an empty list (an empty <ul> or table body) and nothing else to read."""
    return bool(_kind_signals(page).get("empty_list"))


def _kind_signals(page: Page) -> dict:
    if not page.kind_evidence:
        return {}
    return json.loads(page.kind_evidence).get("signals", {})


def _confidence(
    page: Page, how: str, state: str, first: tuple[Entry, ...]
) -> tuple[str, tuple[tuple[str, object], ...]]:
    """Confirmed when a person would accept the evidence: the registry says so, or the page is named by
    the site's own navigation (or its ColumnName meta) and reads as a list page: two or more entries, or
    one entry on a page without any article signal, or an explicit 暂无信息 note."""
    signals = _kind_signals(page)
    article_signals = sorted(k for k in signals if k in ("meta", "labels", "long_body", "title_in_body"))
    evidence: tuple[tuple[str, object], ...] = (
        ("identified_by", how),
        ("how", HOW[how]),
        ("page_kind", page.kind or "unknown"),
    )
    if article_signals:
        evidence += (("article_signals", article_signals),)
    if how == "registry":
        return CONFIRMED, evidence
    named = how in ("navigation", "meta")
    listed = state != "items" or len(first) >= 2 or not article_signals
    return (CONFIRMED if named and listed else UNCONFIRMED), evidence


def _column_keys(facts: SiteFacts, html: dict[str, Page]) -> dict[str, str]:
    """Each page's column key: pages written by createPageHTML go to the page that wrote them."""
    parent: dict[str, str] = {}
    for link in facts.links:
        if link.attr == "createPageHTML":
            source, target = column_key(link.source_url), column_key(link.target_url)
            if source != target:
                parent.setdefault(target, parent.get(source, source))
    keys = {}
    for url in html:
        key = column_key(url)
        seen = set()
        while key in parent and key not in seen:
            seen.add(key)
            key = parent[key]
        keys[url] = key
    return keys


def _navigation(
    groups: dict[str, list[tuple[Entry, ...]]], keys: dict[str, str], articles: set[str]
) -> set[tuple[str, int]]:
    """Lists that are menus or sidebars: most of their entries are listed on NAV_PAGES or more columns'
    pages, or the same undated list stands on two. Pages of one column count once (`keys`), and the
    entries need not repeat exactly: real footer menus differ a little from page to page. An article's
    links to related pages (an interpretation's link to its policy) do not count as listing them: else a
    policy shown on the homepage, in its column and linked from its interpretation reads as a menu."""
    listed_on: dict[str, set[str]] = defaultdict(set)
    exact: dict[frozenset[str], set[str]] = defaultdict(set)
    for url, page_groups in groups.items():
        for group in page_groups:
            exact[_signature(group)].add(keys[url])
            if url in articles:
                continue
            for entry in group:
                listed_on[_target(entry)].add(keys[url])
    navigation = set()
    for url, page_groups in groups.items():
        for number, group in enumerate(page_groups):
            repeated = sum(1 for entry in group if len(listed_on[_target(entry)]) >= NAV_PAGES)
            undated_repeat = not any(e.date_text for e in group) and len(exact[_signature(group)]) >= 2
            if repeated >= NAV_SHARE * len(group) or undated_repeat:
                navigation.add((url, number))
    return navigation


def _drop_hubs(site: _Site) -> None:
    """A list whose entries mostly lead to other list pages is a hub or a site map: its entries are other
    columns, and its page is not a column of its own (unless another list on it is)."""
    index_keys = {
        site.keys[url]
        for url, page in site.html.items()
        if site.content[url] or _says_empty(page, site.rules)
    }
    for url, page_groups in site.content.items():
        kept = []
        for group in page_groups:
            dated = sum(1 for entry in group if entry.date_text)
            leading = sum(
                1
                for entry in group
                if (key := column_key(entry.url or "")) in index_keys or key in site.hubs
                if key != site.keys[url]
            )
            if dated * 2 < len(group) and leading * 2 >= len(group):
                site.hubs.add(site.keys[url])
            else:
                kept.append(group)
        site.content[url] = kept


def _site_wide_column_names(site: _Site) -> set[str]:
    """ColumnName meta values that stand on the list pages of two or more columns: a template's constant
    (often the site's name), not the name of any one column."""
    keys_by_name: dict[str, set[str]] = defaultdict(set)
    for url, page in site.html.items():
        name = site.facts.meta.get(url, {}).get("ColumnName")
        if name and page_kind(page, site.facts.meta.get(url, {})) != "article":
            keys_by_name[name].add(site.keys[url])
    return {name for name, keys in keys_by_name.items() if len(keys) >= 2 or name == site.facts.name}


def _name(
    facts: SiteFacts,
    urls: list[str],
    meta: Mapping[str, str],
    first: tuple[Entry, ...],
    page: Page,
    hint: ColumnHint | None,
    site_wide: set[str],
) -> tuple[str, str]:
    if hint is not None:
        return hint.name, "registry"
    if meta.get("ColumnName") and meta["ColumnName"] not in site_wide:
        return meta["ColumnName"], "meta"
    anchor = _anchor_name(facts, urls)
    if anchor:
        return anchor, "navigation"
    if first and first[0].list_name:
        return first[0].list_name, "list_heading"
    return _title_name(page), "title"


def _signature(group: tuple[Entry, ...]) -> frozenset[str]:
    return frozenset(_target(entry) for entry in group)


def _target(entry: Entry) -> str:
    return canonical(entry.url) if entry.url else entry.title


def _groups(entries: tuple[Entry, ...]) -> list[tuple[Entry, ...]]:
    by_container: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_container[entry.container].append(entry)
    return [tuple(group) for group in by_container.values()]


def _says_empty(page: Page, rules: Rules) -> bool:
    return mentions(page, rules.empty_texts) is not None or mentions(page, rules.catalogue_notes) is not None


def _anchor_name(facts: SiteFacts, urls: list[str]) -> str | None:
    targets = {column_key(url) for url in urls}
    names = Counter(
        link.anchor_text.strip()
        for link in facts.links
        if column_key(link.target_url) in targets
        and link.tag == "a"
        and link.attr == "href"
        and not GENERIC_ANCHORS.match(link.anchor_text.strip())
    )
    return names.most_common(1)[0][0] if names else None


def _title_name(page: Page) -> str:
    return re.split(r"\s*[-_|｜—]\s*", page.title or "")[0] or page.url
