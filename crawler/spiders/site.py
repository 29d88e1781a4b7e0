"""The one generic spider: crawls the registry's sites and records a `PageFact` for every URL it meets.

`scrapy crawl site -a site=ID[,ID...] -a config=sites.toml -a db=duwang.db` (or `duwang crawl`); a child of a
crawl spread over processes also gets `-a join_run=RUN -a run_sites=ID,... [-a sweep=1]`. All selected sites
are crawled in one crawler, so a URL is fetched once per run however many sites link to it.

The spider only reads: it turns each answer into facts and asks for every link on a crawled page (a list
page that fills itself by script is read again through a headless browser, `crawler.browser.render`). What is
sent, when and how often is decided by components documented in their modules (crawler/settings.py lists
them): fetch-once, page budget, depth, outside checks, revalidation (a 304 arrives with the stored fact in
`duwang_carried`), the sweep, second probes, the deadline, Crawl-delay; progress is counted in the stats
(crawler/progress.py); request.meta keys are listed in crawler/meta.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler import meta, progress
from crawler.browser import render
from crawler.failures import classify_failure
from crawler.items import PageFact
from crawler.middlewares import AlreadyFetched
from crawler.pages import extract
from crawler.progress import now_iso
from crawler.registry import Registry, Site, load_registry
from crawler.spiders import reading
from crawler.spiders.requests import link_request, site_request
from crawler.vocab import FetchError, FetchRole, LinkKind


class SiteSpider(scrapy.Spider):
    name = "site"

    def __init__(
        self,
        site: str | None = None,
        config: str | None = None,
        db: str | None = None,
        join_run: int | str | None = None,
        run_sites: str | None = None,
        sweep: bool | str = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # A child of a crawl spread over processes: the run it writes into, and all the run's sites.
        self.join_run = int(join_run) if join_run else None
        self.run_site_ids = {part for part in (run_sites or "").split(",") if part}
        # The last child of such a crawl: checks the link targets no process fetched (SweepMiddleware).
        self.sweep = bool(sweep) and sweep != "0" and self.join_run is not None
        self.site_arg, self.config_arg, self.db_arg = site, config, db
        self.registry: Registry
        self.sites: tuple[Site, ...] = ()
        self.site_ids: set[str] = set()
        self.browser: str | None = None  # the headless browser's name, when pages may be rendered
        self.column_render: dict[str, str] = {}  # column URL → the registry's render mode for it
        self.awaiting_render: dict[str, PageFact] = {}  # pages asked again through the browser

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.registry = load_registry(spider.config_arg or settings.get("DUWANG_CONFIG"))
        ids = [part.strip() for part in (spider.site_arg or "").split(",") if part.strip()]
        spider.sites = spider.registry.select(ids)
        spider.site_ids = {site.id for site in spider.sites}
        spider.column_render = {
            extract.normalize_url(hint.url): hint.render for site in spider.sites for hint in site.columns
        }
        sweep_run = spider.join_run if spider.sweep else 0
        reading.registry_settings(settings, spider.registry, spider.sites, spider.db_arg, sweep_run)
        if settings.getbool("DUWANG_RENDER", True):
            spider.browser = render.configure(settings, spider.registry.allow)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for site in self.sites:
            for url in site.start_urls:
                yield self.make_request(extract.normalize_url(url), site, FetchRole.PAGE, 0, None)

    def make_request(
        self, url: str, site: Site, role: FetchRole, depth: int, referer: str | None, **options: Any
    ) -> scrapy.Request:
        """A request of this spider (crawler/spiders/requests.py); `options`: origin, method, meta keys."""
        return site_request(url, site, role, depth, referer, (self.parse, self.on_error), **options)

    def follow(self, link: extract.RawLink, source: Site, depth: int, page_url: str) -> scrapy.Request:
        """The request for a link target; CrawlLimitsMiddleware decides whether it is sent."""
        callbacks = (self.parse, self.on_error)
        return link_request(self.registry, self.site_ids, link, source, depth, page_url, callbacks)

    # -- responses ------------------------------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[Any]:
        """Everything learnt from a response; a page is never lost to an error in reading it."""
        try:
            if meta.CARRIED in response.meta:
                yield from self.unchanged(response, response.meta[meta.CARRIED])
            else:
                yield from self.read_response(response)
        except Exception as error:
            if response.meta.get(meta.STORED):
                raise  # the page is stored: a failure after it is duwang's bug, for the log
            self.logger.error(
                "%s could not be read; stored without its content", response.url, exc_info=error
            )
            fact, problems = reading.unreadable_fact(response, error)
            self.note_problems(fact, problems)
            yield fact
            self.finish(fact, response.meta)

    def read_response(self, response: Response) -> Iterator[Any]:
        info = response.meta
        site = self.registry.site(info[meta.SITE]) if info[meta.SITE] in self.site_ids else None
        fact = reading.base_fact(response.request)
        reading.answer_facts(fact, response, validators=True)
        read: list[Any] = []  # what reading the page yields: requests for its links, facts
        if isinstance(response, TextResponse) and (
            info.get(meta.RENDERED) or (fact.content_type or "").lower().startswith(reading.HTML_TYPES)
        ):
            selector = reading.html_selector(response, fact)
            problems: list[str] = list(info.get(meta.PROBLEMS) or [])
            reading.read_head(selector, fact, problems)
            own = (
                site is not None
                and info[meta.ROLE] == FetchRole.PAGE
                and reading.owns(self.registry, site, response.url)
            )
            if own and site is not None and 200 <= response.status < 300:
                page = self.read_page(selector, fact, site, info, problems)
                read = reading.read_part(problems, "page", [], lambda: list(page))
            del selector
            self.note_problems(fact, problems, counted=not info.get(meta.RENDERED))
        if info.get(meta.RENDERED):
            fact.render_state = "rendered"
            self.awaiting_render.pop(fact.url, None)
        progress.count(self.crawler.stats, fact.site_id, "bytes", fact.size or 0)
        if response.status >= 400:
            progress.count(self.crawler.stats, fact.site_id, "errors")
        yield from reading.redirect_hops(info, fact, response.url)
        yield from read
        info[meta.STORED] = True
        yield fact
        self.finish(fact, info)

    def read_page(
        self, selector: Any, fact: PageFact, site: Site, info: Any, problems: list[str]
    ) -> Iterator[Any]:
        """What is read off a crawled page: a part or link that fails is noted and left out, not the page."""
        reading.read_structure(selector, fact.url, fact, problems)
        if not info.get(meta.RENDERED):
            yield from reading.read_part(
                problems, "render", [], lambda: list(self.maybe_render(selector, fact, site))
            )
        known = set(info.get(meta.RAW_LINKS) or ())
        limit = self.settings.getint("DUWANG_MAX_LINKS_PER_PAGE", 5000) or None  # 0: no bound
        encoding = fact.encoding or "utf-8"
        for link in reading.read_part(
            problems, "links", [], extract.extract_links, selector, fact.url, encoding, problems, limit
        ):
            if link.url in known:
                continue  # already recorded from the page as fetched before rendering
            try:
                request = self.follow(link, site, fact.depth, fact.url)
                fact.links.append(reading.link_fact(self.registry, site, link))
            except Exception as error:  # one link that cannot be handled is not the page
                extract.problem(
                    problems, f"{link.tag}@{link.attr}", link.url, f"{type(error).__name__}: {error}"
                )
                continue
            yield request
        progress.count(self.crawler.stats, site.id, "links", len(fact.links))

    def note_problems(self, fact: PageFact, problems: list[str], counted: bool = True) -> None:
        """Store with the page what could not be read on it, and count it for its site and the run."""
        fact.extract_errors = "\n".join(problems) or None
        if not problems or not counted:
            return
        progress.count(self.crawler.stats, fact.site_id, "extract_errors", len(problems))
        self.crawler.stats.inc_value("duwang/extract_errors", len(problems))
        self.logger.warning("%s: %d part(s) could not be read: %s", fact.url, len(problems), problems[0])

    def unchanged(self, response: Response, fact: PageFact) -> Iterator[Any]:
        """A 304: the page is as the last run saw it; carry its facts over and follow its links again."""
        info = response.meta
        fact.depth, fact.referer = info[meta.DEPTH], info[meta.REFERER]
        fact.fetched_at, fact.revalidated = now_iso(), True
        fact.elapsed = round(info.get("download_latency", 0.0), 4)
        site = self.registry.site(info[meta.SITE])
        progress.count(
            self.crawler.stats, site.id, "extract_errors", len((fact.extract_errors or "").splitlines())
        )
        for link in fact.links:
            raw = extract.RawLink(link.target_url, link.tag, link.attr, LinkKind(link.kind), link.anchor_text)
            yield self.follow(raw, site, fact.depth, fact.url)
        progress.count(self.crawler.stats, site.id, "links", len(fact.links))
        yield fact
        self.finish(fact, info)

    def maybe_render(self, selector: Any, fact: PageFact, site: Site) -> Iterator[Any]:
        if not reading.wants_render(selector, fact, self.column_render.get(fact.url), site.limits.render):
            return
        if self.browser is None:
            fact.render_state = "needs_render"
            return
        fact.render_state = "pending"
        self.awaiting_render[fact.url] = fact
        raw_links = [link.url for link in extract.extract_links(selector, fact.url, fact.encoding or "utf-8")]
        extra = {meta.RENDERED: True, meta.RAW_LINKS: raw_links}
        request = self.make_request(fact.url, site, FetchRole.PAGE, fact.depth, fact.referer, **extra)
        yield request.replace(dont_filter=True)  # the same URL again, read by the browser

    def on_error(self, failure: Failure) -> Iterator[PageFact]:
        request = failure.request  # type: ignore[attr-defined]
        info = request.meta
        fact = reading.base_fact(request)
        fact.fetched_at = now_iso()
        if failure.check(AlreadyFetched):
            # Redirected to a URL fetched elsewhere in this run: its row holds the answer, and the checks
            # follow `final_url` to it.
            fact.status = (info.get("redirect_reasons") or [None])[0]
            fact.final_url = request.url
        elif info.get(meta.RENDERED):
            # The browser failed: keep the page as first fetched, saying so (its links are stored already).
            raw = self.awaiting_render.pop(request.url, None)
            progress.count(self.crawler.stats, info[meta.SITE], "pending", -1)
            if raw is not None:
                yield replace(
                    raw, render_state="render_failed", links=[], list_items=[], messages=[], meta={}
                )
            return
        else:
            fact.error, fact.error_detail = classify_failure(failure)
            fact.final_url = request.url if info.get("redirect_urls") else None
            # Not fetching what robots.txt or the allow-list forbids is obedience, not a site's error.
            if fact.error not in (FetchError.ROBOTS, FetchError.OFFLIST) and fact.site_id in self.site_ids:
                progress.count(self.crawler.stats, fact.site_id, "errors")
        if fact.final_url:
            yield from reading.redirect_hops(info, fact, fact.final_url)
        yield fact
        self.finish(fact, info)

    def finish(self, fact: PageFact, info: Any) -> None:
        if fact.site_id in self.site_ids:
            counter = "pages" if fact.role == FetchRole.PAGE else "checks"
            progress.finish(self.crawler.stats, fact.site_id, None if info.get(meta.RENDERED) else counter)
