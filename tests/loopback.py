"""A tiny web server on a loopback address for end-to-end tests of a few hand-written pages.

Pages are keyed by the path (with query) exactly as a client sends it, so a test says which
percent-encoded form it expects to be asked for; everything else is a 404. Every request is logged.
`ORIGIN` in a body or a redirect's target stands for the server's own `http://host:port` (the port is
known once it serves).

`serving` starts any handler on loopback addresses and `respond` writes a whole answer: the tests that need a
handler of their own (a webhook receiver, several hosts, a gzip bomb) use them too.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    charset: str = "utf-8"
    location: str | None = None  # a redirect's target
    content_type: str = "text/html"


@dataclass
class Site:
    """The pages of one host, and the paths it was asked for."""

    pages: dict[str, Reply]
    requests: list[str] = field(default_factory=list)
    host: str = ""
    port: int = 0

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        self.site.requests.append(self.path)
        reply = self.site.pages.get(self.path) or Reply(404, "<html><body>Not Found</body></html>")
        payload = reply.body.replace("ORIGIN", self.site.origin).encode(reply.charset)
        location = {"Location": reply.location.replace("ORIGIN", self.site.origin)} if reply.location else {}
        respond(self, reply.status, payload, f"{reply.content_type}; charset={reply.charset}", location, body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the test reads `Site.requests`


def respond(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: bytes,
    content_type: str | None = "text/html; charset=utf-8",
    headers: Mapping[str, str] | None = None,
    body: bool = True,
) -> None:
    """Answer `status` with `payload` (its length always sent; the bytes themselves unless `body` is false,
    as for HEAD)."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if body:
        handler.wfile.write(payload)


@contextmanager
def serving(
    handler: type[BaseHTTPRequestHandler], *hosts: str, tls: ssl.SSLContext | None = None
) -> Iterator[dict[str, int]]:
    """`handler` answering on each of `hosts` (loopback addresses) on a free port until the block ends;
    yields each host's port. `tls`: serve HTTPS with this context."""
    servers: list[ThreadingHTTPServer] = []
    try:
        for host in hosts:
            server = ThreadingHTTPServer((host, 0), handler)
            servers.append(server)
            if tls:
                server.socket = tls.wrap_socket(server.socket, server_side=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        yield {host: server.server_address[1] for host, server in zip(hosts, servers, strict=True)}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@contextmanager
def serve(site: Site, host: str = "127.0.0.1") -> Iterator[Site]:
    """Serve `site` on `host` (a loopback address) and a free port until the block ends."""
    with serving(type("Handler", (_Handler,), {"site": site}), host) as ports:
        site.host, site.port = host, ports[host]
        yield site
