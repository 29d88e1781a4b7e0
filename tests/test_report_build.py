"""Reports assembled from the store: inspections compared, periods combined, the JSON form."""

from datetime import date

import openpyxl
import pytest

from crawler.app.reportdata import load_stored
from crawler.registry import load_registry
from crawler.store import Store, now_iso
from crawler.store.rectification import FIXED, NOT_FIXED, record_rechecks
from crawler.vocab import RunStatus
from reports.build import build_period_report, build_report, parse_period
from reports.excel import write_excel
from reports.html import write_html
from reports.jsonout import report_json
from reports.model import RECHECK_FIXED, RECHECK_OPEN, finding_key
from reports.scoring import load_scoring
from reports.views import overview, site_view
from tests.builders import finding_row, registry_toml, site_toml, stored_run, write_registry

REGISTRY = registry_toml(
    site_toml("lxz", "临夏州人民政府", "127.0.0.2"),
    site_toml("czj", "临夏州财政局", "127.0.0.3", "department", fields="services = false"),
)
LXZ, CZJ = ("lxz", "临夏州人民政府", "portal"), ("czj", "临夏州财政局", "department")


def finding(site_id, check, severity="deduction", **fields):
    return finding_row(site_id, check, severity, "说明", **fields)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "facts.db")
    inspections = [
        (
            "2026-10-10T02:00:00+00:00",
            [finding("lxz", "homepage_stale", "veto"), finding("czj", "section_missing", section="政策解读")],
        ),
        (
            "2026-11-07T02:00:00+00:00",
            [finding("czj", "section_missing", section="政策解读"), finding("czj", "annual_report_late")],
        ),
        (
            "2026-11-28T02:00:00+00:00",
            [finding("lxz", "dead_link", url="http://127.0.0.2/x", evidence={"on_homepage": True})],
        ),
    ]
    for started_at, findings in inspections:
        run_id = stored_run(store, LXZ, CZJ, started=started_at)
        store.replace_findings(run_id, [f | {"checked_at": started_at} for f in findings])
    yield store
    store.close()


@pytest.fixture
def registry(tmp_path):
    return load_registry(write_registry(tmp_path, REGISTRY))


def test_an_inspection_is_compared_with_the_one_before(store, registry):
    report = build_report(load_stored(store, registry), load_scoring())
    assert report.inspection.run_id == 3 and report.previous.run_id == 2
    assert report.inspection.label == "2026年11月28日督查"
    czj, lxz = sorted(report.sites, key=lambda s: s.site_id)
    assert (lxz.score, lxz.rank) == (99.0, 2)  # one homepage dead link; no bonus indicators by default
    # czj: (75 − 4) × 4/3 = 94.666… → 94.7 in November's first inspection, nothing wrong now
    assert (czj.score, czj.rank, czj.score_delta, czj.fixed_findings, czj.new_findings) == (
        100.0,
        1,
        5.3,
        2,
        0,
    )
    assert [p.score for p in report.history if p.site_id == "lxz"] == [None, 100.0, 99.0]


def test_a_quarter_combines_its_inspections_by_the_rubric_rule(store, registry):
    report = build_period_report(load_stored(store, registry), load_scoring(), "2026Q4")
    lxz = next(s for s in report.sites if s.site_id == "lxz")
    # mean of 0 (vetoed in October), 100 and 99 = 66.333… → 66.3; the October veto makes the quarter fail
    assert lxz.score == 66.3 and not lxz.qualified and lxz.vetoes
    czj = next(s for s in report.sites if s.site_id == "czj")
    # October (75 − 2) × 4/3 = 97.3, early November (75 − 4) × 4/3 = 94.7, late November 100: mean 97.333… → 97.3
    assert czj.score == 97.3 and czj.inspections == 3
    assert report.combined == 3
    assert [s.site_id for s in report.sites] == ["czj", "lxz"]  # a vetoed site ranks last
    assert report.inspection.label == "2026年第四季度政府网站检查通报"
    assert "平均值" in report.rule and "3 次督查" in report.rule
    month = build_period_report(load_stored(store, registry), load_scoring(), "2026-11")
    assert next(s for s in month.sites if s.site_id == "lxz").score == 99.5 and month.combined == 2


