"""Technical probes against loopback servers: TLS with certificates made here (a test CA's certificate valid
for 10 or 90 days, one for another host name, a self-signed one), plain HTTP where HTTPS is expected,
nothing listening on 443; IPv6 over ::1 where this machine has it. Names are mapped to loopback addresses by
a patched resolver, and no connection ever leaves loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import sqlite3
import ssl
import threading
from contextlib import suppress
from pathlib import Path

import pytest

from checks.rules import load_rules
from checks.tech import check_tech
from crawler.app.inspection import _tech
from crawler.app.techround import probe_and_store
from crawler.probes import tech as techprobe
from crawler.probes.tech import HttpsState, Ipv6State, probe_tech
from crawler.registry import load_registry
from crawler.store import Store
from crawler.store.tech import add_tech_probes, tech_probes
from tests.builders import LOOPBACK_NETWORK, cli, registry_toml, site_toml, write_registry

pytestmark = pytest.mark.e2e

HOST = "www.test.gov.cn"
DEADLINE = 5.0
CLOSED = "127.0.0.211"  # a loopback address nothing listens on


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


IPV6 = _has_ipv6_loopback()
needs_ipv6 = pytest.mark.skipif(not IPV6, reason="no IPv6 loopback (::1) on this machine")


class Certs:
    """A test CA and certificates it (or nobody) signs, written as PEM files under `folder`."""

    def __init__(self, folder: Path) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.x509, self.hashes, self.serialization, self.ec, self.oid = (
            x509,
            hashes,
            serialization,
            ec,
            NameOID,
        )
        self.folder = folder
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "duwang test CA")])
        now = dt.datetime.now(dt.UTC)
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(self.ca_name)
            .issuer_name(self.ca_name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False
            )
            .sign(self.ca_key, hashes.SHA256())
        )
        self.cafile = folder / "ca.pem"
        self.cafile.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))

    def leaf(self, name: str, days: int, signed: bool = True) -> ssl.SSLContext:
        """A server context whose certificate names `name` and expires in `days` days."""
        x509, oid = self.x509, self.oid
        key = self.ec.generate_private_key(self.ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(oid.COMMON_NAME, name)])
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.ca_name if signed else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([_san(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if signed:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.ca_key.public_key()), critical=False
            )
        cert = builder.sign(self.ca_key if signed else key, self.hashes.SHA256())
        enc = self.serialization
        path = self.folder / f"{name}-{days}-{signed}.pem"
        path.write_bytes(
            cert.public_bytes(enc.Encoding.PEM)
            + key.private_bytes(enc.Encoding.PEM, enc.PrivateFormat.PKCS8, enc.NoEncryption())
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path)
        return context


def _san(name: str):
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class Server:
    """A loopback server: TLS with `context`, or plain HTTP when `context` is None."""

    def __init__(self, host: str, context: ssl.SSLContext | None) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, 0), family=family)
        self.port = self.listener.getsockname()[1]
        self.context = context
        self.accepted = 0
        self.connected = threading.Event()  # set at the first accepted connection
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            self.connected.set()
            threading.Thread(target=self.answer, args=(client,), daemon=True).start()

    def answer(self, client: socket.socket) -> None:
        client.settimeout(DEADLINE)
        with suppress(OSError), client:  # a client that gives up mid-handshake is what some tests do
            if self.context is None:
                client.recv(1024)
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            with self.context.wrap_socket(client, server_side=True) as tls:
                tls.recv(1024)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def certs(tmp_path):
    return Certs(tmp_path)


@pytest.fixture
def servers():
    started: list[Server] = []

    def start(host: str, context: ssl.SSLContext | None) -> Server:
        started.append(Server(host, context))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def resolve(monkeypatch):
    """Map host names to loopback addresses by family: {name: {"4": "127.0.0.x", "6": "::1"}}."""
    table: dict[str, dict[str, str]] = {}
    real = socket.getaddrinfo

    def lookup(host, port, family=0, type=0, *args, **kwargs):
        if host not in table:
            return real(host, port, family, type, *args, **kwargs)
        answers = []
        for version, address in table[host].items():
            kind = socket.AF_INET6 if version == "6" else socket.AF_INET
            if family in (0, kind):
                target = (address, port, 0, 0) if version == "6" else (address, port)
                answers.append((kind, socket.SOCK_STREAM, 6, "", target))
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers

    monkeypatch.setattr(techprobe.socket, "getaddrinfo", lookup)
    return table


def registry(tmp_path: Path, start_url: str, allow: str = '"127.0.0.0/8", "::1", "www.test.gov.cn"'):
    lx = site_toml("lx", "测试县人民政府", start_url.split("/")[2], start_urls=[start_url])
    return load_registry(write_registry(tmp_path, registry_toml(lx, head=f"[network]\nallow = [{allow}]")))


def tech_findings(result):
    now = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).replace(tzinfo=None)
    from tests.sitefacts import site

    return check_tech(site([], tech=(_tech(result),)), load_rules(), now)


@pytest.mark.parametrize(("days", "expected"), [(10, ["cert_expiring"]), (90, [])])
def test_a_trusted_certificate_is_read_with_its_expiry(tmp_path, certs, servers, resolve, days, expected):
    server = servers("127.0.0.2", certs.leaf(HOST, days))
    resolve[HOST] = {"4": "127.0.0.2"}
    reg = registry(tmp_path, f"https://{HOST}:{server.port}/")
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE, cafile=str(certs.cafile))
    assert (result.https, result.cert_verified, result.verify_error) == (HttpsState.OK, True, None)
    assert result.https_url == f"https://{HOST}:{server.port}/" and result.hostname_match is True
    assert result.cert_names == (HOST,) and result.cert_issuer == "CN=duwang test CA"
    left = dt.datetime.fromisoformat(result.cert_not_after) - dt.datetime.now(dt.UTC)
    assert days - 1 <= left.days <= days
    assert [f.check for f in tech_findings(result) if f.element != "ipv6"] == expected


def test_a_certificate_for_another_name_and_a_self_signed_one_are_invalid(tmp_path, certs, servers, resolve):
    wrong = servers("127.0.0.2", certs.leaf("other.test.gov.cn", 90))
    own = servers("127.0.0.3", certs.leaf(HOST, 90, signed=False))
    for server, address, error, match in (
        (wrong, "127.0.0.2", "Hostname mismatch", False),
        (own, "127.0.0.3", "self-signed certificate", True),
    ):
        resolve[HOST] = {"4": address}
        reg = registry(tmp_path, f"https://{HOST}:{server.port}/")
        result = probe_tech(reg.sites[0], reg.allow, DEADLINE, cafile=str(certs.cafile))
        assert (result.https, result.cert_verified) == (HttpsState.OK, False)
        assert error in result.verify_error and result.hostname_match is match
        assert result.cert_not_after is not None  # read again without verification, for the evidence
        [finding] = [f for f in tech_findings(result) if f.element != "ipv6"]
        assert finding.check == "cert_invalid" and error in finding.detail


def test_plain_http_where_https_is_expected_and_nothing_on_443(tmp_path, servers):
    plain = servers("127.0.0.2", None)
    reg = registry(tmp_path, f"https://127.0.0.2:{plain.port}/")
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE)
    assert result.https == HttpsState.NO_TLS and result.https_error
    reg = registry(tmp_path, f"http://{CLOSED}:8080/")  # an http homepage: HTTPS is tried on port 443
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE)
    assert (result.https_url, result.https) == (f"https://{CLOSED}/", HttpsState.REFUSED)
    assert result.ipv6 == Ipv6State.IP_LITERAL  # an IPv4 address has no AAAA to look up
    [https] = [f for f in tech_findings(result) if f.element == "https"]
    assert (https.check, https.severity) == ("https_missing", "warning")


def test_off_the_allow_list_nothing_is_contacted(tmp_path, servers, resolve):
    server = servers("127.0.0.2", None)
    resolve[HOST] = {"4": "127.0.0.2"}
    reg = registry(tmp_path, f"https://{HOST}:{server.port}/", allow='"127.0.0.0/8"')
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE)
    assert (result.https, result.ipv6) == (HttpsState.OFFLIST, Ipv6State.OFFLIST) and server.accepted == 0


@needs_ipv6
def test_ipv6_answered_and_connected_over_loopback(tmp_path, certs, servers, resolve):
    v6 = servers("::1", None)
    resolve[HOST] = {"4": CLOSED, "6": "::1"}
    reg = registry(tmp_path, f"http://{HOST}:{v6.port}/")
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE)
    assert (result.ipv6, result.ipv6_addresses, result.ipv6_error) == (Ipv6State.OK, ("::1",), None)
    assert v6.connected.wait(DEADLINE) and v6.accepted == 1  # the connection reached the server over ::1
    assert [f for f in tech_findings(result) if f.element == "ipv6"] == []


@needs_ipv6
def test_no_aaaa_record_and_a_refused_ipv6_connection(tmp_path, servers, resolve):
    v4 = servers("127.0.0.2", None)
    resolve[HOST] = {"4": "127.0.0.2"}
    reg = registry(tmp_path, f"http://{HOST}:{v4.port}/")
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE)
    assert result.ipv6 == Ipv6State.NO_AAAA and "not known" in result.ipv6_error
    [finding] = [f for f in tech_findings(result) if f.element == "ipv6"]
    assert (finding.check, finding.severity) == ("ipv6_unreachable", "deduction")
    resolve[HOST] = {"4": "127.0.0.2", "6": "::1"}  # nothing listens on this port of ::1
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE)
    assert result.ipv6 == Ipv6State.CONNECT_FAILED and result.ipv6_addresses == ("::1",)
    [once] = [f for f in tech_findings(result) if f.element == "ipv6"]
    assert once.severity == "warning"  # one failed connection: to be confirmed


def test_without_ipv6_here_a_global_address_is_never_tried(tmp_path, resolve, monkeypatch):
    routes = tmp_path / "ipv6_route"  # only loopback routes: no default route
    routes.write_text(
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
    )
    monkeypatch.setattr(techprobe, "IPV6_ROUTES", routes)

    def never(*args, **kwargs):
        raise AssertionError("a connection was tried")

    monkeypatch.setattr(techprobe, "_connect", never)
    resolve[HOST] = {"4": CLOSED, "6": "2001:db8::1"}
    reg = registry(tmp_path, f"http://{HOST}/", allow='"127.0.0.0/8", "www.test.gov.cn"')
    result = techprobe.probe_ipv6(reg.sites[0], reg.allow, techprobe._Clock(DEADLINE))
    assert result["ipv6"] == Ipv6State.NO_IPV6_HERE
    assert result["ipv6_error"] == "no default IPv6 route on this machine"
    assert ipaddress.ip_address(result["ipv6_addresses"][0]).version == 6


def test_results_are_stored_and_read_back(tmp_path, certs, servers, resolve):
    server = servers("127.0.0.2", certs.leaf(HOST, 10))
    resolve[HOST] = {"4": "127.0.0.2"}
    reg = registry(tmp_path, f"https://{HOST}:{server.port}/")
    result = probe_tech(reg.sites[0], reg.allow, DEADLINE, cafile=str(certs.cafile))
    store = Store(tmp_path / "duwang.db")
    try:
        add_tech_probes(store, [result])
        assert tech_probes(store, "lx", "2000-01-01") == [result]
    finally:
        store.close()


def test_the_probe_command_stores_each_site_s_tech_probe(tmp_path, certs, servers):
    """`duwang probe` in a child process; SSL_CERT_FILE makes the test CA trusted, as an operator would."""
    server = servers("127.0.0.2", certs.leaf("127.0.0.2", 10))
    host = f"127.0.0.2:{server.port}"
    lx = site_toml("lx", "测试县人民政府", host, start_urls=[f"https://{host}/"])
    config = write_registry(tmp_path, registry_toml(lx, head=LOOPBACK_NETWORK))
    db = tmp_path / "duwang.db"
    env = os.environ | {"SSL_CERT_FILE": str(certs.cafile)}
    done = cli(
        "probe",
        "--config",
        str(config),
        "--db",
        str(db),
        "--timeout",
        "5",
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "HTTPS" in done.stdout and "IPv6 ip_literal" in done.stdout
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select site_id, https, cert_verified, hostname_match from tech_probes"
        ).fetchall()
    assert rows == [("lx", "ok", 1, 1)]  # trusted through SSL_CERT_FILE, matched by its IP entry


def test_a_round_leaves_out_sites_probed_in_the_last_hours(tmp_path):
    reg = registry(tmp_path, f"http://{CLOSED}:8080/")  # nothing listens: each probe ends at once
    store = Store(tmp_path / "duwang.db")
    try:
        first = probe_and_store(reg, store, timeout=DEADLINE)
        assert [r.https for r in first] == [HttpsState.REFUSED]
        assert probe_and_store(reg, store, timeout=DEADLINE) == []  # probed less than 6 hours ago
        again = probe_and_store(reg, store, timeout=DEADLINE, every=dt.timedelta(0))
        assert len(again) == 1 and len(tech_probes(store, "lx", "2000-01-01")) == 2
    finally:
        store.close()


def test_a_name_that_never_resolves_ends_at_the_deadline_and_is_not_measured(tmp_path, monkeypatch):
    release = threading.Event()
    real = socket.getaddrinfo

    def lookup(host, *args, **kwargs):
        if host == HOST:
            release.wait(60)  # a resolver that does not answer
        return real(host, *args, **kwargs)

    monkeypatch.setattr(techprobe.socket, "getaddrinfo", lookup)
    reg = registry(tmp_path, f"http://{HOST}/")
    try:
        result = probe_tech(reg.sites[0], reg.allow, 1.0)
    finally:
        release.set()
    assert (result.https, result.ipv6) == (HttpsState.TIMEOUT, Ipv6State.TIMEOUT)
    findings = {(f.check, f.severity, f.element) for f in tech_findings(result)}
    assert findings == {("https_missing", "warning", "https"), ("tech_unmeasured", "info", "ipv6")}
