"""What the checks read: one site's crawl facts as plain frozen dataclasses.

The store loads them by column name (crawler/store/checkfacts.py); the checks never see SQL, Scrapy or the
network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from checks.contentdata import ContentLists


@dataclass(frozen=True)
class Page:
    """One fetched (or deliberately not fetched) URL of the run."""

    url: str
    site_id: str | None
    role: str  # page (crawled) | check (status only)
    depth: int
    status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    title: str | None = None
    text: str | None = None  # the first visible text
    error: str | None = None  # crawler.vocab.FetchError
    render_state: str | None = None
    reprobe_status: int | None = None
    reprobe_error: str | None = None
    kind: str | None = None  # article | list | navigation | static, as the crawler read the page
    kind_evidence: str | None = None  # JSON: the signals that decided `kind`


class Link(NamedTuple):
    """One link on one of the site's pages. A named tuple, not a dataclass: a large site has half a million
    of them, and a tuple is built three times faster."""

    source_url: str
    target_url: str
    tag: str
    attr: str
    kind: str  # page | image | attachment | stylesheet | script | frame | other
    anchor_text: str
    in_scope: bool
    fetchable: bool


@dataclass(frozen=True)
class Entry:
    """One entry of a list on a page: a title, its link and the date text beside it."""

    page_url: str
    container: str
    position: int
    title: str
    url: str | None
    date_text: str | None
    list_name: str = ""  # the heading or tab label the page shows for the list


@dataclass(frozen=True)
class Message:
    """One consultation message as a page showed it: a mailbox list's row, or the message's own page."""

    page_url: str
    position: int
    title: str
    url: str | None
    asked_text: str | None  # 留言时间 as written
    replied_text: str | None  # 回复时间 as written; None when the page shows none
    state: str | None  # 已回复, 未回复, 办理中, ... as written
    source: str  # list | page


@dataclass(frozen=True)
class Probe:
    probed_at: datetime
    ok: bool
    status: int | None
    error: str | None


@dataclass(frozen=True)
class TechProbe:
    """One technical probe of the homepage's host (crawler/probes/tech.py): HTTPS and IPv6.

    Times are China time like every other fact. `https` and `ipv6` hold the probe's states (ok, refused,
    no_tls, timeout, error, dns, offlist; ok, no_aaaa, connect_failed, no_ipv6_here, ip_literal, dns,
    timeout, offlist)."""

    probed_at: datetime
    https_url: str
    https: str
    https_error: str | None = None
    cert_verified: bool | None = None
    verify_error: str | None = None
    cert_not_after: datetime | None = None
    cert_subject: str | None = None
    cert_issuer: str | None = None
    cert_names: tuple[str, ...] = ()
    hostname_match: bool | None = None
    ipv6: str = "no_ipv6_here"
    ipv6_addresses: tuple[str, ...] = ()
    ipv6_error: str | None = None


@dataclass(frozen=True)
class ColumnHint:
    name: str
    url: str
    freshness: str | None


@dataclass(frozen=True)
class CrawlLimits:
    """What the crawl's limits left out of one site (its `run_sites` row); the default: nothing."""

    outside_budget: int | None = None  # status checks of outside links allowed (max_outside_checks)
    outside_checks: int = 0  # such checks made
    outside_skipped: int = 0  # outside links left unchecked because the budget was spent
    stopped_by: str | None = None  # "deadline": the crawl ended before the site was done
    unfinished: int = 0  # URLs requested but not fetched when the crawl ended
    max_minutes: float | None = None  # the crawl's deadline


@dataclass(frozen=True)
class SiteFacts:
    site_id: str
    name: str
    kind: str  # portal | department | service
    home_urls: tuple[str, ...]
    pages: Mapping[str, Page]  # every URL of the run, by URL: link targets may belong to other sites
    links: tuple[Link, ...]  # links seen on this site's pages
    entries: Mapping[str, tuple[Entry, ...]]  # list entries by page URL
    meta: Mapping[str, Mapping[str, str]]  # meta tags by page URL
    footers: Mapping[str, str]  # footer text by start page URL
    forms: Mapping[str, tuple[dict, ...]]  # forms by start page URL
    probes: tuple[Probe, ...] = ()
    column_hints: tuple[ColumnHint, ...] = field(default_factory=tuple)
    crawl: CrawlLimits = field(default_factory=CrawlLimits)
    tech: tuple[TechProbe, ...] = ()  # technical probes of the window, oldest first
    texts: Mapping[str, str] = field(default_factory=dict)  # main text (body or list titles) by page URL
    content: ContentLists = field(default_factory=ContentLists)  # the operator's leaders and words
    messages: tuple[Message, ...] = ()  # consultation messages, in the order they were read

    def own_pages(self) -> list[Page]:
        return [page for page in self.pages.values() if page.site_id == self.site_id]
