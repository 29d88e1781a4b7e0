"""The crawl's Scrapy components one by one, in Scrapy's test style: synthetic Request / Response objects
through `scrapy.utils.test.get_crawler`, no network, no reactor (crawler/middlewares/, crawler/extensions/)."""

from __future__ import annotations

from unittest import mock

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler import meta, progress
from crawler.extensions import Deadline, Reprobe
from crawler.failures import AlreadyFetched, RedirectLoop
from crawler.items import PageFact
from crawler.middlewares import (
    CrawlLimitsMiddleware,
    FetchOnceDupeFilter,
    FetchOnceMiddleware,
    HeadFallbackMiddleware,
    RevalidationMiddleware,
    TimeoutRetryMiddleware,
)
from crawler.middlewares.lastrun import last_run
from crawler.middlewares.limits import TROUBLE_PRIORITY
from crawler.spiders.site import SiteSpider
from crawler.store import Store
from crawler.vocab import FetchError, FetchRole, LinkKind, RunStatus
from tests.builders import LOOPBACK_NETWORK, registry_toml, site_spider, site_toml, write_registry

HOME = "http://127.0.0.2:8800/"
REGISTRY = registry_toml(
    site_toml("cs", "测试县人民政府", "127.0.0.2:8800", owners=[("测试", "cs@example.gov.cn")]),
    site_toml("other", "另一县人民政府", "127.0.0.3:8800", owners=[("测试", "other@example.gov.cn")]),
    head=LOOPBACK_NETWORK + "[defaults]\nmax_pages = 3\nmax_depth = 2\nmax_outside_checks = 1",
)


def make_spider(tmp_path, run_sites: str | None = None, **settings) -> SiteSpider:
    config = write_registry(tmp_path, REGISTRY)
    spider = site_spider(config, "cs", {"DUWANG_DB": str(tmp_path / "f.db")} | settings, run_sites)
    FetchOnceDupeFilter.from_crawler(spider.crawler)  # as the scheduler builds it when the spider opens
    return spider


@pytest.fixture
def spider(tmp_path):
    return make_spider(tmp_path)


def link(spider: SiteSpider, url: str, kind: LinkKind = LinkKind.PAGE, depth: int = 0) -> Request:
    from crawler.pages.extract import RawLink

    return spider.follow(RawLink(url, "a", "href", kind, ""), spider.sites[0], depth, HOME)


def judged(spider: SiteSpider, *outputs):
    limits = CrawlLimitsMiddleware.from_crawler(spider.crawler)
    return list(limits.process_spider_output(None, outputs))


# -- fetch-once -------------------------------------------------------------------------------------------


def test_the_dupefilter_sees_each_url_once_fragments_aside(spider):
    dupefilter = FetchOnceDupeFilter.of(spider.crawler)
    assert not dupefilter.request_seen(Request(HOME + "a.html"))
    assert dupefilter.request_seen(Request(HOME + "a.html#top"))
    # A redirect's next hop is judged when it is downloaded, not here.
    hop = Request(HOME + "a.html", meta={"redirect_urls": [HOME + "b.html"]})
    assert not dupefilter.request_seen(hop)


def test_a_redirect_stops_at_a_fetched_url_or_a_loop_and_marks_its_hops(spider):
    middleware = FetchOnceMiddleware.from_crawler(spider.crawler)
    dupefilter = FetchOnceDupeFilter.of(spider.crawler)
    dupefilter.claim(HOME + "fetched.html")
    with pytest.raises(AlreadyFetched):
        middleware.process_request(Request(HOME + "fetched.html", meta={"redirect_urls": [HOME + "x"]}))
    with pytest.raises(RedirectLoop):
        middleware.process_request(Request(HOME + "x", meta={"redirect_urls": [HOME + "x", HOME + "y"]}))
    assert middleware.process_request(Request(HOME + "new.html", meta={"redirect_urls": [HOME]})) is None
    assert HOME + "new.html" in dupefilter
    assert middleware.process_request(Request(HOME + "plain.html")) is None  # not a redirect: not judged
    assert HOME + "plain.html" not in dupefilter


def test_a_sweep_starts_with_the_urls_its_run_stored(tmp_path):
    db = tmp_path / "f.db"
    store = Store(db)
    run = store.begin_run(["cs"], tmp_path / "sites.toml")
    store.write_facts(run, [PageFact(HOME + "stored.html", "cs", FetchRole.PAGE, 1, status=200)])
    store.close()
    crawler = get_crawler(settings_dict={"DUWANG_SWEEP_RUN": run, "DUWANG_DB": str(db)})
    dupefilter = FetchOnceDupeFilter.from_crawler(crawler)
    dupefilter.open()
    assert HOME + "stored.html" in dupefilter and HOME + "other.html" not in dupefilter


