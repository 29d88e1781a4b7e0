"""A small builder of `SiteFacts` for unit tests of the checks: a site described in a few lines."""

from __future__ import annotations

from checks.facts import Entry, Link, Page, SiteFacts

HOME = "http://x.gov.cn/"


def page(url: str, text: str = "", title: str = "", site_id: str = "x", **fields) -> Page:
    values = {"role": "page", "depth": 1, "status": 200, "content_type": "text/html; charset=utf-8"} | fields
    return Page(url=url, site_id=site_id, title=title, text=text, **values)


def entries(page_url: str, container: str, items: list[tuple[str, str | None]]) -> tuple[Entry, ...]:
    """(title, date text) pairs; each entry links to an article under the page."""
    return tuple(
        Entry(
            page_url,
            container,
            position,
            title,
            f"{page_url}{container.split('.')[-1]}_art{position}.html",
            date,
        )
        for position, (title, date) in enumerate(items)
    )


def menu(page_url: str, targets: dict[str, str]) -> tuple[Entry, ...]:
    return tuple(
        Entry(page_url, "div.side>ul", i, name, url, None) for i, (name, url) in enumerate(targets.items())
    )


def link(source: str, target: str, text: str = "", kind: str = "page", tag: str = "a", **fields) -> Link:
    values = {"attr": "href" if tag == "a" else "src", "in_scope": True, "fetchable": True} | fields
    return Link(source, target, tag, anchor_text=text, kind=kind, **values)


def site(
    pages: list[Page],
    links: list[Link] = (),
    lists: dict[str, tuple[Entry, ...]] | None = None,
    kind: str = "portal",
    **fields,
) -> SiteFacts:
    by_url = {p.url: p for p in pages}
    by_url.setdefault(HOME, page(HOME, depth=0))
    values = {"meta": {}, "footers": {}, "forms": {}} | fields
    return SiteFacts("x", "测试县人民政府", kind, (HOME,), by_url, tuple(links), lists or {}, **values)
