"""Availability probes: load each site's homepage once, completely, within a time limit.

The national rule probes a homepage at least 20 times a day for a week; a probe fails when the page is not
loaded within 15 s. `probe_sites` runs one round over the registry (the scheduler repeats it); results go
to the `probes` table and the availability check reads them.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPException

from crawler.registry import AllowList, Registry, Site
from crawler.store import now_iso
from crawler.vocab import FetchError

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ProbeResult:
    site_id: str
    url: str
    probed_at: str
    ok: bool
    status: int | None
    elapsed: float
    error: str | None


class _AllowListRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a host on the allow-list."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not self.allow.allows(newurl):
            raise urllib.error.URLError(f"redirect to {newurl}: host not on the network allow-list")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def probe_site(site: Site, allow: AllowList, timeout: float = 15.0) -> ProbeResult:
    """GET the site's first start URL and read the whole body; fail on an error status or past `timeout`."""
    url = site.start_urls[0]
    started_at, started = now_iso(), time.monotonic()
    if not allow.allows(url):
        return ProbeResult(site.id, url, started_at, False, None, 0.0, FetchError.OFFLIST)
    opener = urllib.request.build_opener(_AllowListRedirects(allow))
    request = urllib.request.Request(url, headers={"User-Agent": site.limits.user_agent})
    status, error = None, None
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
            while response.read(CHUNK):
                if time.monotonic() - started > timeout:
                    error = FetchError.TIMEOUT
                    break
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    except (TimeoutError, urllib.error.URLError, HTTPException, OSError) as exc:
        error = _error_class(exc)
    elapsed = time.monotonic() - started
    if error is None and elapsed > timeout:
        error = FetchError.TIMEOUT
    ok = error is None and status is not None and status < 400
    return ProbeResult(site.id, url, started_at, ok, status, round(elapsed, 3), error)


def probe_sites(
    registry: Registry, site_ids: list[str] | None = None, timeout: float = 15.0
) -> list[ProbeResult]:
    """One probe of every selected site, several at a time (one request per site: no host is burdened)."""
    sites = registry.select(site_ids)
    with ThreadPoolExecutor(max_workers=min(8, len(sites))) as pool:
        return list(pool.map(lambda site: probe_site(site, registry.allow, timeout), sites))


def _error_class(exc: BaseException) -> FetchError:
    reason = getattr(exc, "reason", exc)
    text = str(reason).lower()
    if isinstance(reason, TimeoutError) or "timed out" in text:
        return FetchError.TIMEOUT
    if isinstance(reason, ConnectionRefusedError) or "refused" in text:
        return FetchError.REFUSED
    if "allow-list" in text:
        return FetchError.OFFLIST
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return FetchError.DNS
    if "ssl" in text or "certificate" in text:
        return FetchError.TLS
    return FetchError.CONNECTION
