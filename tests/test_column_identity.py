"""Which pages make one column, what a column is named, and how sure duwang is (issue 10, causes 1–5, 9):
each test builds the facts a real template produces."""

import json
from datetime import date

from checks.columns import check_columns, discover_columns
from checks.facts import Entry
from checks.rules import load_rules
from checks.urls import canonical, column_key
from tests.sitefacts import HOME, entries, link, page, site

TODAY = date(2026, 11, 28)
RULES = load_rules()
TZGG = f"{HOME}tzgg/"
SIDE = {"通知公告": TZGG, "政策文件": f"{HOME}zcwj/", "工作动态": f"{HOME}gzdt/"}


def kinded(url: str, kind: str = "list", signals: dict | None = None, **fields):
    evidence = json.dumps({"score": 0, "signals": signals or {}})
    return page(url, kind=kind, kind_evidence=evidence, **fields)


def test_column_keys_fold_default_documents_and_pagination():
    assert canonical(f"{TZGG}index.html") == canonical(f"{TZGG}index.shtml") == TZGG
    assert canonical(f"{HOME}gk/default.htm") == f"{HOME}gk/"
    for paged in (
        f"{TZGG}index_2.html",
        f"{TZGG}?page=2",
        f"{TZGG}index.html?uid=4406&pageNum=3",
        f"{TZGG}list_3.shtml",
    ):
        assert column_key(paged) == TZGG, paged
    # a query that names the list is kept; only the pager goes
    assert column_key(f"{HOME}list.jsp?channelId=7&pageNo=2") == f"{HOME}list.jsp?channelId=7"
    assert column_key(f"{HOME}tzgg/t20261012_1.html") == f"{HOME}tzgg/t20261012_1.html"


def test_aliases_and_query_pages_are_one_column_not_navigation_nor_stale_columns():
    # The nav links /tzgg/; the pager links index.html?uid=..&pageNum=2 (Hanweb); /tzgg/index.html is crawled
    # too. The first page's list must not be thrown away as "seen on two pages".
    first = entries(TZGG, "div.list>ul#3", [("公告0", "2026-11-20"), ("公告1", "2026-11-01")])
    alias = tuple(
        Entry(f"{TZGG}index.html", e.container, e.position, e.title, e.url, e.date_text) for e in first
    )
    page_two_url = f"{TZGG}index.html?uid=4406&pageNum=2"
    page_two = tuple(
        Entry(page_two_url, "div.list>ul#3", n, f"旧公告{n}", f"{TZGG}202401/t2024010{n + 1}_{n}.html", d)
        for n, d in enumerate(("2024-01-01", "2023-12-01"))
    )
    pages = [kinded(TZGG), kinded(f"{TZGG}index.html"), kinded(page_two_url)]
    links = [link(HOME, TZGG, "通知公告"), link(TZGG, page_two_url, "2")]
    facts = site(pages, links, {TZGG: first, f"{TZGG}index.html": alias, page_two_url: page_two})
    columns = discover_columns(facts, RULES)
    assert [(c.name, c.url, len(c.pages)) for c in columns] == [("通知公告", TZGG, 3)]
    assert len(columns[0].all_entries) == 4  # the alias shows the same two entries: counted once
    assert check_columns(facts, columns, RULES, TODAY) == []  # the newest item is 8 days old


def test_an_article_page_is_not_a_column_whatever_dated_row_it_shows():
    # TRS table layout without meta: the attachment row is a one-item dated "list".
    article = f"{HOME}tzgg/202201/t20220110_1.html"
    row = entries(article, "table>tr#1", [("附件：检查表.pdf", "2022-01-10")])
    signals = {"labels": ["date", "source", "print"], "long_body": 900, "title_in_body": "关于检查的通知"}
    facts = site(
        [kinded(article, "article", signals)], [link(TZGG, article, "关于检查的通知")], {article: row}
    )
    assert discover_columns(facts, RULES) == []


def test_a_one_item_list_on_a_page_with_article_signals_is_only_unconfirmed():
    # The kind reader said "list" (a dated list dominates), but article signals were seen too.
    url = f"{HOME}jgzn/"
    row = entries(url, "table>tr#1", [("机构职能", "2021-01-10")])
    facts = site(
        [kinded(url, "list", {"labels": ["date", "print"], "title_in_body": "机构职能"})],
        [link(HOME, url, "机构职能")],
        {url: row},
    )
    (column,) = discover_columns(facts, RULES)
    assert column.confidence == "unconfirmed"
    (finding,) = check_columns(facts, [column], RULES, TODAY)
    assert finding.severity == "warning" and finding.detail.startswith("【待确认】")
    assert finding.evidence["article_signals"] == ["labels", "title_in_body"]


