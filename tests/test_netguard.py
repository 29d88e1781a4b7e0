"""The browser's allow-list proxy on its own (no browser needed), the scrubbed environments of child
processes, and when Chromium can have its sandbox."""

from __future__ import annotations

import gzip
import ipaddress
import os
import socket
import ssl
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawler.browser.netguard import GuardProxy
from crawler.browser.render import launch_options, sandbox_problem
from crawler.childenv import browser_env, scrubbed_env
from crawler.registry import AllowList
from tests.loopback import respond, serving

ON, OFF = "127.0.0.74", "127.0.0.75"
LIMIT = 1024 * 1024
PAGE = "<ul class='list'><li><a href='/t20261127_1.html'>通知</a><span>2026-11-27</span></li></ul>".encode()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict]:
    """An allowed site, an off-list one that counts its requests, and the proxy between."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(f"{self.server.server_address[0]}{self.path}")
            body, encoding = PAGE, None
            if self.path == "/gzip":
                body, encoding = gzip.compress(PAGE), "gzip"
            elif self.path == "/bomb":
                body, encoding = gzip.compress(b"0" * (LIMIT * 8)), "gzip"
            elif self.path == "/unbounded":
                encoding = "x-compress"
            respond(self, 200, body, headers={"Content-Encoding": encoding} if encoding else {})

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, ON, OFF) as ports:
        allow = AllowList(networks=(ipaddress.ip_network(f"{ON}/32"),))
        proxy = GuardProxy(allow.allows, LIMIT, timeout=10)
        port = proxy.start()
        yield {
            "on": f"http://{ON}:{ports[ON]}",
            "off": f"http://{OFF}:{ports[OFF]}",
            "off_port": ports[OFF],
            "proxy": proxy,
            "port": port,
            "hits": hits,
        }
        proxy.stop()


def fetch(servers: dict, url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{servers['port']}"})
    )
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.e2e
def test_an_allowed_page_passes_decompressed(servers):
    status, headers, body = fetch(servers, servers["on"] + "/gzip")
    assert (status, body) == (200, PAGE)
    assert "Content-Encoding" not in headers


@pytest.mark.e2e
def test_a_host_off_the_list_is_refused_without_a_connection(servers):
    status, _, body = fetch(servers, servers["off"] + "/page")
    assert status == 403 and b"allow-list" in body
    assert not any(hit.startswith(OFF) for hit in servers["hits"])


@pytest.mark.e2e
def test_a_tunnel_off_the_list_is_refused(servers):
    with socket.create_connection(("127.0.0.1", servers["port"]), timeout=10) as conn:
        conn.sendall(f"CONNECT {OFF}:{servers['off_port']} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert conn.recv(100).startswith(b"HTTP/1.1 403")
    assert not any(hit.startswith(OFF) for hit in servers["hits"])


@pytest.mark.e2e
def test_a_websocket_upgrade_is_refused_even_on_the_list(servers):
    with socket.create_connection(("127.0.0.1", servers["port"]), timeout=10) as conn:
        conn.sendall(
            f"GET {servers['on']}/ws HTTP/1.1\r\nHost: {ON}\r\nConnection: Upgrade\r\n"
            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert conn.recv(100).startswith(b"HTTP/1.1 403")


@pytest.mark.e2e
def test_a_gzip_bomb_and_an_unboundable_encoding_never_reach_the_browser(servers):
    status, _, body = fetch(servers, servers["on"] + "/bomb")
    assert status == 502 and len(body) < 1000
    status, _, body = fetch(servers, servers["on"] + "/unbounded")
    assert status == 502 and b"cannot be bounded" in body
    assert sum(servers["proxy"].refused.values()) >= 2


def test_children_get_no_secrets_and_chromium_only_what_it_needs():
    environ = {
        "PATH": "/usr/bin",
        "HOME": "/var/lib/duwang",
        "LANG": "zh_CN.UTF-8",
        "DUWANG_SMTP_HOST": "smtp.example.gov.cn",
        "DUWANG_SMTP_PASSWORD": "secret",
        "GITHUB_TOKEN": "t",
        "AWS_SECRET_ACCESS_KEY": "k",
        "DUWANG_BROWSER": "chromium",
        "VIRTUAL_ENV": "/opt/duwang",
    }
    child = scrubbed_env(environ, PYTHONUNBUFFERED="1")
    assert child == {
        "PATH": "/usr/bin",
        "HOME": "/var/lib/duwang",
        "LANG": "zh_CN.UTF-8",
        "DUWANG_BROWSER": "chromium",
        "VIRTUAL_ENV": "/opt/duwang",
        "PYTHONUNBUFFERED": "1",
    }
    assert browser_env(environ) == {"PATH": "/usr/bin", "HOME": "/var/lib/duwang", "LANG": "zh_CN.UTF-8"}


def test_chromium_runs_sandboxed_unless_root_or_the_kernel_cannot(tmp_path):
    allowed, closed = tmp_path / "open", tmp_path / "closed"
    for folder, value in ((allowed, "1"), (closed, "0")):
        (folder / "kernel").mkdir(parents=True)
        (folder / "kernel" / "unprivileged_userns_clone").write_text(value + "\n")
    assert "root" in (sandbox_problem(euid=0, proc_sys=allowed, helpers=[]) or "")
    assert sandbox_problem(euid=1000, proc_sys=allowed, helpers=[]) is None
    assert "namespaces" in (sandbox_problem(euid=1000, proc_sys=closed, helpers=[]) or "")
    if os.geteuid() == 0:  # a setuid-root helper can only be made by root
        helper = tmp_path / "chrome-sandbox"
        helper.write_bytes(b"")
        helper.chmod(0o755 | stat.S_ISUID)
        assert sandbox_problem(euid=1000, proc_sys=closed, helpers=[str(helper)]) is None


def test_launch_options_ask_playwright_for_the_sandbox_it_can_have():
    options = launch_options("/usr/bin/chromium")
    sandboxed = sandbox_problem("/usr/bin/chromium") is None
    assert options["chromium_sandbox"] is sandboxed
    assert ("--no-sandbox" in options["args"]) is not sandboxed
    assert "DUWANG_SMTP_PASSWORD" not in options["env"]
    assert Path(options["executable_path"]).name == "chromium"


@pytest.mark.e2e
def test_https_inside_an_allowed_tunnel_is_answered_by_the_proxy_and_decompressed(servers):
    """The proxy speaks TLS to the browser itself, so an HTTPS body is bounded like an HTTP one."""
    from crawler.browser.netguard import _server_tls_context

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            respond(self, 200, gzip.compress(PAGE), None, {"Content-Encoding": "gzip"})

        def log_message(self, *args: object) -> None:
            pass

    with (
        serving(Handler, ON, tls=_server_tls_context()) as site,
        socket.create_connection(("127.0.0.1", servers["port"]), timeout=10) as conn,
    ):
        conn.sendall(f"CONNECT {ON}:{site[ON]} HTTP/1.1\r\n\r\n".encode())
        assert conn.recv(100).startswith(b"HTTP/1.1 200")
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        with context.wrap_socket(conn, server_hostname=ON) as tls:
            tls.sendall(f"GET /list/ HTTP/1.1\r\nHost: {ON}\r\n\r\n".encode())
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Encoding" not in head
    assert body == PAGE