# -- limits ---------------------------------------------------------------------------------------------


def test_page_links_count_against_the_budget_and_past_it_stay_unmet(spider):
    requests = judged(spider, *(link(spider, f"{HOME}p{n}.html") for n in range(5)))
    assert [request.url for request in requests] == [f"{HOME}p{n}.html" for n in range(3)]
    assert all(request.dont_filter and request.priority == 9 for request in requests)
    counters = progress.site_progress(spider.crawler.stats, "cs")
    assert counters.scheduled_pages == 3 and counters.pending == 3 and counters.started_at is not None
    assert HOME + "p4.html" not in FetchOnceDupeFilter.of(spider.crawler)  # left for the next inspection


def test_a_url_met_before_is_dropped_and_counts_nothing(spider):
    first, again = judged(spider, link(spider, HOME + "a.html"), link(spider, HOME + "a.html#x"), "item")
    assert first.url == HOME + "a.html" and again == "item"
    assert progress.site_progress(spider.crawler.stats, "cs").pending == 1


def test_a_page_past_the_depth_is_only_checked(spider):
    (request,) = judged(spider, link(spider, HOME + "deep.html", depth=2))
    assert request.meta[meta.ROLE] == FetchRole.CHECK and request.priority == 0
    assert progress.site_progress(spider.crawler.stats, "cs").scheduled_pages == 0


def test_outside_links_are_checked_within_the_budget_then_recorded_as_not_fetched(spider):
    first, second = judged(spider, link(spider, "http://127.0.0.9/a"), link(spider, "http://127.0.0.9/b"))
    assert isinstance(first, Request) and first.meta[meta.ROLE] == FetchRole.CHECK
    assert isinstance(second, PageFact) and second.error == FetchError.BUDGET and second.depth == 1
    counters = progress.site_progress(spider.crawler.stats, "cs")
    assert (counters.outside_checks, counters.outside_skipped) == (1, 1)


def test_off_list_targets_are_facts_and_resources_are_asked_with_head(spider):
    (fact,) = judged(spider, link(spider, "http://192.0.2.1/x.pdf", LinkKind.ATTACHMENT))
    assert fact.error == FetchError.OFFLIST and fact.referer == HOME
    (request,) = judged(spider, link(spider, HOME + "logo.png", LinkKind.IMAGE))
    assert request.method == "HEAD" and request.meta[meta.ROLE] == FetchRole.CHECK


def test_a_site_another_process_crawls_is_left_to_it(tmp_path):
    spider = make_spider(tmp_path, run_sites="cs,other")
    assert judged(spider, link(spider, "http://127.0.0.3:8800/page.html")) == []
    assert "http://127.0.0.3:8800/page.html" in FetchOnceDupeFilter.of(spider.crawler)


# -- revalidation ---------------------------------------------------------------------------------------


def stored_run(tmp_path) -> str:
    db = tmp_path / "f.db"
    store = Store(db)
    run = store.begin_run(["cs"], tmp_path / "sites.toml")
    fact = PageFact(HOME + "same.html", "cs", FetchRole.PAGE, 1, status=200, etag='"v1"', title="旧页面")
    store.write_facts(run, [fact])
    store.end_run(run, RunStatus.COMPLETED, {})
    store.close()
    return str(db)


def test_a_stored_page_is_revalidated_and_a_304_carries_its_fact(tmp_path):
    spider = make_spider(tmp_path, DUWANG_INCREMENTAL=True, DUWANG_DB=stored_run(tmp_path))
    middleware = RevalidationMiddleware.from_crawler(spider.crawler)
    page = spider.make_request(HOME + "same.html", spider.sites[0], FetchRole.PAGE, 1, HOME)
    check = spider.make_request(HOME + "same.html", spider.sites[0], FetchRole.CHECK, 1, HOME)
    middleware.process_request(page)
    middleware.process_request(check)
    assert page.headers[b"If-None-Match"] == b'"v1"' and b"If-None-Match" not in check.headers
    assert middleware.process_response(page, Response(page.url, status=304, request=page)).status == 304
    assert page.meta[meta.CARRIED].title == "旧页面"
    last_run(spider.crawler).close()


def test_a_304_for_a_page_no_longer_stored_is_asked_again_in_full(tmp_path):
    spider = make_spider(tmp_path, DUWANG_INCREMENTAL=True, DUWANG_DB=stored_run(tmp_path))
    middleware = RevalidationMiddleware.from_crawler(spider.crawler)
    gone = spider.make_request(HOME + "gone.html", spider.sites[0], FetchRole.PAGE, 1, HOME)
    gone.headers[b"If-None-Match"] = b'"old"'
    again = middleware.process_response(gone, Response(gone.url, status=304, request=gone))
    assert isinstance(again, Request) and again.dont_filter and b"If-None-Match" not in again.headers
    middleware.process_request(again)
    assert b"If-None-Match" not in again.headers
    last_run(spider.crawler).close()


