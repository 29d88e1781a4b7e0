"""The one generic spider: crawls the registry's sites and records a `PageFact` for every URL it meets.

`scrapy crawl site -a site=ID[,ID...] -a config=sites.toml -a db=duwang.db` (or `duwang crawl`). All selected
sites are crawled in one crawler, so a URL is fetched once per run however many sites link to it, robots.txt
is read once per host, and sites that share a host (the 政务服务网 sub-sites) share its politeness limits.

Per URL the spider decides:
- in the scope of a site of this run, a page link, within depth and page budget → crawl it (parse and follow);
- on the allow-list otherwise (resources, attachments, outside links, pages past the depth) → check it:
  fetch once to learn its status, never follow it; non-HTML bodies are dropped after the headers;
- off the allow-list → record it as not fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import exceptions, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.http import Response, TextResponse
from twisted.internet import error as net_error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler import extract
from crawler.items import LinkFact, PageFact
from crawler.middlewares import AlreadyFetched, OffAllowList, RedirectLoop
from crawler.registry import Registry, Site, load_registry
from crawler.store import now_iso
from crawler.vocab import FetchError, FetchRole, LinkKind

HTML_TYPES = ("text/html", "application/xhtml")
RESOURCE_KINDS = frozenset({LinkKind.IMAGE, LinkKind.ATTACHMENT, LinkKind.STYLESHEET, LinkKind.SCRIPT})
HEAD_REFUSED = frozenset({400, 403, 405, 501})
LARGE_BODY = 1024 * 1024  # bytes


@dataclass
class SiteProgress:
    """Counters for one site during a crawl; the pipeline stores them in `run_sites`."""

    scheduled_pages: int = 0
    pages: int = 0
    checks: int = 0
    links: int = 0
    errors: int = 0
    bytes: int = 0
    pending: int = 0
    started_at: str | None = None
    ended_at: str | None = None

    @property
    def done(self) -> bool:
        return self.started_at is not None and self.pending == 0


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(
        self, site: str | None = None, config: str | None = None, db: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.site_arg = site
        self.config_arg = config
        self.db_arg = db
        self.registry: Registry
        self.sites: tuple[Site, ...] = ()
        self.site_ids: set[str] = set()
        self.progress: dict[str, SiteProgress] = {}
        # Every URL this run has fetched or decided not to fetch; requests bypass Scrapy's dupefilter.
        self.seen: set[str] = set()
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.registry = load_registry(spider.config_arg or settings.get("DUWANG_CONFIG"))
        ids = [part.strip() for part in (spider.site_arg or "").split(",") if part.strip()]
        spider.sites = spider.registry.select(ids)
        spider.site_ids = {site.id for site in spider.sites}
        spider.progress = {site.id: SiteProgress() for site in spider.sites}
        if spider.db_arg:
            settings.set("DUWANG_DB", spider.db_arg, priority="spider")
        defaults = spider.registry.defaults
        for name, value in (
            ("DOWNLOAD_DELAY", defaults.delay),
            ("CONCURRENT_REQUESTS_PER_DOMAIN", defaults.concurrency),
            ("DOWNLOAD_TIMEOUT", defaults.timeout),
            ("RETRY_TIMES", defaults.retries),
            ("USER_AGENT", defaults.user_agent),
        ):
            settings.set(name, value, priority="spider")
        settings.set(
            "DOWNLOAD_SLOTS",
            slot_settings(spider.sites, settings.getdict("DOWNLOAD_SLOTS")),
            priority="spider",
        )
        crawler.signals.connect(spider.stop_large_non_html, signal=signals.headers_received)
        return spider

    # -- requests -------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            for url in site.start_urls:
                url = extract.normalize_url(url)
                if url not in self.seen:
                    self.seen.add(url)
                    yield self.make_request(url, site, FetchRole.PAGE, depth=0, referer=None)

    def make_request(
        self,
        url: str,
        site: Site,
        role: FetchRole,
        depth: int,
        referer: str | None,
        origin: Site | None = None,
        method: str = "GET",
    ) -> scrapy.Request:
        """A request carrying the politeness limits of `site` (the owner, or the linking site)."""
        progress = self.progress.get(site.id)
        if progress is not None:
            progress.pending += 1
            progress.started_at = progress.started_at or now_iso()
            if role is FetchRole.PAGE:
                progress.scheduled_pages += 1
        limits = site.limits
        meta = {
            "duwang": {"site": site.id, "role": role, "depth": depth, "referer": referer},
            "download_timeout": limits.timeout,
            "max_retry_times": limits.retries,
            "dont_obey_robotstxt": not limits.obey_robots,
        }
        headers = {"User-Agent": (origin or site).limits.user_agent}
        if referer:
            headers["Referer"] = referer
        # Crawled pages before checks: a site's structure is read first, its links verified as found.
        priority = 10 - min(depth, 9) if role is FetchRole.PAGE else 0
        return scrapy.Request(
            url,
            method=method,
            callback=self.parse,
            errback=self.on_error,
            meta=meta,
            headers=headers,
            dont_filter=True,
            priority=priority,
        )

    def follow(
        self, link: extract.RawLink, source: Site, depth: int, page_url: str
    ) -> scrapy.Request | PageFact | None:
        """What to do with a link target new to this run: a request, a not-fetched fact, or nothing."""
        url = link.url
        if url in self.seen:
            return None
        owner = self.registry.owner_of(url)
        if owner is not None and owner.id not in self.site_ids:
            owner = None
        if link.kind is LinkKind.PAGE and owner is not None:
            progress = self.progress[owner.id]
            if progress.scheduled_pages >= owner.limits.max_pages:
                return None  # over budget: left for the next inspection, not marked as seen
            self.seen.add(url)
            role = FetchRole.PAGE if depth + 1 <= owner.limits.max_depth else FetchRole.CHECK
            return self.make_request(url, owner, role, depth + 1, page_url)
        self.seen.add(url)
        site = owner or source
        if not self.registry.allow.allows(url):
            return PageFact(
                url=url,
                site_id=site.id,
                role=FetchRole.CHECK,
                depth=depth + 1,
                referer=page_url,
                error=FetchError.OFFLIST,
                error_detail="host not on the network allow-list",
            )
        # A resource's status is all a check needs: ask with HEAD, no body crosses the wire.
        method = "HEAD" if link.kind in RESOURCE_KINDS else "GET"
        return self.make_request(
            url, site, FetchRole.CHECK, depth + 1, page_url, origin=source, method=method
        )

    def stop_large_non_html(
        self, headers: Any, body_length: int, request: scrapy.Request, spider: scrapy.Spider
    ) -> None:
        """Drop a large body nobody will read (a PDF behind a page link): its status is known already.

        Small bodies are read to the end: aborting closes the connection, and Twisted then silently
        re-sends a request that was queued on it, which would fetch that URL twice.
        """
        if "duwang" not in request.meta or 0 <= body_length <= LARGE_BODY:
            return
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(HTML_TYPES):
            raise StopDownload(fail=False)

    # -- responses ------------------------------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[Any]:
        info = response.meta["duwang"]
        if response.request.method == "HEAD" and response.status in HEAD_REFUSED:
            # Many servers refuse HEAD: ask again with GET; this is still the same, single check.
            yield response.request.replace(method="GET")
            return
        site = self.registry.site(info["site"]) if info["site"] in self.site_ids else None
        fact = self.base_fact(response.request, info)
        chain = response.meta.get("redirect_urls") or []
        fact.status = response.status
        fact.final_url = response.url
        fact.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")[:200] or None
        fact.size = _content_length(response)
        fact.elapsed = round(response.meta.get("download_latency", 0.0), 4)
        fact.fetched_at = now_iso()
        follow_links = (
            site is not None
            and info["role"] == FetchRole.PAGE
            and 200 <= response.status < 300
            and isinstance(response, TextResponse)
            and site.scope.contains(response.url)
        )
        if (
            isinstance(response, TextResponse)
            and fact.content_type
            and fact.content_type.lower().startswith(HTML_TYPES)
        ):
            fact.encoding = response.encoding
            fact.title = extract.page_title(response.selector)
            fact.text_excerpt = extract.text_excerpt(response.selector)
            fact.content_hash = hashlib.sha1(response.body).hexdigest()
        else:
            follow_links = False
        progress = self.progress.get(fact.site_id or "")
        if progress is not None:
            progress.bytes += fact.size or 0
            if response.status >= 400:
                progress.errors += 1
        # The URLs a redirect chain passed through get their own rows, pointing at where they led.
        url = fact.url
        for hop, reason in zip(chain, response.meta.get("redirect_reasons") or [], strict=False):
            if hop != url:
                self.seen.add(hop)
                yield PageFact(
                    url=hop,
                    site_id=fact.site_id,
                    role=fact.role,
                    depth=fact.depth,
                    referer=fact.referer,
                    status=reason,
                    final_url=response.url,
                    fetched_at=fact.fetched_at,
                )
        if follow_links and site is not None:
            yield from self.read_page(response, fact, site)
        yield fact
        self.finish(fact)

    def read_page(self, response: TextResponse, fact: PageFact, site: Site) -> Iterator[Any]:
        selector = response.selector
        fact.meta = extract.meta_tags(selector)
        fact.list_items = extract.list_items(selector, response.url)
        fact.script_count = len(selector.xpath("//script"))
        if fact.depth == 0:
            fact.footer = extract.footer_text(selector)
            fact.forms = extract.forms(selector, response.url)
        progress = self.progress[site.id]
        for link in extract.extract_links(selector, response.url):
            fact.links.append(
                LinkFact(
                    target_url=link.url,
                    tag=link.tag,
                    attr=link.attr,
                    kind=link.kind,
                    anchor_text=link.anchor_text,
                    in_scope=site.scope.contains(link.url),
                    fetchable=self.registry.allow.allows(link.url),
                )
            )
            outcome = self.follow(link, site, fact.depth, fact.url)
            if outcome is not None:
                yield outcome
        progress.links += len(fact.links)

    def on_error(self, failure: Failure) -> Iterator[PageFact]:
        request = failure.request
        info = request.meta["duwang"]
        fact = self.base_fact(request, info)
        fact.fetched_at = now_iso()
        if failure.check(AlreadyFetched):
            # Redirected to a URL fetched elsewhere in this run: its row holds the status.
            fact.status = (request.meta.get("redirect_reasons") or [None])[-1]
            fact.final_url = request.url
        else:
            fact.error, fact.error_detail = classify_failure(failure)
            fact.final_url = request.url if request.meta.get("redirect_urls") else None
            progress = self.progress.get(fact.site_id or "")
            # Not fetching what robots.txt or the allow-list forbids is obedience, not a site's error.
            if progress is not None and fact.error not in (FetchError.ROBOTS, FetchError.OFFLIST):
                progress.errors += 1
        yield fact
        self.finish(fact)

    def base_fact(self, request: scrapy.Request, info: dict[str, Any]) -> PageFact:
        chain = request.meta.get("redirect_urls") or []
        return PageFact(
            url=chain[0] if chain else request.url,
            site_id=info["site"],
            role=info["role"],
            depth=info["depth"],
            referer=info["referer"],
        )

    def finish(self, fact: PageFact) -> None:
        progress = self.progress.get(fact.site_id or "")
        if progress is None:
            return
        progress.pending -= 1
        if fact.role == FetchRole.PAGE:
            progress.pages += 1
        else:
            progress.checks += 1
        if progress.done:
            progress.ended_at = now_iso()


def classify_failure(failure: Failure) -> tuple[FetchError, str]:
    """The closed error class of a failed fetch, and the library's own words for the log."""
    detail = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]
    if failure.check(OffAllowList):
        return FetchError.OFFLIST, detail
    if failure.check(RedirectLoop):
        return FetchError.REDIRECT_LOOP, detail
    message = failure.getErrorMessage().lower()
    if failure.check(exceptions.IgnoreRequest):
        if "robots.txt" in message:
            return FetchError.ROBOTS, detail
        if "redirection" in message:
            return FetchError.REDIRECT_LOOP, detail
        return FetchError.OTHER, detail
    if failure.check(exceptions.DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError):
        return FetchError.TIMEOUT, detail
    if failure.check(exceptions.DownloadConnectionRefusedError, net_error.ConnectionRefusedError):
        return FetchError.REFUSED, detail
    if failure.check(exceptions.CannotResolveHostError, net_error.DNSLookupError):
        return FetchError.DNS, detail
    if "ssl" in message or "tls" in message or "certificate" in message:
        return FetchError.TLS, detail
    if failure.check(
        exceptions.DownloadFailedError,
        exceptions.ResponseDataLossError,
        net_error.ConnectionLost,
        net_error.ConnectionDone,
        ResponseFailed,
        ResponseNeverReceived,
        net_error.ConnectError,
    ):
        return FetchError.CONNECTION, detail
    return FetchError.OTHER, detail


def slot_settings(sites: tuple[Site, ...], configured: dict[str, Any]) -> dict[str, Any]:
    """Per-host politeness for Scrapy's DOWNLOAD_SLOTS: sites sharing a host get the strictest limits."""
    slots: dict[str, dict[str, Any]] = {}
    for site in sites:
        # Scrapy keys download slots by host name, without the port.
        host = urlsplit(site.start_urls[0]).hostname or ""
        slot = slots.setdefault(host, {"concurrency": site.limits.concurrency, "delay": site.limits.delay})
        slot["concurrency"] = min(slot["concurrency"], site.limits.concurrency)
        slot["delay"] = max(slot["delay"], site.limits.delay)
    return {**slots, **configured}


def _content_length(response: Response) -> int:
    header = response.headers.get(b"Content-Length")
    if header and header.isdigit():
        return int(header)
    return len(response.body)
