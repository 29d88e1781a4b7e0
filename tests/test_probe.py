"""Availability probes against loopback servers that answer well, trickle bytes like a bot-tarpitting
firewall, or never resolve: every probe ends at its deadline and each result is handed over as it completes."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import threading
import time
from contextlib import closing

import pytest

from crawler.probes import availability as probe_module
from crawler.probes.availability import probe_sites
from crawler.registry import load_registry
from crawler.store import Store
from crawler.vocab import FetchError
from tests.builders import CLI, registry_toml, site_toml, write_registry

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

DEADLINE = 1.5  # seconds: the probes' whole-response limit in these tests
HANG_GUARD = 60  # seconds: only to fail instead of hanging the suite if a probe never ends


class Server:
    """A loopback HTTP server on its own address; `mode` says how it answers.

    ok: a small page at once. slow_headers: the status line one byte at a time. slow_body: headers at once,
    then a 100 kB body one byte at a time. Trickling goes on until the client leaves or the test ends."""

    def __init__(self, host: str, mode: str) -> None:
        self.mode = mode
        self.stop = threading.Event()
        self.listener = socket.create_server((host, 0))
        self.address = f"{host}:{self.listener.getsockname()[1]}"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(client,), daemon=True).start()

    def answer(self, client: socket.socket) -> None:
        with client:
            client.recv(65536)
            page = "<html><body>临夏州人民政府</body></html>".encode()
            if self.mode == "ok":
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(page) + page)
                return
            if self.mode == "slow_headers":
                trickle = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 100000
            else:
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                trickle = b"x" * 100000
            for byte in trickle:
                if self.stop.wait(0.2):
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:  # the probe gave up: what must happen
                    return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture
def servers():
    started = {
        "tarpit": Server("127.0.0.2", "slow_headers"),
        "dripping": Server("127.0.0.3", "slow_body"),
        "good": Server("127.0.0.4", "ok"),
    }
    yield started
    for server in started.values():
        server.close()


def registry_of(tmp_path, sites: dict[str, str], allow: str = '"127.0.0.0/8"'):
    tables = [
        site_toml(site_id, f"站点{site_id}", address, "department") for site_id, address in sites.items()
    ]
    return write_registry(tmp_path, registry_toml(*tables, head=f"[network]\nallow = [{allow}]"))


def probe_in_thread(*args, **kwargs):
    """probe_sites in a thread, joined with a generous guard so a hanging probe fails the test."""
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(probe_sites(*args, **kwargs)), daemon=True)
    worker.start()
    worker.join(HANG_GUARD)
    assert outcome, "probe_sites did not return"
    return outcome[0]


def test_trickling_servers_are_cut_at_the_deadline_and_never_hold_up_the_good_site(tmp_path, servers):
    path = registry_of(tmp_path, {name: server.address for name, server in servers.items()})
    reported = []
    results = probe_in_thread(load_registry(path), None, DEADLINE, on_result=reported.append)
    by_site = {result.site_id: result for result in results}
    assert [result.site_id for result in results] == ["tarpit", "dripping", "good"]  # registry order
    assert (by_site["good"].ok, by_site["good"].status) == (True, 200)
    for name in ("tarpit", "dripping"):
        assert (by_site[name].ok, by_site[name].error) == (False, FetchError.TIMEOUT)
    assert reported[0].site_id == "good"  # handed over as it completed, before the hung ones ended


def test_a_name_that_never_resolves_ends_at_the_deadline(tmp_path, servers, monkeypatch):
    release = threading.Event()
    real = socket.getaddrinfo

    def lookup(host, *args, **kwargs):
        if host == "hung.example.gov.cn":
            release.wait(HANG_GUARD)  # a resolver that does not answer
        return real(host, *args, **kwargs)

    monkeypatch.setattr(probe_module.socket, "getaddrinfo", lookup)
    path = registry_of(
        tmp_path,
        {"hung": "hung.example.gov.cn", "good": servers["good"].address},
        allow='"127.0.0.0/8", "hung.example.gov.cn"',
    )
    try:
        hung, good = probe_in_thread(load_registry(path), None, DEADLINE)
    finally:
        release.set()
    assert (hung.ok, hung.error) == (False, FetchError.TIMEOUT) and good.ok


def stored_sites(db) -> list[str]:
    """Sites with a stored probe, read as another process would (the prober is writing meanwhile)."""
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return [row[0] for row in conn.execute("select site_id from probes")]
    except sqlite3.OperationalError:  # no database or no table yet
        return []


def test_duwang_probe_stores_each_result_as_it_completes(tmp_path, servers):
    path = registry_of(tmp_path, {"tarpit": servers["tarpit"].address, "good": servers["good"].address})
    db = tmp_path / "facts.db"
    arguments = ["--config", str(path), "--db", str(db), "--timeout", "4"]
    process = subprocess.Popen(
        [*CLI, "probe", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stored_early = []
        guard = time.monotonic() + HANG_GUARD
        while process.poll() is None and time.monotonic() < guard:
            stored_early = stored_sites(db)
            if stored_early:
                break
            time.sleep(0.05)
        stdout, stderr = process.communicate(timeout=HANG_GUARD)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert stored_early == ["good"]  # in the database while the tarpit was still being probed
    store = Store(db)
    rows = {row["site_id"]: row for row in store.db.query("select * from probes")}
    store.close()
    assert rows["good"]["ok"] == 1 and (rows["tarpit"]["ok"], rows["tarpit"]["error"]) == (0, "timeout")
    assert "失败 FAIL timeout" in stdout
