"""Incremental re-inspection: pages are revalidated with their ETag, a 304 carries the stored facts over,
last time's slow failures are fetched first, and a page changed between two inspections is read again and
its findings follow."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crawler.farm import FarmServer, build_farm
from crawler.middlewares.lastrun import last_run
from crawler.middlewares.limits import CrawlLimitsMiddleware
from crawler.pages.extract import normalize_url
from crawler.spiders.site import SiteSpider
from crawler.store import Store
from crawler.vocab import FetchRole
from tests.builders import site_spider
from tests.conftest import duwang

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

TODAY = date(2026, 11, 28)


def findings(common: list[str], run_id: int) -> set[tuple]:
    duwang("check", *common, "--run", str(run_id), "--today", TODAY.isoformat())
    rows = json.loads(duwang("findings", *common, "--run", str(run_id), "--format", "json").stdout)[
        "findings"
    ]
    return {(f["site_id"], f["check"], f["url"], f["page"], f["section"], f["element"]) for f in rows}


def next_crawl_spider(registry, db) -> SiteSpider:
    """The spider the next crawl of lxz would run, having read the last completed run from `db`."""
    return site_spider(registry, "lxz", {"DUWANG_INCREMENTAL": True, "DUWANG_DB": str(db)})


def test_an_unchanged_farm_is_revalidated_and_a_changed_page_reread(tmp_path):
    registry, db = tmp_path / "registry.toml", tmp_path / "facts.db"
    common = ["--config", str(registry), "--db", str(db)]
    with FarmServer(build_farm(today=TODAY), port=0) as server:
        server.write_registry(registry)
        transferred = []
        for run in range(2):
            server.reset_log()
            duwang("crawl", *common, "--quiet")
            log = server.requests()
            transferred.append(sum(record.get("bytes", 0) for record in log))
            if run == 0:
                # Last time's timeout and the pages leading to it go first next time: asserted on the
                # requests the next crawl makes, not on the order processes happen to fetch them in
                # (bench/incremental_bench.py measures that).
                spider = next_crawl_spider(registry, db)
                site = spider.sites[0]
                slow = "http://" + site.scope.host + "/video/live.html"
                home = normalize_url(site.start_urls[0])
                other = "http://" + site.scope.host + "/xwzx/gzdt/"
                limits = CrawlLimitsMiddleware.from_crawler(spider.crawler)
                trouble, start, plain = (
                    limits.let_through(spider.make_request(url, site, FetchRole.PAGE, depth, None))
                    for url, depth in ((slow, 2), (home, 0), (other, 1))
                )
                storage = last_run(spider.crawler)
                assert slow in storage.trouble and home in storage.trouble
                assert other not in storage.trouble
                storage.close()
                assert trouble.priority == start.priority > plain.priority
                assert trouble.priority > 10  # above every page that did not fail last time
        not_modified = sum(1 for record in log if record["status"] == 304)
        first, second = findings(common, 1), findings(common, 2)

        server.edit(
            "hzx",
            "/",
            '<a href="https://beian.miit.gov.cn/"',
            '<span>网站标识码：6229250001</span><a href="https://beian.miit.gov.cn/"',
        )
        server.reset_log()
        duwang("crawl", *common, "--quiet")
        reread = [r for r in server.requests() if r["host"].startswith("127.0.0.8:") and r["path"] == "/"]
        third = findings(common, 3)

    assert transferred[1] <= 0.2 * transferred[0], transferred
    assert not_modified > 2000
    assert second == first  # the facts carried over give the same findings
    store = Store(db)
    try:
        revalidated = store.db.execute(
            "select count(*) from pages where run_id = 2 and revalidated = 1"
        ).fetchone()[0]
        assert revalidated == not_modified
        assert len(store.links(2)) == len(store.links(1))
    finally:
        store.close()
    assert [r["status"] for r in reread] == [200]  # changed: a new ETag, so read in full
    missing_code = ("hzx", "element_missing", None, "http://" + reread[0]["host"] + "/", None, "site_id_code")
    assert missing_code in second and missing_code not in third
    assert third == second - {missing_code}
