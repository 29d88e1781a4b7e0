"""Database growth (issue 11 row 13): an unchanged page's facts are stored once and referenced by every run
that revalidates it; `duwang prune` keeps the latest [storage] keep_runs completed runs' facts and every run's
findings, and the file shrinks."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlite_utils import Database, Migrations

from crawler.app.inspection import completed_run
from crawler.items import LinkFact, ListItemFact, PageFact
from crawler.registry import RegistryError, load_registry
from crawler.store import MIGRATIONS, Store
from crawler.vocab import FetchRole, RunStatus
from tests.builders import cli, write_registry
from tests.conftest import duwang
from tests.test_registry import GOOD

HOME = "http://127.0.0.2/"
NEWS = "http://127.0.0.2/xwdt/"
FACT_TABLES = ("links", "list_items", "page_meta", "footers")


def home_fact(title: str = "临夏州人民政府", news: str = "州政府召开常务会议") -> PageFact:
    """A portal homepage as the spider stores it: navigation links, a dated news list, meta tags, a footer."""
    return PageFact(
        url=HOME,
        site_id="lxz",
        role=FetchRole.PAGE,
        depth=0,
        status=200,
        title=title,
        etag='"home-1"',
        footer="主办：临夏州人民政府办公室 网站标识码6229000001 甘ICP备05000000号",
        forms=[{"action": "http://127.0.0.2/search/", "method": "get", "inputs": ["q"], "text": "搜索"}],
        meta={"SiteIDCode": "6229000001", "ColumnName": "首页"},
        links=[
            LinkFact(NEWS, "a", "href", "page", "新闻动态", True, True),
            LinkFact("http://127.0.0.2/tzgg/", "a", "href", "page", "通知公告", True, True),
            LinkFact("http://www.gov.cn/", "a", "href", "page", "中国政府网", False, True),
        ],
        list_items=[
            ListItemFact(
                "div.news>ul", 0, news, "http://127.0.0.2/xwdt/202611/t1.html", "2026-11-20", "要闻"
            ),
            ListItemFact(
                "div.news>ul", 1, "全州安全生产会议", "http://127.0.0.2/xwdt/202611/t2.html", "2026-11-18"
            ),
        ],
    )


def news_fact() -> PageFact:
    return PageFact(
        url=NEWS,
        site_id="lxz",
        role=FetchRole.PAGE,
        depth=1,
        status=200,
        title="新闻动态",
        links=[LinkFact(HOME, "a", "href", "page", "首页", True, True)],
        list_items=[ListItemFact("ul.list", 0, "州政府召开常务会议", "/xwdt/202611/t1.html", "2026-11-20")],
        meta={"ColumnName": "新闻动态"},
    )


def crawl(store: Store, *facts_of_run: PageFact, carried: tuple[str, ...] = ()) -> int:
    """One run: `facts_of_run` read afresh, the `carried` URLs revalidated (304) from the latest run."""
    previous = store.latest_run()
    run_id = store.begin_run(["lxz"], "sites.toml")
    facts = list(facts_of_run)
    for url in carried:
        assert previous is not None
        fact = store.carried_fact(previous["id"], url)
        assert fact is not None
        fact.revalidated = True
        facts.append(fact)
    store.write_facts(run_id, facts)
    store.save_site_stats(
        run_id, [{"site_id": "lxz", "name": "临夏州", "kind": "portal", "pages": len(facts)}]
    )
    store.end_run(run_id, RunStatus.COMPLETED, {})
    return run_id


def rows(store: Store, table: str) -> int:
    return store.db.execute(f"select count(*) from {table}").fetchone()[0]


def test_unchanged_pages_facts_are_stored_once_and_every_run_reads_them(tmp_path):
    store = Store(tmp_path / "facts.db")
    first = crawl(store, home_fact(), news_fact())
    stored = {table: rows(store, table) for table in FACT_TABLES}
    second = crawl(store, carried=(HOME, NEWS))
    third = crawl(store, carried=(HOME, NEWS))  # carried from a run that carried them: still the first's rows
    assert {table: rows(store, table) for table in FACT_TABLES} == stored
    assert [store.page(run, HOME)["facts_run"] for run in (first, second, third)] == [first, first, first]
    for run in (second, third):
        assert store.site_facts(run, "lxz") == store.site_facts(first, "lxz")
        assert store.list_items(run, HOME) == store.list_items(first, HOME)
        assert store.page_meta(run, HOME) == {"SiteIDCode": "6229000001", "ColumnName": "首页"}
        assert [row["text"] for row in store.footers(run, "lxz")] == [home_fact().footer]
        assert [(r["run_id"], r["target_url"]) for r in store.links(run, "lxz")][:1] == [(run, NEWS)]
        assert store.unfetched_link_targets(run) == store.unfetched_link_targets(first)
    assert store.carried_fact(third, HOME).links == home_fact().links


def test_a_changed_page_gets_its_own_rows_and_its_unchanged_neighbours_stay_shared(tmp_path):
    store = Store(tmp_path / "facts.db")
    first = crawl(store, home_fact(), news_fact())
    second = crawl(store, home_fact(news="州长会见客商"), carried=(NEWS,))
    titles = [row[3] for row in store.site_facts(second, "lxz")["entries"]]
    assert "州长会见客商" in titles and "州政府召开常务会议" in titles  # home's new list, news' old one
    assert [row[3] for row in store.site_facts(first, "lxz")["entries"]].count("州长会见客商") == 0
    assert store.page(second, NEWS)["facts_run"] == first
    assert store.page(second, HOME)["facts_run"] == second


def test_prune_keeps_the_latest_runs_facts_every_runs_findings_and_rows_still_referenced(tmp_path):
    store = Store(tmp_path / "facts.db")
    first = crawl(store, home_fact(), news_fact())
    store.replace_findings(
        first, [{"site_id": "lxz", "check": "dead_link", "severity": "deduction"}], ["lxz"]
    )
    second = crawl(store, home_fact(title="临夏州人民政府门户网站"), carried=(NEWS,))
    third = crawl(store, carried=(HOME, NEWS))
    facts_before = store.site_facts(third, "lxz")

    dry = store.prune(keep=2, dry_run=True)
    assert (dry.runs, dry.kept) == ([first], [second, third])
    assert rows(store, "pages") == 6 and store.run(first)["pruned_at"] is None  # a dry run deletes nothing

    result = store.prune(keep=2)
    assert result.runs == [first] and result.rows == dry.rows
    assert result.rows["pages"] == 2
    assert store.pages(first) == []
    # The news page's rows were read by the first run and are referenced by the kept ones: they stay.
    assert store.site_facts(third, "lxz") == facts_before
    assert store.page(third, NEWS)["facts_run"] == first
    assert store.db.execute("select count(*) from links where run_id = ?", [first]).fetchone()[0] == 1
    # Findings, checked sites, site stats and the run itself stay for reports and trends.
    assert [f["check"] for f in store.findings(first)] == ["dead_link"]
    assert store.checked_sites(first) == {"lxz"}
    assert store.site_stats(first)[0]["pages"] == 2
    assert store.run(first)["pruned_at"] is not None

    # Once no kept run references them any more, the first run's last rows go too.
    fourth = crawl(store, home_fact(), news_fact())
    assert store.prune(keep=1).runs == [second, third]
    assert {table: rows(store, table) for table in FACT_TABLES} == {
        table: store.db.execute(f"select count(*) from {table} where run_id = ?", [fourth]).fetchone()[0]
        for table in FACT_TABLES
    }
    assert rows(store, "pages") == 2 and len(store.runs()) == 4


def test_prune_never_touches_a_running_run_and_keeps_at_least_one(tmp_path):
    store = Store(tmp_path / "facts.db")
    crawl(store, home_fact())
    running = store.begin_run(["lxz"], "sites.toml")
    store.write_facts(running, [news_fact()])
    latest = crawl(store, home_fact())
    result = store.prune(keep=1)
    assert result.kept == [latest] and running not in result.runs
    assert store.page(running, NEWS) is not None
    with pytest.raises(ValueError, match="at least 1"):
        store.prune(keep=0)


def test_prune_shrinks_the_file(tmp_path):
    path = tmp_path / "facts.db"
    store = Store(path)
    many = [
        PageFact(
            url=f"http://127.0.0.2/xwdt/{n}.html",
            site_id="lxz",
            role=FetchRole.PAGE,
            depth=2,
            status=200,
            title=f"第{n}条新闻",
            text_excerpt="临夏州人民政府" * 40,
            links=[
                LinkFact(f"http://127.0.0.2/a/{n}/{k}.html", "a", "href", "page", "链接" * 5, True, True)
                for k in range(20)
            ],
        )
        for n in range(300)
    ]
    for _ in range(3):
        crawl(store, *many)
    store.close()
    size = path.stat().st_size
    store = Store(path)
    result = store.prune(keep=1)
    # VACUUM wrote its copy through the WAL; the checkpoint after it leaves that file empty again.
    assert (tmp_path / "facts.db-wal").stat().st_size < size / 10
    store.close()
    assert result.vacuum_error is None
    assert result.bytes_after < result.bytes_before / 2
    assert path.stat().st_size < size / 2


def test_a_database_from_before_shared_facts_is_read_as_before(tmp_path):
    path = tmp_path / "facts.db"
    older = Migrations("duwang")
    for migration in MIGRATIONS._migrations:
        if migration.name == "m012_shared_facts":
            break
        older(name=migration.name)(migration.fn)
    db = Database(path)
    older.apply(db)
    db.execute("insert into runs (id, status, sites) values (1, 'completed', '[\"lxz\"]')")
    db.execute(
        "insert into pages (run_id, url, site_id, role, depth, status) values (1, ?, 'lxz', 'page', 0, 200)",
        [HOME],
    )
    db.execute(
        "insert into links (run_id, site_id, source_url, target_url, tag, attr, kind, anchor_text, in_scope,"
        " fetchable) values (1, 'lxz', ?, ?, 'a', 'href', 'page', '新闻动态', 1, 1)",
        [HOME, NEWS],
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    assert store.page(1, HOME)["facts_run"] == 1
    assert store.site_facts(1, "lxz")["links"] == [(HOME, NEWS, "a", "href", "page", "新闻动态", 1, 1)]


def test_a_pruned_run_is_not_checked_again(tmp_path):
    store = Store(tmp_path / "facts.db")
    first = crawl(store, home_fact())
    crawl(store, home_fact())
    store.prune(keep=1)
    with pytest.raises(LookupError, match=f"facts of run {first} were pruned"):
        completed_run(store, first)


def test_keep_runs_is_read_from_the_registry_and_checked(tmp_path):
    assert load_registry(write_registry(tmp_path, GOOD)).storage.keep_runs == 12
    assert (
        load_registry(write_registry(tmp_path, GOOD + "\n[storage]\nkeep_runs = 4\n")).storage.keep_runs == 4
    )
    for bad in ("0", "-3", "true", '"12"'):
        with pytest.raises(RegistryError, match=r"\[storage\], field 'keep_runs': .* at least 1"):
            load_registry(write_registry(tmp_path, GOOD + f"\n[storage]\nkeep_runs = {bad}\n"))
    with pytest.raises(RegistryError, match=r"\[storage\], field 'keep': unknown field"):
        load_registry(write_registry(tmp_path, GOOD + "\n[storage]\nkeep = 4\n"))


def test_duwang_prune_uses_keep_runs_and_says_what_it_deleted(tmp_path):
    path, db = write_registry(tmp_path, GOOD + "\n[storage]\nkeep_runs = 2\n"), tmp_path / "facts.db"
    store = Store(db)
    runs = [crawl(store, home_fact(), news_fact()) for _ in range(4)]
    store.close()
    common = ["--config", str(path), "--db", str(db)]
    dry = duwang("prune", *common, "--dry-run").stdout
    assert "将清理 would prune runs 1, 2" in dry and "pages 4" in dry
    assert "已清理 pruned runs 1, 2" in duwang("prune", *common).stdout
    assert "没有需要清理的抓取 nothing to prune" in duwang("prune", *common).stdout
    header, *listed = duwang("runs", *common).stdout.splitlines()
    assert header.split()[:2] == ["编号", "状态"]
    assert ["事实已清理" in line for line in listed] == [True, True, False, False]
    assert "已清理 pruned runs 3" in duwang("prune", *common, "--keep", "1").stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select distinct run_id from pages").fetchall() == [(runs[-1],)]
    refused = cli("check", *common, "--run", "1")
    assert refused.returncode != 0 and "were pruned" in refused.stderr
    assert json.loads(Store(db).run(1)["sites"]) == ["lxz"]  # the run's own row stays
