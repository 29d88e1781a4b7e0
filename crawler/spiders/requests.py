"""The requests the `site` spider makes: one per URL, carrying the politeness limits of its site and the
meta keys the crawl's components read (crawler/meta.py). Whether a request is sent is not decided here
(CrawlLimitsMiddleware, the dupefilter); only what it asks and how.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy import Request

from crawler import meta
from crawler.browser import render
from crawler.pages.extract import RawLink
from crawler.registry import Registry, Site
from crawler.vocab import FetchRole, LinkKind

RESOURCE_KINDS = frozenset({LinkKind.IMAGE, LinkKind.ATTACHMENT, LinkKind.STYLESHEET, LinkKind.SCRIPT})


def site_request(
    url: str,
    site: Site,
    role: FetchRole,
    depth: int,
    referer: str | None,
    callbacks: tuple[Callable[..., Any], Callable[..., Any]],
    origin: Site | None = None,
    method: str = "GET",
    **extra: Any,
) -> Request:
    """A request carrying the politeness limits of `site` (the owner, or the linking site) and the User-Agent
    of `origin` (the linking site) when given."""
    limits = site.limits
    info = {meta.SITE: site.id, meta.ROLE: role, meta.DEPTH: depth, meta.REFERER: referer, **extra}
    if extra.get(meta.RENDERED):
        info.update(playwright=True, playwright_page_methods=render.page_methods())
    info.update(
        download_timeout=limits.timeout,
        max_retry_times=limits.retries,
        dont_obey_robotstxt=not limits.obey_robots,
    )
    headers = {"User-Agent": (origin or site).limits.user_agent}
    if referer:
        headers["Referer"] = referer
    callback, errback = callbacks
    return Request(url, method=method, callback=callback, errback=errback, meta=info, headers=headers)


def link_request(
    registry: Registry,
    site_ids: set[str],
    link: RawLink,
    source: Site,
    depth: int,
    page_url: str,
    callbacks: tuple[Callable[..., Any], Callable[..., Any]],
) -> Request:
    """The request for a link target on a page of `source` at `depth`: a page of a site of this run is
    crawled (as its owner's), anything else is checked (as the linking site's)."""
    owner = registry.site_of(link.url)
    if link.kind is LinkKind.PAGE and owner is not None and owner.id in site_ids:
        extra: dict[str, Any] = {meta.LINK: link.kind}
        return site_request(link.url, owner, FetchRole.PAGE, depth + 1, page_url, callbacks, **extra)
    owner = owner if owner is not None and owner.id in site_ids else None
    # A resource's status is all a check needs: ask with HEAD, no body crosses the wire.
    method = "HEAD" if link.kind in RESOURCE_KINDS else "GET"
    extra = {meta.LINK: link.kind, meta.ORIGIN: source.id}
    return site_request(
        link.url, owner or source, FetchRole.CHECK, depth + 1, page_url, callbacks, source, method, **extra
    )
