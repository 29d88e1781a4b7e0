"""The probe round's technical part: HTTPS, certificate and IPv6 probes (crawler/probes/tech.py) of the sites
not probed lately, stored as each completes (crawler/store/tech.py).

A round leaves out sites probed less than `TECH_EVERY` ago (certificates and IPv6 change rarely: the 48
availability rounds a day need not each repeat it). `duwang probe` and the service's probe job call
`probe_and_store` after the availability probes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crawler.probes.tech import HttpsState, TechResult, probe_tech_sites
from crawler.registry import Registry
from crawler.store import Store
from crawler.store.tech import add_tech_probes

TECH_EVERY = timedelta(hours=6)


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
