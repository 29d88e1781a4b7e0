"""Running the checks over a stored crawl: load each site's facts, call `checks.inspect.check_site`,
store the findings beside the run, each with its key (`checks.identity`), and keep the sites' finding history.

This module is the bridge between the impure world (registry file, database, clock) and the pure checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checks import identity
from checks.dates import CHINA_OFFSET
from checks.facts import ColumnHint, CrawlLimits, Probe, SiteFacts, TechProbe
from checks.findings import Finding
from checks.inspect import check_site
from checks.rules import Rules
from crawler.app.confirm import apply_confirmations
from crawler.probes.tech import TechResult
from crawler.registry import Registry
from crawler.store import Store, page_texts, rectification, site_messages
from crawler.store.tech import tech_probes
from crawler.vocab import RunStatus


def inspection_now() -> datetime:
    """Now, as a naive datetime in China Standard Time (UTC+8, no daylight saving)."""
    return (datetime.now(UTC) + CHINA_OFFSET).replace(tzinfo=None)


def iter_site_facts(store: Store, run_id: int, registry: Registry, now: datetime) -> Iterator[SiteFacts]:
    """The facts of every registered site that the run crawled, one site at a time."""
    pages = store.check_pages(run_id)
    crawled = set(json.loads(store.run(run_id)["sites"]))
    since = _utc_iso((now - timedelta(days=31)).isoformat())
    limits = {row["site_id"]: _crawl_limits(row) for row in store.site_stats(run_id)}
    for site in registry.sites:
        if site.id not in crawled:
            continue
        rows = store.site_rows(run_id, site.id)
        yield SiteFacts(
            site_id=site.id,
            name=site.name,
            kind=str(site.kind),
            home_urls=tuple(_normalized(url) for url in site.start_urls),
            pages=pages,
            links=rows.links,
            entries=rows.entries,
            meta=rows.meta,
            footers=rows.footers,
            forms=rows.forms,
            probes=tuple(_probe(row) for row in store.probes(site.id, since)),
            column_hints=tuple(ColumnHint(h.name, _normalized(h.url), h.freshness) for h in site.columns),
            crawl=limits.get(site.id, CrawlLimits()),
            tech=tuple(_tech(result) for result in tech_probes(store, site.id, since)),
            texts=page_texts(store, run_id, site.id),
            content=registry.content,
            messages=site_messages(store, run_id, site.id),
        )


def run_checks(
    db: str | Path, registry: Registry, rules: Rules, run_id: int | None = None, now: datetime | None = None
) -> tuple[int, list[Finding]]:
    """Check a run (the latest completed one by default), store and return its findings."""
    now = now or inspection_now()
    with Store(db) as store:
        run_id = completed_run(store, run_id)
        findings: list[Finding] = []
        checked: list[str] = []  # the sites that get a verdict; any other is 未检查 in the reports
        for facts in iter_site_facts(store, run_id, registry, now):
            findings.extend(check_site(facts, rules, now))
            checked.append(facts.site_id)
        hosts = registry.own_hosts()
        rows = apply_confirmations(store, [_row(finding, now, hosts) for finding in findings])
        store.replace_findings(run_id, rows, checked)
        # Findings stored before keys existed get theirs, then the history of every checked site follows.
        rectification.fill_missing_keys(store, hosts)
        rectification.update_history(store, checked)
        return run_id, findings


def completed_run(store: Store, run_id: int | None) -> int:
    """The run asked for, or the latest completed one; LookupError when there is none to read.

    A pruned run has no facts left: checking it again would replace its stored findings with nonsense."""
    if run_id is not None:
        pruned_at = store.pruned_at(run_id)
        if pruned_at is not None:
            raise LookupError(
                f"{store.path}: the facts of run {run_id} were pruned on {pruned_at} ([storage] keep_runs);"
                " its stored findings stay as they were checked"
            )
        return run_id
    run = store.latest_run(RunStatus.COMPLETED)
    if run is None:
        raise LookupError(f"{store.path}：没有可检查的完成抓取 no completed crawl；先运行 `duwang crawl`")
    return run["id"]


def _row(finding: Finding, now: datetime, hosts: dict[str, frozenset[str]]) -> dict[str, Any]:
    row = {**finding.as_json(), "checked_at": now.isoformat(timespec="seconds")}
    row["key"] = identity.row_key(row, hosts)
    return row


def _crawl_limits(row: dict[str, Any]) -> CrawlLimits:
    # Rows of runs crawled before the limits existed hold NULLs: nothing was left out by a limit.
    return CrawlLimits(
        outside_budget=row.get("outside_budget"),
        outside_checks=row.get("outside_checks") or 0,
        outside_skipped=row.get("outside_skipped") or 0,
        stopped_by=row.get("stopped_by"),
        unfinished=row.get("unfinished") or 0,
        max_minutes=row.get("max_minutes"),
    )


def _probe(row: dict[str, Any]) -> Probe:
    at = datetime.fromisoformat(row["probed_at"]).astimezone(UTC) + CHINA_OFFSET
    return Probe(at.replace(tzinfo=None), bool(row["ok"]), row["status"], row["error"])


def _tech(result: TechResult) -> TechProbe:
    fields = {**vars(result)}
    del fields["site_id"]
    fields["probed_at"] = _china(result.probed_at)
    fields["cert_not_after"] = _china(result.cert_not_after) if result.cert_not_after else None
    return TechProbe(**fields)


def _china(utc_iso: str) -> datetime:
    return (datetime.fromisoformat(utc_iso).astimezone(UTC) + CHINA_OFFSET).replace(tzinfo=None)


def _utc_iso(shanghai_iso: str) -> str:
    return (
        (datetime.fromisoformat(shanghai_iso) - CHINA_OFFSET)
        .replace(tzinfo=UTC)
        .isoformat(timespec="milliseconds")
    )


def _normalized(url: str) -> str:
    from crawler.pages.extract import normalize_url

    return normalize_url(url)
