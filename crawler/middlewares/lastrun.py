"""What the last completed run knows, for the next crawl: its validators, its facts, its slow failures.

`StoreLastRun` is the storage backend of `RevalidationMiddleware` (as Scrapy's FilesystemCacheStorage is
HttpCacheMiddleware's) and the source of `CrawlLimitsMiddleware`'s trouble-first order. It wraps the fact
store; it is the only crawl component besides the pipeline, the dupefilter and the sweep that reads it.
One instance per crawler (`last_run(crawler)`), opened on first use, closed when the spider closes.

Settings: DUWANG_INCREMENTAL (False: an empty last run, nothing revalidated or put first), DUWANG_DB,
DUWANG_LAST_RUN_STORAGE (the class, default this one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.utils.misc import load_object

from crawler.failures import TRANSIENT
from crawler.items import PageFact
from crawler.store import Store
from crawler.vocab import RunStatus

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_OPENED: WeakKeyDictionary[Crawler, Any] = WeakKeyDictionary()


class StoreLastRun:
    def __init__(self, db: str | None) -> None:
        self.store: Store | None = None
        self.run_id: int | None = None
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.trouble: set[str] = set()  # URLs that failed transiently last time and the pages leading there
        if db is None:
            return
        store = Store(db)
        run = store.latest_run(RunStatus.COMPLETED)
        if run is None:
            store.close()
            return
        self.store, self.run_id = store, run["id"]
        self.validators = store.validators(run["id"])
        self.trouble = store.trouble_paths(run["id"], TRANSIENT)

    def validators_of(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified the last run got for `url`."""
        return self.validators.get(url, (None, None))

    def carried_fact(self, url: str) -> PageFact | None:
        """The last run's fact of `url`, with its links, or None when it has none."""
        if self.store is None or self.run_id is None:
            return None
        return self.store.carried_fact(self.run_id, url)

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def last_run(crawler: Crawler) -> Any:
    """The crawler's last-run storage, opened once (an empty one when the crawl is not incremental)."""
    if crawler not in _OPENED:
        settings = crawler.settings
        storage_class = load_object(settings.get("DUWANG_LAST_RUN_STORAGE", StoreLastRun))
        db = settings.get("DUWANG_DB") if settings.getbool("DUWANG_INCREMENTAL", True) else None
        storage = storage_class(db)
        _OPENED[crawler] = storage

        def close(spider: Any) -> None:
            storage.close()

        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
    return _OPENED[crawler]