def test_unconfirmed_columns_never_add_up_to_a_veto():
    # Five stale lists named only by their page titles (no menu links to them): reported, not vetoed.
    urls = [f"{HOME}c{n}/" for n in range(5)]
    lists = {
        url: entries(url, "ul.list#1", [("旧闻", "2025-01-01"), ("旧闻2", "2024-12-01")]) for url in urls
    }
    pages = [kinded(url, title=f"新闻动态{n} - 测试县") for n, url in enumerate(urls)]
    findings = check_columns(
        site(pages, [], lists), discover_columns(site(pages, [], lists), RULES), RULES, TODAY
    )
    assert {f.check for f in findings} == {"column_stale"}
    assert all(f.severity == "warning" and f.evidence["identified_by"] == "title" for f in findings)
    # the same five, linked from the site's menu: confirmed, and the veto line is reached
    named = [link(HOME, url, f"新闻动态{n}") for n, url in enumerate(urls)]
    facts = site(pages, named, lists)
    checks = {
        (f.check, f.severity) for f in check_columns(facts, discover_columns(facts, RULES), RULES, TODAY)
    }
    assert ("columns_stale", "veto") in checks


def test_a_site_wide_column_name_meta_does_not_name_the_columns():
    urls = [TZGG, f"{HOME}zcwj/"]
    lists = {
        url: entries(url, "ul.list#1", [("条目", "2026-11-20"), ("条目2", "2026-11-10")]) for url in urls
    }
    meta = {url: {"ColumnName": "测试县人民政府"} for url in urls}
    links = [link(HOME, TZGG, "通知公告"), link(HOME, f"{HOME}zcwj/", "政策文件")]
    columns = discover_columns(site([kinded(u) for u in urls], links, lists, meta=meta), RULES)
    assert sorted(c.name for c in columns) == ["政策文件", "通知公告"]
    assert {c.identified_by for c in columns} == {"navigation"}


def test_a_sidebar_that_changes_a_little_per_page_is_still_navigation():
    # A dated "热点新闻" sidebar of six articles on every column page, each page showing five of them.
    hot = [(f"{HOME}rd/t2026110{n}_{n}.html", f"热点{n}", f"2026-11-0{n + 1}") for n in range(6)]
    lists, pages, links = {}, [], []
    for n in range(8):
        url = f"{HOME}m{n}/"
        shown = [h for i, h in enumerate(hot) if i != n % 6]
        sidebar = tuple(Entry(url, "div.side>ul#1", i, t, u, d) for i, (u, t, d) in enumerate(shown))
        lists[url] = sidebar + entries(url, "ul.list#2", [("新闻", "2026-11-20"), ("新闻2", "2026-11-01")])
        pages.append(kinded(url))
        links.append(link(HOME, url, f"栏目{n}"))
    columns = discover_columns(site(pages, links, lists), RULES)
    assert len(columns) == 8
    assert all([e.title for e in c.first_entries] == ["新闻", "新闻2"] for c in columns)


def test_an_empty_list_without_a_note_is_an_empty_column():
    url = f"{HOME}zjdc/"
    facts = site(
        [kinded(url, "static", {"empty_list": "div>ul"})],
        [link(HOME, url, "征集调查"), link(TZGG, url, "征集调查")],
        {},
    )
    (column,) = discover_columns(facts, RULES)
    assert (column.name, column.state, column.confidence) == ("征集调查", "empty", "confirmed")
    (finding,) = check_columns(facts, [column], RULES, TODAY)
    assert (finding.check, finding.severity) == ("column_empty", "deduction")


def test_a_registry_hint_confirms_a_column():
    from checks.facts import ColumnHint

    url = f"{HOME}ztzl/"
    facts = site(
        [kinded(url)],
        [],
        {url: entries(url, "ul#1", [("专题", "2025-01-01")])},
        column_hints=(ColumnHint("专题专栏", url, "news"),),
    )
    (column,) = discover_columns(facts, RULES)
    assert (column.name, column.identified_by, column.confidence) == ("专题专栏", "registry", "confirmed")
