"""Self-check of the farm: render every page, extract its links the way a crawler would, and verify the
ground truth against what is actually served (same code path as the HTTP server, without sockets).

check_farm(farm) returns a list of problems; an empty list means the ground truth is honest.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from . import linkcases
from .model import Farm, Reply
from .truth import ground_truth

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
    return linkcases.encoded(urljoin(base, href))


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


def check_farm(farm: Farm, port: int = CHECK_PORT) -> list[str]:
    """Verify the ground truth against the pages the farm serves; returns the problems found."""
    gt = ground_truth(farm, port)
    reader = FarmReader(farm, port)
    problems: list[str] = []
    # Every page of the model, so "pages linking X" is complete, not only what a crawl happens to reach.
    all_pages: list[str] = []
    for ip, host in farm.hosts.items():
        for path, res in host.items():
            if res.kind == "page":
                all_pages.append(f"http://{ip}:{port}{path}")
    linkers: dict[tuple[str, str], set[str]] = {}
    for url in all_pages:
        for target, tag, _ in (reader.page(url) or Page()).links:
            linkers.setdefault((target, tag), set()).add(url)
    for sid, st in gt["sites"].items():
        problems += [f"{sid}: {p}" for p in _check_site(reader, linkers, st, port)]
    return problems


def _check_site(
    reader: FarmReader, linkers: dict[tuple[str, str], set[str]], st: dict, port: int
) -> list[str]:
    out: list[str] = []
    host, prefix, base = st["scope"]["host"], st["scope"]["path_prefix"], st["base_url"]
    robots = RobotFileParser()
    reply = reader.fetch(f"http://{host}/robots.txt")
    robots.parse(reply.body.decode().splitlines() if reply else [])
    scopes = [(host, prefix)] + [(a["host"], a["path_prefix"]) for a in st["scope"].get("also", [])]
    depth = crawl_depths(reader, base, scopes, robots)
    reachable = set(depth)

    # Dead links: linked from exactly the listed pages, each reachable, and answering as recorded.
    for dl in st["dead_links"]:
        linking = sorted(linkers.get((dl["target"], dl["tag"]), ()))
        if linking != sorted(dl["pages"]):
            out.append(f"dead link {dl['target']} linked from {linking}, truth says {dl['pages']}")
        for p in dl["pages"]:
            if p not in reachable:
                out.append(f"dead link page {p} not reachable within depth {MAX_DEPTH}")
        if dl["on_homepage"] != (base in dl["pages"]):
            out.append(f"dead link {dl['target']}: on_homepage wrong")
        out += _check_target(reader, dl, port)
    out += linkcases.check(st, reader, linkers)

    for url in st["robots_linked"]:
        if robots.can_fetch("*", url):
            out.append(f"{url} is not disallowed by robots.txt")
        if not any(url in {t for t, _, _ in (reader.page(p) or Page()).links} for p in reachable):
            out.append(f"{url} is not linked from any reachable page")

    for url, title in st["titles"].items():
        page = reader.page(url)
        if page is None or page.title != title:
            out.append(f"title of {url}: {page.title if page else None!r} != {title!r}")

    out += _check_home(reader, st, base)
    out += _check_columns(reader, st, reachable)
    out += _check_sections(reader, st, reachable)
    for r in st["redirects"]:
        rep = reader.fetch(r["from"])
        loc = dict(rep.headers).get("Location") if rep else None
        if rep is None or rep.status != r["status"] or urljoin(r["from"], loc or "") != r["to"]:
            out.append(f"redirect {r['from']} wrong")
    if st["trap"]:
        page = reader.page(st["trap"] + "?d=5")
        if page is None or st["trap"] + "?d=6" not in {t for t, _, _ in page.links}:
            out.append("calendar trap does not link to the next day")
        if st["trap"] not in {t for t, _, _ in (reader.page(base) or Page()).links}:
            out.append("calendar trap not linked from the homepage")
    return out


def _check_target(reader: FarmReader, dl: dict, port: int) -> list[str]:
    target = dl["target"]
    parts = urlsplit(target)
    kind = dl["kind"]
    if kind == "offlist":
        is_loopback = (
            parts.hostname is not None
            and parts.hostname[0].isdigit()
            and ip_address(parts.hostname).is_loopback
        )
        return [f"offlist target {target} is on loopback"] if is_loopback else []
    if kind == "refused":
        ok = parts.hostname not in reader.ips and parts.port == port
        return [] if ok else [f"refused target {target} is served"]
    reply = reader.fetch(target)
    if reply is None:
        return [f"{target} not served by the farm"]
    if dl["redirect_chain"]:  # judged by the answer at the end of its redirects
        reply, hops = linkcases.follow(reader, target, dl["redirect_chain"])
        if hops != dl["redirect_chain"] or reply is None:
            return [f"{target} redirects through {hops}, truth says {dl['redirect_chain']}"]
    if kind == "timeout":
        return [] if reply.delay >= 10 else [f"{target} does not stall"]
    if kind == "redirect_loop":
        seen = {target}
        url = target
        for _ in range(5):
            rep = reader.fetch(url)
            if rep is None or rep.status not in (301, 302):
                return [f"{target} is not a redirect loop"]
            url = urljoin(url, dict(rep.headers)["Location"])
            if url in seen:
                return []
            seen.add(url)
        return [f"{target} redirects without looping"]
    problems = []
    if reply.status != dl["status"]:
        problems.append(f"{target} answers {reply.status}, truth says {dl['status']}")
    if kind == "soft_404" and "页面不存在" not in decode_html(reply.body):
        problems.append(f"{target} is not a soft 404 page")
    return problems


def _check_home(reader: FarmReader, st: dict, base: str) -> list[str]:
    out: list[str] = []
    reply = reader.fetch(base)
    assert reply is not None
    html = decode_html(reply.body)
    found = {
        "site_id_code": "网站标识码" in html,
        "icp": "https://beian.miit.gov.cn/" in html,
        "police": "www.beian.gov.cn/portal/registerSystemInfo" in html,
        # An <img> badge, a conac.cn script, or a script that writes one (document.write(unescape(...))).
        "conac_badge": "bszs.conac.cn" in html or "dcs.conac.cn/js/" in html,
        "sitemap": ">网站地图<" in html,
        # A search form, or an <input> + button without a form.
        "search": re.search(r'action="[^"]*search/"|search/\?keyword=', html) is not None,
        "error_report": "/exposure/jiucuo.js" in html,  # the national 找错 platform's button script
    }
    if found != st["elements"]:
        out.append(f"homepage elements {found} != {st['elements']}")
    m = re.search(r"网站标识码：(\w+)", html)
    if m and m.group(1) != st["site_id_code"]:
        out.append("footer 网站标识码 differs from the truth")
    meta = re.search(r'<meta name="SiteIDCode" content="(\w+)">', html)
    if (meta.group(1) if meta else None) != st["meta_site_id_code"]:
        out.append("SiteIDCode meta differs from the truth")
    # The homepage's newest item: the newest publication date among the detail pages it links.
    page = reader.page(base)
    dates = []
    for url, tag, _ in page.links if page else []:
        p = reader.page(url) if tag == "a" and url.startswith(base) else None
        m2 = PUB_DATE.search(p.text) if p else None
        if m2 and p and p.title and url.endswith(".html"):
            dates.append(m2.group(1))
    newest = max(dates) if dates else None
    if newest != st["homepage_newest_date"]:
        out.append(f"homepage newest {newest} != {st['homepage_newest_date']}")
    return out


def _column_item_urls(reader: FarmReader, col: dict) -> list[str]:
    folder = col["url"].rsplit("/", 1)[0] + "/"
    urls: list[str] = []
    for page_url in col["page_urls"]:
        page = reader.page(page_url)
        if page is None:
            return []
        for url, tag, _ in page.links:
            path = urlsplit(url).path
            if tag != "a" or url in urls:
                continue
            # An article under the column's folder (TRS, plain), a Hanweb /art/ page, or a file (表格下载).
            if (ITEM_PAGE.search(path) and (url.startswith(folder) or "/art/" in path)) or re.search(
                r"/P0\d+\.(doc|xls)$", path
            ):
                urls.append(url)
    return urls


def _check_columns(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    out: list[str] = []
    for col in st["columns"]:
        name = col["name"]
        if col["url"] not in reachable:
            out.append(f"column {name} not reachable")
            continue
        urls = _column_item_urls(reader, col)
        if len(urls) != col["items"]:
            out.append(f"column {name}: {len(urls)} items listed, truth says {col['items']}")
        page = reader.page(col["url"])
        text = page.text if page else ""
        says_empty = "暂无信息" in text or "暂无数据" in text
        if col["empty_markup"] == "text" and not says_empty:
            out.append(f"column {name}: empty but says nothing")
        if col["empty_markup"] == "bare" and (says_empty or not _bare_empty_list(reader, col["url"])):
            out.append(f"column {name}: not a bare empty list")
        for alias in col["aliases"]:
            if reader.fetch(alias).body != reader.fetch(col["url"]).body:  # type: ignore[union-attr]
                out.append(f"column {name}: alias {alias} serves another page")
            if alias not in reachable:
                out.append(f"column {name}: alias {alias} not linked")
        if col["catalogue_note"] != ("本机关无此类信息" in text):
            out.append(f"column {name}: catalogue note mismatch")
        if urls and urls[0].endswith((".doc", ".xls")):
            continue  # 表格下载 lists files: no detail page to read a date from
        dates = []
        for url in urls:
            p = reader.page(url)
            m = PUB_DATE.search(p.text) if p else None
            dates.append(m.group(1) if m else None)
        dated = [d for d in dates if d]
        if (max(dated) if dated else None) != col["newest_date"]:
            out.append(f"column {name}: newest {max(dated) if dated else None} != {col['newest_date']}")
        if (dated == sorted(dated, reverse=True)) != col["sorted"]:
            out.append(f"column {name}: sorted flag wrong")
        if len(dates) - len(dated) != col["undated_items"]:
            out.append(f"column {name}: undated items mismatch")
        if col["section"] == "信息公开年报":
            years = [
                int(m.group(1)) for u in urls if (p := reader.page(u)) and (m := REPORT_YEAR.search(p.title))
            ]
            if (max(years) if years else None) != st["annual_report_latest_year"]:
                out.append("annual report latest year mismatch")
    return out


def _bare_empty_list(reader: FarmReader, url: str) -> bool:
    reply = reader.fetch(url)
    return reply is not None and re.search(r"<ul[^>]*>\s*</ul>", decode_html(reply.body)) is not None


def _check_sections(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    out: list[str] = []
    anchors = {text for u in reachable for _, tag, text in (reader.page(u) or Page()).links if tag == "a"}
    for sec, url in st["sections"].items():
        if url is not None and url not in reachable:
            out.append(f"section {sec} at {url} not reachable")
        if url is None:
            names = ANNUAL_NAMES if sec == "信息公开年报" else (sec,)
            if anchors & set(names):
                out.append(f"section {sec} is missing in the truth but linked")
    return out
