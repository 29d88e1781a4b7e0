"""The site technical probes (`tech_probes`, migration m014; crawler/probes/tech.py makes them): one row per
site per probe, written as each site completes and read back into the sites' facts by the inspection."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from crawler.probes.tech import TechResult

if TYPE_CHECKING:
    from crawler.store import Store


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
