"""The fact store: every line of SQL in duwang lives here.

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
- `messages`: consultation messages (留言时间, 回复时间, 状态) read off mailbox lists and message pages.
- `checked_sites`: which sites of a run the checks looked at (a site without a row has no verdict: 未检查).

Writes of one run never touch another run's rows, so a crashed run cannot damage earlier ones.

Opening refuses, with a `StoreError` naming the file, a database that is missing (unless the caller may
create one), is not a SQLite database or is damaged, cannot be written (duwang writes even to read: WAL), or
holds a migration this duwang does not know (written by a newer version: using it could lose its data).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from crawler import __version__
from crawler.items import LinkFact, PageFact
from crawler.vocab import RunStatus

MIGRATIONS = Migrations("duwang")


@MIGRATIONS()
def m001_facts(db: Database) -> None:
    db["runs"].create(
        {
            "id": int,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "sites": str,
            "config": str,
            "pid": int,
            "hostname": str,
            "duwang_version": str,
            "stats": str,
        },
        pk="id",
    )
    db["run_sites"].create(
        {
            "run_id": int,
            "site_id": str,
            "name": str,
            "kind": str,
            "status": str,
            "started_at": str,
            "ended_at": str,
            "pages": int,
            "checks": int,
            "links": int,
            "errors": int,
            "bytes": int,
        },
        pk=("run_id", "site_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["pages"].create(
        {
            "run_id": int,
            "url": str,
            "site_id": str,
            "role": str,
            "depth": int,
            "referer": str,
            "status": int,
            "final_url": str,
            "content_type": str,
            "size": int,
            "elapsed": float,
            "title": str,
            "content_hash": str,
            "fetched_at": str,
            "error": str,
            "error_detail": str,
            "encoding": str,
            "text_excerpt": str,
            "script_count": int,
        },
        pk=("run_id", "url"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["pages"].create_index(["run_id", "site_id"])
    db["links"].create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "source_url": str,
            "target_url": str,
            "tag": str,
            "attr": str,
            "kind": str,
            "anchor_text": str,
            "in_scope": int,
            "fetchable": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["links"].create_index(["run_id", "site_id"])
    db["links"].create_index(["run_id", "target_url"])
    db["list_items"].create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "page_url": str,
            "container": str,
            "position": int,
            "title": str,
            "url": str,
            "date_text": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["list_items"].create_index(["run_id", "page_url"])
    db["page_meta"].create(
        {"run_id": int, "page_url": str, "name": str, "content": str},
        pk=("run_id", "page_url", "name"),
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["footers"].create(
        {"run_id": int, "site_id": str, "page_url": str, "text": str, "forms": str},
        pk=("run_id", "page_url"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@MIGRATIONS()
def m002_rendering_reprobes_probes(db: Database) -> None:
    db["pages"].add_column("render_state", str)
    db["pages"].add_column("reprobe_status", int)
    db["pages"].add_column("reprobe_error", str)
    db["probes"].create(
        {
            "id": int,
            "site_id": str,
            "url": str,
            "probed_at": str,
            "ok": int,
            "status": int,
            "elapsed": float,
            "error": str,
        },
        pk="id",
    )
    db["probes"].create_index(["site_id", "probed_at"])


@MIGRATIONS()
def m003_findings(db: Database) -> None:
    db["findings"].create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "check": str,
            "severity": str,
            "url": str,
            "page": str,
            "column": str,
            "section": str,
            "element": str,
            "detail": str,
            "evidence": str,
            "checked_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["findings"].create_index(["run_id", "site_id"])


@MIGRATIONS()
def m004_mail_and_jobs(db: Database) -> None:
    db["mail_log"].create(
        {
            "run_id": int,
            "site_id": str,
            "recipient": str,
            "status": str,
            "message_id": str,
            "attempts": int,
            "error": str,
            "updated_at": str,
        },
        pk=("run_id", "site_id", "recipient"),
    )
    db["job_runs"].create(
        {
            "id": int,
            "job": str,
            "started_at": str,
            "ended_at": str,
            "outcome": str,
            "error": str,
            "detail": str,
        },
        pk="id",
    )
    db["job_runs"].create_index(["job", "started_at"])


@MIGRATIONS()
def m005_revalidation(db: Database) -> None:
    db["pages"].add_column("etag", str)
    db["pages"].add_column("last_modified", str)
    db["pages"].add_column("revalidated", int)
    db["links"].create_index(["run_id", "source_url"])  # a 304 reads its page's links back


@MIGRATIONS()
def m006_site_entries(db: Database) -> None:
    db["list_items"].create_index(["run_id", "site_id"])  # the checks load one site at a time


@MIGRATIONS()
def m007_page_kinds(db: Database) -> None:
    db.table("pages").add_column("kind", str)  # crawler/pagekind.py
    db.table("pages").add_column("kind_evidence", str)  # JSON: the signals behind `kind`
    db.table("list_items").add_column("list_name", str)  # the heading or tab label of the item's list


@MIGRATIONS()
def m008_extract_errors(db: Database) -> None:
    # Attributes a page's markup broke (a malformed <base href>, a full-width '／' in a form action): the
    # page is stored without them, and the run counts them per site.
    db.table("pages").add_column("extract_errors", str)
    db.table("run_sites").add_column("extract_errors", int)


@MIGRATIONS()
def m009_checked_sites(db: Database) -> None:
    # A site with no findings and a site never checked both have no findings rows: only this tells them apart.
    db.table("checked_sites").create(
        {"run_id": int, "site_id": str, "checked_at": str},
        pk=("run_id", "site_id"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@MIGRATIONS()
def m010_crawl_limits(db: Database) -> None:
    # What a crawl's limits left out, per site (crawler/pipelines.py): the checks report it as info.
    db.table("run_sites").add_column("outside_checks", int)  # status checks of outside links made
    db.table("run_sites").add_column("outside_skipped", int)  # outside links left unchecked: budget spent
    db.table("run_sites").add_column("outside_budget", int)  # the site's max_outside_checks
    db.table("run_sites").add_column("stopped_by", str)  # "deadline": ended before the site was done
    db.table("run_sites").add_column("unfinished", int)  # URLs requested but not fetched when it ended
    db.table("run_sites").add_column("max_minutes", float)  # the crawl's deadline


@MIGRATIONS()
def m011_run_errors(db: Database) -> None:
    db.table("runs").add_column("error", str)  # why a failed run failed (e.g. the database refused a write)


@MIGRATIONS()
def m012_shared_facts(db: Database) -> None:
    # The run whose links, list_items, page_meta and footers rows hold what this page showed: its own run
    # when read afresh, the run that read it when a 304 carried it over. An unchanged page's facts are then
    # stored once, however many inspections see it unchanged.
    db.table("pages").add_column("facts_run", int)
    db.execute("update pages set facts_run = run_id")


@MIGRATIONS()
def m013_retention(db: Database) -> None:
    db.table("runs").add_column(
        "pruned_at", str
    )  # when `duwang prune` deleted the run's facts (findings stay)


@MIGRATIONS()
def m014_tech_probes(db: Database) -> None:
    # Site technical probes (crawler/techprobe.py): HTTPS and certificate, IPv6 reachability.
    db.table("tech_probes").create(
        {
            "id": int,
            "site_id": str,
            "probed_at": str,
            "https_url": str,
            "https": str,
            "https_error": str,
            "cert_verified": int,
            "verify_error": str,
            "cert_not_after": str,
            "cert_subject": str,
            "cert_issuer": str,
            "cert_names": str,  # JSON list
            "hostname_match": int,
            "ipv6": str,
            "ipv6_addresses": str,  # JSON list
            "ipv6_error": str,
        },
        pk="id",
    )
    db.table("tech_probes").create_index(["site_id", "probed_at"])


# What pruning deletes of a run, table by table with the column naming the page: the crawl facts. The run's
# row, run_sites, findings, checked_sites and mail_log stay (reports, trends and periods read them).
_PRUNED_FACTS = (
    ("links", "source_url"),
    ("list_items", "page_url"),
    ("page_meta", "page_url"),
    ("footers", "page_url"),
    ("page_texts", "page_url"),
    ("messages", "page_url"),
)


@dataclass
class PruneResult:
    """What `Store.prune` deleted (or, on a dry run, would delete)."""

    runs: list[int]  # runs whose facts went (or go)
    kept: list[int]  # the completed runs whose facts stay
    rows: dict[str, int]  # rows deleted per table
    bytes_before: int  # bytes in use before (pages in use × page size)
    bytes_after: int  # bytes in use after, and after VACUUM the file's size
    vacuum_error: str | None = None  # VACUUM needs free disk for a copy of the database: it may fail


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class StoreError(Exception):
    """The database cannot be used as it is; the message names the file and what to do."""


class Store:
    """A duwang database. Open one per process; it is not shared across threads.

    `create=False` (commands that only read facts, or add findings to a crawl) refuses a missing file
    instead of creating an empty database that would only answer "nothing crawled yet".
    """

    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.path = Path(path)
        _check_file(self.path, create)
        if not self.path.exists() and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True)
        try:
            self.db = Database(self.path)
        except sqlite3.Error as error:
            raise StoreError(database_error(self.path, error)) from None
        try:
            # A crawl writes while a report may read: wait for the lock instead of failing at once.
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.enable_wal()  # the first statement that reads the file: not SQLite fails here
            self._refuse_newer_schema()
            MIGRATIONS.apply(self.db)
        except sqlite3.Error as error:
            self.db.close()
            raise StoreError(database_error(self.path, error)) from None
        except StoreError:
            self.db.close()
            raise

    def _refuse_newer_schema(self) -> None:
        """A migration applied to the file that this duwang does not know came from a newer duwang: its
        tables may hold data this version would neither read nor carry over, so the file is not used."""
        known = {migration.name for migration in MIGRATIONS._migrations}
        unknown = [m.name for m in MIGRATIONS.applied(self.db) if m.name not in known]
        if unknown:
            raise StoreError(
                f"{self.path}: 数据库由较新版本的 duwang 创建 database written by a newer duwang "
                f"(schema {', '.join(unknown)} unknown to duwang {__version__}); "
                "upgrade duwang, or give --db another file"
            )

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """A write transaction that takes the write lock at once (BEGIN IMMEDIATE).

        Several crawl processes write one database: a deferred transaction that reads first and writes
        later can fail at once with "database is locked" when another process wrote meanwhile, whereas an
        immediate one waits for the lock (busy_timeout).
        """
        if self.db.conn.in_transaction:
            yield self
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            # SQLite has already rolled back after some errors (SQLITE_FULL among them): a second ROLLBACK
            # would fail and hide the error that matters.
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- runs ---------------------------------------------------------------------------------------

    def begin_run(self, site_ids: Iterable[str], config: str | Path) -> int:
        """Record a new run as running and return its id; first close any run whose process died."""
        self.recover_crashed_runs()
        table = self.db["runs"]
        table.insert(
            {
                "started_at": now_iso(),
                "status": RunStatus.RUNNING,
                "sites": json.dumps(list(site_ids)),
                "config": str(config),
                "pid": os.getpid(),
                "hostname": socket.gethostname(),
                "duwang_version": __version__,
                "stats": "{}",
            }
        )
        return int(table.last_pk)

    def end_run(self, run_id: int, status: RunStatus, stats: dict[str, Any]) -> None:
        self.db["runs"].update(
            run_id,
            {
                "ended_at": now_iso(),
                "status": status,
                "stats": json.dumps(stats, ensure_ascii=False, default=str),
            },
        )

    def fail_run(self, run_id: int, error: str, ended: bool = True) -> None:
        """Mark a run failed with its reason in one small update (no stats): after the disk filled up, this is
        the write most likely still to fit. `ended=False` records only the reason, for a crawl process that
        writes into a run its parent will close."""
        values: dict[str, Any] = {"error": error}
        if ended:
            values |= {"status": RunStatus.FAILED, "ended_at": now_iso()}
        self.db["runs"].update(run_id, values)

    def limit_pages(self, max_pages: int) -> None:
        """Refuse writes past `max_pages` SQLite pages on this connection ("database or disk is full")."""
        self.db.execute(f"PRAGMA max_page_count = {int(max_pages)}")

    def recover_crashed_runs(self) -> list[int]:
        """Mark as crashed every run still 'running' whose process on this machine is gone."""
        crashed = []
        hostname = socket.gethostname()
        for row in self.db.query("select id, pid, hostname from runs where status = ?", [RunStatus.RUNNING]):
            if row["hostname"] == hostname and not _process_alive(row["pid"]):
                crashed.append(row["id"])
        for run_id in crashed:
            self.db["runs"].update(run_id, {"status": RunStatus.CRASHED, "ended_at": now_iso()})
            self.db.execute(
                "update run_sites set status = ? where run_id = ? and status = ?",
                [RunStatus.CRASHED, run_id, RunStatus.RUNNING],
            )
        return crashed

    # -- retention --------------------------------------------------------------------------------------

    def prune(self, keep: int, dry_run: bool = False, vacuum: bool = True) -> PruneResult:
        """Delete the crawl facts of runs older than the latest `keep` completed ones, then VACUUM.

        A pruned run keeps its row, run_sites, findings, checked_sites and mail_log: reports, trends and
        period reports read only those. Rows that a kept run's carried-over pages still reference (an
        unchanged page's links, stored once by the run that read it) stay until no kept page uses them.
        Running runs are never touched; `keep` is at least 1, because the next crawl revalidates against
        the latest completed run. `dry_run` counts the same deletions inside a transaction it rolls back.
        """
        if keep < 1:
            raise ValueError(f"keep must be at least 1, not {keep}")
        completed = [
            row[0]
            for row in self.db.execute(
                "select id from runs where status = ? order by id desc", [RunStatus.COMPLETED]
            )
        ]
        kept = sorted(completed[:keep])
        before = self.used_bytes()
        if len(completed) <= keep:
            return PruneResult([], kept, {}, before, before)
        if dry_run:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                pruned, rows = self._delete_facts_before(kept[0])
            finally:
                self.db.execute("ROLLBACK")
            return PruneResult(pruned, kept, rows, before, before)
        with self.transaction():
            pruned, rows = self._delete_facts_before(kept[0])
        result = PruneResult(pruned, kept, rows, before, self.used_bytes())
        if vacuum and any(rows.values()):
            try:
                # The freed pages would be reused by later runs anyway; VACUUM gives them back to the disk.
                self.db.execute("VACUUM")
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # VACUUM wrote the whole file to the WAL
                result.bytes_after = self.used_bytes()
            except sqlite3.Error as error:
                result.vacuum_error = f"{type(error).__name__}: {error}"
        return result

    def _delete_facts_before(self, cutoff: int) -> tuple[list[int], dict[str, int]]:
        """Inside a transaction: delete the facts of every run before `cutoff` that is not running, except
        rows a later run's pages reference. Returns the runs pruned now (not before) and rows per table."""
        self.db.execute("create temp table if not exists prune_runs (id integer primary key)")
        self.db.execute(
            "create temp table if not exists prune_shared (run_id, url, primary key (run_id, url))"
        )
        self.db.execute("delete from temp.prune_runs")
        self.db.execute("delete from temp.prune_shared")
        # Runs pruned before come again: rows they still shared may have lost their last reference.
        self.db.execute(
            "insert into temp.prune_runs select id from runs where id < ? and status != ?",
            [cutoff, RunStatus.RUNNING],
        )
        pruned = [
            row[0]
            for row in self.db.execute(
                "select id from runs where id in (select id from temp.prune_runs) and pruned_at is null"
                " order by id"
            )
        ]
        # Fact rows of pruned runs that pages of kept runs were carried over from.
        self.db.execute(
            "insert or ignore into temp.prune_shared select facts_run, url from pages"
            " where facts_run in (select id from temp.prune_runs)"
            " and run_id not in (select id from temp.prune_runs)"
        )
        rows = {
            "pages": self.db.execute(
                "delete from pages where run_id in (select id from temp.prune_runs)"
            ).rowcount
        }
        for table, page_column in _PRUNED_FACTS:
            rows[table] = self.db.execute(
                f"delete from {table} where run_id in (select id from temp.prune_runs) and not exists"
                f" (select 1 from temp.prune_shared s where s.run_id = {table}.run_id"
                f" and s.url = {table}.{page_column})"
            ).rowcount
        at = now_iso()
        self.db.conn.executemany("update runs set pruned_at = ? where id = ?", [(at, run) for run in pruned])
        return pruned, rows

    def used_bytes(self) -> int:
        """Bytes the database's pages in use take (free pages left by deletions not counted)."""
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * self.db.execute("PRAGMA page_size").fetchone()[0])

    def run(self, run_id: int) -> dict[str, Any]:
        return dict(self.db["runs"].get(run_id))

    def runs(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from runs order by id"))

    def latest_run(self, status: RunStatus | None = RunStatus.COMPLETED) -> dict[str, Any] | None:
        where, params = ("where status = ?", [status]) if status else ("", [])
        rows = list(self.db.query(f"select * from runs {where} order by id desc limit 1", params))
        return rows[0] if rows else None

    def save_site_stats(self, run_id: int, rows: Iterable[dict[str, Any]]) -> None:
        with self.transaction():
            self.db["run_sites"].upsert_all(
                ({"run_id": run_id, **row} for row in rows), pk=("run_id", "site_id")
            )

    def add_site_counts(
        self, run_id: int, rows: Iterable[dict[str, Any]], status: RunStatus | None = None
    ) -> None:
        """Add a later pass's checks, errors, bytes and extract errors to the run's site rows; `status`,
        when given, replaces theirs (a pass that did not finish leaves the run unfinished)."""
        with self.transaction():
            if status is not None:
                self.db.execute("update run_sites set status = ? where run_id = ?", [status, run_id])
            self.db.conn.executemany(
                "update run_sites set checks = coalesce(checks, 0) + ?, errors = coalesce(errors, 0) + ?,"
                " bytes = coalesce(bytes, 0) + ?, extract_errors = coalesce(extract_errors, 0) + ?"
                " where run_id = ? and site_id = ?",
                [
                    (
                        row["checks"],
                        row["errors"],
                        row["bytes"],
                        row["extract_errors"],
                        run_id,
                        row["site_id"],
                    )
                    for row in rows
                ],
            )

    def run_urls(self, run_id: int) -> set[str]:
        """Every URL a run fetched, or reached by redirect."""
        rows = self.db.execute("select url, final_url from pages where run_id = ?", [run_id])
        return {url for row in rows for url in row if url}

    def unfetched_link_targets(self, run_id: int) -> list[tuple[str, str, str, str, int]]:
        """Link targets on the allow-list that no row of the run answers for (neither as its URL nor as
        where a redirect landed): (target, linking site, one linking page, its kinds joined by ',', depth).

        After a crawl spread over processes these are links into a site another process crawled, which
        that process never reached (a deep page, an image only other sites use), plus pages left out by a
        site's page budget.
        """
        return self.db.execute(
            "with missing as ("
            " select l.target_url, min(s.site_id) as site_id, min(l.source_url) as source_url,"
            " group_concat(distinct l.kind) as kinds from pages s"
            " cross join links l on l.run_id = s.facts_run and l.source_url = s.url"
            " where s.run_id = ? and l.fetchable = 1"
            " and not exists (select 1 from pages p where p.run_id = s.run_id and p.url = l.target_url)"
            " group by l.target_url"
            ") select m.target_url, m.site_id, m.source_url, m.kinds, coalesce(p.depth, 0) + 1 from missing m"
            " left join pages p on p.run_id = ? and p.url = m.source_url"
            " where not exists (select 1 from pages f where f.run_id = ? and f.final_url = m.target_url)"
            " order by m.target_url",
            [run_id, run_id, run_id],
        ).fetchall()

    def last_site_sizes(self) -> dict[str, int]:
        """URLs (pages and checks) each site had in the latest completed run: how big its next crawl is."""
        run = self.latest_run(RunStatus.COMPLETED)
        if run is None:
            return {}
        rows = self.site_stats(run["id"])
        return {row["site_id"]: (row["pages"] or 0) + (row["checks"] or 0) for row in rows}

    def site_stats(self, run_id: int) -> list[dict[str, Any]]:
        """One row per site of the run, in the registry's order (crawl processes finish in any order)."""
        rows = list(self.db.query("select * from run_sites where run_id = ? order by rowid", [run_id]))
        runs = list(self.db.query("select sites from runs where id = ?", [run_id]))
        listed = json.loads(runs[0]["sites"] or "[]") if runs else []
        order = {site_id: index for index, site_id in enumerate(listed)}
        return sorted(rows, key=lambda row: order.get(row["site_id"], len(order)))

    # -- facts --------------------------------------------------------------------------------------

    def write_facts(self, run_id: int, facts: list[PageFact]) -> None:
        """Store a batch of page facts and everything seen on them, in one transaction."""
        pages, links, items, metas, footers, messages = [], [], [], [], [], []
        for fact in facts:
            # A carried page references the rows of the run that read it; only a page read now adds rows.
            facts_run = run_id if fact.carried_from is None else fact.carried_from
            pages.append((run_id, *(getattr(fact, name) for name in _PAGE_COLUMNS), facts_run))
            if fact.carried_from is not None:
                continue
            links.extend(
                (
                    run_id,
                    fact.site_id,
                    fact.url,
                    link.target_url,
                    link.tag,
                    link.attr,
                    link.kind,
                    link.anchor_text,
                    int(link.in_scope),
                    int(link.fetchable),
                )
                for link in fact.links
            )
            items.extend(
                (
                    run_id,
                    fact.site_id,
                    fact.url,
                    item.container,
                    item.position,
                    item.title,
                    item.url,
                    item.date_text,
                    item.list_name,
                )
                for item in fact.list_items
            )
            metas.extend((run_id, fact.url, name, content) for name, content in fact.meta.items())
            messages.extend(
                (run_id, fact.site_id, fact.url, *(getattr(m, name) for name in _MESSAGE_COLUMNS[3:]))
                for m in fact.messages
            )
            if fact.footer is not None or fact.forms:
                forms = json.dumps(fact.forms or [], ensure_ascii=False)
                footers.append((run_id, fact.site_id, fact.url, fact.footer, forms))
        with self.transaction():
            # replace: a URL is stored once per run; a later, fuller fact (e.g. after a retry) wins.
            self._insert_rows("pages", ("run_id", *_PAGE_COLUMNS, "facts_run"), pages, replace=True)
            self._insert_rows("links", _LINK_COLUMNS, links)
            self._insert_rows("list_items", _LIST_ITEM_COLUMNS, items)
            self._insert_rows("messages", _MESSAGE_COLUMNS, messages)
            self._insert_rows("page_meta", ("run_id", "page_url", "name", "content"), metas, replace=True)
            self._insert_rows(
                "footers", ("run_id", "site_id", "page_url", "text", "forms"), footers, replace=True
            )
            self._insert_rows("page_texts", PAGE_TEXT_COLUMNS, page_text_rows(run_id, facts), replace=True)

    def _insert_rows(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], replace: bool = False
    ) -> None:
        # The crawl's hot path: plain executemany over tuples. sqlite-utils' insert_all inspects and
        # converts every value of every row, which cost a tenth of the crawl's CPU.
        verb = "insert or replace" if replace else "insert"
        placeholders = ", ".join("?" * len(columns))
        sql = f"{verb} into [{table}] ({', '.join(columns)}) values ({placeholders})"
        self.db.conn.executemany(sql, rows)

    def pages(self, run_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        sql, params = "select * from pages where run_id = ?", [run_id]
        if site_id is not None:
            sql, params = sql + " and site_id = ?", [*params, site_id]
        return list(self.db.query(sql + " order by rowid", params))

    def validators(self, run_id: int) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified of the pages a run crawled, for conditional requests in the next run."""
        rows = self.db.query(
            "select url, etag, last_modified from pages where run_id = ? and role = 'page' and status = 200"
            " and (etag is not null or last_modified is not null)"
            # A URL answered through redirects holds the landing page's validators: asking the URL with
            # them gets a 304 for a page stored under another name. Such URLs are fetched afresh.
            " and (final_url is null or final_url = url)"
            # A page filled by script can change while its HTML does not: it is always read again.
            " and render_state is null",
            [run_id],
        )
        return {row["url"]: (row["etag"], row["last_modified"]) for row in rows}

    def trouble_paths(self, run_id: int, errors: Iterable[str]) -> set[str]:
        """URLs of a run that failed in a way that may pass (`errors`, or a 5xx), with every page on the
        referer chain from a start page to each of them."""
        codes = sorted(str(error) for error in errors)
        marks = ", ".join("?" * len(codes))
        rows = self.db.execute(
            "with recursive chain(url) as ("
            f" select url from pages where run_id = ? and (error in ({marks}) or status >= 500)"
            " union"
            " select p.referer from pages p join chain c on p.url = c.url"
            " where p.run_id = ? and p.referer is not null"
            ") select url from chain",
            [run_id, *codes, run_id],
        ).fetchall()
        return {url for (url,) in rows}

    def carried_fact(self, run_id: int, url: str) -> PageFact | None:
        """An unchanged page's fact to carry over from a run: its row and its links (for the spider to
        follow); the rest is copied by `write_facts` in SQL."""
        row = self.page(run_id, url)
        if row is None:
            return None
        fact = PageFact(**{name: row[name] for name in _PAGE_COLUMNS})
        # The run holding its rows: `run_id` itself, or the earlier run `run_id` carried the page from.
        fact.carried_from = row["facts_run"] if row["facts_run"] is not None else run_id
        fact.links = [
            LinkFact(target, tag, attr, kind, anchor, bool(in_scope), bool(fetchable))
            for target, tag, attr, kind, anchor, in_scope, fetchable in self.db.execute(
                "select target_url, tag, attr, kind, anchor_text, in_scope, fetchable from links"
                " where run_id = ? and source_url = ? order by id",
                [fact.carried_from, url],
            )
        ]
        return fact

    def page(self, run_id: int, url: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from pages where run_id = ? and url = ?", [run_id, url]))
        return rows[0] if rows else None

    def links(self, run_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        """Every link on the run's pages (those its pages carried over included), as rows of `links` with
        the run's id and the linking page's site."""
        sql = (
            "select l.id, p.run_id, p.site_id, l.source_url, l.target_url, l.tag, l.attr, l.kind,"
            " l.anchor_text, l.in_scope, l.fetchable"
            " from pages p cross join links l on l.run_id = p.facts_run and l.source_url = p.url"
            " where p.run_id = ?"
        )
        params: list[Any] = [run_id]
        if site_id is not None:
            sql, params = sql + " and p.site_id = ?", [*params, site_id]
        return list(self.db.query(sql + " order by l.run_id, l.id", params))

    def list_items(self, run_id: int, page_url: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from list_items where run_id = ? and page_url = ? order by container, position",
                [self.facts_run(run_id, page_url), page_url],
            )
        )

    def page_meta(self, run_id: int, page_url: str) -> dict[str, str]:
        rows = self.db.query(
            "select name, content from page_meta where run_id = ? and page_url = ?",
            [self.facts_run(run_id, page_url), page_url],
        )
        return {row["name"]: row["content"] for row in rows}

    def facts_run(self, run_id: int, page_url: str) -> int:
        """The run whose rows hold what the page showed in `run_id` (an earlier run when carried over)."""
        row = self.db.execute(
            "select facts_run from pages where run_id = ? and url = ?", [run_id, page_url]
        ).fetchone()
        return row[0] if row and row[0] is not None else run_id

    def run_pages(self, run_id: int) -> list[tuple[Any, ...]]:
        """Every URL of a run with what the checks read of it (link targets may belong to any site), as
        tuples in the field order of `checks.facts.Page`."""
        return self.db.execute(
            "select url, site_id, role, depth, status, final_url, content_type, title,"
            " text_excerpt as text, error, render_state, reprobe_status, reprobe_error, kind, kind_evidence"
            " from pages where run_id = ?",
            [run_id],
        ).fetchall()

    def site_facts(self, run_id: int, site_id: str) -> dict[str, list[tuple[Any, ...]]]:
        """What one site's pages held in a run, table by table, as tuples in the field order of the
        `checks.facts` dataclasses. One site at a time: at 25 sites × 2,000 pages the links alone are half
        a million rows, and plain tuples load four times faster than dicts."""
        # Each page's rows are those of its facts run (itself, or the run a 304 carried it from); CROSS
        # JOIN makes SQLite walk the site's pages and look each one's rows up by index, never the reverse.
        # Rows keep the order they were read in, oldest run first.
        tables = {
            # checks.facts.Link
            "links": "select l.source_url, l.target_url, l.tag, l.attr, l.kind, l.anchor_text,"
            " l.in_scope != 0, l.fetchable != 0"  # SQLite's 1 and 0 stand for the booleans
            " from pages p cross join links l on l.run_id = p.facts_run and l.source_url = p.url"
            " where p.run_id = ? and p.site_id = ? order by l.run_id, l.id",
            # checks.facts.Entry
            "entries": "select i.page_url, i.container, i.position, i.title, i.url, i.date_text,"
            " coalesce(i.list_name, '')"
            " from pages p cross join list_items i on i.run_id = p.facts_run and i.page_url = p.url"
            " where p.run_id = ? and p.site_id = ? order by i.run_id, i.id",
            "meta": "select m.page_url, m.name, m.content from pages p"
            " cross join page_meta m on m.run_id = p.facts_run and m.page_url = p.url"
            " where p.run_id = ? and p.site_id = ?",
            # checks.facts.Message
            "messages": "select g.page_url, g.position, g.title, g.url, g.asked_text, g.replied_text,"
            " g.state, g.source from pages p"
            " cross join messages g on g.run_id = p.facts_run and g.page_url = p.url"
            " where p.run_id = ? and p.site_id = ? order by g.run_id, g.id",
            "footers": "select f.page_url, f.text, f.forms from pages p"
            " cross join footers f on f.run_id = p.facts_run and f.page_url = p.url"
            " where p.run_id = ? and p.site_id = ?",
        }
        return {name: self.db.execute(sql, [run_id, site_id]).fetchall() for name, sql in tables.items()}

    # -- findings -------------------------------------------------------------------------------------

    def replace_findings(
        self, run_id: int, rows: list[dict[str, Any]], checked: Iterable[str] | None = None
    ) -> None:
        """Store a run's findings, replacing those of an earlier check of the same run.

        `checked`: the sites the checks looked at, recorded in the same transaction. Without it, the run
        reads as databases written before `checked_sites` existed: every site it crawled counts as checked."""
        with self.transaction():
            self.db.execute("delete from findings where run_id = ?", [run_id])
            self.db["findings"].insert_all(
                {"run_id": run_id, **row, "evidence": json.dumps(row.get("evidence", {}), ensure_ascii=False)}
                for row in rows
            )
            self.db.execute("delete from checked_sites where run_id = ?", [run_id])
            at = now_iso()
            self.db["checked_sites"].insert_all(
                {"run_id": run_id, "site_id": site_id, "checked_at": at}
                for site_id in dict.fromkeys(checked or ())
            )

    def findings(self, run_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        sql, params = "select * from findings where run_id = ?", [run_id]
        if site_id is not None:
            sql, params = sql + " and site_id = ?", [*params, site_id]
        rows = list(self.db.query(sql + " order by id", params))
        for row in rows:
            row["evidence"] = json.loads(row["evidence"] or "{}")
        return rows

    def checked_runs(self) -> list[int]:
        return [
            row["run_id"]
            for row in self.db.query(
                "select run_id from findings union select run_id from checked_sites order by run_id"
            )
        ]

    def checked_sites(self, run_id: int) -> set[str]:
        """The sites of a checked run that the checks looked at; any other site has no verdict (未检查)."""
        recorded = {
            row[0] for row in self.db.execute("select site_id from checked_sites where run_id = ?", [run_id])
        }
        if recorded:
            return recorded
        # Checked before `checked_sites` existed: every site the run crawled was checked then.
        legacy = self.db.execute("select 1 from findings where run_id = ? limit 1", [run_id]).fetchone()
        return {row["site_id"] for row in self.site_stats(run_id)} if legacy else set()

    # -- mail ---------------------------------------------------------------------------------------------

    def mail_status(self, run_id: int, site_id: str, recipient: str) -> str | None:
        rows = list(
            self.db.query(
                "select status from mail_log where run_id = ? and site_id = ? and recipient = ?",
                [run_id, site_id, recipient],
            )
        )
        return rows[0]["status"] if rows else None

    def record_mail(
        self,
        run_id: int,
        site_id: str,
        recipient: str,
        status: str,
        message_id: str | None,
        error: str | None = None,
    ) -> None:
        """Record one message's state at once (committed before the next step of sending it).

        `attempts` counts the tries: "sent" follows the "sending" of the same try and does not add one."""
        attempts = self.db.execute(
            "select attempts from mail_log where run_id = ? and site_id = ? and recipient = ?",
            [run_id, site_id, recipient],
        ).fetchone()
        self.db["mail_log"].upsert(
            {
                "run_id": run_id,
                "site_id": site_id,
                "recipient": recipient,
                "status": status,
                "message_id": message_id,
                "attempts": (attempts[0] if attempts else 0) + (status != "sent"),
                "error": error,
                "updated_at": now_iso(),
            },
            pk=("run_id", "site_id", "recipient"),
        )

    def mail_log(self, run_id: int) -> list[dict[str, Any]]:
        return list(
            self.db.query("select * from mail_log where run_id = ? order by site_id, recipient", [run_id])
        )

    # -- scheduled jobs -------------------------------------------------------------------------------------

    def begin_job(self, job: str) -> int:
        table = self.db["job_runs"]
        table.insert({"job": job, "started_at": now_iso(), "outcome": "running"})
        return int(table.last_pk)

    def end_job(
        self, job_run_id: int, outcome: str, error: str | None = None, detail: str | None = None
    ) -> None:
        self.db["job_runs"].update(
            job_run_id, {"ended_at": now_iso(), "outcome": outcome, "error": error, "detail": detail}
        )

    def job_runs(self, job: str | None = None) -> list[dict[str, Any]]:
        sql, params = "select * from job_runs", []
        if job is not None:
            sql, params = sql + " where job = ?", [job]
        return list(self.db.query(sql + " order by id", params))

    def last_job_start(self, job: str) -> str | None:
        row = self.db.execute(
            "select max(started_at) from job_runs where job = ? and outcome != 'running'", [job]
        ).fetchone()
        return row[0] if row else None

    # -- probes ---------------------------------------------------------------------------------------

    def add_probes(self, results: Iterable[Any]) -> None:
        """Store availability probe results (objects with the `probes` columns as attributes)."""
        rows = [
            {
                "site_id": r.site_id,
                "url": r.url,
                "probed_at": r.probed_at,
                "ok": int(r.ok),
                "status": r.status,
                "elapsed": r.elapsed,
                "error": r.error,
            }
            for r in results
        ]
        self.db["probes"].insert_all(rows)

    def probes(self, site_id: str, since: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from probes where site_id = ? and probed_at >= ? order by probed_at",
                [site_id, since],
            )
        )

    def footers(self, run_id: int, site_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select p.run_id, p.site_id, f.page_url, f.text, f.forms from pages p"
                " cross join footers f on f.run_id = p.facts_run and f.page_url = p.url"
                " where p.run_id = ? and p.site_id = ?",
                [run_id, site_id],
            )
        )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


_LINK_COLUMNS = (
    "run_id",
    "site_id",
    "source_url",
    "target_url",
    "tag",
    "attr",
    "kind",
    "anchor_text",
    "in_scope",
    "fetchable",
)
_MESSAGE_COLUMNS = (
    "run_id",
    "site_id",
    "page_url",
    "position",
    "title",
    "url",
    "asked_text",
    "replied_text",
    "state",
    "source",
)
_LIST_ITEM_COLUMNS = (
    "run_id",
    "site_id",
    "page_url",
    "container",
    "position",
    "title",
    "url",
    "date_text",
    "list_name",
)
_PAGE_COLUMNS = (
    "url",
    "site_id",
    "role",
    "depth",
    "referer",
    "status",
    "final_url",
    "content_type",
    "size",
    "elapsed",
    "title",
    "content_hash",
    "fetched_at",
    "error",
    "error_detail",
    "encoding",
    "text_excerpt",
    "script_count",
    "render_state",
    "reprobe_status",
    "reprobe_error",
    "etag",
    "last_modified",
    "revalidated",
    "kind",
    "kind_evidence",
    "extract_errors",
)


def _check_file(path: Path, create: bool) -> None:
    """Refuse what SQLite would otherwise half-open: a missing file (unless creating), a directory, or a file
    or folder duwang cannot write (WAL mode writes beside the database even to read it)."""
    if not path.exists():
        if not create:
            raise StoreError(
                f"{path}: 数据库不存在 no such database "
                "(check --db; `duwang crawl` or `duwang demo` creates one)"
            )
        return
    if not path.is_file():
        raise StoreError(f"{path}: 不是数据库文件 not a database file (give --db a file)")
    folder = path.parent
    for what, target in (("file", path), ("folder", folder)):
        if not os.access(target, os.R_OK | os.W_OK):
            raise StoreError(
                f"{path}: 数据库只读 database is read-only "
                f"(the {what} {target} is not writable by this user; "
                "duwang needs to write the database and its folder, even to read it)"
            )


def database_error(path: str | Path, error: sqlite3.Error) -> str:
    """One line for an operator about an SQLite error met opening or using the database at `path`."""
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return (
            f"{path}: 数据库文件已损坏或不是 SQLite 数据库 database damaged or not a SQLite database "
            f"({text}); restore it from a backup, or give --db another file"
        )
    if "readonly" in text or "read-only" in text:
        return f"{path}: 数据库只读 database is read-only ({text})"
    return f"{path}: 无法打开数据库 cannot open the database ({type(error).__name__}: {text})"


def _process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- page texts (the content check) ----------------------------------------------------------------------


@MIGRATIONS()
def m014_page_text(db: Database) -> None:
    # Each page's main text (title and body, or a list's entry titles) for the content check, zlib-compressed:
    # keyed like the other facts, so a page carried over unchanged (facts_run) is stored once.
    db.table("page_texts").create(
        {"run_id": int, "page_url": str, "text": bytes}, pk=("run_id", "page_url"), if_not_exists=True
    )
    # A person's decision on one content finding (`duwang confirm`), by the finding's key, so that it
    # survives `duwang check` run again; who, when and why are kept.
    db.table("confirmations").create(
        {
            "key": str,
            "site_id": str,
            "check_id": str,
            "severity": str,
            "confirmed_by": str,
            "confirmed_at": str,
            "reason": str,
            "finding": str,
        },
        pk="key",
        if_not_exists=True,
    )


PAGE_TEXT_COLUMNS = ("run_id", "page_url", "text")


def page_text_rows(run_id: int, facts: list[PageFact]) -> list[tuple[int, str, bytes]]:
    """The rows of `page_texts` for a batch: pages read now (a carried page references its facts run)."""
    return [
        (run_id, fact.url, zlib.compress(fact.body_text.encode("utf-8"), 6))
        for fact in facts
        if fact.carried_from is None and fact.body_text
    ]


def page_texts(store: Store, run_id: int, site_id: str) -> dict[str, str]:
    """The main text of each page of one site in a run, by URL (carried pages read from their facts run)."""
    rows = store.db.execute(
        "select t.page_url, t.text from pages p"
        " cross join page_texts t on t.run_id = p.facts_run and t.page_url = p.url"
        " where p.run_id = ? and p.site_id = ?",
        [run_id, site_id],
    )
    return {url: zlib.decompress(blob).decode("utf-8") for url, blob in rows}


# -- consultation messages (the 互动回应 check) -------------------------------------------------------------


@MIGRATIONS()
def m016_messages(db: Database) -> None:
    # Consultation messages (crawler/mailbox.py): a list table's rows, or a message's own page.
    db.table("messages").create(
        {
            "id": int,
            "run_id": int,
            "site_id": str,
            "page_url": str,
            "position": int,
            "title": str,
            "url": str,
            "asked_text": str,
            "replied_text": str,
            "state": str,
            "source": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db.table("messages").create_index(["run_id", "page_url"])
