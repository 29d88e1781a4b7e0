"""The site builder's workbench: SiteBuilder holds one site's state while it is built (its seeded random,
resource table, columns, served paths) and the helpers every builder module uses to name, add and link
pages. It builds nothing itself: columns.py, pages.py, faults.py, chrome.py and the planting modules
(linkcases.py, ...) do, in the order build.py calls them.
"""

from __future__ import annotations

import random
from datetime import date

from . import families, render
from .model import PORT_TOKEN, Column, Item, Resource, SiteDef, absolute, origin
from .tables import PNG_1PX


def host_resources(ip: str) -> dict[str, Resource]:
    """The files every host serves whatever its sites: page.js, the stylesheet and the small images."""
    js = render.page_js().encode()
    return {
        "/js/page.js": Resource("file", content_type="application/javascript; charset=utf-8", body=js),
        "/images/ga.png": Resource("file", content_type="image/png", body=PNG_1PX),
        "/images/logo.png": Resource("file", content_type="image/png", body=PNG_1PX),
        "/images/nav.png": Resource("file", content_type="image/png", body=PNG_1PX),
        "/css/style.css": Resource(
            "file", content_type="text/css; charset=utf-8", body=render.STYLE.encode()
        ),
    }


class _Routes:
    """A site's resource table: its own host's, except that a protocol-relative path ("//ip:port/...")
    goes to that host's table (a site whose 信息公开 platform lives on another host)."""

    def __init__(self, hosts: dict[str, dict[str, Resource]], ip: str) -> None:
        self.hosts = hosts
        self.ip = ip

    def _split(self, path: str) -> tuple[dict[str, Resource], str]:
        if not path.startswith("//"):
            return self.hosts[self.ip], path
        netloc, _, rest = path[2:].partition("/")
        ip = netloc.split(":")[0]
        return self.hosts.setdefault(ip, host_resources(ip)), "/" + rest

    def __getitem__(self, path: str) -> Resource:
        table, key = self._split(path)
        return table[key]

    def __setitem__(self, path: str, res: Resource) -> None:
        table, key = self._split(path)
        table[key] = res

    def __contains__(self, path: str) -> bool:
        table, key = self._split(path)
        return key in table


class SiteBuilder:
    """One site under construction; builder modules read and extend it (see the module docstring)."""

    def __init__(
        self, d: SiteDef, seed: int, today: date, scale: int, hosts: dict[str, dict[str, Resource]]
    ) -> None:
        families.check(d)
        self.d = d
        self.today = today
        self.scale = scale
        self.rng = random.Random(f"duwang-farm:{seed}:{d.id}")
        self.res = _Routes(hosts, d.ip)
        self.base = origin(d.ip) + d.prefix
        self.next_id = self.rng.randint(100000, 400000)
        self.paths: list[str] = []
        self.columns: list[Column] = []
        self.annual_latest: int | None = None  # set by columns.py
        self.home_items: list[Item] = []  # set by pages.py

    # -- helpers -------------------------------------------------------------------------------------
    def p(self, rel: str) -> str:
        if self.d.xxgk_host:
            # Pages on two hosts: every link names its host, so shared chrome works on both.
            host = self.d.xxgk_host if rel.startswith("xxgk/") else self.d.ip
            return f"//{host}:{PORT_TOKEN}{self.d.prefix}{rel}"
        return self.d.prefix + rel

    def url(self, path: str) -> str:
        return absolute(self.d.ip, path)

    def add(self, path: str, res: Resource) -> None:
        if path in self.res:
            raise ValueError(f"farm: duplicate path {path} on {self.d.id}")
        res.site = self.d.id
        self.res[path] = res
        self.paths.append(path)

    def page(self, path: str, template: str, title: str, **ctx: object) -> Resource:
        res = Resource("page", template=template, title=title, ctx={"title": title, "path": path, **ctx})
        base, sep, query = path.partition("?")
        if sep:  # a list page paged by query string: a variant of the first page's resource
            self.res[base].variants[query] = res.ctx
            self.paths.append(path)
            return res
        self.add(path, res)
        return res

    def title(self, text: str) -> str:
        return f"{text}_{self.d.name}" if self.d.title_style == "suffixed" else text

    def new_id(self) -> int:
        self.next_id += self.rng.randint(1, 37)
        return self.next_id

    def column(self, section_or_name: str) -> Column:
        key = {"@news": self.d.news_name}.get(section_or_name, section_or_name)
        for c in self.columns:
            if key in (c.name, c.section):
                return c
        raise ValueError(f"farm: {self.d.id} has no column {section_or_name}")

    def place(self, placement: str, link: tuple[str, str, str]) -> list[str]:
        """Put one extra link on a page; returns the absolute paths that serve that page."""
        if placement == "home":
            self.res[self.p("")].ctx.setdefault("extra_links", []).append(link)
            return [self.p("")]
        where, _, rest = placement.partition(":")
        if where == "list":
            col = self.column(rest)
            self.res[col.index].ctx.setdefault("extra_links", []).append(link)
            return [col.index, *col.aliases]  # every path that serves the first page
        name, _, idx = rest.rpartition(":")
        col = self.column(name)
        it = col.items[int(idx)]
        if link[2] == "img":
            it.images.append(link[1])
        elif link[0].startswith("附件"):
            it.attachments.append((link[0], link[1]))
        else:
            it.links.append(link)
        return [it.path]
