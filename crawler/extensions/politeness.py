"""`Politeness`: two courtesies Scrapy does not offer by itself.

- robots.txt `Crawl-delay` for our User-Agent becomes the host's minimum delay (capped at
  DUWANG_MAX_CRAWL_DELAY seconds, the cap logged);
- a large body nobody will read (a PDF behind a page link, over LARGE_BODY bytes and not HTML) is not
  downloaded: its status is known from the headers already. Small bodies are read to the end: aborting
  closes the connection, and Twisted then silently re-sends a request that was queued on it, which would
  fetch that URL twice.

Settings: DUWANG_MAX_CRAWL_DELAY, USER_AGENT. Meta keys read: `duwang_site` (only duwang's requests are cut).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import StopDownload

from crawler import meta
from crawler.middlewares.network import slow_host

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml")
LARGE_BODY = 1024 * 1024  # bytes


class Politeness:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_delay = crawler.settings.getfloat("DUWANG_MAX_CRAWL_DELAY", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Politeness:
        extension = cls(crawler)
        crawler.signals.connect(extension.stop_large_non_html, signal=signals.headers_received)
        crawler.signals.connect(extension.honour_crawl_delay, signal=signals.robots_parsed)
        return extension

    def stop_large_non_html(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        if meta.SITE not in request.meta or 0 <= body_length <= LARGE_BODY:
            return
        content_type = (headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        if content_type and not content_type.startswith(HTML_TYPES):
            raise StopDownload(fail=False)

    def honour_crawl_delay(self, robotparser: Any, request: Request) -> None:
        agent = (request.headers.get(b"User-Agent") or b"").decode("latin-1") or self.crawler.settings.get(
            "USER_AGENT"
        )
        delay = robotparser.crawl_delay(agent)
        if not delay:
            return
        if delay > self.max_delay:
            logger.warning(
                "robots.txt of %s asks a %ss Crawl-delay; using %ss", request.url, delay, self.max_delay
            )
        host = urlsplit(request.url).hostname or ""
        slow_host(self.crawler, host, min(float(delay), self.max_delay))
        logger.info("Crawl-delay %ss for %s", min(float(delay), self.max_delay), host)
