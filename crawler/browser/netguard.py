"""The browser's only way out: a local HTTP proxy that enforces the allow-list and the crawler's size limit.

Request interception (`render.AbortOffList`) sees what Playwright routes: documents, scripts, fetch and
XHR. It never sees WebSockets, preconnects, some worker and beacon traffic or WebRTC, and an iframe opens
its connection before any route runs. So Chromium is started with every connection going through this
proxy (`browser_args`): loopback included (`<-loopback>` removes Chromium's implicit bypass of
localhost, 127/8 and 169.254/16), WebRTC restricted to proxied TCP, and a host resolver that resolves
nothing but the proxy, so no name lookup or bare socket leaves Chromium either.

The proxy serves one request per connection:
- a plain `GET http://host/…` is forwarded when the host is on `[network] allow`, refused (403) otherwise;
- `CONNECT host:port` is refused off the list; on the list the proxy answers the browser's TLS itself
  (a throw-away certificate; the browser context ignores certificate errors, as Scrapy does) and forwards
  the decrypted requests, so HTTPS responses pass the same checks as HTTP ones;
- WebSocket upgrades are refused: reading a list never needs one, and their frames cannot be bounded;
- every response body is read whole, decompressed (gzip, deflate, br, zstd: what Scrapy accepts) with
  DOWNLOAD_MAXSIZE as the limit on decompressed bytes, and handed to the browser uncompressed. A body
  over the limit, or in an encoding the proxy cannot bound, becomes a 502: a gzip bomb never reaches the
  renderer.

It runs on its own event loop in a daemon thread, so a busy spider callback cannot stall the browser.
The HTTP/1.1 heads and bounded bodies it reads and writes are in crawler/browser/proxywire.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import logging
import ssl
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.utils._compression import _DecompressionMaxSizeExceeded, _inflate, _unbrotli, _unzstd
from scrapy.utils.gz import gunzip

from crawler.browser.proxywire import (
    MAX_HEAD,
    NO_BODY,
    Refused,
    read_body,
    read_request_head,
    read_response_head,
    response_head,
    split_authority,
)

logger = logging.getLogger(__name__)

ACCEPT_ENCODING = b"gzip, deflate, br, zstd"
DECODERS: dict[bytes, Callable[..., bytes]] = {
    b"gzip": gunzip,
    b"x-gzip": gunzip,
    b"deflate": _inflate,
    b"br": _unbrotli,
    b"zstd": _unzstd,
}
# Hop-by-hop headers, and the ones the proxy rewrites itself.
DROPPED = frozenset(
    {
        b"connection",
        b"proxy-connection",
        b"keep-alive",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-authorization",
        b"proxy-authenticate",
        b"content-length",
        b"content-encoding",
        b"accept-encoding",
    }
)


class GuardProxy:
    """The allow-list proxy: `start()` returns its port; `refused` counts what it refused, by reason."""

    def __init__(self, allows: Callable[[str], bool], max_size: int, timeout: float) -> None:
        self.allows = allows
        self.max_size = max_size
        self.timeout = timeout
        self.refused: Counter[str] = Counter()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._tls: ssl.SSLContext | None = None

    # --- life cycle -------------------------------------------------------------------------------------
    def start(self) -> int:
        self._tls = _server_tls_context()
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEAD)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="duwang-netguard", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.port

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(close(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop = self._server = None

    # --- one browser connection ---------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(self._exchange(reader, writer), self.timeout * 2)
        except Refused as refused:
            self.refused[refused.reason] += 1
            logger.debug("browser proxy refused: %s", refused)
            with contextlib.suppress(Exception):
                body = f"duwang: {refused.reason}\n".encode()
                writer.write(response_head(refused.status, [(b"Content-Type", b"text/plain")], len(body)))
                writer.write(body)
                await writer.drain()
        except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the browser or the site went away; the browser sees a failed load
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        method, target, headers = await read_request_head(reader)
        if method == b"CONNECT":
            host, port = split_authority(target.decode("latin-1"), 443)
            self._check(host, port, "https")
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            # Only TLS is spoken inside a tunnel: a ws:// tunnel fails the handshake and is closed.
            await writer.start_tls(self._tls)  # type: ignore[arg-type]
            method, target, headers = await read_request_head(reader)
            scheme, path = "https", target
        else:
            parts = urlsplit(target.decode("latin-1"))
            if parts.scheme != "http" or not parts.hostname:
                raise Refused(400, f"not a proxy request: {target[:100]!r}")
            scheme = "http"
            host, port = parts.hostname, parts.port or 80
            self._check(host, port, scheme)
            query = "?" + parts.query if parts.query else ""
            path = ((parts.path or "/") + query).encode("latin-1")
        if any(name.lower() == b"upgrade" for name, _ in headers):
            raise Refused(403, f"WebSocket or upgrade to {host} refused")
        body = await read_body(reader, headers, self.max_size, request=True)
        status, response_headers, content = await asyncio.wait_for(
            self._forward(scheme, host, port, method, path, headers, body), self.timeout
        )
        writer.write(response_head(status, response_headers, len(content)))
        if method != b"HEAD":
            writer.write(content)
        await writer.drain()

    def _check(self, host: str, port: int, scheme: str) -> None:
        authority = f"[{host}]" if ":" in host else host
        if not self.allows(f"{scheme}://{authority}:{port}/"):
            raise Refused(403, f"{host} is not on the allow-list")

    async def _forward(
        self,
        scheme: str,
        host: str,
        port: int,
        method: bytes,
        path: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        context = None
        if scheme == "https":
            # As Scrapy: a government site's certificate is not the inspector's concern.
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=host if context else None, limit=MAX_HEAD
        )
        try:
            lines = [method + b" " + path + b" HTTP/1.1"]
            lines += [name + b": " + value for name, value in headers if name.lower() not in DROPPED]
            lines += [b"Accept-Encoding: " + ACCEPT_ENCODING, b"Connection: close"]
            if body or method in (b"POST", b"PUT", b"PATCH"):
                lines.append(b"Content-Length: %d" % len(body))
            writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            await writer.drain()
            status, response_headers = await read_response_head(reader)
            if method == b"HEAD" or status in NO_BODY or 100 <= status < 200:
                raw = b""
            else:
                raw = await read_body(reader, response_headers, self.max_size, request=False)
        finally:
            writer.close()
        return (
            status,
            [h for h in response_headers if h[0].lower() not in DROPPED],
            self._decode(host, response_headers, raw),
        )

    def _decode(self, host: str, headers: list[tuple[bytes, bytes]], raw: bytes) -> bytes:
        encodings = [
            token.strip().lower()
            for name, value in headers
            if name.lower() == b"content-encoding"
            for token in value.split(b",")
            if token.strip() and token.strip().lower() != b"identity"
        ]
        content = raw
        for encoding in reversed(encodings):
            decoder = DECODERS.get(encoding)
            if decoder is None:
                raise Refused(502, f"{host}: content encoding {encoding.decode('latin-1')} cannot be bounded")
            try:
                content = decoder(content, max_size=self.max_size)
            except _DecompressionMaxSizeExceeded as error:
                raise Refused(502, f"{host}: response larger than DOWNLOAD_MAXSIZE decompressed") from error
            except Exception as error:  # a corrupt stream: the browser would fail on it too
                raise Refused(502, f"{host}: undecodable {encoding.decode('latin-1')} body") from error
        return content


def _server_tls_context() -> ssl.SSLContext:
    """A TLS server context with a fresh self-signed certificate (the browser ignores its name)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "duwang browser proxy")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="duwang-tls-") as folder:
        pem = Path(folder) / "proxy.pem"
        pem.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + certificate.public_bytes(serialization.Encoding.PEM)
        )
        context.load_cert_chain(pem)
    return context


def browser_args(port: int) -> list[str]:
    """Chromium switches that send every connection through the proxy on 127.0.0.1:`port`."""
    return [
        f"--proxy-server=http://127.0.0.1:{port}",
        # Chromium never proxies localhost, 127/8 or 169.254/16 by default; "<-loopback>" removes that rule.
        "--proxy-bypass-list=<-loopback>",
        # WebRTC: no UDP unless proxied (an HTTP proxy proxies none), TCP only through the proxy.
        # (the switch is "webrtc-ip-handling-policy" in current Chromium, "force-…" in older builds).
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        # Chromium's own name lookups (DNS prefetch, preconnect) fail; the proxy resolves allowed names.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ]
