"""The fact store: schema by migrations, runs side by side, crashed runs recovered without damage."""

import sqlite3

import pytest

from checks.facts import Entry, Link, Page
from crawler.items import LinkFact, ListItemFact, PageFact
from crawler.store import MIGRATIONS, Store
from crawler.vocab import FetchError, FetchRole, RunStatus


def page(url: str, **extra) -> PageFact:
    return PageFact(url=url, site_id="lxz", role=FetchRole.PAGE, depth=0, **extra)


def test_schema_is_built_by_migrations_and_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "facts.db"
    Store(path).close()
    store = Store(path)
    assert {"runs", "run_sites", "pages", "links", "list_items", "page_meta", "footers"} <= set(
        store.db.table_names()
    )
    assert [m.name for m in MIGRATIONS.applied(store.db)] == [m.name for m in MIGRATIONS._migrations]
    assert MIGRATIONS.pending(store.db) == []
    assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_facts_of_a_page_land_in_their_tables(tmp_path):
    store = Store(tmp_path / "facts.db")
    run_id = store.begin_run(["lxz"], "sites.toml")
    home = page(
        "http://127.0.0.2/",
        status=200,
        title="临夏州人民政府",
        footer="网站标识码6229000001",
        forms=[{"action": "http://127.0.0.2/search/", "method": "get", "inputs": ["q"], "text": ""}],
        meta={"SiteIDCode": "6229000001"},
        links=[LinkFact("http://127.0.0.2/a.html", "a", "href", "page", "新闻", True, True)],
        list_items=[ListItemFact("div.list>ul", 0, "新闻", "http://127.0.0.2/a.html", "[11-02]")],
    )
    dead = PageFact(
        url="http://127.0.0.250/", site_id="lxz", role=FetchRole.CHECK, depth=1, error=FetchError.REFUSED
    )
    store.write_facts(run_id, [home, dead])
    store.end_run(run_id, RunStatus.COMPLETED, {"pages": 2})
    assert store.page(run_id, "http://127.0.0.2/")["title"] == "临夏州人民政府"
    assert store.page(run_id, "http://127.0.0.250/")["error"] == "refused"
    assert store.links(run_id, "lxz")[0]["target_url"] == "http://127.0.0.2/a.html"
    assert store.list_items(run_id, "http://127.0.0.2/")[0]["date_text"] == "[11-02]"
    assert store.page_meta(run_id, "http://127.0.0.2/") == {"SiteIDCode": "6229000001"}
    assert store.footers(run_id, "lxz")[0]["text"] == "网站标识码6229000001"
    assert store.latest_run()["id"] == run_id


def test_a_second_run_is_stored_beside_the_first(tmp_path):
    store = Store(tmp_path / "facts.db")
    first = store.begin_run(["lxz"], "sites.toml")
    store.write_facts(first, [page("http://127.0.0.2/", status=200)])
    store.end_run(first, RunStatus.COMPLETED, {})
    second = store.begin_run(["lxz"], "sites.toml")
    store.write_facts(second, [page("http://127.0.0.2/", status=503)])
    store.end_run(second, RunStatus.COMPLETED, {})
    assert store.page(first, "http://127.0.0.2/")["status"] == 200
    assert store.page(second, "http://127.0.0.2/")["status"] == 503
    assert [run["id"] for run in store.runs()] == [first, second]


def test_a_run_whose_process_died_is_marked_crashed_and_earlier_runs_keep_their_facts(tmp_path):
    path = tmp_path / "facts.db"
    store = Store(path)
    done = store.begin_run(["lxz"], "sites.toml")
    store.write_facts(done, [page("http://127.0.0.2/", status=200)])
    store.end_run(done, RunStatus.COMPLETED, {})
    dying = store.begin_run(["lxz"], "sites.toml")
    store.write_facts(dying, [page("http://127.0.0.2/", status=200)])
    store.close()
    # Pretend the crawling process is gone: no process has pid 2**22 + 1 on Linux (pid_max ≤ 2**22).
    with sqlite3.connect(path) as conn:
        conn.execute("update runs set pid = ? where id = ?", (2**22 + 1, dying))
    store = Store(path)
    assert store.recover_crashed_runs() == [dying]
    assert store.run(dying)["status"] == "crashed"
    assert store.run(done)["status"] == "completed"
    assert store.page(done, "http://127.0.0.2/")["status"] == 200
    assert store.latest_run()["id"] == done


