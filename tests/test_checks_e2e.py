"""End to end: crawl the demo farm, probe it, check it with the CLI, and compare every finding with the
farm's ground truth: no missed defect, no false finding.
"""

from __future__ import annotations

import json

import pytest

from crawler.app.inspection import completed_run
from crawler.farm.expected import expected_findings, observed
from crawler.store import Store
from tests.conftest import TODAY, duwang

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def checked(inspected_farm):
    document = json.loads(duwang("findings", *inspected_farm.common, "--format", "json").stdout)
    return {
        "truth": inspected_farm.truth,
        "findings": document["findings"],
        "summary": inspected_farm.check_output,
    }


def test_every_site_has_exactly_the_findings_of_the_ground_truth(checked):
    differences = {}
    for site_id, site in checked["truth"]["sites"].items():
        expected = expected_findings(site, TODAY)
        actual = {observed(f) for f in checked["findings"] if f["site_id"] == site_id} - {None}
        if expected != actual:
            differences[site_id] = {"missed": sorted(expected - actual), "false": sorted(actual - expected)}
    assert not differences, json.dumps(differences, ensure_ascii=False, indent=1)


def test_the_ground_truth_exercises_every_check(checked):
    kinds = {f["check"] for f in checked["findings"]}
    assert {
        "column_stale",
        "column_empty",
        "columns_stale",
        "homepage_stale",
        "dead_link",
        "section_missing",
        "section_empty",
        "annual_report_late",
        "element_missing",
        "element_invalid",
        "unreachable",
        "leader_name",
        "leader_title",
        "wrong_formulation",
        "typo",
        "sensitive_word",
    } <= kinds
    dead = {d["kind"] for site in checked["truth"]["sites"].values() for d in site["dead_links"]}
    assert {
        "soft_404",
        "redirect_loop",
        "timeout",
        "refused",
        "http_503",
        "broken_image",
        "broken_attachment",
    } <= dead


def test_pages_with_malformed_markup_were_stored_and_their_problems_counted(inspected_farm):
    truth = inspected_farm.truth["sites"]
    store = Store(inspected_farm.db)
    try:
        run_id = completed_run(store, None)
        stored: dict[str, int] = {}
        for site_id, site in truth.items():
            for row in site["malformed_pages"]:
                page = store.page(run_id, row["url"])
                assert page is not None and page["status"] == 200, (site_id, row["url"])
                assert page["title"], row["url"]  # read, not only fetched
                noted = sorted(line.split("=", 1)[0] for line in (page["extract_errors"] or "").splitlines())
                assert noted == row["extract_errors"], (row["url"], page["extract_errors"])
                stored[site_id] = stored.get(site_id, 0) + len(noted)
        assert len(stored) >= 3
        counted = {row["site_id"]: row["extract_errors"] or 0 for row in store.site_stats(run_id)}
        # exactly these pages' problems, and none anywhere else on the farm
        assert {sid: n for sid, n in counted.items() if n} == stored
    finally:
        store.close()


def test_raw_chinese_paths_and_help_pages_were_fetched_under_one_url(inspected_farm):
    store = Store(inspected_farm.db)
    try:
        run_id = completed_run(store, None)
        linked: dict[str, set[str]] = {}
        for link in store.links(run_id):
            linked.setdefault(link["target_url"], set()).add(link["source_url"])
        for site in inspected_farm.truth["sites"].values():
            for row in site["raw_paths"] + site["help_pages"]:
                page = store.page(run_id, row["url"])  # the percent-encoded form, as links store it
                assert page is not None and page["status"] == row.get("status", 200), row
                assert set(row["pages"]) <= linked.get(row["url"], set()), row
    finally:
        store.close()


def test_retired_urls_are_dead_through_their_redirects_on_every_page(checked):
    truth = checked["truth"]["sites"]
    dead = {
        (f["site_id"], f["url"], f["page"]): f["evidence"]
        for f in checked["findings"]
        if f["check"] == "dead_link"
    }
    chained = [(sid, d) for sid, s in truth.items() for d in s["dead_links"] if d["redirect_chain"]]
    assert len(chained) >= 4
    for site_id, link in chained:
        for page in link["pages"]:
            evidence = dead[(site_id, link["target"], page)]
            assert (
                evidence["reason"] == "soft_404" and evidence["redirected_to"] == link["redirect_chain"][-1]
            )
    for site_id, site in truth.items():  # a raw Chinese path is judged under its percent-encoded form
        for row in site["raw_paths"]:
            reported = {page for sid, url, page in dead if (sid, url) == (site_id, row["url"])}
            assert reported == (set(row["pages"]) if row["status"] == 404 else set()), row
        for row in site["help_pages"]:
            assert not any(url == row["url"] for _, url, _ in dead)


def test_only_off_list_links_are_reported_unchecked(checked):
    for finding in checked["findings"]:
        if finding["check"] == "unchecked_links":
            assert finding["severity"] == "info"
            assert all(not target.startswith("http://127.") for target in finding["evidence"]["targets"])


def test_findings_json_schema(checked):
    keys = {
        "site_id",
        "check",
        "severity",
        "url",
        "page",
        "column",
        "section",
        "element",
        "detail",
        "evidence",
        "key",  # the finding's identity across inspections (checks/identity.py)
    }
    for finding in checked["findings"]:
        assert set(finding) == keys
        assert len(finding["key"]) == 12 and int(finding["key"], 16) >= 0
        assert finding["severity"] in ("veto", "deduction", "warning", "info")
        assert finding["detail"] and any("\u4e00" <= char <= "\u9fff" for char in finding["detail"])
    dead = next(f for f in checked["findings"] if f["check"] == "dead_link")
    assert dead["url"] and dead["page"] and "on_homepage" in dead["evidence"]


def test_check_prints_a_count_per_site(checked):
    for site_id in checked["truth"]["sites"]:
        assert f"\n{site_id} " in checked["summary"]


def test_columns_lists_every_ground_truth_column_confirmed_and_writes_hints(inspected_farm, tmp_path):
    hints = tmp_path / "hints.toml"
    document = json.loads(
        duwang(
            "columns",
            *inspected_farm.common,
            "--today",
            TODAY.isoformat(),
            "--format",
            "json",
            "--write-hints",
            str(hints),
        ).stdout
    )
    for site_id, site in inspected_farm.truth["sites"].items():
        found = {row["url"]: row for row in document["sites"][site_id]}
        for column in site["columns"]:
            row = found[column["url"]]
            assert row["confidence"] == "confirmed", (site_id, row)
            if row["state"] == "needs_render":
                assert column["render"] == "script"  # no browser on this machine: not read, not judged
                continue
            assert row["items"] >= (0 if column["empty"] else 1), row
    text = hints.read_text(encoding="utf-8")
    assert "[[sites.columns]]" in text and "# ---- lxz " in text
    # every written hint is a valid registry column table
    import tomllib

    parsed = tomllib.loads(text.replace("# ---- ", "#"))
    assert parsed["sites"]["columns"]