def test_the_json_form(store, registry):
    document = report_json(build_report(load_stored(store, registry), load_scoring()))
    assert set(document) == {"inspection", "sites", "unchecked"} and document["unchecked"] == []
    site = next(site for site in document["sites"] if site["findings"])
    assert {"site_id", "name", "kind", "score", "rank", "qualified", "vetoes", "findings", "bonuses"} <= set(
        site
    )
    assert site["deductions"] == [
        {
            "indicator": "dead_links_homepage",
            "name": "首页链接可用性",
            "occurrences": 1,
            "points": 1.0,
            "unconfirmed": True,
        }
    ]
    assert document["inspection"]["checked_on"] == "2026-11-28"
    assert set(site["findings"][0]) == {
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
    }


def test_the_report_is_dated_by_the_day_the_checks_used(store, registry):
    # `duwang check --today 2026-12-01` on the crawl of 28 November: the header, label and deadline follow the
    # check, the crawl's own date stays known.
    store.replace_findings(
        3,
        [finding("lxz", "dead_link", url="http://127.0.0.2/x") | {"checked_at": "2026-12-01T09:30:00"}],
        ["lxz", "czj"],
    )
    report = build_report(load_stored(store, registry), load_scoring())
    assert report.inspection.date == date(2026, 11, 28) and report.inspection.as_of == date(2026, 12, 1)
    assert report.inspection.label == "2026年12月1日督查"
    assert report_json(report)["inspection"]["checked_on"] == "2026-12-01"


def test_a_site_without_checked_facts_is_unchecked_never_scored_nor_ranked(store, registry, tmp_path):
    # jyj was added to the registry and crawled in a fourth run, but the checks ran with the old registry;
    # sgj is registered and was not crawled at all.
    path = write_registry(
        tmp_path,
        REGISTRY
        + site_toml("jyj", "临夏州教育局", "127.0.0.4", "department")
        + site_toml("sgj", "临夏州审计局", "127.0.0.5", "department"),
    )
    registry = load_registry(path)
    run_id = stored_run(store, LXZ, CZJ, ("jyj", "临夏州教育局", "department"), config=path)
    store.replace_findings(run_id, [finding("czj", "annual_report_late")], checked=["lxz", "czj"])
    report = build_report(load_stored(store, registry), load_scoring())
    assert report.inspection.run_id == run_id
    assert [(s.site_id, s.rank) for s in report.sites] == [("lxz", 1), ("czj", 2)]
    assert [(s.site_id, s.verdict, s.score, s.note) for s in report.unchecked] == [
        ("jyj", "未检查", None, "本次督查已抓取但未经检查"),
        ("sgj", "未检查", None, "本次督查未抓取该网站"),
    ]
    document = report_json(report)
    assert [site["site_id"] for site in document["sites"]] == ["lxz", "czj"]
    assert document["unchecked"][0] == {
        "site_id": "jyj",
        "name": "临夏州教育局",
        "kind": "department",
        "verdict": "未检查",
        "reason": "本次督查已抓取但未经检查",
    }
    quarter = build_period_report(load_stored(store, registry), load_scoring(), "2026Q4")
    assert {s.site_id for s in quarter.sites} == {"lxz", "czj"}
    assert [s.site_id for s in quarter.unchecked] == ["jyj", "sgj"]


def add_run(store, started_at, sites, findings):
    run_id = store.begin_run(sites, "sites.toml")
    names = {"lxz": ("临夏州人民政府", "portal"), "czj": ("临夏州财政局", "department")}
    store.save_site_stats(run_id, [{"site_id": s, "name": names[s][0], "kind": names[s][1]} for s in sites])
    store.end_run(run_id, RunStatus.COMPLETED, {})
    store.db.table("runs").update(run_id, {"started_at": started_at})
    store.replace_findings(run_id, findings, checked=sites)
    return run_id


def test_a_period_veto_is_dated_by_its_own_inspection_when_the_site_missed_one(store, registry):
    add_run(store, "2026-12-05T02:00:00+00:00", ["lxz"], [])
    vetoed = add_run(store, "2026-12-19T02:00:00+00:00", ["czj"], [finding("czj", "homepage_stale", "veto")])
    quarter = build_period_report(load_stored(store, registry), load_scoring(), "2026Q4")
    czj = next(s for s in quarter.sites if s.site_id == "czj")
    assert czj.inspections == 4 and [v.evidence["run_id"] for v in czj.vetoes] == [vetoed]


