"""A tiny web server on a loopback address for end-to-end tests of a few hand-written pages.

Pages are keyed by the path (with query) exactly as a client sends it, so a test says which
percent-encoded form it expects to be asked for; everything else is a 404. Every request is logged.
`ORIGIN` in a body or a redirect's target stands for the server's own `http://host:port` (the port is
known once it serves).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
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
        self.send_response(reply.status)
        self.send_header("Content-Type", f"{reply.content_type}; charset={reply.charset}")
        self.send_header("Content-Length", str(len(payload)))
        if reply.location:
            self.send_header("Location", reply.location.replace("ORIGIN", self.site.origin))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the test reads `Site.requests`


@contextmanager
def serve(site: Site, host: str = "127.0.0.1") -> Iterator[Site]:
    """Serve `site` on `host` (a loopback address) and a free port until the block ends."""
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer((host, 0), handler)
    site.host, site.port = host, server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
