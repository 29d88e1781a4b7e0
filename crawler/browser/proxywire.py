"""HTTP/1.1 as the browser proxy (crawler/browser/netguard.py) speaks it: request and response heads, bodies
read within a size limit (chunked, by Content-Length or to the end of the connection), and the head of the
answer it writes back. `Refused` is how any step ends an exchange with a status of the proxy's own.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024  # bytes of request or response line plus headers
NO_BODY = frozenset({204, 304})


class Refused(Exception):
    """The request is answered by the proxy itself with `status`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def _read_head(reader: asyncio.StreamReader) -> list[bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        raise ValueError("header too large")
    return head[:-4].split(b"\r\n")


def _headers(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    pairs = []
    for line in lines:
        name, _, value = line.partition(b":")
        if name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


async def read_request_head(reader: asyncio.StreamReader) -> tuple[bytes, bytes, list[tuple[bytes, bytes]]]:
    lines = await _read_head(reader)
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        raise Refused(400, "malformed request line")
    return parts[0].upper(), parts[1], _headers(lines[1:])


async def read_response_head(reader: asyncio.StreamReader) -> tuple[int, list[tuple[bytes, bytes]]]:
    while True:
        lines = await _read_head(reader)
        status = int(lines[0].split(b" ", 2)[1])
        if status != 100:  # a 100 Continue precedes the real answer
            return status, _headers(lines[1:])


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> bytes | None:
    for name, value in headers:
        if name.lower() == wanted:
            return value
    return None


async def read_body(
    reader: asyncio.StreamReader, headers: list[tuple[bytes, bytes]], max_size: int, request: bool
) -> bytes:
    """The body as sent (still encoded), at most `max_size` bytes of it."""
    if (_header(headers, b"transfer-encoding") or b"").lower().endswith(b"chunked"):
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await _skip_trailer(reader)
                return b"".join(chunks)
            total += size
            if total > max_size:
                raise Refused(502, "body larger than DOWNLOAD_MAXSIZE")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = _header(headers, b"content-length")
    if length is not None:
        size = int(length)
        if size > max_size:
            raise Refused(502 if not request else 413, "body larger than DOWNLOAD_MAXSIZE")
        return await reader.readexactly(size)
    if request:
        return b""
    body = await reader.read(max_size + 1)
    while len(body) <= max_size:
        more = await reader.read(max_size + 1 - len(body))
        if not more:
            return body
        body += more
    raise Refused(502, "body larger than DOWNLOAD_MAXSIZE")


async def _skip_trailer(reader: asyncio.StreamReader) -> None:
    """Skip a chunked body's trailer section."""
    while (await reader.readuntil(b"\r\n")) != b"\r\n":
        pass


def response_head(status: int, headers: list[tuple[bytes, bytes]], length: int) -> bytes:
    lines = [b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, b"Status"))]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Content-Length: %d" % length, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


_REASONS = {
    200: b"OK",
    400: b"Bad Request",
    403: b"Forbidden",
    413: b"Payload Too Large",
    502: b"Bad Gateway",
}


def split_authority(authority: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit("//" + authority)
    if not parts.hostname:
        raise Refused(400, f"malformed CONNECT target {authority[:100]!r}")
    return parts.hostname, parts.port or default_port
