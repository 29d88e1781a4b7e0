"""Unit tests of bench/accuracy_bench.py's scoring: findings against the truth, per template family."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "accuracy_bench", Path(__file__).resolve().parents[1] / "bench" / "accuracy_bench.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

TODAY = date(2026, 11, 28)


def site(template: str, stale_url: str | None, base: str) -> dict:
    columns = [
        {"url": base + "a/", "stale": stale_url == base + "a/", "empty": False, "catalogue_note": False},
        {"url": base + "b/", "stale": False, "empty": False, "catalogue_note": False},
    ]
    for c in columns:
        c["freshness"] = "news"
    return {
        "template": template,
        "base_url": base,
        "columns": columns,
        "homepage_stale": False,
        "homepage_newest_date": "2026-11-27",
        "dead_links": [],
        "sections": {"政策文件": base + "b/"},
        "empty_sections": [],
        "annual_report_late": False,
        "elements": {"site_id_code": True, "search": True},
        "meta_site_id_code": None,
        "site_id_code": "1",
        "flaky_homepage": False,
    }


def finding(site_id: str, check: str, severity: str, **kw: str) -> dict:
    keys = ("url", "page", "column", "section", "element")
    return {"site_id": site_id, "check": check, "severity": severity, **{k: kw.get(k) for k in keys}}


def test_score_counts_per_family_and_flags_false_vetoes():
    truth = {
        "sites": {
            "s1": site("standard", "http://h1/a/", "http://h1/"),
            "s2": site("tabs", None, "http://h2/"),
        }
    }
    findings = [
        finding("s1", "column_stale", "deduction", url="http://h1/a/"),  # expected: TP
        finding("s2", "column_stale", "deduction", url="http://h2/x.html"),  # an article read as a column
        finding("s2", "homepage_stale", "veto", url="http://h2/"),  # a false veto
        finding("s2", "unchecked_links", "info"),  # not covered by the truth: ignored
    ]
    result = bench.score(truth, findings, TODAY)
    counts = result["counts"]
    assert counts[("standard", "column_stale")] == {"tp": 1, "fp": 0, "fn": 0}
    assert counts[("tabs", "column_stale")] == {"tp": 0, "fp": 1, "fn": 0}
    assert result["false_vetoes"] == [
        {"site": "s2", "template": "tabs", "finding": ["homepage_stale", "veto", "http://h2/"]}
    ]
    assert result["missed_vetoes"] == []
    assert set(result["differences"]) == {"s2"}
    rows = {(r["template"], r["check"]): r for r in bench.table(counts)}
    assert rows[("all", "column_stale")]["precision"] == 0.5
    assert rows[("all", "column_stale")]["recall"] == 1.0
    assert rows[("tabs", "homepage_stale")]["recall"] is None
    assert [r["template"] for r in bench.table(counts)][:1] == ["standard"]
