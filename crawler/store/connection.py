"""The open database under every part of the store: opening and migrating it, closing it (also as a
context manager), and write transactions. `StoreBase` is what the store's parts (runs, facts, findings,
outbox, probes) build on; `crawler.store.Store` composes them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlite_utils import Database
from sqlite_utils.db import Table

from crawler import __version__
from crawler.store.errors import StoreError, check_file, database_error
from crawler.store.migrations import MIGRATIONS


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class StoreBase:
    """The one connection the store's parts share; callers open `Store` (crawler/store/__init__.py)."""

    def __init__(self, path: str | Path, create: bool = True) -> None:
        self.path = Path(path)
        check_file(self.path, create)
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
            refuse_newer_schema(self.db, self.path)
            MIGRATIONS.apply(self.db)
        except sqlite3.Error as error:
            self.db.close()
            raise StoreError(database_error(self.path, error)) from None
        except StoreError:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Self]:
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

    def limit_pages(self, max_pages: int) -> None:
        """Refuse writes past `max_pages` SQLite pages on this connection ("database or disk is full")."""
        self.db.execute(f"PRAGMA max_page_count = {int(max_pages)}")

    def used_bytes(self) -> int:
        """Bytes the database's pages in use take (free pages left by deletions not counted)."""
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * self.db.execute("PRAGMA page_size").fetchone()[0])


def inserted_id(table: Table) -> int:
    """The id sqlite-utils' last insert into `table` gave its row."""
    if table.last_pk is None:
        raise RuntimeError(f"no row inserted into {table.name}")
    return int(table.last_pk)


def refuse_newer_schema(db: Database, path: Path) -> None:
    """A migration applied to the file that this duwang does not know came from a newer duwang: its tables
    may hold data this version would neither read nor carry over, so the file is not used."""
    known = {migration.name for migration in MIGRATIONS._migrations}
    unknown = [m.name for m in MIGRATIONS.applied(db) if m.name not in known]
    if unknown:
        raise StoreError(
            f"{path}: 数据库由较新版本的 duwang 创建 database written by a newer duwang "
            f"(schema {', '.join(unknown)} unknown to duwang {__version__}); "
            "upgrade duwang, or give --db another file"
        )