def test_revalidation_is_off_when_the_crawl_is_not_incremental(spider):
    with pytest.raises(NotConfigured):
        RevalidationMiddleware.from_crawler(spider.crawler)


# -- network --------------------------------------------------------------------------------------------


def test_a_refused_head_is_asked_again_with_get(spider):
    head = spider.make_request(HOME + "x.png", spider.sites[0], FetchRole.CHECK, 1, HOME, method="HEAD")
    again = HeadFallbackMiddleware().process_response(head, Response(head.url, status=405, request=head))
    assert isinstance(again, Request) and again.method == "GET" and again.dont_filter
    ok = Response(head.url, status=200, request=head)
    assert HeadFallbackMiddleware().process_response(head, ok) is ok


def test_a_timeout_below_a_start_page_is_left_to_the_second_probe(spider):
    from scrapy.exceptions import DownloadTimeoutError

    middleware = TimeoutRetryMiddleware.from_crawler(spider.crawler)
    deep = spider.make_request(HOME + "a.html", spider.sites[0], FetchRole.PAGE, 1, HOME)
    start = spider.make_request(HOME, spider.sites[0], FetchRole.PAGE, 0, None)
    assert middleware.process_exception(deep, DownloadTimeoutError()) is None
    assert isinstance(middleware.process_exception(start, DownloadTimeoutError()), Request)


# -- extensions -----------------------------------------------------------------------------------------


def test_a_transient_failure_is_probed_again_and_both_answers_kept(spider, monkeypatch):
    later: list[tuple[float, str]] = []  # no reactor here: record when each probe would be due
    monkeypatch.setattr(
        "crawler.extensions.reprobe.call_later", lambda delay, _, url: later.append((delay, url))
    )
    extension = Reprobe.from_crawler(spider.crawler)
    spider.crawler.engine = mock.Mock(running=True)
    failed = PageFact(HOME + "busy.html", "cs", FetchRole.PAGE, 1, HOME, status=503, content_type="text/html")
    extension.item_scraped(failed, spider)
    extension.item_scraped(PageFact(HOME + "ok.html", "cs", FetchRole.PAGE, 1, status=200), spider)
    timeout = PageFact(HOME + "slow.html", "cs", FetchRole.CHECK, 1, HOME, error=FetchError.TIMEOUT)
    extension.item_scraped(timeout, spider)
    assert later == [(2.0, HOME + "busy.html"), (0.0, HOME + "slow.html")]  # a timeout waited already
    del extension.waiting[HOME + "slow.html"]
    with pytest.raises(DontCloseSpider):
        extension.spider_idle(spider)  # not due yet: probed at once when the crawl is idle
    (request,) = [call.args[0] for call in spider.crawler.engine.crawl.call_args_list]
    assert request.meta[meta.REPROBE] and request.meta["max_retry_times"] == 0 and request.method == "GET"
    extension.spider_idle(spider)  # nothing left to probe: the crawl may close
    (second,) = list(extension.answered(HtmlResponse(request.url, status=200, request=request)))
    assert (second.status, second.reprobe_status) == (503, 200)
    extension.item_scraped(second, spider)  # the second answer is not probed a third time
    assert not extension.waiting


def test_the_deadline_closes_the_crawl_with_its_own_reason(spider):
    extension = Deadline.from_crawler(spider.crawler)
    spider.crawler.engine = mock.Mock()
    extension.passed()
    spider.crawler.engine.close_spider_async.assert_called_once_with(reason="deadline")


def test_progress_counts_a_site_done_when_nothing_is_pending(spider):
    stats = spider.crawler.stats
    progress.start(stats, "cs")
    assert not progress.site_progress(stats, "cs").done
    progress.finish(stats, "cs", "pages")
    counters = progress.site_progress(stats, "cs")
    assert counters.done and counters.pages == 1 and counters.ended_at is not None


def test_trouble_from_the_last_run_goes_first(tmp_path):
    spider = make_spider(tmp_path)
    limits = CrawlLimitsMiddleware.from_crawler(spider.crawler)
    last_run(spider.crawler).trouble.add(HOME + "slow.html")
    request = limits.let_through(
        spider.make_request(HOME + "slow.html", spider.sites[0], FetchRole.PAGE, 3, HOME)
    )
    assert request.priority == TROUBLE_PRIORITY
