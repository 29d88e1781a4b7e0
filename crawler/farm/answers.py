"""The built farm and how it answers: Farm holds the 25 site models and every host's resources, and
respond() answers one request the way the HTTP server will (the server only adds sockets, sleeping and
logging; the self-check in tests/ calls respond() directly).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urlsplit

from . import render
from .model import PORT_TOKEN, Reply, Resource, SiteModel

TIMEOUT_SLEEP = 30.0


@dataclass
class Farm:
    """The whole farm: 25 site models and the resources of each host."""

    seed: int
    today: date
    scale: int
    sites: dict[str, SiteModel]
    hosts: dict[str, dict[str, Resource]]  # ip -> path -> resource
    robots: dict[str, str]  # ip -> robots.txt

    def site_for(self, ip: str, path: str) -> SiteModel | None:
        best: SiteModel | None = None
        for s in self.sites.values():
            if (
                s.d.ip == ip
                and path.startswith(s.d.prefix)
                and (best is None or len(s.d.prefix) > len(best.d.prefix))
            ):
                best = s
        return best

    def flaky_path(self, ip: str, path: str) -> bool:
        res = self.hosts.get(ip, {}).get(path)
        return bool(res and res.flaky)

    def url_count(self, site_id: str) -> int:
        return len(self.sites[site_id].paths)

    def render_html(self, ip: str, path: str, query: str = "") -> str:
        """The page's HTML with PORT_TOKEN still in it. Rendered on every request (about 70 µs): caching
        every page of a scale-10 farm would cost hundreds of megabytes for no measurable gain."""
        res = self.hosts[ip][path]
        site = self.sites[res.site] if res.site else None
        if res.kind == "calendar":
            d = _int_param(query, "d")
            return render.render_calendar(site, self.today, d)  # type: ignore[arg-type]
        return render.render(res.template, site, res.variants.get(query, res.ctx))

    def respond(self, ip: str, target: str, port: int, attempt: int = 2, method: str = "GET") -> Reply:
        """Answer one request; `attempt` is the 1-based count of requests to this path (flaky homepage)."""
        parts = urlsplit(target)
        path = parts.path or "/"
        host = self.hosts.get(ip, {})
        if path == "/robots.txt" and ip in self.robots:
            return _text_reply(200, "text/plain; charset=utf-8", self.robots[ip].encode())
        res = host.get(path)
        site = self.site_for(ip, path)
        if res is None:
            return self._error_page(site, 404, port)
        if res.flaky and attempt % 3 == 1:
            return self._error_page(site, 503, port)
        if res.kind in ("page", "calendar", "soft404", "timeout"):
            html = self.render_html(ip, path, parts.query)
            reply = self._html_reply(res.site, 200, html, port)
            if res.kind == "timeout":
                reply.delay = TIMEOUT_SLEEP
            return reply
        if res.kind == "status":
            return self._error_page(site, res.status, port)
        if res.kind == "redirect":
            loc = res.location.replace(PORT_TOKEN, str(port))
            body = f'<html><body><a href="{loc}">moved</a></body></html>'.encode()
            return Reply(res.status, [("Location", loc), ("Content-Type", "text/html; charset=utf-8")], body)
        if res.kind == "fake_file":
            html = render.render(
                "message.html", site, {"title": "文件不存在", "message": "您下载的文件不存在或已被删除。"}
            )
            return self._html_reply(res.site, 200, html, port)
        body = res.body.replace(PORT_TOKEN.encode(), str(port).encode()) if res.kind == "text" else res.body
        return _text_reply(res.status, res.content_type, body)

    def _html_reply(self, site_id: str | None, status: int, html: str, port: int) -> Reply:
        html = html.replace(PORT_TOKEN, str(port))
        d = self.sites[site_id].d if site_id else None
        encoding = d.encoding if d else "utf-8"
        charset = d.header_charset if d else "utf-8"
        # The GBK site spells its header the way IIS does: "charset=GBK".
        ctype = (
            f"text/html; charset={charset.upper() if charset == 'gbk' else charset}"
            if charset
            else "text/html"
        )
        return _text_reply(status, ctype, html.encode(encoding))

    def _error_page(self, site: SiteModel | None, status: int, port: int) -> Reply:
        titles = {404: "404 Not Found", 500: "500 Internal Server Error", 503: "503 Service Unavailable"}
        title = titles.get(status, str(status))
        html = (
            f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
        )
        return _text_reply(status, "text/html; charset=utf-8", html.encode())


def _text_reply(status: int, ctype: str, body: bytes) -> Reply:
    return Reply(status, [("Content-Type", ctype)], body)


def _int_param(query: str, name: str) -> int:
    try:
        return max(0, int(parse_qs(query).get(name, ["0"])[0]))
    except ValueError:
        return 0
