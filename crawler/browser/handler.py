"""The http(s) download handler when a browser is available: scrapy-playwright's, started lazily and shared.

scrapy-playwright starts its Node driver when the engine starts, once per scheme: two drivers (~125 MB
each) in every crawl process, even when no page ever needs rendering. `BrowserDownloadHandler` is one
handler for both schemes, and starts the driver (and, through it, Chromium) only when the first request
marked `playwright` arrives. Plain requests go to Scrapy's HTTP/1.1 handler as before. With the browser
it starts duwang's allow-list proxy (`crawler.browser.netguard`), Chromium's only route to the network, and
stops it when the crawl ends.

Depends on scrapy-playwright's `_launch()` (0.0.48); pyproject.toml pins the series.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.browser.netguard import GuardProxy, browser_args

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

# One handler per crawler, whichever scheme Scrapy builds it for.
_SHARED: weakref.WeakKeyDictionary[Crawler, BrowserDownloadHandler] = weakref.WeakKeyDictionary()


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Not at engine start: on the first request that needs the browser.
        crawler.signals.disconnect(self._maybe_launch_in_thread, signals.engine_started)
        self._start_lock = asyncio.Lock()
        self.started = False
        self._closed = False
        settings = crawler.settings
        # Without an allow-list from render.configure the proxy lets nothing through.
        allows = settings.get("DUWANG_BROWSER_ALLOWS") or (lambda url: False)
        self.proxy = GuardProxy(
            allows, settings.getint("DOWNLOAD_MAXSIZE"), settings.getfloat("DOWNLOAD_TIMEOUT")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserDownloadHandler:  # type: ignore[override]
        handler = _SHARED.get(crawler)
        if handler is None:
            handler = _SHARED[crawler] = cls(crawler)
        return handler

    async def download_request(self, request: Request) -> Response:  # type: ignore[override]
        if request.meta.get("playwright") and not self.started:
            async with self._start_lock:
                if not self.started:
                    port = self.proxy.start()
                    options = self.config.launch_options
                    options["args"] = [*options.get("args", []), *browser_args(port)]
                    await self._launch()
                    self.started = True
        return await super().download_request(request)

    async def close(self) -> None:  # type: ignore[override]
        if self._closed:  # Scrapy closes the handler of each scheme: the same object twice
            return
        self._closed = True
        if self.started:
            try:
                await super().close()
            finally:
                self.proxy.stop()
                if self.proxy.refused:
                    self.stats.set_value("duwang/browser_refused", sum(self.proxy.refused.values()))
        else:
            await HTTP11DownloadHandler.close(self)
