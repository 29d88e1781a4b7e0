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
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
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
