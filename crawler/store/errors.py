"""What can be wrong with a database file, said to an operator: `StoreError` and the checks and messages
behind it (missing, not a file, read-only, damaged, not SQLite)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class StoreError(Exception):
    """The database cannot be used as it is; the message names the file and what to do."""


def check_file(path: Path, create: bool) -> None:
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
