"""Downloader middlewares for the network: the allow-list, charset repair, Retry-After, meta refresh, retries.

- `AllowListMiddleware` refuses every request (redirects and robots.txt included) to a host outside the
  registry's `[network] allow` list, so a crawl never sends traffic where the operator did not permit it.
- `CharsetRepairMiddleware` re-decodes pages whose HTTP header names a charset the body is not in: Chinese
  government sites often send `charset=utf-8` for GBK pages.
- `RetryAfterMiddleware` honours `Retry-After` on 429 and 503 answers: the whole host is paused that long
  before Scrapy's RetryMiddleware asks again (Scrapy does not do this by itself).

- `SafeMetaRefreshMiddleware` is Scrapy's MetaRefreshMiddleware, except that a page whose markup it cannot
  read (a `<base href="http://[">`, a refresh URL with a bad port) is passed on to the spider instead of
  failing: the page is stored and checked, the problem noted with it (`PROBLEMS_META`).

- `HeadFallbackMiddleware` asks again with GET a check whose HEAD the server refused.

- `TimeoutRetryMiddleware` is Scrapy's RetryMiddleware, except that a page below a start page that timed
  out is not asked again at once: the spider takes its second look a little later anyway.

`pause_host` and `slow_host` change a host's download slot (`slow_host`: robots.txt Crawl-delay, see
crawler/extensions/politeness.py).

Settings: DUWANG_MAX_RETRY_AFTER (RetryAfterMiddleware); RETRY_* as Scrapy's (TimeoutRetryMiddleware).
Meta keys read: `duwang_depth` (TimeoutRetryMiddleware); written: `duwang_problems` (SafeMetaRefresh).
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.asyncio import call_later
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import get_base_url
from twisted.internet.error import TCPTimedOutError, TimeoutError
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from crawler import meta
from crawler.failures import OffAllowList

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


# request.meta key: what a middleware could not read on the response (the spider stores it with the page).
PROBLEMS_META = meta.PROBLEMS


class AllowListMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowListMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        registry = getattr(self.crawler.spider, "registry", None)
        # Without a registry there is no list to honour: refuse everything rather than guess.
        if registry is None or not registry.allow.allows(request.url):
            self.crawler.stats.inc_value("duwang/offlist")
            raise OffAllowList(f"{request.url}: host not on the network allow-list")


class CharsetRepairMiddleware:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetRepairMiddleware:
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse):
            return response
        declared = http_content_type_encoding((response.headers.get("Content-Type") or b"").decode("latin-1"))
        if not declared or _decodes(response.body, declared):
            return response
        # The header lies: trust the page's own <meta charset>, then GB18030 (a superset of GBK and GB2312).
        candidates = [html_body_declared_encoding(response.body), "gb18030"]
        for candidate in candidates:
            encoding = resolve_encoding(candidate) if candidate else None
            if encoding and _decodes(response.body, encoding):
                return response.replace(encoding=encoding)
        return response


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(resolve_encoding(encoding) or encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.limit = crawler.settings.getfloat("DUWANG_MAX_RETRY_AFTER", 300.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503):
            return response
        seconds = retry_after_seconds(response.headers.get(b"Retry-After"))
        if seconds is None:
            return response
        if seconds > self.limit:
            # Waiting that long would stall the run: give up on this URL, keep the answer as its fact.
            request.meta["max_retry_times"] = 0
            return response
        pause_host(self.crawler, urlparse_cached(request).hostname or "", seconds)
        self.crawler.stats.inc_value("duwang/retry_after")
        return response


def retry_after_seconds(value: bytes | None) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _slot(crawler: Crawler, host: str) -> tuple[dict[str, Any], Any]:
    """The host's DOWNLOAD_SLOTS entry (for a slot not created yet) and its live slot, if any."""
    downloader = crawler.engine.downloader
    return downloader.per_slot_settings.setdefault(host, {}), downloader.slots.get(host)


def slow_host(crawler: Crawler, host: str, delay: float) -> None:
    """Never send two requests to `host` closer than `delay` seconds, for the rest of the run."""
    settings, slot = _slot(crawler, host)
    settings["delay"] = max(settings.get("delay", 0.0), delay)
    settings["jitter"] = 0.0
    if slot is not None:
        slot.delay = max(slot.delay, delay)
        slot.jitter = 0.0


def pause_host(crawler: Crawler, host: str, seconds: float) -> None:
    """Send nothing to `host` for `seconds`, then go back to its usual delay."""
    _, slot = _slot(crawler, host)
    if slot is None:
        return
    usual = slot.delay
    slot.delay = max(usual, seconds)
    slot.lastseen = time.monotonic()

    def resume() -> None:
        if slot.delay == max(usual, seconds):
            slot.delay = usual

    call_later(seconds, resume)


class SafeMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Follows `<meta http-equiv="refresh">` as Scrapy does; markup it cannot read is a note, not a failure.

    Scrapy resolves the refresh URL against `<base href>` and raises ValueError when either is malformed;
    the response would then reach the errback without its body and the page (often a homepage) would be
    lost. Browsers ignore such a base or refresh; so does this middleware.
    """

    def process_response(self, request: Request, response: Response) -> Any:  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except ValueError as error:
            try:
                if isinstance(response, TextResponse):
                    get_base_url(response)
            except ValueError:
                return response  # the <base href> is at fault: the spider notes it as it reads the page
            request.meta.setdefault(PROBLEMS_META, []).append(f"meta@refresh: {error}")
            return response


class TimeoutRetryMiddleware(RetryMiddleware):
    """Retries as Scrapy does, but not a timed-out request for anything other than a start page.

    A timeout has already cost the whole download timeout, and a server that slow is not helped by being
    asked again at once; the spider re-probes every transient failure a little later (DUWANG_REPROBE_AFTER)
    and records both answers. A start page is still retried at once: without it the site is not crawled.
    """

    def process_exception(self, request: Request, exception: Exception) -> Any:  # type: ignore[override]
        if isinstance(exception, TIMEOUTS) and request.meta.get(meta.DEPTH, 0) > 0:
            return None
        return super().process_exception(request, exception)


TIMEOUTS = (DownloadTimeoutError, TimeoutError, TCPTimedOutError)


HEAD_REFUSED = frozenset({400, 403, 405, 501})


class HeadFallbackMiddleware:
    """Many servers refuse HEAD: a check asked with HEAD and refused is asked again with GET (the same,
    single check: it passes the dupefilter). Only duwang's requests (`duwang_site` in meta)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HeadFallbackMiddleware:
        return cls()

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.method == "HEAD" and response.status in HEAD_REFUSED and meta.SITE in request.meta:
            return request.replace(method="GET", dont_filter=True)
        return response
