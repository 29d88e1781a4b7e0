"""A finding's identity across inspections: the key that says a finding is new, still open or fixed.

One function, `finding_key`, computes it; `duwang check` stores it with each finding (the `key` column),
history and 复查 (recheck) are kept by it, and reports compare inspections with it.

The key is site-relative, so that a site that moves from http to https, to another port or to another of its
own host names keeps its findings: in every URL of the key, the scheme, host and port are dropped when the
host is one of the site's own (its registry URL, its `[sites.scope] also` hosts and its declared `aliases`);
an off-site URL keeps its host name but not its scheme nor its port (the same outside page, whichever way it
was reached). A column finding is keyed by the site and the column's name, not the list page's URL, so a
column whose list page moves is still the same column.

The key is a short hex digest of those parts (`key_parts`), short enough to type: `duwang recheck --finding`.
`derive_history` holds the rules of a key's history over inspections (首次发现, 整改, 重新出现).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

KEY_LENGTH = 12  # hex digits: 48 bits, no collision among a database's findings in practice
# Checks about one column: identified by its name; the list page's URL may change with a site's redesign.
COLUMN_CHECKS = frozenset({"column_stale", "column_empty", "column_needs_render"})


def relative_url(url: str | None, own_hosts: Collection[str]) -> str | None:
    """`url` without what a move of the site would change: the path (and query) of a URL on one of the site's
    own hosts, host name + path of an off-site URL; anything that is no http(s) URL stays as it is."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not host:
        return url
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if host in own_hosts:
        return path
    return host + path


def key_parts(
    site_id: str,
    check: str,
    own_hosts: Collection[str] = (),
    url: str | None = None,
    page: str | None = None,
    column: str | None = None,
    section: str | None = None,
    element: str | None = None,
) -> tuple[str, ...]:
    """What a finding's key is made of, readable (for tests and for people debugging a key)."""
    hosts = {host.lower().rstrip(".") for host in own_hosts}
    if check in COLUMN_CHECKS and column:
        url = None  # the column's name says which column it is
    return tuple(
        value or ""
        for value in (
            site_id,
            check,
            relative_url(url, hosts),
            relative_url(page, hosts),
            column,
            section,
            element,
        )
    )


def finding_key(
    site_id: str,
    check: str,
    own_hosts: Collection[str] = (),
    url: str | None = None,
    page: str | None = None,
    column: str | None = None,
    section: str | None = None,
    element: str | None = None,
) -> str:
    """The key of a finding of site `site_id` whose own host names are `own_hosts` (see the module doc)."""
    parts = key_parts(site_id, check, own_hosts, url, page, column, section, element)
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest()[:KEY_LENGTH]


def row_key(row: Mapping[str, Any], hosts: Mapping[str, frozenset[str]]) -> str:
    """The key of a stored (or about to be stored) finding row; a site no longer registered has no own
    hosts, so its URLs keep their host names."""
    return finding_key(
        row["site_id"],
        row["check"],
        hosts.get(row["site_id"], frozenset()),
        row.get("url"),
        row.get("page"),
        row.get("column"),
        row.get("section"),
        row.get("element"),
    )


def derive_history(
    site_id: str, inspections: list[tuple[int, str]], reported: dict[int, dict[str, tuple[str, str]]]
) -> list[dict[str, Any]]:
    """History rows of a site's findings from its inspections (oldest first) and the keys each reported
    (run id -> key -> (check, severity)). Pure: the rules of 首次发现, 整改 and 重新出现 in one place."""
    rows: dict[str, dict[str, Any]] = {}
    for run_id, day in inspections:
        keys = reported.get(run_id, {})
        for key, (check, severity) in keys.items():
            row = rows.get(key)
            if row is None:
                row = rows[key] = {
                    "site_id": site_id,
                    "key": key,
                    "first_run": run_id,
                    "first_seen": day,
                    "times_reported": 0,
                    "reopened": 0,
                }
            elif row["status"] == "fixed":
                row["reopened"] += 1
            row.update(check=check, severity=severity, last_run=run_id, last_seen=day, status="open")
            row.update(fixed_run=None, fixed_on=None)
            row["times_reported"] += 1
        for key, row in rows.items():
            if key not in keys and row["status"] == "open":
                row.update(status="fixed", fixed_run=run_id, fixed_on=day)
    return list(rows.values())