def test_site_stats_come_in_the_registry_order_whatever_process_saved_them_first(tmp_path):
    store = Store(tmp_path / "facts.db")
    run_id = store.begin_run(["lxz", "lxs", "zwfw-lxz"], "sites.toml")
    # two crawl processes: the one with the sub-site finished first
    store.save_site_stats(run_id, [{"site_id": "zwfw-lxz", "name": "c", "status": "completed"}])
    store.save_site_stats(run_id, [{"site_id": s, "name": s, "status": "completed"} for s in ("lxs", "lxz")])
    assert [row["site_id"] for row in store.site_stats(run_id)] == ["lxz", "lxs", "zwfw-lxz"]
    store.close()


def test_a_store_opened_with_with_is_closed_on_leaving_even_by_an_error(tmp_path):
    path = tmp_path / "facts.db"
    with Store(path) as store:
        run_id = store.begin_run(["lxz"], "sites.toml")
    with pytest.raises(sqlite3.ProgrammingError):  # a closed connection refuses every statement
        store.db.execute("select 1")
    with pytest.raises(KeyError), Store(path) as failing:
        raise KeyError("a caller's error")
    with pytest.raises(sqlite3.ProgrammingError):
        failing.db.execute("select 1")
    with Store(path, create=False) as store:
        assert store.run(run_id)["status"] == "running"


def _crawled_home(store: Store) -> int:
    run_id = store.begin_run(["lxz"], "sites.toml")
    home = page(
        "http://127.0.0.2/",
        status=200,
        title="临夏州人民政府",
        text_excerpt="首页 新闻动态",
        kind="navigation",
        etag='"v1"',
        meta={"SiteIDCode": "6229000001"},
        footer="网站标识码6229000001",
        forms=[{"action": "http://127.0.0.2/search/", "method": "get", "inputs": ["q"], "text": ""}],
        links=[LinkFact("http://127.0.0.2/a.html", "a", "href", "page", "新闻", True, False)],
        list_items=[ListItemFact("div.list>ul", 3, "新闻", "http://127.0.0.2/a.html", "[11-02]", "要闻")],
    )
    store.write_facts(run_id, [home])
    store.end_run(run_id, RunStatus.COMPLETED, {})
    return run_id


def test_the_checks_facts_load_with_each_column_in_its_named_field(tmp_path):
    store = Store(tmp_path / "facts.db")
    run_id = _crawled_home(store)
    home = store.check_pages(run_id)["http://127.0.0.2/"]
    assert home == Page(
        url="http://127.0.0.2/",
        site_id="lxz",
        role="page",
        depth=0,
        status=200,
        title="临夏州人民政府",
        text="首页 新闻动态",
        kind="navigation",
    )
    rows = store.site_rows(run_id, "lxz")
    assert rows.links == (
        Link("http://127.0.0.2/", "http://127.0.0.2/a.html", "a", "href", "page", "新闻", True, False),
    )
    assert rows.entries == {
        "http://127.0.0.2/": (
            Entry(
                "http://127.0.0.2/", "div.list>ul", 3, "新闻", "http://127.0.0.2/a.html", "[11-02]", "要闻"
            ),
        )
    }
    assert rows.meta == {"http://127.0.0.2/": {"SiteIDCode": "6229000001"}}
    assert rows.footers == {"http://127.0.0.2/": "网站标识码6229000001"}
    assert rows.forms["http://127.0.0.2/"][0]["action"] == "http://127.0.0.2/search/"


def test_reordered_and_added_columns_do_not_shift_the_loaded_fields(tmp_path):
    """A later migration may add a column or rebuild a table in another column order: values must stay in
    the fields named like their columns, for the checks and for a page carried over by a 304."""
    store = Store(tmp_path / "facts.db")
    run_id = _crawled_home(store)
    pages, rows = store.check_pages(run_id), store.site_rows(run_id, "lxz")
    carried = store.carried_fact(run_id, "http://127.0.0.2/")
    for table in ("pages", "links", "list_items", "page_meta", "footers"):
        columns = list(store.db.table(table).columns_dict)
        store.db.table(table).add_column("added_later", str)
        store.db.execute(f"update [{table}] set added_later = 'x'")
        store.db.table(table).transform(column_order=["added_later", *reversed(columns)])
        assert next(iter(store.db.table(table).columns_dict)) == "added_later"
    assert store.check_pages(run_id) == pages
    assert store.site_rows(run_id, "lxz") == rows
    assert store.carried_fact(run_id, "http://127.0.0.2/") == carried
    assert carried is not None and carried.links[0].in_scope is True and carried.links[0].fetchable is False
    assert carried.etag == '"v1"' and carried.title == "临夏州人民政府"


def test_rows_whose_columns_are_not_the_fields_are_refused_rather_than_shifted(tmp_path):
    store = Store(tmp_path / "facts.db")
    run_id = _crawled_home(store)
    with pytest.raises(RuntimeError, match="are not the fields"):
        store._named_rows(("url", "site_id"), "select site_id, url from pages where run_id = ?", [run_id])
