"""The fact store: every line of SQL in duwang lives in this package, organised by stage.

A SQLite database (WAL mode) opened through sqlite-utils; its schema is built by the `MIGRATIONS` set, so an
older database is upgraded in place when a newer duwang opens it. Tables:

- `runs`: one row per crawl run (start, end, status, per-run stats as JSON, and why a failed run failed).
- `run_sites`: one row per site and run (status, pages, checks, links, errors; extract_errors: parts of
  stored pages that could not be read; what the crawl's limits left out: outside checks made and skipped
  over the budget, whether the deadline stopped it).
- `pages`: one row per URL fetched (or deliberately not fetched) in a run: status or error class, final URL,
  content type, size, elapsed seconds, title, content hash, depth, and the first visible text.
- `links`: every link seen on a crawled page (source, target, tag and attribute, kind, anchor text, scope).
- `list_items`: dated list entries per page (title, URL, raw date text) for the freshness checks.
- `page_meta`: the page's `<meta name=...>` tags (SiteIDCode, ColumnName, PubDate, ...).
- `footers`: footer text and forms of each site's start pages, for the page-element checks.
- `checked_sites`: which sites of a run the checks looked at (a site without a row has no verdict: 未检查).
- `page_texts`: each page's main text, compressed, for the content check; `confirmations`: a person's
  decision on a content finding (`duwang confirm`).
- `tech_probes`: HTTPS, certificate and IPv6 probes (crawler/probes/tech.py; `store/tech.py`).
- `alert_log`: alerts sent (or not) to the group robots, one row per alert and channel
(crawler/app/alerts.py). - `messages`: consultation messages (留言时间, 回复时间, 状态) read off mailbox lists
  and letters' pages (crawler/pages/mailbox.py, `store/messages.py`), for the 互动回应 check.

Writes of one run never touch another run's rows, so a crashed run cannot damage earlier ones.

Opening refuses, with a `StoreError` naming the file, a database that is missing (unless the caller may
create one), is not a SQLite database or is damaged, cannot be written (duwang writes even to read: WAL), or
holds a migration this duwang does not know (written by a newer version: using it could lose its data).

The parts, each a class that `Store` composes (one connection, one object for callers):

- `errors`: `StoreError` and the operator messages about a database file;
- `migrations`: the schema (m001…m013) and the refusal of a newer one;
- `connection`: opening, closing (`with Store(path) as store:`), write transactions;
- `runs`: runs, per-site stats, scheduled jobs, crashed runs, retention (`prune`);
- `facts`: pages and what was seen on them, written by the crawl, read back by it and the reports;
- `checkfacts`: the same facts loaded, by column name, as the checks' dataclasses;
- `findings`: the checks' findings and the sites they looked at;
- `outbox`: the mail log;
- `probes`: availability probes;
- `texts`: page texts (zlib) for the content check;
- `alerts`: the alert log;
- `messages`: consultation messages for the 互动回应 check.
"""

from __future__ import annotations

from crawler.store.alerts import AlertStore
from crawler.store.checkfacts import CheckFactStore, SiteRows
from crawler.store.connection import now_iso
from crawler.store.errors import StoreError, database_error
from crawler.store.facts import FactStore
from crawler.store.findings import FindingStore
from crawler.store.messages import site_messages
from crawler.store.migrations import MIGRATIONS
from crawler.store.outbox import OutboxStore
from crawler.store.probes import ProbeStore
from crawler.store.runs import PruneResult, RunStore
from crawler.store.texts import page_texts

__all__ = [
    "MIGRATIONS",
    "PruneResult",
    "SiteRows",
    "Store",
    "StoreError",
    "database_error",
    "now_iso",
    "page_texts",
    "site_messages",
]


class Store(RunStore, FactStore, CheckFactStore, FindingStore, OutboxStore, ProbeStore, AlertStore):
    """A duwang database: `Store(path, create=True)`, one per process, not shared across threads; close it,
    or open it as `with Store(path) as store:`.

    `create=False` (commands that only read facts, or add findings to a crawl) refuses a missing file
    instead of creating an empty database that would only answer "nothing crawled yet".
    """
