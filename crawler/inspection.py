"""Running the checks over a stored crawl: load each site's facts, call `checks.inspect.check_site`,
store the findings beside the run.

This module is the bridge between the impure world (registry file, database, clock) and the pure checks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from checks.facts import ColumnHint, Entry, Link, Page, Probe, SiteFacts
from checks.findings import Finding
from checks.inspect import check_site
from checks.rules import Rules
from crawler.registry import Registry
from crawler.store import Store
from crawler.vocab import RunStatus

SHANGHAI = timedelta(hours=8)  # inspection dates are China's dates, whatever the server's zone


def inspection_now() -> datetime:
    """Now, as a naive datetime in China Standard Time (UTC+8, no daylight saving)."""
    return (datetime.now(UTC) + SHANGHAI).replace(tzinfo=None)


def load_site_facts(store: Store, run_id: int, registry: Registry, now: datetime) -> list[SiteFacts]:
    """The facts of every registered site that the run crawled."""
    raw = store.run_facts(run_id)
    pages = {row["url"]: Page(**row) for row in raw["pages"]}
    links: dict[str, list[Link]] = defaultdict(list)
    for row in raw["links"]:
        site_id = row.pop("site_id")
        links[site_id].append(
            Link(**{**row, "in_scope": bool(row["in_scope"]), "fetchable": bool(row["fetchable"])})
        )
    entries: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for row in raw["entries"]:
        site_id = row.pop("site_id")
        entries[site_id][row["page_url"]].append(Entry(**row))
    meta: dict[str, dict[str, str]] = defaultdict(dict)
    for row in raw["meta"]:
        meta[row["page_url"]][row["name"]] = row["content"]
    footers: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in raw["footers"]:
        footers[row["site_id"]][row["page_url"]] = row
    crawled = set(json.loads(store.run(run_id)["sites"]))
    since = (now - timedelta(days=31)).isoformat()
    result = []
    for site in registry.sites:
        if site.id not in crawled:
            continue
        own_meta = {url: tags for url, tags in meta.items() if url in pages and pages[url].site_id == site.id}
        result.append(
            SiteFacts(
                site_id=site.id,
                name=site.name,
                kind=str(site.kind),
                home_urls=tuple(_normalized(url) for url in site.start_urls),
                pages=pages,
                links=tuple(links[site.id]),
                entries={url: tuple(items) for url, items in entries[site.id].items()},
                meta=own_meta,
                footers={url: row["text"] or "" for url, row in footers[site.id].items()},
                forms={url: tuple(json.loads(row["forms"] or "[]")) for url, row in footers[site.id].items()},
                probes=tuple(_probe(row) for row in store.probes(site.id, _utc_iso(since))),
                column_hints=tuple(ColumnHint(h.name, _normalized(h.url), h.freshness) for h in site.columns),
            )
        )
    return result


def run_checks(
    db: str | Path, registry: Registry, rules: Rules, run_id: int | None = None, now: datetime | None = None
) -> tuple[int, list[Finding]]:
    """Check a run (the latest completed one by default), store and return its findings."""
    now = now or inspection_now()
    store = Store(db)
    try:
        if run_id is None:
            run = store.latest_run(RunStatus.COMPLETED)
            if run is None:
                raise LookupError(f"{db}: no completed crawl to check; run `duwang crawl` first")
            run_id = run["id"]
        findings = [
            f
            for facts in load_site_facts(store, run_id, registry, now)
            for f in check_site(facts, rules, now)
        ]
        store.replace_findings(run_id, [_row(finding, now) for finding in findings])
        return run_id, findings
    finally:
        store.close()


def _row(finding: Finding, now: datetime) -> dict[str, Any]:
    return {**finding.as_json(), "checked_at": now.isoformat(timespec="seconds")}


def _probe(row: dict[str, Any]) -> Probe:
    at = datetime.fromisoformat(row["probed_at"]).astimezone(UTC) + SHANGHAI
    return Probe(at.replace(tzinfo=None), bool(row["ok"]), row["status"], row["error"])


def _utc_iso(shanghai_iso: str) -> str:
    return (
        (datetime.fromisoformat(shanghai_iso) - SHANGHAI)
        .replace(tzinfo=UTC)
        .isoformat(timespec="milliseconds")
    )


def _normalized(url: str) -> str:
    from crawler.extract import normalize_url

    return normalize_url(url)
