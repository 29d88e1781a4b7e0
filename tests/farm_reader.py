"""The self-check's reader of the demo farm: fetches URLs in-process through Farm.respond() (the same code
path as the HTTP server, without sockets), parses pages the way a crawler would (links, scripted links,
title, text) and walks a site breadth-first. tests/farm_selfcheck.py judges the ground truth with it.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from crawler.farm import Farm
from crawler.farm.linkcases import encoded
from crawler.farm.model import Reply

MAX_DEPTH = 6
CHECK_PORT = 8123
PAGE_CALL = re.compile(r'createPageHTML\((\d+),\s*(\d+),\s*"([^"]+)",\s*"([^"]+)"\)')
FETCH_CALL = re.compile(r"fetch\('([^']+)'\)")
# Hanweb's list: records inside <script type="text/xml"><datastore>, each an HTML fragment in CDATA.
DATASTORE_PART = re.compile(r"<(record|nextgroup)><!\[CDATA\[(.*?)\]\]></\1>", re.S)
FRAGMENT_LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]*)</a>')
ITEM_PAGE = re.compile(r"/(t\d{8}_\d+|content_\d+|art_\d+_\d+)\.html$")
PUB_DATE = re.compile(r"发布时间：(\d{4}-\d{2}-\d{2})")
CHARSET = re.compile(rb'charset="?([A-Za-z0-9_-]+)')
REPORT_YEAR = re.compile(r"(\d{4})年政府信息公开工作年度报告")
ANNUAL_NAMES = ("信息公开年报", "政府信息公开年报", "信息公开年度报告", "政府信息公开工作年度报告")


@dataclass
class Page:
    """What a crawler sees in one HTML page."""

    title: str = ""
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (absolute url, tag, anchor text)
    scripts: list[str] = field(default_factory=list)
    text: str = ""


def absolute_url(base: str, href: str) -> str:
    """A link as a browser requests it: resolved, its raw Chinese path percent-encoded as UTF-8."""
    return encoded(urljoin(base, href))


class _Extractor(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.page = Page()
        self._in: str | None = None
        self._anchor: list[str] | None = None
        self._chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.page.links.append((absolute_url(self.base, a["href"] or ""), "a", ""))
            self._anchor = []
        elif tag in ("img", "script") and a.get("src"):
            self.page.links.append((absolute_url(self.base, a["src"] or ""), tag, ""))
        elif tag == "link" and a.get("href"):
            self.page.links.append((absolute_url(self.base, a["href"] or ""), "link", ""))
        if tag in ("title", "script"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            url, t, _ = self.page.links[-1]
            self.page.links[-1] = (url, t, "".join(self._anchor).strip())
            self._anchor = None
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.page.title += data
        elif self._in == "script":
            self.page.scripts.append(data)
        else:
            self._chunks.append(data)
            if self._anchor is not None:
                self._anchor.append(data)

    def close(self) -> None:
        super().close()
        self.page.text = "".join(self._chunks)


def decode_html(body: bytes) -> str:
    """Decode by the page's own meta charset, as a browser does when the header lies."""
    m = CHARSET.search(body[:1024])
    charset = m.group(1).decode().lower() if m else "utf-8"
    return body.decode(charset)


class FarmReader:
    """Fetches farm URLs in-process (farm.respond) and parses pages, with a cache."""

    def __init__(self, farm: Farm, port: int = CHECK_PORT) -> None:
        self.farm = farm
        self.port = port
        self.ips = set(farm.hosts)
        self._pages: dict[str, Page | None] = {}

    def fetch(self, url: str) -> Reply | None:
        parts = urlsplit(url)
        if parts.hostname not in self.ips or parts.port != self.port:
            return None
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.farm.respond(parts.hostname, target, self.port)

    def page(self, url: str) -> Page | None:
        if url in self._pages:
            return self._pages[url]
        reply = self.fetch(url)
        page = None
        if reply is not None and reply.status == 200:
            ctype = dict(reply.headers).get("Content-Type", "")
            if ctype.startswith("text/html"):
                ex = _Extractor(url)
                ex.feed(decode_html(reply.body))
                ex.close()
                page = ex.page
                page.links += self._script_links(url, page)
        self._pages[url] = page
        return page

    def _script_links(self, url: str, page: Page) -> list[tuple[str, str, str]]:
        """Links that scripts write: TRS pagination and lists filled from a JSON endpoint."""
        out: list[tuple[str, str, str]] = []
        for script in page.scripts:
            for m in PAGE_CALL.finditer(script):
                count, _, name, ext = int(m.group(1)), m.group(2), m.group(3), m.group(4)
                for i in range(count):
                    out.append(
                        (urljoin(url, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}"), "a", str(i + 1))
                    )
            for m in DATASTORE_PART.finditer(script):
                for href, text in FRAGMENT_LINK.findall(m.group(2)):
                    out.append((urljoin(url, html_unescape(href)), "a", html_unescape(text)))
            for m in FETCH_CALL.finditer(script):
                json_url = urljoin(url, m.group(1))
                reply = self.fetch(json_url)
                if reply is not None and reply.status == 200:
                    for entry in json.loads(reply.body):
                        out.append((urljoin(url, entry["url"]), "a", entry["title"]))
        return out


def crawl_depths(
    reader: FarmReader, start: str, scopes: list[tuple[str, str]], robots: RobotFileParser
) -> dict[str, int]:
    """Breadth-first depth of every in-scope, allowed page reachable from `start` within MAX_DEPTH;
    `scopes` are the site's (host, path prefix) pairs."""
    depth = {start: 0}
    queue = deque([start])
    while queue:
        url = queue.popleft()
        page = reader.page(url)
        if page is None or depth[url] >= MAX_DEPTH:
            continue
        for link, tag, _ in page.links:
            link = link.split("#", 1)[0]
            parts = urlsplit(link)
            in_scope = any(parts.netloc == h and parts.path.startswith(p) for h, p in scopes)
            if tag != "a" or not in_scope or link in depth:
                continue
            if not robots.can_fetch("*", link):
                continue
            depth[link] = depth[url] + 1
            queue.append(link)
    return depth


def follow(reader: FarmReader, target: str, chain: list[str]) -> tuple[Reply | None, list[str]]:
    """The last reply of `target`'s redirects and the URLs they went through (at most len(chain) + 1)."""
    hops: list[str] = []
    url, reply = target, reader.fetch(target)
    while reply is not None and reply.status in (301, 302) and len(hops) <= len(chain):
        url = urljoin(url, dict(reply.headers)["Location"])
        hops.append(url)
        reply = reader.fetch(url)
    return reply, hops
