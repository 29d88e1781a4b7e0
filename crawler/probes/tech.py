"""Site technical probes (the functional-design indicator): HTTPS and its certificate, and IPv6 reachability.

For each site's homepage host one probe records:
- HTTPS: a TLS handshake on the https URL the registry gives, or on port 443 of the homepage's host; with
  the certificate's notAfter, subject, issuer, names (subjectAltName), whether the names match the host,
  and the verification error text. A certificate that fails verification is read again over an unverified
  handshake, so the evidence says what was served (expired when, issued to whom).
- IPv6: the DNS AAAA answer for the host (an A lookup beside it tells "no AAAA record" from "the name does
  not resolve") and a TCP connection to the first IPv6 address on the homepage's port. Where this machine
  has no IPv6 (no IPv6 socket, or no default IPv6 route) nothing is tried and the probe says so: the check
  reports "not measured", never a missing IPv6.

The steps of each part share one deadline; a name lookup runs in a daemon thread waited for only until then
(as in crawler/probes/availability.py). Only hosts on the network allow-list are contacted, and when the list
is loopback-only a name's IPv6 addresses must be loopback too. Results go to the `tech_probes` table
(migration m014), one row per site and probe, stored as each site completes (crawler/store/tech.py).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.probes.availability import lookup_within, probe_each
from crawler.registry import AllowList, Registry, Site
from crawler.store import now_iso

IPV6_ROUTES = Path("/proc/net/ipv6_route")
RTF_REJECT = 0x0200  # a route that refuses traffic (the kernel's "unreachable" default on lo)


class HttpsState:
    """What the HTTPS handshake found (`TechResult.https`)."""

    OK = "ok"  # a TLS handshake completed (the certificate may still fail verification)
    REFUSED = "refused"  # nothing listens on the https port: HTTPS is not offered
    NO_TLS = "no_tls"  # something answered, but not TLS (e.g. plain HTTP on 443)
    TIMEOUT = "timeout"  # no answer within the deadline: undecided
    ERROR = "error"  # another network error: undecided
    DNS = "dns"  # the host name did not resolve: not measured
    OFFLIST = "offlist"  # the host is not on the network allow-list: not contacted


class Ipv6State:
    """What the IPv6 probe found (`TechResult.ipv6`)."""

    OK = "ok"  # an AAAA answer and a TCP connection over IPv6
    NO_AAAA = "no_aaaa"  # the name resolves (A) but has no IPv6 address
    CONNECT_FAILED = "connect_failed"  # AAAA answered, the connection failed
    NO_IPV6_HERE = "no_ipv6_here"  # this machine cannot reach IPv6: not measured
    IP_LITERAL = "ip_literal"  # the registry names the site by an IPv4 address: nothing to look up
    DNS = "dns"  # the name does not resolve at all: not measured
    TIMEOUT = "timeout"  # the deadline passed before the lookup answered: not measured
    OFFLIST = "offlist"  # off the allow-list (or an address a loopback-only list forbids): not contacted


@dataclass(frozen=True)
class TechResult:
    """One technical probe of one site; the columns of `tech_probes`."""

    site_id: str
    probed_at: str
    https_url: str
    https: str  # HttpsState
    https_error: str | None = None
    cert_verified: bool | None = None
    verify_error: str | None = None
    cert_not_after: str | None = None  # ISO 8601, UTC
    cert_subject: str | None = None
    cert_issuer: str | None = None
    cert_names: tuple[str, ...] = ()  # subjectAltName entries (DNS names and IP addresses)
    hostname_match: bool | None = None
    ipv6: str = Ipv6State.NO_IPV6_HERE
    ipv6_addresses: tuple[str, ...] = ()
    ipv6_error: str | None = None


class _Clock:
    """The probe's deadline: each step gets what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("probe deadline passed")
        return remaining


def _lookup(host: str, port: int, family: int, clock: _Clock) -> list[tuple[Any, ...]]:
    return lookup_within(host, port, clock.left(), family, name="techprobe-dns")


def _connect(target: tuple[Any, ...], clock: _Clock) -> socket.socket:
    family, kind, proto, _, address = target
    sock = socket.socket(family, kind, proto)
    try:
        sock.settimeout(clock.left())
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


