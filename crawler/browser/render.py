"""Rendering list pages that are filled by script, in a headless browser (scrapy-playwright + Chromium).

Many government sites ship an empty list container and fill it from a JSON endpoint. Such a page is
fetched as usual first; when it shows no dated entries but carries a script that loads or writes a list,
the spider asks for it once more through the browser and reads the rendered DOM. The registry can force
rendering on (`render = "always"`) or off (`"never"`) per site or per column.

The browser obeys the same network allow-list as the crawler: every request it would make to another host
is aborted, and so are images, fonts, media and style sheets, which a list does not need. Behind that,
every connection Chromium opens goes through duwang's allow-list proxy (`crawler.browser.netguard`), which
also bounds each response by DOWNLOAD_MAXSIZE decompressed. Chromium runs sandboxed unless the machine cannot
give it a sandbox (`sandbox_problem`), and with an environment holding no secrets (`crawler.childenv`).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parsel import Selector

from crawler.childenv import browser_env

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from crawler.registry import AllowList

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
logger = logging.getLogger(__name__)
LAUNCH_ARGS = [
    # Keep Chromium off the network on its own account (the proxy bounds the rest: crawler.browser.netguard).
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})
URL_DATE_RE = re.compile(r"/t(?:19|20)\d{6}_\d+")
LOADER_RE = re.compile(
    r"fetch\s*\(|XMLHttpRequest|\$\.(ajax|get|getJSON|post)\b|\.json\b|document\.write|innerHTML"
)
# Inline scripts every government page carries that never fill a list: the 党政机关 badge, statistics.
BADGE_SCRIPT_RE = re.compile(
    r"conac|_ideConac|cnzz\.com|hm\.baidu|google-analytics|51\.la|jiucuo|zfwzzc", re.I
)
EMPTY_LIST_XPATH = (
    "//*[(self::ul or self::ol or self::tbody or self::table or self::div)"
    " and (contains(@id, 'list') or contains(@class, 'list'))"
    " and not(.//a[@href]) and not(normalize-space())]"
)


def find_browser(configured: str | None) -> str | None:
    """The Chromium to render with: the DUWANG_BROWSER setting, else the first one on PATH; None for off."""
    if configured == "off":
        return None
    if configured:
        return shutil.which(configured) or None
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def sandbox_problem(
    browser: str | None = None,
    euid: int | None = None,
    proc_sys: Path = Path("/proc/sys"),
    helpers: list[str] | None = None,
) -> str | None:
    """Why Chromium cannot run sandboxed on this machine, or None when it can.

    Chromium's Linux sandbox needs unprivileged user namespaces or its setuid `chrome-sandbox` helper,
    and Chromium refuses to start sandboxed as root whatever the kernel offers (crbug.com/638180).
    """
    if (os.geteuid() if euid is None else euid) == 0:
        return "running as root (Chromium refuses its sandbox to root; run duwang as an ordinary user)"
    if _user_namespaces(proc_sys) or _setuid_helper(browser, helpers):
        return None
    return "the kernel allows no unprivileged user namespaces and no setuid chrome-sandbox is installed"


def _user_namespaces(proc_sys: Path) -> bool:
    def read(name: str) -> str | None:
        try:
            return (proc_sys / name).read_text().strip()
        except OSError:
            return None

    return (
        read("kernel/unprivileged_userns_clone") != "0"  # Debian's switch
        and read("user/max_user_namespaces") != "0"
        and read("kernel/apparmor_restrict_unprivileged_userns") != "1"  # Ubuntu ≥ 23.10
    )


def _setuid_helper(browser: str | None, helpers: list[str] | None = None) -> bool:
    if helpers is not None:
        candidates = list(helpers)
    else:
        candidates = [os.environ.get("CHROME_DEVEL_SANDBOX", ""), "/usr/lib/chromium/chrome-sandbox"]
    if browser and helpers is None:
        candidates.insert(0, str(Path(os.path.realpath(browser)).parent / "chrome-sandbox"))
    for candidate in filter(None, candidates):
        try:
            info = os.stat(candidate)
        except OSError:
            continue
        if info.st_uid == 0 and info.st_mode & stat.S_ISUID:
            return True
    return False


def launch_options(browser: str) -> dict[str, Any]:
    """Playwright's launch options: sandboxed where possible, a scrubbed environment, no network of its own.

    The proxy switches are added when the browser starts (`crawler.browser.handler`), once the proxy
    has a port.
    """
    args = list(LAUNCH_ARGS)
    problem = sandbox_problem(browser)
    if problem is not None:
        logger.warning("Chromium runs without its sandbox: %s", problem)
        args.append("--no-sandbox")
    return {
        "executable_path": browser,
        "headless": True,
        "args": args,
        "chromium_sandbox": problem is None,  # Playwright adds --no-sandbox unless told otherwise
        "env": browser_env(),
    }


def configure(settings: Settings, allow: AllowList) -> str | None:
    """Install scrapy-playwright's download handler when a browser is available; return its path."""
    browser = find_browser(settings.get("DUWANG_BROWSER"))
    if browser is None:
        return None
    try:
        import scrapy_playwright  # noqa: F401
    except ImportError:
        return None
    handler = "crawler.browser.handler.BrowserDownloadHandler"  # starts the browser on first use
    settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="spider")
    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority="spider")
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch_options(browser), priority="spider")
    settings.set("PLAYWRIGHT_ABORT_REQUEST", AbortOffList(allow), priority="spider")
    # What the allow-list proxy lets through (crawler.browser.netguard); it answers TLS with its own
    # certificate.
    settings.set("DUWANG_BROWSER_ALLOWS", allow.allows, priority="spider")
    settings.set("PLAYWRIGHT_CONTEXTS", {"default": {"ignore_https_errors": True}}, priority="spider")
    settings.set("PLAYWRIGHT_MAX_CONTEXTS", 1, priority="spider")
    settings.set(
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT", settings.getint("DUWANG_RENDER_CONCURRENCY", 2), priority="spider"
    )
    return browser


class AbortOffList:
    """PLAYWRIGHT_ABORT_REQUEST: True for what the browser must not fetch."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow

    def __call__(self, request: Any) -> bool:
        if request.resource_type in SKIPPED_RESOURCES:
            return True
        return not request.url.startswith("data:") and not self.allow.allows(request.url)


def wants_render(selector: Selector, dated_items: int, mode: str, forced: bool = False) -> bool:
    """Whether a fetched page should be read again through the browser.

    `forced`: a column hint says render = "always". A site-wide "always" renders every page without dated
    entries that runs a script; "auto" only those showing an empty list container and a loading script.
    """
    if forced:
        return True
    if mode == "never" or dated_items:
        return False
    inline = " ".join(
        text
        for text in selector.xpath("//script[not(@src)]/text()").getall()
        if not BADGE_SCRIPT_RE.search(text)
    )
    if mode == "always":
        return bool(inline.strip()) or bool(selector.xpath("//script[@src]"))
    return bool(selector.xpath(EMPTY_LIST_XPATH)) and bool(LOADER_RE.search(inline))


def page_methods() -> list[Any]:
    """What the browser does after loading: wait until the page's own requests have settled."""
    from scrapy_playwright.page import PageMethod

    return [PageMethod("wait_for_load_state", "networkidle")]
