"""What the `site` spider reads off a response, part by part, with no crawl decisions: the helpers that fill
a `PageFact` from a request's meta, an answer and an HTML page; and the settings the spider takes from the
registry (its politeness defaults, and per host Scrapy's DOWNLOAD_SLOTS).

Whatever the markup, a page is stored: a part that cannot be read (`read_part`) is left out and noted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import Response
from scrapy.settings import Settings

from crawler import meta
from crawler.browser import render
from crawler.items import LinkFact, PageFact
from crawler.pages import extract, lists, mailbox, pagekind
from crawler.pages.pagetext import main_text
from crawler.progress import now_iso
from crawler.registry import Registry, Site

HTML_TYPES = ("text/html", "application/xhtml")


def read_part(problems: list[str], part: str, default: Any, function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)`, or `default` when it raises: the failure is noted in `problems`."""
    try:
        return function(*args)
    except Exception as error:  # whatever the markup throws, the rest of the page is kept
        problems.append(f"{part}: {type(error).__name__}: {error}"[:300])
        return default


def answer_facts(fact: PageFact, response: Response, validators: bool = False) -> None:
    """The HTTP answer's own facts: status, where it ended, type, size and when; with `validators` also how
    long it took and its ETag / Last-Modified."""
    fact.status = response.status
    fact.final_url = response.url
    fact.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")[:200] or None
    fact.size = content_length(response)
    if validators:
        fact.elapsed = round(response.meta.get("download_latency", 0.0), 4)
    fact.fetched_at = now_iso()
    if validators:
        fact.etag, fact.last_modified = header(response, b"ETag"), header(response, b"Last-Modified")


def unreadable_fact(response: Response, error: Exception) -> tuple[PageFact, list[str]]:
    """The fact of a page that could not be read at all: its answer, and why (with what middlewares noted)."""
    fact = base_fact(response.request)
    answer_facts(fact, response)
    problems = [*(response.meta.get(meta.PROBLEMS) or []), f"page: {type(error).__name__}: {error}"[:300]]
    return fact, problems


def read_head(selector: Selector, fact: PageFact, problems: list[str]) -> None:
    """What every HTML answer is read for, crawled page or not: its title and first visible text."""
    fact.title = read_part(problems, "title", None, extract.page_title, selector)
    fact.text_excerpt = read_part(problems, "text", None, extract.text_excerpt, selector)


def wants_render(selector: Selector, fact: PageFact, column_mode: str | None, site_mode: str) -> bool:
    """Whether a list page fills itself by script and should be read again through the browser."""
    dated = sum(1 for item in fact.list_items if item.date_text or render.URL_DATE_RE.search(item.url or ""))
    return render.wants_render(selector, dated, column_mode or site_mode, forced=column_mode == "always")


def html_selector(response: Response, fact: PageFact) -> Selector:
    """Our own Selector, not the one Scrapy caches on the response: the lxml tree (ten times the page's size)
    is freed as soon as the page is read, not when its last link has been handed on. Built from the text
    with the page's URL as its base: Scrapy's Selector reads <base href> first and raises on a malformed one
    (extract.base_url_of copes with it)."""
    fact.encoding = response.encoding  # type: ignore[attr-defined]
    fact.content_hash = hashlib.sha1(response.body).hexdigest()
    return Selector(text=response.text, type="html", base_url=response.url)


def read_structure(selector: Selector, url: str, fact: PageFact, problems: list[str]) -> None:
    """The parts of a crawled page the checks read, besides its links: meta, lists, consultation messages
    (crawler/pages/mailbox.py), kind, scripts, main text (crawler/pages/pagetext.py), and on a start page its
    footer and forms."""
    fact.meta = read_part(problems, "meta", {}, extract.meta_tags, selector)
    encoding = fact.encoding or "utf-8"
    fact.list_items = read_part(problems, "lists", [], lists.list_items, selector, url, encoding)
    fact.messages = read_part(problems, "messages", [], mailbox.messages, selector, url, encoding)
    kind, evidence = read_part(
        problems,
        "kind",
        (None, None),
        pagekind.classify,
        selector.root,
        url,
        fact.title or "",
        fact.meta,
        fact.list_items,
    )
    if kind is not None:
        fact.kind, fact.kind_evidence = kind, pagekind.evidence_json(evidence)
    fact.script_count = read_part(problems, "scripts", 0, extract.script_count, selector)
    fact.body_text = read_part(problems, "body", None, main_text, selector.root, kind, fact.list_items)
    if fact.depth == 0:
        fact.footer = read_part(problems, "footer", None, extract.footer_text, selector)
        fact.forms = read_part(problems, "forms", [], extract.forms, selector, url, problems)


