"""Availability probes: load each site's homepage once, completely, within a time limit.

The national rule probes a homepage at least 20 times a day for a week; a probe fails when the page is not
loaded within 15 s. `probe_sites` runs one round over the registry (the scheduler repeats it); results go
to the `probes` table and the availability check reads them.

The limit is a deadline for the whole response — name lookup, connection, TLS, headers, body and every
redirect — not a per-read timeout: a firewall that trickles a byte a second to bots would otherwise hold a
probe for hours. When the deadline passes, a timer shuts the probe's sockets down, which ends any blocked
read at once; the name lookup, which no socket option bounds, runs in a helper thread that is waited for only
until the deadline. Results are handed to `on_result` as each site completes, so a slow site never delays
storing the others'.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, Protocol, TypeVar

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


class _Deadline:
    """One probe's deadline: its sockets are shut down when it passes, so no read can outlast it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0 or self.expired.is_set():
            raise TimeoutError("probe deadline passed")
        return left

    def expire(self) -> None:
        with self._lock:
            self.expired.set()
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed: nothing to end
                sock.shutdown(socket.SHUT_RDWR)  # a blocked recv in the probe's thread returns at once

    def register(self, sock: socket.socket) -> None:
        with self._lock:
            if not self.expired.is_set():
                self._sockets.append(sock)
                return
        sock.close()
        raise TimeoutError("probe deadline passed")

    def cancel(self) -> None:
        self._timer.cancel()

    def connect(
        self, address: tuple[str, int], timeout: float | None = None, source_address: Any = None
    ) -> socket.socket:
        """`socket.create_connection` within the deadline (used by the probe's HTTP connections)."""
        host, port = address
        last: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _, target in self._resolve(host, port):
            sock = socket.socket(family, kind, proto)
            try:
                self.register(sock)
                per_step = timeout if isinstance(timeout, int | float) else None  # None: urllib's default
                sock.settimeout(min(per_step or self.remaining(), self.remaining()))
                if source_address:
                    sock.bind(source_address)
                sock.connect(target)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
                if self.expired.is_set():
                    raise TimeoutError("probe deadline passed") from None
        raise last

    def _resolve(self, host: str, port: int) -> list[tuple[Any, ...]]:
        return lookup_within(host, port, self.remaining(), name="probe-dns")


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = deadline.connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = deadline.connect  # the TLS handshake runs over this socket too


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):  # type: ignore[no-untyped-def]
        return self.do_open(functools.partial(_HTTPConnection, deadline=self.deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):  # type: ignore[no-untyped-def]
        connection = functools.partial(_HTTPSConnection, deadline=self.deadline)
        return self.do_open(connection, req, context=self._context)


class _AllowListRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a host on the allow-list."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not self.allow.allows(newurl):
            raise urllib.error.URLError(f"redirect to {newurl}: host not on the network allow-list")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def probe_site(site: Site, allow: AllowList, timeout: float = 15.0) -> ProbeResult:
    """GET the site's first start URL and read the whole body; fail on an error status or past `timeout`,
    which bounds the whole exchange (see the module's docstring)."""
    url = site.start_urls[0]
    started_at, started = now_iso(), time.monotonic()
    if not allow.allows(url):
        return ProbeResult(site.id, url, started_at, False, None, 0.0, FetchError.OFFLIST)
    deadline = _Deadline(timeout)
    opener = urllib.request.build_opener(
        _AllowListRedirects(allow), _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline)
    )
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
    finally:
        deadline.cancel()
    elapsed = time.monotonic() - started
    if deadline.expired.is_set() or elapsed > timeout:
        error = FetchError.TIMEOUT  # whatever a shut-down socket made the reader say
    ok = error is None and status is not None and status < 400
    return ProbeResult(site.id, url, started_at, ok, status, round(elapsed, 3), error)


def probe_sites(
    registry: Registry,
    site_ids: list[str] | None = None,
    timeout: float = 15.0,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> list[ProbeResult]:
    """One probe of every selected site, several at a time (one request per site: no host is burdened).

    `on_result` is called in the caller's thread as each probe completes (store it there: a database
    connection stays in its thread); the list returned is in registry order."""
    sites = registry.select(site_ids)
    return probe_each(sites, lambda site: probe_site(site, registry.allow, timeout), on_result, "probe")


class _SiteResult(Protocol):
    @property
    def site_id(self) -> str: ...


Result = TypeVar("Result", bound=_SiteResult)


def probe_each(
    sites: tuple[Site, ...],
    probe: Callable[[Site], Result],
    on_result: Callable[[Result], None] | None,
    thread_name: str,
) -> list[Result]:
    """`probe` of every site, up to 8 at a time; `on_result` in the caller's thread as each completes; the
    results in the sites' order."""
    if not sites:
        return []
    results: dict[str, Result] = {}
    with ThreadPoolExecutor(max_workers=min(8, len(sites)), thread_name_prefix=thread_name) as pool:
        for future in as_completed([pool.submit(probe, site) for site in sites]):
            result = future.result()
            results[result.site_id] = result
            if on_result is not None:
                on_result(result)
    return [results[site.id] for site in sites]


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


def lookup_within(
    host: str, port: int, seconds: float, family: int = 0, name: str = "dns"
) -> list[tuple[Any, ...]]:
    """`socket.getaddrinfo` bounded by a deadline. getaddrinfo takes no timeout: it runs in a daemon thread
    that is waited for only `seconds` (the probe's remaining time); TimeoutError after that."""
    answer: list[Any] = []

    def lookup() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, family, socket.SOCK_STREAM))
        except OSError as exc:
            answer.append(exc)

    helper = threading.Thread(target=lookup, name=f"{name}-{host}", daemon=True)
    helper.start()
    helper.join(seconds)
    if not answer:
        raise TimeoutError(f"name lookup of {host} timed out")
    if isinstance(answer[0], OSError):
        raise answer[0]
    return answer[0]
