"""End to end: the demo farm's inspection reported as HTML (opened in headless Chromium), Excel and JSON."""

from __future__ import annotations

import json
import shutil

import pytest
from openpyxl import load_workbook

from crawler.browser.render import LAUNCH_ARGS
from tests.conftest import duwang

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def reported(inspected_farm, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    output = duwang("report", *inspected_farm.common, "--out", str(out)).stdout
    return {
        "out": out,
        "stdout": output,
        "json": json.loads((out / "report.json").read_text(encoding="utf-8")),
        "truth": inspected_farm.truth,
    }


def test_report_files_are_written_and_named(reported):
    out = reported["out"]
    assert str(out / "index.html") in reported["stdout"]
    assert (out / "report.xlsx").exists()
    assert {p.stem for p in (out / "sites").glob("*.html")} == set(reported["truth"]["sites"])


def test_json_has_every_site_ranked_and_the_vetoed_ones_unqualified(reported):
    sites = reported["json"]["sites"]
    assert len(sites) == 25 and sorted(s["rank"] for s in sites) == [s["rank"] for s in sites]
    vetoed = {s["site_id"] for s in sites if s["vetoes"]}
    # homepage stale + stale columns (and letters unanswered for months), empty columns, flaky homepage,
    # letters unanswered for months (互动回应差, crawler/farm/mailboxes.py)
    assert vetoed == {"klx", "dxx", "yjx", "ghx"}
    assert all(s["score"] is None and not s["qualified"] for s in sites if s["site_id"] in vetoed)


def test_excel_scores_equal_the_json_and_a_planted_formula_stays_text(reported):
    book = load_workbook(reported["out"] / "report.xlsx")
    ranking = book["排名"]
    header = [cell.value for cell in ranking[2]]  # row 1 names the inspection
    ids, scores = header.index("站点编号"), header.index("得分")
    excel = {row[ids].value: row[scores].value for row in ranking.iter_rows(min_row=3)}
    assert excel == {s["site_id"]: s["score"] for s in reported["json"]["sites"]}
    planted = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert planted, "the planted =HYPERLINK title is not in the workbook"
    assert all(cell.data_type == "s" and not cell.value.startswith("=") for cell in planted)


@pytest.mark.skipif(BROWSER is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_in_a_browser_shows_the_ranking_and_crawled_script_as_text(reported):
    from playwright.sync_api import sync_playwright

    out = reported["out"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
            )  # the report must need nothing from any network
            page.goto((out / "index.html").as_uri())
            table = page.locator("#ranking")
            assert table.is_visible()
            assert table.locator("tbody tr").count() == 25
            page.goto((out / "sites" / "hzx.html").as_uri())
            # Technical evidence is folded away (<details>); open it all, as a reader clicking through would.
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert "<script>window.__duwang_xss=1</script>" in page.inner_text("body")
            assert page.evaluate("typeof window.__duwang_xss") == "undefined"
        finally:
            browser.close()
