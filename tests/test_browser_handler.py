"""The browser download handler: one for both schemes, and no Node driver until a page needs rendering.

Run in a child process: scrapy-playwright wants the asyncio reactor installed, which the test process
must not get.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

SCRIPT = textwrap.dedent(
    """
    import asyncio, json
    from scrapy.utils.reactor import install_reactor
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.core.downloader.handlers import DownloadHandlers
    from scrapy.utils.test import get_crawler

    handler = "crawler.browser.handler.BrowserDownloadHandler"
    crawler = get_crawler(settings_dict={"DOWNLOAD_HANDLERS": {"http": handler, "https": handler}})
    handlers = DownloadHandlers(crawler)
    http, https = handlers._get_handler("http"), handlers._get_handler("https")
    seen = {
        "class": type(http).__name__,
        "shared": http is https,
        "started": http.started,
        "driver": hasattr(http, "browser_provider"),
    }
    loop = asyncio.new_event_loop()
    loop.run_until_complete(http.close())
    loop.run_until_complete(https.close())  # Scrapy closes each scheme's handler: the same object twice
    print(json.dumps(seen))
    """
)


def test_one_handler_for_both_schemes_and_no_driver_until_a_page_needs_it() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"class": "BrowserDownloadHandler", "shared": True, "started": False, "driver": False}