def owns(registry: Registry, site: Site, url: str) -> bool:
    """`url` is one of `site`'s own pages: in a part of its scope, not in a sub-site nested there."""
    if not site.scope.contains(url):
        return False
    owner = registry.site_of(url)
    return owner is None or owner.id == site.id


def link_fact(registry: Registry, site: Site, link: extract.RawLink) -> LinkFact:
    """A link as stored with the page of `site` it is on: in that site's scope, on the allow-list."""
    in_scope, fetchable = owns(registry, site, link.url), registry.allow.allows(link.url)
    return LinkFact(link.url, link.tag, link.attr, link.kind, link.anchor_text, in_scope, fetchable)


def base_fact(request: Request | None) -> PageFact:
    """The fact of a request's URL (the first of its redirect chain) as its meta describes it."""
    assert request is not None  # a response the spider reads always has its request
    chain, info = request.meta.get("redirect_urls") or [], request.meta
    url = chain[0] if chain else request.url
    return PageFact(url, info[meta.SITE], info[meta.ROLE], info[meta.DEPTH], info[meta.REFERER])


def redirect_hops(info: Any, fact: PageFact, final_url: str) -> Iterator[PageFact]:
    """A row for each URL a redirect chain passed through after the first (whose row is `fact`),
    pointing at where the chain ended: a link to any of them is judged by that answer."""
    chain = info.get("redirect_urls") or []
    for hop, reason in zip(chain, info.get("redirect_reasons") or [], strict=False):
        if hop != fact.url:
            hop_fact = PageFact(hop, fact.site_id, fact.role, fact.depth, fact.referer)
            yield replace(hop_fact, status=reason, final_url=final_url, fetched_at=fact.fetched_at)


def registry_settings(
    settings: Settings, registry: Registry, sites: tuple[Site, ...], db: str | None, sweep_run: int | None
) -> None:
    """The crawl's settings from the registry and the spider's arguments, before the crawl starts."""
    defaults = registry.defaults
    for name, value in (
        ("DUWANG_DB", db or settings.get("DUWANG_DB")),
        ("DUWANG_SWEEP_RUN", sweep_run or 0),
        ("DOWNLOAD_DELAY", defaults.delay),
        ("CONCURRENT_REQUESTS_PER_DOMAIN", defaults.concurrency),
        ("DOWNLOAD_TIMEOUT", defaults.timeout),
        ("RETRY_TIMES", defaults.retries),
        ("USER_AGENT", defaults.user_agent),
        ("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", defaults.timeout * 1000),
        ("DOWNLOAD_SLOTS", slot_settings(sites, settings.getdict("DOWNLOAD_SLOTS"))),
    ):
        settings.set(name, value, priority="spider")


def slot_settings(sites: tuple[Site, ...], configured: dict[str, Any]) -> dict[str, Any]:
    """Per-host politeness for Scrapy's DOWNLOAD_SLOTS: sites sharing a host get the strictest limits."""
    slots: dict[str, dict[str, Any]] = {}
    for site in sites:
        # Scrapy keys download slots by host name, without the port.
        # Every host the site spans: a platform host shared with other sites keeps the strictest limits.
        hosts = dict.fromkeys([urlsplit(url).hostname or "" for url in site.start_urls])
        for host in (*hosts, *site.scope.hostnames):
            slot = slots.setdefault(
                host, {"concurrency": site.limits.concurrency, "delay": site.limits.delay}
            )
            slot["concurrency"] = min(slot["concurrency"], site.limits.concurrency)
            slot["delay"] = max(slot["delay"], site.limits.delay)
    return {**slots, **configured}


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def content_length(response: Response) -> int:
    value = response.headers.get(b"Content-Length")
    if value and value.isdigit():
        return int(value)
    return len(response.body)
