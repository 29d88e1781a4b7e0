"""Runs and what hangs off them: a run's row and its per-site stats (`runs`, `run_sites`), scheduled job
runs (`job_runs`), closing runs whose process died, and retention (`prune`: deleting old runs' crawl facts).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler import __version__
from crawler.store.connection import StoreBase, inserted_id, now_iso
from crawler.vocab import RunStatus

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


class RunStore(StoreBase):
    """Runs, their per-site stats, scheduled jobs and retention."""

    def begin_run(self, site_ids: Iterable[str], config: str | Path) -> int:
        """Record a new run as running and return its id; first close any run whose process died."""
        self.recover_crashed_runs()
        table = self.db.table("runs").insert(
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
        return inserted_id(table)

    def end_run(self, run_id: int, status: RunStatus, stats: dict[str, Any]) -> None:
        self.db.table("runs").update(
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
        self.db.table("runs").update(run_id, values)

    def recover_crashed_runs(self) -> list[int]:
        """Mark as crashed every run still 'running' whose process on this machine is gone."""
        crashed = []
        hostname = socket.gethostname()
        for row in self.db.query("select id, pid, hostname from runs where status = ?", [RunStatus.RUNNING]):
            if row["hostname"] == hostname and not _process_alive(row["pid"]):
                crashed.append(row["id"])
        for run_id in crashed:
            self.db.table("runs").update(run_id, {"status": RunStatus.CRASHED, "ended_at": now_iso()})
            self.db.execute(
                "update run_sites set status = ? where run_id = ? and status = ?",
                [RunStatus.CRASHED, run_id, RunStatus.RUNNING],
            )
        return crashed

    def run(self, run_id: int) -> dict[str, Any]:
        return dict(self.db.table("runs").get(run_id))

    def pruned_at(self, run_id: int) -> str | None:
        """When `prune` deleted the run's facts; None while they are kept (or there is no such run)."""
        rows = list(self.db.table("runs").rows_where("id = ?", [run_id], select="pruned_at"))
        return rows[0]["pruned_at"] if rows else None

    def runs(self) -> list[dict[str, Any]]:
        return list(self.db.table("runs").rows_where(order_by="id"))

    def latest_run(self, status: RunStatus | None = RunStatus.COMPLETED) -> dict[str, Any] | None:
        where, params = ("status = ?", [status]) if status else (None, None)
        rows = list(self.db.table("runs").rows_where(where, params, order_by="id desc", limit=1))
        return rows[0] if rows else None

    # -- per-site stats -----------------------------------------------------------------------------

    def save_site_stats(self, run_id: int, rows: Iterable[dict[str, Any]]) -> None:
        with self.transaction():
            self.db.table("run_sites").upsert_all(
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
                "update run_sites set checks = coalesce(checks, 0) + :checks,"
                " errors = coalesce(errors, 0) + :errors, bytes = coalesce(bytes, 0) + :bytes,"
                " extract_errors = coalesce(extract_errors, 0) + :extract_errors"
                " where run_id = :run_id and site_id = :site_id",
                [{**row, "run_id": run_id} for row in rows],
            )

    def last_site_sizes(self) -> dict[str, int]:
        """URLs (pages and checks) each site had in the latest completed run: how big its next crawl is."""
        run = self.latest_run(RunStatus.COMPLETED)
        if run is None:
            return {}
        rows = self.site_stats(run["id"])
        return {row["site_id"]: (row["pages"] or 0) + (row["checks"] or 0) for row in rows}

    def site_stats(self, run_id: int) -> list[dict[str, Any]]:
        """One row per site of the run, in the registry's order (crawl processes finish in any order)."""
        rows = list(self.db.table("run_sites").rows_where("run_id = ?", [run_id], order_by="rowid"))
        runs = list(self.db.table("runs").rows_where("id = ?", [run_id], select="sites"))
        listed = json.loads(runs[0]["sites"] or "[]") if runs else []
        order = {site_id: index for index, site_id in enumerate(listed)}
        return sorted(rows, key=lambda row: order.get(row["site_id"], len(order)))

    # -- scheduled jobs -------------------------------------------------------------------------------

    def begin_job(self, job: str) -> int:
        table = self.db.table("job_runs").insert({"job": job, "started_at": now_iso(), "outcome": "running"})
        return inserted_id(table)

    def end_job(
        self, job_run_id: int, outcome: str, error: str | None = None, detail: str | None = None
    ) -> None:
        self.db.table("job_runs").update(
            job_run_id, {"ended_at": now_iso(), "outcome": outcome, "error": error, "detail": detail}
        )

    def job_runs(self, job: str | None = None) -> list[dict[str, Any]]:
        where, params = ("job = ?", [job]) if job is not None else (None, None)
        return list(self.db.table("job_runs").rows_where(where, params, order_by="id"))

    def last_job_start(self, job: str) -> str | None:
        rows = self.db.table("job_runs").rows_where(
            "job = ? and outcome != 'running'", [job], select="max(started_at) as started_at"
        )
        return next(rows)["started_at"]

    # -- retention ----------------------------------------------------------------------------------

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
            row["id"]
            for row in self.db.query(
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
            row["id"]
            for row in self.db.query(
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