def _connect_any(targets: list[tuple[Any, ...]], clock: _Clock) -> socket.socket:
    """The first of the resolved addresses that accepts a connection (IPv4 first: IPv6 is probed apart)."""
    error: OSError = OSError("no address")
    for target in sorted(targets, key=lambda target: target[0] != socket.AF_INET):
        try:
            return _connect(target, clock)
        except OSError as exc:
            error = exc
            if isinstance(exc, TimeoutError):
                break  # the deadline is spent
    raise error


def _https_target(site: Site) -> tuple[str, str, int]:
    """The https URL probed, its host and port: the registry's own https start URL, else port 443."""
    https = next((url for url in site.start_urls if urlsplit(url).scheme == "https"), None)
    parts = urlsplit(https or site.start_urls[0])
    host = parts.hostname or ""
    port = (parts.port or 443) if https else 443
    shown = f"[{host}]" if ":" in host else host
    return (https or f"https://{shown}/"), host, port


def probe_https(site: Site, allow: AllowList, clock: _Clock, cafile: str | None = None) -> dict[str, Any]:
    """The HTTPS fields of a `TechResult` for one site."""
    url, host, port = _https_target(site)
    facts: dict[str, Any] = {"https_url": url}
    if not allow.allows(url):
        return facts | {"https": HttpsState.OFFLIST}
    try:
        targets = _lookup(host, port, socket.AF_UNSPEC, clock)
    except TimeoutError as exc:
        return facts | {"https": HttpsState.TIMEOUT, "https_error": str(exc)}
    except OSError as exc:
        return facts | {"https": HttpsState.DNS, "https_error": str(exc)}
    verified = ssl.create_default_context(cafile=cafile)  # SSL_CERT_FILE is honoured when cafile is None
    try:
        der = _handshake(targets, host, verified, clock)
        facts |= {"https": HttpsState.OK, "cert_verified": True}
    except ssl.SSLCertVerificationError as exc:
        facts |= {
            "https": HttpsState.OK,
            "cert_verified": False,
            "verify_error": str(exc.verify_message or exc),
        }
        try:  # what was served, for the evidence: read it again without verification
            der = _handshake(targets, host, _unverified(), clock)
        except (OSError, ssl.SSLError) as again:
            return facts | {"https_error": f"certificate not read: {again}"}
    except (ssl.SSLEOFError, ConnectionResetError) as exc:  # cut off: a firewall as much as no TLS
        return facts | {"https": HttpsState.ERROR, "https_error": str(exc)}
    except ssl.SSLError as exc:
        return facts | {"https": HttpsState.NO_TLS, "https_error": str(exc)}
    except ConnectionRefusedError as exc:
        return facts | {"https": HttpsState.REFUSED, "https_error": str(exc)}
    except TimeoutError as exc:
        return facts | {"https": HttpsState.TIMEOUT, "https_error": str(exc) or "timed out"}
    except OSError as exc:
        return facts | {"https": HttpsState.ERROR, "https_error": str(exc)}
    try:
        return facts | _certificate_facts(der, host)
    except ValueError as exc:  # a certificate cryptography cannot parse: the handshake's facts stand
        return facts | {"https_error": f"certificate not parsed: {exc}"}


def _handshake(targets: list[tuple[Any, ...]], host: str, context: ssl.SSLContext, clock: _Clock) -> bytes:
    with _connect_any(targets, clock) as raw:
        raw.settimeout(clock.left())
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True) or b""


def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _certificate_facts(der: bytes, host: str) -> dict[str, Any]:
    from cryptography import x509

    if not der:
        return {"https_error": "no certificate served"}
    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    addresses: list[str] = []
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = list(alt.get_values_for_type(x509.DNSName))
        addresses = [str(address) for address in alt.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass  # a certificate without subjectAltName matches no host name in modern clients
    return {
        "cert_not_after": cert.not_valid_after_utc.isoformat(),
        "cert_subject": cert.subject.rfc4514_string(),
        "cert_issuer": cert.issuer.rfc4514_string(),
        "cert_names": (*names, *(f"IP:{address}" for address in addresses)),
        "hostname_match": hostname_matches(host, names, addresses),
    }


def hostname_matches(host: str, names: list[str], addresses: tuple[str, ...] | list[str] = ()) -> bool:
    """Whether a certificate's subjectAltName entries cover `host`: an address only by an IP entry, a name
    by a DNS entry (RFC 6125: at most one left-most wildcard label)."""
    host = host.lower().rstrip(".")
    try:
        return ipaddress.ip_address(host) in {ipaddress.ip_address(a) for a in addresses}
    except ValueError:
        pass  # a host name, not an address
    for name in names:
        name = name.lower().rstrip(".")
        if name == host or (name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]):
            return True
    return False


