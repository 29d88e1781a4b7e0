"""复查 end to end on the demo farm: the owner of 州人社局 (rsj) fixes one planted dead link and not the
others; `duwang recheck` fetches only the URLs involved, records 已整改 for the fixed one and 未整改 for the
rest, and the report (HTML, Excel, JSON, the month's statistics) and the site's mail show 已整改（复查确认）."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import sqlite3
import urllib.request
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from checks.rules import load_rules
from crawler.app.recheck import recheck_site
from crawler.farm import FarmServer, build_farm
from crawler.registry import load_registry
from crawler.spiders.recheck import Fetched
from tests.conftest import TODAY, duwang

DATE = re.compile(r"20\d\d-\d\d-\d\d")
SITE = "rsj"  # three planted dead links and two missing page elements (网站地图, 找错)


def rechecks(db) -> dict[str, str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select key, result from rechecks order by id").fetchall()
    return dict(rows)  # the latest result of each key


@pytest.mark.e2e
def test_recheck_records_the_repaired_dead_link_fixed_and_the_others_not(tmp_path):
    db, registry = tmp_path / "facts.db", tmp_path / "registry.toml"
    common = ["--config", str(registry), "--db", str(db)]
    with FarmServer(build_farm(seed=2018, today=TODAY), port=0) as server:
        server.write_registry(registry)
        duwang("crawl", *common, "--site", SITE, "--quiet")
        duwang("check", *common, "--today", TODAY.isoformat())
        found = json.loads(duwang("findings", *common, "--site", SITE, "--format", "json").stdout)["findings"]
        dead = [f for f in found if f["check"] == "dead_link"]
        elements = [f for f in found if f["check"] == "element_missing"]
        targets = sorted({f["url"] for f in dead})
        assert len(targets) >= 2 and len(elements) >= 2
        repaired = targets[0]
        truth = server.ground_truth()["sites"][SITE]["dead_links"]
        hops = {urlsplit(url).path for link in truth for url in link["redirect_chain"]}  # followed redirects
        server.repair(repaired)  # the owner fixes one broken target

        # One finding only: a dead link that was not fixed.
        other = next(f for f in dead if f["url"] != repaired)
        server.reset_log()
        output = duwang("recheck", *common, "--site", SITE, "--finding", other["key"]).stdout
        assert "未整改 1 个" in output and other["key"] in output
        assert rechecks(db) == {other["key"]: "未整改"}
        asked = {urlsplit(r["path"]).path for r in server.requests()} - {"/robots.txt"}
        assert asked <= {urlsplit(other["url"]).path, urlsplit(other["page"]).path} | hops

        # The whole site: only the URLs of its open findings are fetched, not the site.
        server.reset_log()
        output = duwang("recheck", *common, "--site", SITE).stdout
        columns = {urlsplit(f["url"]).path for f in found if f["check"] in ("column_stale", "column_empty")}
        involved = {urlsplit(url).path for f in dead for url in (f["url"], f["page"])} | columns | {"/"}
        fetched = [urlsplit(r["path"]).path for r in server.requests() if r["path"] != "/robots.txt"]
        assert set(fetched) <= involved | hops and len(fetched) <= 2 * len(set(fetched)), fetched  # + retries
    results = rechecks(db)
    for finding in dead:
        expected = "已整改" if finding["url"] == repaired else "未整改"
        assert results[finding["key"]] == expected, finding
    assert all(results[f["key"]] == "未整改" for f in elements)  # the homepage still lacks them
    fixed_count = sum(1 for f in dead if f["url"] == repaired)
    assert f"合计：已整改 {fixed_count} 个" in output

    # The report and the mail tell a fix confirmed by 复查 apart.
    duwang("report", *common, "--out", str(tmp_path / "out"))
    document = json.loads(next((tmp_path / "out").rglob("report.json")).read_text(encoding="utf-8"))
    [site] = [s for s in document["sites"] if s["site_id"] == SITE]
    fixed_keys = {f["key"] for f in dead if f["url"] == repaired}
    assert {k for k, v in site["rechecked"].items() if v == "已整改（复查确认）"} == fixed_keys
    # the inspection's page of the site (the history keeps a page per site too)
    pages = [path.read_text(encoding="utf-8") for path in (tmp_path / "out").rglob(f"{SITE}.html")]
    assert any("已整改（复查确认）" in page and "未整改（复查确认）" in page for page in pages)
    # The workbook marks the findings as the HTML does; so does the month's statistics (its last inspection).
    book = load_workbook(next((tmp_path / "out").rglob("report.xlsx")))
    header = [cell.value for cell in book["检查结果"][2]]
    marks = {
        (row[0], row[header.index("问题地址")]): row[header.index("复查结果")]
        for row in book["检查结果"].iter_rows(min_row=3, values_only=True)
    }
    assert marks[(SITE, repaired)] == "已整改（复查确认）"
    assert {marks[(SITE, url)] for url in targets[1:]} == {"未整改（复查确认）"}
    month = document["inspection"]["date"][:7]
    duwang("report", *common, "--period", month, "--out", str(tmp_path / "month"))
    period = json.loads(next((tmp_path / "month").rglob("report.json")).read_text(encoding="utf-8"))
    [same] = [s for s in period["sites"] if s["site_id"] == SITE]
    assert same["rechecked"] == site["rechecked"]
    duwang("mail", *common, "--dry-run", str(tmp_path / "mail"))
    [eml] = [path for path in (tmp_path / "mail").rglob("*.eml") if SITE in path.name]
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    assert "[已整改（复查确认）]" in text.get_content()


@pytest.mark.e2e
def test_a_stale_column_updated_since_the_inspection_is_fixed_and_one_not_updated_is_not(
    inspected_farm, tmp_path
):
    """The column checks run again on the inspection's facts with the list page as it is now: the owner of
    one stale column published today (its page's dates rewritten), another's page is unchanged."""
    db = tmp_path / "facts.db"
    shutil.copy(inspected_farm.db, db)  # the session's database stays as the other tests read it
    registry = load_registry(inspected_farm.registry)
    rules = load_rules(None)
    stale = open_findings(db, "column_stale")
    by_site: dict[str, list[dict]] = {}
    for row in stale:
        by_site.setdefault(row["site_id"], []).append(row)

    site_id, rows = next(
        (site, rows) for site, rows in by_site.items() if len(rows) >= 2 and iso_dated(rows[0]["url"])
    )
    updated, untouched = rows[0], rows[1]

    now = datetime.combine(TODAY, datetime.min.time())
    for row in (updated, untouched):
        _, [verdict] = recheck_site(
            inspected_farm.registry, db, registry, rules, site_id, row["key"], publishing(updated["url"]), now
        )
        assert verdict.result == ("已整改" if row is updated else "未整改"), verdict


def _read(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # the farm, on loopback
        body, charset = answer.read(), answer.headers.get_content_charset()
    try:
        return body.decode(charset or "utf-8")
    except UnicodeDecodeError:  # a GBK site that names its charset only in a <meta> tag
        return body.decode("gb18030")


def iso_dated(url: str) -> bool:
    """The fetcher of `publishing` can only move ISO dates (2025-01-31) to today."""
    return DATE.search(_read(url)) is not None


def publishing(updated: str):
    """A recheck fetcher reading the farm, as if the owner of the list page `updated` had published every
    item of it today."""

    def fetcher(config, db_path, urls):
        fetched = {}
        for url in urls:
            html = _read(url)
            if url == updated:
                html = DATE.sub(TODAY.isoformat(), html)
            fetched[url] = Fetched(url, 200, url, "text/html", html=html)
        return fetched

    return fetcher


def open_findings(db, check: str) -> list[dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        query = "select * from findings where [check] = ? order by id"
        return [dict(row) for row in connection.execute(query, (check,))]


@pytest.mark.e2e
def test_a_stale_key_area_column_is_rechecked_as_its_key_area_finding(inspected_farm, tmp_path):
    """A key-area column's staleness is reported as key_area_stale alone (checks/overlaps.py): 复查 decides
    it as it decided the column_stale it replaced. Updated since the inspection: 已整改; another not: 未整改."""
    db = tmp_path / "facts.db"
    shutil.copy(inspected_farm.db, db)
    registry = load_registry(inspected_farm.registry)
    rows = open_findings(db, "key_area_stale")
    updated = next(row for row in rows if iso_dated(row["url"]))
    untouched = next(row for row in rows if row is not updated)
    now = datetime.combine(TODAY, datetime.min.time())
    for row in (updated, untouched):
        _, [verdict] = recheck_site(
            inspected_farm.registry,
            db,
            registry,
            load_rules(None),
            row["site_id"],
            row["key"],
            publishing(updated["url"]),
            now,
        )
        assert verdict.result == ("已整改" if row is updated else "未整改"), verdict
    assert rechecks(db) == {updated["key"]: "已整改", untouched["key"]: "未整改"}