def recheck(store, run_id, site_id, key, result):
    record_rechecks(store, [{"site_id": site_id, "key": key, "run_id": run_id, "result": result}], now_iso())


def test_a_period_report_keeps_the_recheck_marks_of_each_site_s_last_inspection(store, registry, tmp_path):
    # A fourth inspection in December checks czj only: lxz's findings (and marks) stay those of 28 November.
    run_id = store.begin_run(["czj"], "sites.toml")
    store.save_site_stats(run_id, [{"site_id": "czj", "name": "临夏州财政局", "kind": "department"}])
    store.end_run(run_id, RunStatus.COMPLETED, {})
    store.db.table("runs").update(run_id, {"started_at": "2026-12-05T02:00:00+00:00"})
    store.replace_findings(run_id, [finding("czj", "annual_report_late")], checked=["czj"])

    def keys(run: int | None, site_id: str, check: str) -> list[str]:
        report = build_report(load_stored(store, registry), load_scoring(), run)
        found = [f for s in report.sites if s.site_id == site_id for f in s.findings]
        return [finding_key(f) for f in found if f.check == check]

    [dead] = keys(3, "lxz", "dead_link")
    [late] = keys(None, "czj", "annual_report_late")
    [missing] = keys(2, "czj", "section_missing")
    recheck(store, 3, "lxz", dead, FIXED)
    recheck(store, run_id, "czj", late, NOT_FIXED)
    recheck(store, 2, "czj", missing, FIXED)  # a finding of an earlier inspection: not the period's list

    quarter = build_period_report(load_stored(store, registry), load_scoring(), "2026Q4")
    sites = {site.site_id: site for site in quarter.sites}
    assert sites["lxz"].rechecked == {dead: RECHECK_FIXED}
    assert sites["czj"].rechecked == {late: RECHECK_OPEN}
    assert sites["lxz"].recheck_fixed == 1 and sites["czj"].recheck_fixed == 0
    view = overview(quarter)
    marks = {
        row.site.site_id: [f.recheck for group in site_view(view, row).groups for f in group.findings]
        for row in view.rows
    }
    assert marks == {"lxz": [RECHECK_FIXED], "czj": [RECHECK_OPEN]}
    assert report_json(quarter)["sites"][0]["rechecked"]
    book = openpyxl.load_workbook(write_excel(quarter, tmp_path / "quarter.xlsx"))
    header = [cell.value for cell in book["检查结果"][2]]
    rows = list(book["检查结果"].iter_rows(min_row=3, values_only=True))
    assert sorted((row[0], row[header.index("复查结果")]) for row in rows) == [
        ("czj", RECHECK_OPEN),
        ("lxz", RECHECK_FIXED),
    ]
    page = (write_html(quarter, tmp_path / "html").parent / "sites" / "lxz.html").read_text(encoding="utf-8")
    assert '已整改（复查确认） / 已整改（下次督查发现）</span><span class="value"><small>1 / —<' in page
    # November's statistics end with the inspection of 28 November: its marks, not December's.
    month = build_period_report(load_stored(store, registry), load_scoring(), "2026-11")
    assert {s.site_id: s.rechecked for s in month.sites} == {
        "lxz": {dead: RECHECK_FIXED},
        "czj": {},
    }


def test_a_checked_run_without_findings_counts_as_checked(tmp_path):
    store = Store(tmp_path / "facts.db")
    run_id = stored_run(store, LXZ)
    assert store.checked_runs() == []
    store.replace_findings(run_id, [], checked=["lxz"])
    assert store.checked_runs() == [run_id] and store.checked_sites(run_id) == {"lxz"}
    store.close()


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text, start, end):
    assert parse_period(text)[:2] == (start, end)


def test_a_bad_period_says_how_to_write_one():
    with pytest.raises(ValueError, match=r"write a month \(2026-11\), a quarter \(2026Q4\) or a year"):
        parse_period("2026-13")