def ipv6_capability(addresses: list[str]) -> str | None:
    """None when this machine can reach `addresses` over IPv6, else why not (in the probe's evidence).

    An IPv6 socket must be creatable; loopback addresses need nothing more, any other a default route that
    is not a reject route (read from /proc/net/ipv6_route; elsewhere the answer is "cannot tell")."""
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()
    except OSError as exc:
        return f"no IPv6 socket on this machine: {exc}"
    if addresses and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        return None
    try:
        lines = IPV6_ROUTES.read_text().splitlines()
    except OSError:
        return f"cannot tell whether this machine routes IPv6 ({IPV6_ROUTES} unreadable)"
    for line in lines:
        fields = line.split()
        if (
            len(fields) >= 10
            and fields[1] == "00"
            and fields[9] != "lo"
            and not int(fields[8], 16) & RTF_REJECT
        ):
            return None
    return "no default IPv6 route on this machine"


def probe_ipv6(site: Site, allow: AllowList, clock: _Clock) -> dict[str, Any]:
    """The IPv6 fields of a `TechResult`: AAAA answer, then a TCP connection to the homepage's port."""
    parts = urlsplit(site.start_urls[0])
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not allow.allows(site.start_urls[0]):
        return {"ipv6": Ipv6State.OFFLIST, "ipv6_error": "host not on the network allow-list"}
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and literal.version == 4:
        return {"ipv6": Ipv6State.IP_LITERAL, "ipv6_error": f"the homepage is addressed by {host}"}
    try:
        targets = _lookup(host, port, socket.AF_INET6, clock)
    except TimeoutError as exc:
        return {"ipv6": Ipv6State.TIMEOUT, "ipv6_error": str(exc)}
    except OSError as exc:
        return _no_aaaa(host, port, clock, str(exc))
    addresses = list(dict.fromkeys(str(target[4][0]) for target in targets))
    found = {"ipv6_addresses": tuple(addresses)}
    if allow.is_loopback_only and not all(
        ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses
    ):
        return found | {
            "ipv6": Ipv6State.OFFLIST,
            "ipv6_error": "non-loopback IPv6 address, loopback-only list",
        }
    unable = ipv6_capability(addresses)
    if unable:
        return found | {"ipv6": Ipv6State.NO_IPV6_HERE, "ipv6_error": unable}
    clock.left()  # a deadline spent on the lookup is no failed connection (TimeoutError: not measured)
    try:
        _connect(targets[0], clock).close()
    except OSError as exc:  # TimeoutError included
        return found | {"ipv6": Ipv6State.CONNECT_FAILED, "ipv6_error": str(exc) or type(exc).__name__}
    return found | {"ipv6": Ipv6State.OK}


def _no_aaaa(host: str, port: int, clock: _Clock, error: str) -> dict[str, Any]:
    """No IPv6 answer: a measurement only if the name does resolve (to IPv4), else the lookup failed."""
    try:
        _lookup(host, port, socket.AF_INET, clock)
    except OSError as exc:
        return {"ipv6": Ipv6State.DNS, "ipv6_error": f"AAAA: {error}; A: {exc}"}
    return {"ipv6": Ipv6State.NO_AAAA, "ipv6_error": error}


def probe_tech(site: Site, allow: AllowList, timeout: float = 15.0, cafile: str | None = None) -> TechResult:
    """One technical probe of one site: HTTPS and IPv6, each within its own `timeout`."""
    probed_at = now_iso()
    https = probe_https(site, allow, _Clock(timeout), cafile)
    try:
        ipv6 = probe_ipv6(site, allow, _Clock(timeout))
    except TimeoutError as exc:
        ipv6 = {"ipv6": Ipv6State.TIMEOUT, "ipv6_error": str(exc)}
    return TechResult(site.id, probed_at, **https, **ipv6)


def probe_tech_sites(
    registry: Registry,
    site_ids: list[str] | None = None,
    timeout: float = 15.0,
    on_result: Callable[[TechResult], None] | None = None,
    cafile: str | None = None,
) -> list[TechResult]:
    """A technical probe of every selected site, several at a time; `on_result` runs in the caller's
    thread as each completes (as `crawler.probes.availability.probe_sites`). The list is in registry order."""
    sites = registry.select(site_ids)
    return probe_each(
        sites, lambda site: probe_tech(site, registry.allow, timeout, cafile), on_result, "techprobe"
    )
