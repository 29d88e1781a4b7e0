"""Serving the farm: FarmServer (all hosts on one loopback port, request log, in-flight high-water marks)
and serve(), the blocking entry point behind `duwang farm`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import select
import selectors
import signal
import socket
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TextIO
from urllib.parse import urlsplit

from . import truth
from .answers import Farm
from .behaviours import Behaviours
from .build import build_farm
from .model import PORT_TOKEN, Reply

BIND_TRIES = 20
STEP = 0.05  # seconds: how often sleeping handlers and the accept loop look at the stop flag


def conditional(reply: Reply, if_none_match: str | None) -> Reply:
    """Give a 200 answer an ETag (a hash of its body); answer 304 when the client already has that body."""
    etag = '"' + hashlib.sha1(reply.body).hexdigest()[:20] + '"'
    headers = [*reply.headers, ("ETag", etag)]
    if if_none_match and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Reply(304, [("ETag", etag)], b"", reply.delay)
    return Reply(reply.status, headers, reply.body, reply.delay)


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests from the farm model; the farm decides, this only talks HTTP."""

    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = "duwang-farm/0.1"
    sys_version = ""
    timeout = 15  # an idle keep-alive connection is closed after this many seconds
    server: _HostServer

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the farm keeps its own structured log

    def _peer_gone(self) -> bool:
        """True when the client closed its end (e.g. it timed out while the farm was stalling)."""
        try:
            # poll, not select: a busy farm has more than 1,024 connections open (select's limit)
            poller = select.poll()
            poller.register(self.connection, select.POLLIN)
            readable = poller.poll(0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _answer(self, head: bool) -> None:
        owner = self.server.owner
        ip = self.server.ip
        rec = owner._begin(ip, self.command, self.path, self.headers.get("User-Agent", ""))
        status: int | None = None
        try:
            path = urlsplit(self.path).path or "/"
            attempt = owner._hit(ip, path) if owner.farm.flaky_path(ip, path) else 2
            agent = self.headers.get("User-Agent", "")
            hits = owner._hit(ip, "behaviour:" + path) if path == "/" else 0
            reply = owner.behaviours.before(ip, path, agent, hits) or owner.farm.respond(
                ip, self.path, owner.port, attempt=attempt
            )
            reply = owner.behaviours.after(ip, path, reply)
            reply = owner._edited(ip, path, reply)
            if reply.status == 200:
                reply = conditional(reply, self.headers.get("If-None-Match"))
            if reply.delay and (not owner._sleep(reply.delay) or self._peer_gone()):
                self.close_connection = True  # stopping, or the client gave up: nobody gets an answer
                return
            if reply.status is None:
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            # Logged, and no longer counted in flight, before the last byte leaves: a client that has its
            # answer finds it in the log, and its next request is never counted as overlapping this one.
            rec["status"] = status = reply.status
            body = b"" if head else reply.body
            rec["bytes"] = len(body)
            if body:
                self.end_headers()
                self.wfile.write(body[:-1])
                owner._release(rec)
                self.wfile.write(body[-1:])
            else:
                owner._release(rec)
                self.end_headers()
            self.wfile.flush()
        except OSError:
            status = None
            self.close_connection = True  # the client went away; recorded with status None
        finally:
            owner._end(rec, status)


class _HostServer(ThreadingHTTPServer):
    """One listening socket (one 127.0.0.x address); tracks its open connections so stop() can end them."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under a concurrency-8 crawl (1 s retransmit stalls).
    request_queue_size = 128

    def __init__(self, ip: str, port: int, owner: FarmServer) -> None:
        self.ip = ip
        self.owner = owner
        self.timeout = STEP  # handle_request() must never block the shared accept loop for long
        super().__init__((ip, port), _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self.owner._lock:
            self.owner._conns.add(request)
        super().process_request(request, client_address)  # type: ignore[arg-type]

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self.owner._lock:
            self.owner._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up before its request line (a probe past its deadline, a crawler closing
        # idle connections) is ordinary traffic for a web server, not a traceback on the demo's terminal.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class FarmServer:
    """Serves a farm on 127.0.0.2-18 and 127.0.0.30, all on one port, in daemon threads."""

    def __init__(
        self,
        farm: Farm,
        port: int = 0,
        log_path: str | Path | None = None,
        behaviours: Behaviours | None = None,
    ) -> None:
        self.farm = farm
        self.behaviours = behaviours or Behaviours()
        self.port = 0
        self._want_port = port
        self._log_path = Path(log_path) if log_path else None
        self._log_file: TextIO | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._servers: list[_HostServer] = []
        self._thread: threading.Thread | None = None
        self._conns: set[socket.socket] = set()
        self._log: list[dict] = []
        self._inflight: dict[str, int] = {}
        self._high: dict[str, int] = {}
        self._hits: dict[tuple[str, str], int] = {}
        self._edits: dict[tuple[str, str], list[tuple[bytes, bytes]]] = {}

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FarmServer:
        # Every host of the model: the sites' own and any second host a site spans.
        ips = sorted(self.farm.hosts, key=lambda ip: tuple(map(int, ip.split("."))))
        for _ in range(BIND_TRIES):
            servers: list[_HostServer] = []
            try:
                servers.append(_HostServer(ips[0], self._want_port, self))
                port = servers[0].server_address[1]
                for ip in ips[1:]:
                    servers.append(_HostServer(ip, port, self))
            except OSError as exc:
                for s in servers:
                    s.server_close()
                # With port=0 another process may hold the chosen port on one of our addresses: try another.
                if exc.errno != errno.EADDRINUSE or self._want_port:
                    raise
                continue
            break
        else:
            raise OSError(errno.EADDRINUSE, f"farm: no free common port after {BIND_TRIES} tries")
        self._servers, self.port = servers, port
        self._stop.clear()
        if self._log_path:
            self._log_file = self._log_path.open("a", encoding="utf-8")
        self._thread = threading.Thread(target=self._accept_loop, name="farm-accept", daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        # One thread watches every listening socket; each accepted connection gets its own daemon thread.
        with selectors.DefaultSelector() as sel:
            for srv in self._servers:
                sel.register(srv.socket, selectors.EVENT_READ, srv)
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=STEP):
                    key.data.handle_request()

    def stop(self) -> None:
        """Stop accepting, end open connections (and sleeping "timeout" answers), close every socket."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for srv in self._servers:
            srv.server_close()
        self._servers = []
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes a handler blocked on an idle keep-alive read
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            with self._lock:
                # Wait for handlers too: one may still be returning from a stopped "timeout" sleep.
                if not self._conns and not any(self._inflight.values()):
                    break
            time.sleep(0.01)
        with self._lock:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def __enter__(self) -> FarmServer:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def edit(self, site_id: str, path: str, old: str, new: str) -> None:
        """Change a served page from now on (its ETag changes with it): `old` text becomes `new`."""
        ip = self.farm.sites[site_id].d.ip
        with self._lock:
            self._edits.setdefault((ip, path), []).append((old.encode(), new.encode()))

    def _edited(self, ip: str, path: str, reply: Reply) -> Reply:
        with self._lock:
            edits = list(self._edits.get((ip, path), ()))
        body = reply.body
        for old, new in edits:
            body = body.replace(old, new)
        return reply if body is reply.body else Reply(reply.status, reply.headers, body, reply.delay)

    # -- the API the crawler's tests use -------------------------------------------------------------------
    def base_url(self, site_id: str) -> str:
        return self.farm.sites[site_id].base_url.replace(PORT_TOKEN, str(self.port))

    def ground_truth(self) -> dict:
        return truth.ground_truth(self.farm, self.port)

    def write_ground_truth(self, path: str | Path) -> None:
        text = json.dumps(self.ground_truth(), ensure_ascii=False, indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")

    def write_registry(self, path: str | Path) -> None:
        Path(path).write_text(truth.registry_toml(self.farm, self.port), encoding="utf-8")

    def requests(self) -> list[dict]:
        with self._lock:
            return [{k: v for k, v in r.items() if not k.startswith("_")} for r in self._log]

    def high_water(self) -> dict[str, int]:
        with self._lock:
            return dict(self._high)

    def reset_log(self) -> None:
        """Forget the request log, the high-water marks and the flaky homepage's request count."""
        with self._lock:
            self._log.clear()
            self._high = {h: n for h, n in self._inflight.items() if n}
            self._hits.clear()

    # -- bookkeeping called by the handler -------------------------------------------------------------------
    def _begin(self, ip: str, method: str, path: str, user_agent: str) -> dict:
        host = f"{ip}:{self.port}"
        rec = {
            "t": time.time(),
            "host": host,
            "method": method,
            "path": path,
            "status": None,
            "user_agent": user_agent,
        }
        with self._lock:
            self._log.append(rec)
            n = self._inflight.get(host, 0) + 1
            self._inflight[host] = n
            self._high[host] = max(self._high.get(host, 0), n)
        return rec

    def _release(self, rec: dict) -> None:
        """The request no longer counts as in flight (called once, before its answer's last byte); an
        answered request is written to the log file now too, so a client that has its answer finds it."""
        with self._lock:
            if not rec.get("_released"):
                rec["_released"] = time.time()
                self._inflight[rec["host"]] -= 1
            if rec.get("status") is not None:
                self._write_log(rec)

    def _end(self, rec: dict, status: int | None) -> None:
        self._release(rec)
        with self._lock:
            rec["status"] = status
            self._write_log(rec)

    def _write_log(self, rec: dict) -> None:
        # once per request; under self._lock
        if self._log_file is not None and not rec.get("_logged"):
            rec["_logged"] = True
            self._log_file.write(json.dumps(rec, ensure_ascii=False) + "\n")
            self._log_file.flush()

    def _hit(self, ip: str, path: str) -> int:
        with self._lock:
            n = self._hits.get((ip, path), 0) + 1
            self._hits[(ip, path)] = n
            return n

    def _sleep(self, seconds: float) -> bool:
        """Sleep in small steps; False when the server is stopping."""
        return not self._stop.wait(seconds)


def serve(port: int, out_dir: Path, seed: int, today: date, scale: int = 1) -> None:
    """Run the farm until SIGINT/SIGTERM: write registry.toml and ground_truth.json, print the sites."""
    farm = build_farm(seed=seed, today=today, scale=scale)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        done.set()

    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with FarmServer(farm, port=port) as server:
            server.write_registry(out_dir / "registry.toml")
            server.write_ground_truth(out_dir / "ground_truth.json")
            for sid, site in farm.sites.items():
                print(f"{sid}\t{site.d.name}\t{server.base_url(sid)}", flush=True)
            while not done.wait(0.5):
                pass
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
