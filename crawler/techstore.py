"""Storing the site technical probes (crawler/techprobe.py) and the probe round that runs them.

`tech_probes` (migration m014) holds one row per site per technical probe; a round leaves out sites
probed less than `TECH_EVERY` ago (certificates and IPv6 change rarely: the 48 availability rounds a day
need not each repeat it). `duwang probe` and the service's probe job call `probe_and_store` after the
availability probes; the inspection reads `tech_probes` into the sites' facts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from crawler.registry import Registry
from crawler.store import Store
from crawler.techprobe import HttpsState, TechResult, probe_tech_sites

TECH_EVERY = timedelta(hours=6)


def add_tech_probes(store: Store, results: list[TechResult]) -> None:
    """Store technical probe results in `tech_probes`."""
    rows = []
    for result in results:
        row = asdict(result)
        row["cert_names"] = json.dumps(list(result.cert_names), ensure_ascii=False)
        row["ipv6_addresses"] = json.dumps(list(result.ipv6_addresses))
        row["cert_verified"] = None if result.cert_verified is None else int(result.cert_verified)
        row["hostname_match"] = None if result.hostname_match is None else int(result.hostname_match)
        rows.append(row)
    store.db.table("tech_probes").insert_all(rows)


def tech_probes(store: Store, site_id: str, since: str) -> list[TechResult]:
    """A site's technical probes since `since` (UTC ISO), oldest first."""
    rows = store.db.query(
        "select * from tech_probes where site_id = ? and probed_at >= ? order by probed_at, id",
        [site_id, since],
    )
    results = []
    for row in rows:
        row.pop("id")
        row["cert_names"] = tuple(json.loads(row["cert_names"] or "[]"))
        row["ipv6_addresses"] = tuple(json.loads(row["ipv6_addresses"] or "[]"))
        for key in ("cert_verified", "hostname_match"):
            row[key] = None if row[key] is None else bool(row[key])
        results.append(TechResult(**row))
    return results


def probe_and_store(
    registry: Registry,
    store: Store,
    site_ids: list[str] | None = None,
    timeout: float = 15.0,
    echo: Callable[[str], None] | None = None,
    every: timedelta = TECH_EVERY,
) -> list[TechResult]:
    """The probe round's technical part (called after the availability probes by `duwang probe` and the
    service): sites probed less than `every` ago are left out; each result is stored as it completes, and
    `echo` is given its one-line summary."""
    since = (datetime.now(UTC) - every).isoformat(timespec="milliseconds")
    recent = {
        row[0]
        for row in store.db.execute("select distinct site_id from tech_probes where probed_at > ?", [since])
    }
    due = [site.id for site in registry.select(site_ids) if site.id not in recent]

    def stored(result: TechResult) -> None:
        add_tech_probes(store, [result])
        if echo is not None:
            echo(summary(result))

    return probe_tech_sites(registry, due, timeout, on_result=stored) if due else []


def summary(result: TechResult) -> str:
    """One line for the operator: HTTPS state (certificate expiry or verification error) and IPv6 state."""
    https = result.https
    if result.https == HttpsState.OK:
        expiry = (result.cert_not_after or "?")[:10]
        https = f"ok 证书至 {expiry}" if result.cert_verified else f"证书无效 {result.verify_error}"
    return f"{result.site_id:<14} HTTPS {https:<24} IPv6 {result.ipv6}"
