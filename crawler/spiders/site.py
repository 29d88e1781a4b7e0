"""The one generic spider: crawls the registry's sites and records a `PageFact` for every URL it meets.

`scrapy crawl site -a site=ID[,ID...] -a config=sites.toml -a db=duwang.db` (or `duwang crawl`). All selected
sites are crawled in one crawler, so a URL is fetched once per run however many sites link to it, robots.txt
is read once per host, and sites that share a host (the 政务服务网 sub-sites) share its politeness limits.

Per URL the spider decides:
- in the scope of a site of this run, a page link, within depth and page budget → crawl it (parse and follow);
- on the allow-list otherwise (resources, attachments, outside links, pages past the depth) → check it:
  fetch once to learn its status, never follow it (resources are asked with HEAD);
- off the allow-list → record it as not fetched.

Two limits keep a crawl bounded: status checks of link targets outside the run's sites count against the
linking site's `max_outside_checks` (past it they are recorded as not fetched, error `budget`), and the
registry's `max_minutes` is the crawl's deadline (its close reason `deadline`: the run completes with what it
has, and the sites not done say so).

Two second looks: a list page that shows no entries but fills itself by script is read again through a
headless browser (`crawler.render`), and every URL that failed in a way that may pass (timeout, refused,
5xx) is probed once more a little later (DUWANG_REPROBE_AFTER, or when the crawl has nothing else left to
do), as an inspector re-checks before reporting.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, StopDownload
from scrapy.http import Response, TextResponse
from scrapy.utils.asyncio import CallLaterResult, call_later
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler import extract, lists, mailbox, pagekind, render
from crawler.failures import TRANSIENT, classify_failure
from crawler.items import LinkFact, PageFact
from crawler.middlewares import PROBLEMS_META, AlreadyFetched, slow_host
from crawler.registry import Registry, Site, load_registry
from crawler.store import Store, now_iso
from crawler.vocab import FetchError, FetchRole, LinkKind, RunStatus, StopReason

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
    extract_errors: int = 0  # attributes (or whole parts) of stored pages that could not be read
    bytes: int = 0
    pending: int = 0
    outside_checks: int = 0  # status checks of links outside the run's sites, against max_outside_checks
    outside_skipped: int = 0  # such links left unchecked because the budget was spent
    started_at: str | None = None
    ended_at: str | None = None

    @property
    def done(self) -> bool:
        return self.started_at is not None and self.pending == 0


STORED_META = "duwang_stored"  # request.meta: the page's fact has been handed to the store
TROUBLE_PRIORITY = 20  # above every page (10 - depth) and check (0)


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
        # The last child of such a crawl: checks the link targets no process fetched (see `swept`).
        self.sweep = bool(sweep) and sweep != "0" and self.join_run is not None
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
        self.browser: str | None = None
        self.column_render: dict[str, str] = {}
        # Facts of URLs that failed in a way that may pass, waiting for their second probe.
        self.transient: dict[str, PageFact] = {}
        self.reprobes_sent: set[str] = set()
        self.awaiting_render: dict[str, PageFact] = {}
        # The last completed run's ETag / Last-Modified per page, and a reader for its facts (304 answers).
        self.previous_run: int | None = None
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.previous: Store | None = None
        # URLs that failed transiently last time and the pages that led to them: fetched first.
        self.trouble_first: set[str] = set()
        self.deadline: CallLaterResult | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.registry = load_registry(spider.config_arg or settings.get("DUWANG_CONFIG"))
        ids = [part.strip() for part in (spider.site_arg or "").split(",") if part.strip()]
        spider.sites = spider.registry.select(ids)
        spider.site_ids = {site.id for site in spider.sites}
        spider.progress = {site.id: SiteProgress() for site in spider.sites}
        spider.column_render = {
            extract.normalize_url(hint.url): hint.render for site in spider.sites for hint in site.columns
        }
        if spider.db_arg:
            settings.set("DUWANG_DB", spider.db_arg, priority="spider")
        defaults = spider.registry.defaults
        for name, value in (
            ("DOWNLOAD_DELAY", defaults.delay),
            ("CONCURRENT_REQUESTS_PER_DOMAIN", defaults.concurrency),
            ("DOWNLOAD_TIMEOUT", defaults.timeout),
            ("RETRY_TIMES", defaults.retries),
            ("USER_AGENT", defaults.user_agent),
            ("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", defaults.timeout * 1000),
        ):
            settings.set(name, value, priority="spider")
        settings.set(
            "DOWNLOAD_SLOTS",
            slot_settings(spider.sites, settings.getdict("DOWNLOAD_SLOTS")),
            priority="spider",
        )
        if settings.getbool("DUWANG_INCREMENTAL", True):
            spider.load_validators(settings.get("DUWANG_DB"))
        if settings.getbool("DUWANG_RENDER", True):
            spider.browser = render.configure(settings, spider.registry.allow)
        crawler.signals.connect(spider.stop_large_non_html, signal=signals.headers_received)
        crawler.signals.connect(spider.reprobe_transient_failures, signal=signals.spider_idle)
        crawler.signals.connect(spider.honour_crawl_delay, signal=signals.robots_parsed)
        crawler.signals.connect(spider.close_previous, signal=signals.spider_closed)
        crawler.signals.connect(spider.start_deadline, signal=signals.spider_opened)
        crawler.signals.connect(spider.cancel_deadline, signal=signals.spider_closed)
        return spider

    def load_validators(self, db: str) -> None:
        store = Store(db)
        run = store.latest_run(RunStatus.COMPLETED)
        if run is None:
            store.close()
            return
        self.previous_run, self.validators, self.previous = run["id"], store.validators(run["id"]), store
        self.trouble_first = store.trouble_paths(run["id"], TRANSIENT)

    def close_previous(self, spider: scrapy.Spider) -> None:
        if self.previous is not None:
            self.previous.close()
            self.previous = None

    # -- limits ---------------------------------------------------------------------------------------

    def start_deadline(self, spider: scrapy.Spider) -> None:
        """The crawl ends `max_minutes` after it opened, whatever is left (a child of a run: after the child
        opened, which is within a second of its siblings)."""
        self.deadline = call_later(self.registry.defaults.max_minutes * 60, self.deadline_passed)

    def cancel_deadline(self, spider: scrapy.Spider) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def deadline_passed(self) -> None:
        self.deadline = None
        self.logger.warning(
            "the crawl's deadline (max_minutes = %s) has passed: ending it with what it has",
            self.registry.defaults.max_minutes,
        )
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=StopReason.DEADLINE))

    def outside_check_allowed(self, source: Site) -> bool:
        """Count a status check of a link outside the run's sites against `source`'s budget."""
        progress = self.progress[source.id]
        if progress.outside_checks >= source.limits.max_outside_checks:
            progress.outside_skipped += 1
            return False
        progress.outside_checks += 1
        return True

    # -- requests -------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.sweep:
            for request in self.swept():
                yield request
            return
        for site in self.sites:
            for url in site.start_urls:
                url = extract.normalize_url(url)
                if url not in self.seen:
                    self.seen.add(url)
                    yield self.make_request(url, site, FetchRole.PAGE, depth=0, referer=None)

    def swept(self) -> Iterator[scrapy.Request]:
        """A check of every link target that no process of this run fetched, once each.

        A process leaves a link into a site that another process crawls to that process, which fetches
        it only if its own crawl reaches it: a deep page or an image that only other sites link to would
        never be checked. Pages over their site's page budget stay unfetched, as in a single process.
        """
        assert self.join_run is not None
        store = Store(self.settings.get("DUWANG_DB"))
        try:
            targets = store.unfetched_link_targets(self.join_run)
            self.seen.update(store.run_urls(self.join_run))  # a redirect to any of them stops there
            crawled = {row["site_id"]: row["pages"] or 0 for row in store.site_stats(self.join_run)}
        finally:
            store.close()
        self.logger.info("sweep of run %s: %d link targets no process fetched", self.join_run, len(targets))
        self.crawler.stats.set_value("duwang/sweep_targets", len(targets))
        for url, site_id, referer, kinds, depth in targets:
            owner = self.registry.owner_of(url)
            owner = owner if owner is not None and owner.id in self.site_ids else None
            kinds_seen = set((kinds or "").split(","))
            if (
                LinkKind.PAGE in kinds_seen
                and owner is not None
                and crawled.get(owner.id, 0) >= owner.limits.max_pages
            ):
                continue
            if not self.registry.allow.allows(url):
                continue
            self.seen.add(url)
            source = self.registry.site(site_id) if site_id in self.site_ids else owner or self.sites[0]
            # Asked with HEAD only when every link to it expects a resource, as `follow` does for one link.
            method = "HEAD" if kinds_seen <= {str(kind) for kind in RESOURCE_KINDS} else "GET"
            yield self.make_request(
                url, owner or source, FetchRole.CHECK, depth, referer, origin=source, method=method
            )

    def make_request(
        self,
        url: str,
        site: Site,
        role: FetchRole,
        depth: int,
        referer: str | None,
        origin: Site | None = None,
        method: str = "GET",
        **extra: Any,
    ) -> scrapy.Request:
        """A request carrying the politeness limits of `site` (the owner, or the linking site)."""
        progress = self.progress.get(site.id)
        if progress is not None:
            progress.pending += 1
            progress.started_at = progress.started_at or now_iso()
            if role is FetchRole.PAGE and not extra:
                progress.scheduled_pages += 1
        limits = site.limits
        meta = {
            "duwang": {"site": site.id, "role": role, "depth": depth, "referer": referer, **extra},
            "download_timeout": limits.timeout,
            "max_retry_times": 0 if extra.get("reprobe") else limits.retries,
            "dont_obey_robotstxt": not limits.obey_robots,
        }
        if extra.get("rendered"):
            meta["playwright"] = True
            meta["playwright_page_methods"] = render.page_methods()
        headers = {"User-Agent": (origin or site).limits.user_agent}
        if referer:
            headers["Referer"] = referer
        etag, modified = (
            self.validators.get(url, (None, None)) if role is FetchRole.PAGE and not extra else (None, None)
        )
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        # Crawled pages before checks: a site's structure is read first, its links verified as found. Last
        # time's slow failures (and the way to them) go before both: their timeouts then overlap the crawl.
        if url in self.trouble_first:
            priority = TROUBLE_PRIORITY
        else:
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
        owner = self.registry.site_of(url)
        if owner is not None and owner.id not in self.site_ids:
            if owner.id in self.run_site_ids:
                self.seen.add(url)
                return None  # another process of this run crawls that site
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
        if owner is None and not self.outside_check_allowed(source):
            return PageFact(
                url=url,
                site_id=site.id,
                role=FetchRole.CHECK,
                depth=depth + 1,
                referer=page_url,
                error=FetchError.BUDGET,
                error_detail=f"over the budget of {source.limits.max_outside_checks} outside checks",
            )
        # A resource's status is all a check needs: ask with HEAD, no body crosses the wire.
        method = "HEAD" if link.kind in RESOURCE_KINDS else "GET"
        return self.make_request(
            url, site, FetchRole.CHECK, depth + 1, page_url, origin=source, method=method
        )

    def owns(self, site: Site, url: str) -> bool:
        """`url` is one of `site`'s own pages: in a part of its scope, not in a sub-site nested there."""
        if not site.scope.contains(url):
            return False
        owner = self.registry.site_of(url)
        return owner is None or owner.id == site.id

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

    def honour_crawl_delay(self, robotparser: Any, request: scrapy.Request) -> None:
        """robots.txt Crawl-delay for our User-Agent becomes the host's minimum delay (Scrapy ignores it)."""
        agent = request.headers.get(b"User-Agent", b"").decode("latin-1") or self.settings.get("USER_AGENT")
        delay = robotparser.crawl_delay(agent)
        if not delay:
            return
        limit = self.settings.getfloat("DUWANG_MAX_CRAWL_DELAY", 60.0)
        if delay > limit:
            self.logger.warning(
                "robots.txt of %s asks a %ss Crawl-delay; using %ss", request.url, delay, limit
            )
        host = urlsplit(request.url).hostname or ""
        slow_host(self.crawler, host, min(float(delay), limit))
        self.logger.info("Crawl-delay %ss for %s", min(float(delay), limit), host)

    def failed_transiently(self, fact: PageFact) -> None:
        """Remember a failure that may pass, and look again a little later (an inspector's re-check).

        A timeout is looked at again at once: waiting out the download timeout was its "later" already.
        """
        self.transient[fact.url] = fact
        delay = (
            0.0 if fact.error == FetchError.TIMEOUT else self.settings.getfloat("DUWANG_REPROBE_AFTER", 2.0)
        )
        call_later(delay, self.reprobe, fact.url)

    def reprobe(self, url: str) -> None:
        fact = self.transient.get(url)
        if fact is None or url in self.reprobes_sent or not self.crawler.engine.running:
            return
        self.reprobes_sent.add(url)
        site = self.registry.site(fact.site_id) if fact.site_id in self.site_ids else self.sites[0]
        method = "HEAD" if fact.role == FetchRole.CHECK and fact.content_type is None else "GET"
        request = self.make_request(url, site, FetchRole(fact.role), fact.depth, fact.referer, reprobe=True)
        self.crawler.engine.crawl(request.replace(method=method))

    def reprobe_transient_failures(self, spider: scrapy.Spider) -> None:
        """When the crawl is idle, the second looks not yet due are taken at once, before it may close."""
        due = [url for url in self.transient if url not in self.reprobes_sent]
        for url in due:
            self.reprobe(url)
        if due:
            raise DontCloseSpider

    # -- responses ------------------------------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[Any]:
        """Everything learnt from a response; a page is never lost to an error in reading it."""
        try:
            yield from self.read_response(response)
        except Exception as error:
            if response.meta.get(STORED_META):
                raise  # the page is stored: a failure after it is duwang's bug, for the log
            yield from self.unreadable(response, error)

    def unreadable(self, response: Response, error: Exception) -> Iterator[PageFact]:
        """The fact of a page that could not be read at all: its answer, and why, counted for its site."""
        self.logger.error("%s could not be read; stored without its content", response.url, exc_info=error)
        info = response.meta["duwang"]
        fact = self.base_fact(response.request, info)
        fact.status = response.status
        fact.final_url = response.url
        fact.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")[:200] or None
        fact.size = _content_length(response)
        fact.fetched_at = now_iso()
        problems = [*(response.meta.get(PROBLEMS_META) or []), f"page: {type(error).__name__}: {error}"[:300]]
        self.note_problems(fact, problems)
        yield fact
        self.finish(fact, info)

    def read_response(self, response: Response) -> Iterator[Any]:
        info = response.meta["duwang"]
        if response.request.method == "HEAD" and response.status in HEAD_REFUSED:
            # Many servers refuse HEAD: ask again with GET; this is still the same, single check.
            yield response.request.replace(method="GET")
            return
        if info.get("reprobe"):
            yield from self.second_look(info, response.url, status=response.status)
            return
        if response.status == 304 and self.previous is not None:
            yield from self.unchanged(response, info)
            return
        site = self.registry.site(info["site"]) if info["site"] in self.site_ids else None
        fact = self.base_fact(response.request, info)
        fact.status = response.status
        fact.final_url = response.url
        fact.content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")[:200] or None
        fact.size = _content_length(response)
        fact.elapsed = round(response.meta.get("download_latency", 0.0), 4)
        fact.fetched_at = now_iso()
        fact.etag = _header(response, b"ETag")
        fact.last_modified = _header(response, b"Last-Modified")
        is_html = isinstance(response, TextResponse) and (
            info.get("rendered") or (fact.content_type or "").lower().startswith(HTML_TYPES)
        )
        read: list[Any] = []  # what reading the page yields: requests for its links, facts
        if is_html:
            # Our own Selector, not the one Scrapy caches on the response: the lxml tree (ten times the
            # page's size) is freed as soon as the page is read, not when its last link has been handed on.
            # A parsel Selector built from the text, with the page's URL as its base: Scrapy's Selector reads
            # <base href> first and raises on a malformed one (extract.base_url_of copes with it).
            selector = Selector(text=response.text, type="html", base_url=response.url)
            fact.encoding = response.encoding
            fact.content_hash = hashlib.sha1(response.body).hexdigest()
            # Whatever the markup, the page is stored: a part that cannot be read is left out and counted.
            problems: list[str] = list(response.meta.get(PROBLEMS_META) or [])
            fact.title = read_part(problems, "title", None, extract.page_title, selector)
            fact.text_excerpt = read_part(problems, "text", None, extract.text_excerpt, selector)
            if (
                site is not None
                and info["role"] == FetchRole.PAGE
                and 200 <= response.status < 300
                and self.owns(site, response.url)
            ):
                read = read_part(
                    problems,
                    "page",
                    [],
                    lambda: list(self.read_page(selector, response.url, fact, site, info, problems)),
                )
            del selector
            self.note_problems(fact, problems, counted=not info.get("rendered"))
        if info.get("rendered"):
            fact.render_state = "rendered"
            self.awaiting_render.pop(fact.url, None)
        progress = self.progress.get(fact.site_id or "")
        if progress is not None:
            progress.bytes += fact.size or 0
            if response.status >= 400:
                progress.errors += 1
        if response.status >= 500:
            self.failed_transiently(fact)
        yield from self.redirect_hops(response.meta, fact, response.url)
        yield from read
        response.meta[STORED_META] = True
        yield fact
        self.finish(fact, info)

    def read_page(
        self,
        selector: Selector,
        url: str,
        fact: PageFact,
        site: Site,
        info: dict[str, Any],
        problems: list[str],
    ) -> Iterator[Any]:
        """What is read off a crawled page, part by part: a part (or a link) that fails is noted in
        `problems` and left out, never the page."""
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
        if fact.depth == 0:
            fact.footer = read_part(problems, "footer", None, extract.footer_text, selector)
            fact.forms = read_part(problems, "forms", [], extract.forms, selector, url, problems)
        if not info.get("rendered"):
            yield from read_part(
                problems, "render", [], lambda: list(self.maybe_render(selector, fact, site, info))
            )
        known = set(info.get("raw_links") or ())
        progress = self.progress[site.id]
        limit = self.settings.getint("DUWANG_MAX_LINKS_PER_PAGE", 5000) or None  # 0: no bound
        for link in read_part(
            problems, "links", [], extract.extract_links, selector, url, encoding, problems, limit
        ):
            if link.url in known:
                continue  # already recorded from the page as fetched before rendering
            try:
                outcome = self.follow(link, site, fact.depth, fact.url)
                fact.links.append(
                    LinkFact(
                        target_url=link.url,
                        tag=link.tag,
                        attr=link.attr,
                        kind=link.kind,
                        anchor_text=link.anchor_text,
                        in_scope=self.owns(site, link.url),
                        fetchable=self.registry.allow.allows(link.url),
                    )
                )
            except Exception as error:  # one link that cannot be handled is not the page
                extract.problem(
                    problems, f"{link.tag}@{link.attr}", link.url, f"{type(error).__name__}: {error}"
                )
                continue
            if outcome is not None:
                yield outcome
        progress.links += len(fact.links)

    def note_problems(self, fact: PageFact, problems: list[str], counted: bool = True) -> None:
        """Store with the page what could not be read on it, and count it for its site and the run."""
        fact.extract_errors = "\n".join(problems) or None
        if not problems or not counted:
            return
        progress = self.progress.get(fact.site_id or "")
        if progress is not None:
            progress.extract_errors += len(problems)
        self.crawler.stats.inc_value("duwang/extract_errors", len(problems))
        self.logger.warning("%s: %d part(s) could not be read: %s", fact.url, len(problems), problems[0])

    def unchanged(self, response: Response, info: dict[str, Any]) -> Iterator[Any]:
        """A 304: the page is as the last run saw it; carry its facts over and follow its links again."""
        assert self.previous is not None and self.previous_run is not None
        fact = self.previous.carried_fact(self.previous_run, response.request.url)
        if fact is None:  # validators from a page the store no longer has: fetch it afresh
            # The same URL again: past the duplicate filter, which has seen it once already.
            request = response.request.replace(dont_filter=True)
            for name in (b"If-None-Match", b"If-Modified-Since"):
                request.headers.pop(name, None)
            yield request
            return
        fact.depth, fact.referer = info["depth"], info["referer"]
        fact.fetched_at, fact.revalidated = now_iso(), True
        fact.elapsed = round(response.meta.get("download_latency", 0.0), 4)
        site = self.registry.site(info["site"])
        progress = self.progress[site.id]
        progress.extract_errors += len((fact.extract_errors or "").splitlines())
        for link in fact.links:
            outcome = self.follow(
                extract.RawLink(link.target_url, link.tag, link.attr, LinkKind(link.kind), link.anchor_text),
                site,
                fact.depth,
                fact.url,
            )
            if outcome is not None:
                yield outcome
        progress.links += len(fact.links)
        yield fact
        self.finish(fact, info)

    def maybe_render(self, selector: Any, fact: PageFact, site: Site, info: dict[str, Any]) -> Iterator[Any]:
        column_mode = self.column_render.get(fact.url)
        mode = column_mode or site.limits.render
        dated = sum(
            1 for item in fact.list_items if item.date_text or render.URL_DATE_RE.search(item.url or "")
        )
        if not render.wants_render(selector, dated, mode, forced=column_mode == "always"):
            return
        if self.browser is None:
            fact.render_state = "needs_render"
            return
        fact.render_state = "pending"
        self.awaiting_render[fact.url] = fact
        raw_links = [link.url for link in extract.extract_links(selector, fact.url, fact.encoding or "utf-8")]
        yield self.make_request(
            fact.url, site, FetchRole.PAGE, fact.depth, fact.referer, rendered=True, raw_links=raw_links
        )

    def on_error(self, failure: Failure) -> Iterator[PageFact]:
        request = failure.request
        info = request.meta["duwang"]
        error, detail = classify_failure(failure)
        if info.get("reprobe"):
            yield from self.second_look(info, request.url, error=error)
            return
        fact = self.base_fact(request, info)
        fact.fetched_at = now_iso()
        if failure.check(AlreadyFetched):
            # Redirected to a URL fetched elsewhere in this run: its row holds the answer, and the checks
            # follow `final_url` to it.
            fact.status = (request.meta.get("redirect_reasons") or [None])[0]
            fact.final_url = request.url
        elif info.get("rendered"):
            # The browser failed: keep the page as first fetched, saying so (its links are stored already).
            raw = self.awaiting_render.pop(request.url, None)
            self.progress[info["site"]].pending -= 1
            if raw is not None:
                yield replace(
                    raw, render_state="render_failed", links=[], list_items=[], messages=[], meta={}
                )
            return
        else:
            fact.error, fact.error_detail = error, detail
            fact.final_url = request.url if request.meta.get("redirect_urls") else None
            progress = self.progress.get(fact.site_id or "")
            # Not fetching what robots.txt or the allow-list forbids is obedience, not a site's error.
            if progress is not None and fact.error not in (FetchError.ROBOTS, FetchError.OFFLIST):
                progress.errors += 1
            if error in TRANSIENT:
                self.failed_transiently(fact)
        if fact.final_url:
            yield from self.redirect_hops(request.meta, fact, fact.final_url)
        yield fact
        self.finish(fact, info)

    def second_look(
        self, info: dict[str, Any], url: str, status: int | None = None, error: FetchError | None = None
    ) -> Iterator[PageFact]:
        fact = self.transient.pop(url.split("#", 1)[0], None)
        progress = self.progress.get(info["site"])
        if progress is not None:
            progress.pending -= 1
        if fact is not None:
            fact.reprobe_status, fact.reprobe_error = status, error
            yield fact

    def redirect_hops(self, meta: dict[str, Any], fact: PageFact, final_url: str) -> Iterator[PageFact]:
        """A row for each URL a redirect chain passed through after the first (whose row is `fact`),
        pointing at where the chain ended: a link to any of them is judged by that answer."""
        chain = meta.get("redirect_urls") or []
        for hop, reason in zip(chain, meta.get("redirect_reasons") or [], strict=False):
            if hop != fact.url:
                self.seen.add(hop)
                yield PageFact(
                    url=hop,
                    site_id=fact.site_id,
                    role=fact.role,
                    depth=fact.depth,
                    referer=fact.referer,
                    status=reason,
                    final_url=final_url,
                    fetched_at=fact.fetched_at,
                )

    def base_fact(self, request: scrapy.Request, info: dict[str, Any]) -> PageFact:
        chain = request.meta.get("redirect_urls") or []
        return PageFact(
            url=chain[0] if chain else request.url,
            site_id=info["site"],
            role=info["role"],
            depth=info["depth"],
            referer=info["referer"],
        )

    def finish(self, fact: PageFact, info: dict[str, Any]) -> None:
        progress = self.progress.get(fact.site_id or "")
        if progress is None:
            return
        progress.pending -= 1
        if info.get("rendered"):
            pass  # the same page, read a second time
        elif fact.role == FetchRole.PAGE:
            progress.pages += 1
        else:
            progress.checks += 1
        if progress.done:
            progress.ended_at = now_iso()


def read_part(problems: list[str], part: str, default: Any, function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)`, or `default` when it raises: the failure is noted in `problems`."""
    try:
        return function(*args)
    except Exception as error:  # whatever the markup throws, the rest of the page is kept
        problems.append(f"{part}: {type(error).__name__}: {error}"[:300])
        return default


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


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _content_length(response: Response) -> int:
    header = response.headers.get(b"Content-Length")
    if header and header.isdigit():
        return int(header)
    return len(response.body)
