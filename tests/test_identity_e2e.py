"""Finding identity end to end: an unchanged farm inspected twice, on two different ports, has no new and no
fixed findings (every finding is still open), and every stored finding has its site-relative key."""

from __future__ import annotations

import json
import sqlite3

import pytest

from crawler.farm import FarmServer, build_farm
from tests.conftest import TODAY, duwang

SITES = ("lxz", "jyj", "zwfw-lxz", "zwfw-lxs")  # a portal, a department, two sub-sites sharing one host


def inspect(db, registry, port: int) -> int:
    with FarmServer(build_farm(seed=2018, today=TODAY), port=port) as server:
        server.write_registry(registry)
        common = ["--config", str(registry), "--db", str(db)]
        site_args = [arg for site in SITES for arg in ("--site", site)]
        duwang("crawl", *common, *site_args, "--quiet")
        duwang("check", *common, "--today", TODAY.isoformat())
        return server.port


@pytest.mark.e2e
def test_an_unchanged_farm_on_another_port_has_no_new_and_no_fixed_findings(tmp_path):
    db, registry = tmp_path / "facts.db", tmp_path / "registry.toml"
    first_port = inspect(db, registry, 0)
    second_port = inspect(db, registry, 0)
    assert second_port != first_port
    duwang("report", "--config", str(registry), "--db", str(db), "--out", str(tmp_path / "out"))
    document = json.loads(next((tmp_path / "out").rglob("report.json")).read_text(encoding="utf-8"))
    changes = {site["site_id"]: site for site in document["sites"]}
    assert set(changes) == set(SITES)
    for site_id, site in changes.items():
        assert (site["changes"]["new"], site["changes"]["fixed"]) == (0, 0), site_id
    assert sum(site["changes"]["open"] for site in changes.values()) > 5  # the planted defects, still open
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select run_id, key, url from findings where severity != 'info'").fetchall()
        history = connection.execute("select times_reported, status from finding_history").fetchall()
    assert rows and all(key and len(key) == 12 for _, key, _ in rows)
    # absolute URLs differ between the two inspections; the keys do not
    by_run: dict[int, set[str]] = {}
    for run_id, key, _ in rows:
        by_run.setdefault(run_id, set()).add(key)
    first, second = sorted(by_run)
    assert by_run[first] == by_run[second]
    assert {url for run, _, url in rows if run == first and url} != {
        url for run, _, url in rows if run == second and url
    }
    assert history and all(row == (2, "open") for row in history)
