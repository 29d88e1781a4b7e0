"""Revalidation: a page the last completed run stored is asked with its validators; a 304 carries it over.

Built as Scrapy's HttpCacheMiddleware is, a middleware over a policy and a storage:
- `RevalidationPolicy` says which requests are revalidated (a crawled page's first GET: not a status
  check, a browser rendering or a second probe) and which answers mean "unchanged" (304).
- the storage (`crawler.middlewares.lastrun.StoreLastRun`, or DUWANG_LAST_RUN_STORAGE) gives the last run's
  ETag / Last-Modified of a URL and its stored fact.
- `RevalidationMiddleware` sends If-None-Match / If-Modified-Since, and on a 304 puts the last run's fact
  in `request.meta["duwang_carried"]` for the spider, which carries it over and follows its links again. A
  304 for a page the store no longer has is asked again at once without validators (the same fetch: it
  passes the dupefilter with dont_filter).

Settings: DUWANG_INCREMENTAL (default True; False disables the middleware), DUWANG_REVALIDATION_POLICY
(the policy class). Meta keys read: `duwang_role`, `duwang_rendered`, `duwang_reprobe`, `duwang_fresh`;
written: `duwang_carried`, `duwang_fresh`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from crawler import meta
from crawler.middlewares.lastrun import last_run
from crawler.vocab import FetchRole

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

CONDITIONAL = (b"If-None-Match", b"If-Modified-Since")


class RevalidationPolicy:
    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings

    def should_revalidate(self, request: Request) -> bool:
        return (
            request.meta.get(meta.ROLE) == FetchRole.PAGE
            and request.method == "GET"
            and not request.meta.get(meta.RENDERED)
            and not request.meta.get(meta.REPROBE)
            and not request.meta.get(meta.FRESH)
        )

    def is_not_modified(self, request: Request, response: Response) -> bool:
        return response.status == 304 and meta.SITE in request.meta


class RevalidationMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        policy_class = load_object(crawler.settings.get("DUWANG_REVALIDATION_POLICY", RevalidationPolicy))
        self.policy = policy_class(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevalidationMiddleware:
        if not crawler.settings.getbool("DUWANG_INCREMENTAL", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.policy.should_revalidate(request):
            return
        etag, modified = last_run(self.crawler).validators_of(request.url)
        if etag:
            request.headers.setdefault(b"If-None-Match", etag)
        if modified:
            request.headers.setdefault(b"If-Modified-Since", modified)

    def process_response(self, request: Request, response: Response) -> Any:
        if not self.policy.is_not_modified(request, response):
            return response
        storage = last_run(self.crawler)
        if storage.run_id is None:
            return response  # nothing to carry over: the spider records the 304 as it is
        fact = storage.carried_fact(request.url)
        if fact is None:  # validators of a page the store no longer has: fetch it afresh
            fresh = request.replace(dont_filter=True)
            for name in CONDITIONAL:
                fresh.headers.pop(name, None)
            fresh.meta[meta.FRESH] = True  # its validators are not sent a second time
            self.crawler.stats.inc_value("duwang/revalidation/refetched")
            return fresh
        request.meta[meta.CARRIED] = fact
        self.crawler.stats.inc_value("duwang/revalidation/not_modified")
        return response
