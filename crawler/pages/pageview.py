"""What duwang reads off one saved HTML page, as `duwang page FILE` prints it.

The same readers as the crawl (crawler/pages/extract.py, crawler/pages/lists.py, crawler/pages/pagekind.py,
crawler/pages/mailbox.py) and the same checks (the page-element detection of checks/elements.py, the date
parsing of checks/dates.py), applied to one page read as a homepage. It answers "why did duwang call this
column stale?" without a crawl, and it is how saved real pages are compared with a person's reading of them.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from parsel import Selector

from checks.dates import item_date
from checks.elements import read_elements
from checks.facts import Entry, Link, Page, SiteFacts
from checks.rules import Rules
from checks.text import is_error_page
from crawler.pages import extract, lists, mailbox, pagekind


@dataclass
class PageView:
    url: str
    title: str
    kind: str  # article | list | navigation | static | error
    kind_evidence: dict[str, Any]
    meta: dict[str, str]
    lists: list[dict[str, Any]] = field(default_factory=list)
    elements: dict[str, bool] = field(default_factory=dict)
    site_id_code: str | None = None
    messages: list[dict[str, Any]] = field(
        default_factory=list
    )  # consultation messages (crawler/pages/mailbox.py)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "kind_evidence": self.kind_evidence,
            "title": self.title,
            "meta": self.meta,
            "lists": self.lists,
            "elements": self.elements,
            "site_id_code": self.site_id_code,
            "messages": self.messages,
        }

    def as_text(self) -> str:
        lines = [
            f"{self.url}",
            f"  标题 title: {self.title}",
            f"  页面类型 kind: {self.kind}  ({json.dumps(self.kind_evidence, ensure_ascii=False)})",
        ]
        for found in self.lists:
            lines.append(
                f"  列表 list “{found['name'] or '（无标题）'}”: {found['count']} 条, "
                f"最新 {found['newest'] or '-'}, 最早 {found['oldest'] or '-'}  [{found['container']}]"
            )
        for m in self.messages:
            lines.append(
                f"  留言 message “{m['title']}”: 留言 {m['asked_text'] or '-'}, "
                f"回复 {m['replied_text'] or '-'}, 状态 {m['state'] or '-'}"
            )
        present = " ".join(f"{name}={'有' if ok else '无'}" for name, ok in self.elements.items())
        lines.append(f"  页面要素 elements: {present}")
        return "\n".join(lines)


def read_page(body: bytes, url: str, charset: str, today: date, rules: Rules) -> PageView:
    """Read one page's bytes (decoded with `charset`, bad bytes replaced) as duwang reads a crawled page."""
    url = extract.normalize_url(url)
    selector = Selector(text=body.decode(charset, errors="replace"), type="html")
    title = extract.page_title(selector)
    meta = extract.meta_tags(selector)
    items = lists.list_items(selector, url, charset)
    kind, evidence = pagekind.classify(selector.root, url, title, meta, items)
    text = extract.text_excerpt(selector)
    page = Page(url, "page", "page", 0, 200, None, "text/html", title, text, kind=kind)
    if is_error_page(page, rules.soft_404_texts):
        kind = "error"
    facts = homepage_facts("page", "portal", {url: (page, selector, meta)})
    readings = read_elements(facts)
    elements = {name: reading.present for name, reading in readings.items()}
    code = readings["site_id_code"].evidence.get("code")
    view = PageView(url, title, kind, evidence, meta, _lists(items, today), elements, code)
    view.messages = [asdict(message) for message in mailbox.messages(selector, url, charset)]
    return view


def homepage_facts(
    site_id: str, kind: str, homes: dict[str, tuple[Page, Selector, dict[str, str]]]
) -> SiteFacts:
    """The facts of a site made of its homepages alone (each: its page row, parsed body and meta tags): what
    the page-element checks read. Also used by `duwang recheck` for the elements of a fetched homepage."""
    links = [
        Link(url, link.url, link.tag, link.attr, str(link.kind), link.anchor_text, False, False)
        for url, (_, selector, _) in homes.items()
        for link in extract.extract_links(selector, url)
    ]
    return SiteFacts(
        site_id=site_id,
        name="",
        kind=kind,
        home_urls=tuple(homes),
        pages={url: page for url, (page, _, _) in homes.items()},
        links=tuple(links),
        entries={},
        meta={url: meta for url, (_, _, meta) in homes.items()},
        footers={url: extract.footer_text(selector) for url, (_, selector, _) in homes.items()},
        forms={url: tuple(extract.forms(selector, url)) for url, (_, selector, _) in homes.items()},
    )


def _lists(items: list, today: date) -> list[dict[str, Any]]:
    groups: OrderedDict[str, list[Entry]] = OrderedDict()
    for item in items:
        groups.setdefault(item.container, []).append(item)
    found = []
    for container, entries in groups.items():
        dates = [d for d in (item_date(e.date_text, e.url, today) for e in entries) if d]
        found.append(
            {
                "name": entries[0].list_name,
                "count": len(entries),
                "dated": sum(1 for e in entries if e.date_text),
                "newest": max(dates).isoformat() if dates else None,
                "oldest": min(dates).isoformat() if dates else None,
                "container": container,
            }
        )
    return found
