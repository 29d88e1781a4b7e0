"""Downloader middlewares: the network allow-list, fetch-once for redirects, and charset repair.

- `AllowListMiddleware` refuses every request (redirects and robots.txt included) to a host outside the
  registry's `[network] allow` list, so a crawl never sends traffic where the operator did not permit it.
- `FetchOnceMiddleware` stops a redirect at a URL that this run already fetched (or at a loop in its own
  chain), so each URL is downloaded once per run however it is reached.
- `CharsetRepairMiddleware` re-decodes pages whose HTTP header names a charset the body is not in: Chinese
  government sites often send `charset=utf-8` for GBK pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class OffAllowList(IgnoreRequest):
    """The request's host is not on the network allow-list; it was not sent."""


class RedirectLoop(IgnoreRequest):
    """A redirect led back to a URL of its own chain."""


class AlreadyFetched(IgnoreRequest):
    """A redirect led to a URL this run has already fetched; its facts are stored under that URL."""


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


class FetchOnceMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchOnceMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain:
            return
        url = request.url.split("#", 1)[0]
        if url in chain:
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, url])}")
        seen = getattr(self.crawler.spider, "seen", None)
        if seen is None:
            return
        if url in seen:
            raise AlreadyFetched(url)
        seen.add(url)


class CharsetRepairMiddleware:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CharsetRepairMiddleware:
        return cls()

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse):
            return response
        declared = http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
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
