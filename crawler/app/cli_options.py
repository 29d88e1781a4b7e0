"""The plumbing of the `duwang` command line: the command group, its shared options, and the one place where
errors become exit codes.

Exit codes: 0 success, 1 runtime error (or a crawl that did not complete), 3 bad configuration.
- Every `crawler.errors.ConfigError` (registry, rubric, SMTP settings) ends a command with exit code 3 and one
  line, `duwang: 配置错误 configuration error: …`.
- A database that cannot be used (missing where it must exist, damaged, read-only, written by a newer duwang)
  is a runtime error: one line naming the file, exit code 1, no traceback.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from crawler.errors import ConfigError
from crawler.store import Store, StoreError, database_error

EXIT_RUNTIME = 1
EXIT_CONFIG = 3

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def fail(message: str, code: int = EXIT_RUNTIME) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


class DuwangCommand(click.Command):
    """A command whose configuration and database problems end it with one line, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            fail(f"duwang: 配置错误 configuration error: {error}", EXIT_CONFIG)
        except StoreError as error:
            fail(f"duwang: 数据库错误 database error: {error}")
        except sqlite3.Error as error:  # met after opening: a page SQLite finds damaged, a write refused
            fail(f"duwang: 数据库错误 database error: {database_error(ctx.params.get('db') or '?', error)}")


class DuwangGroup(click.Group):
    command_class = DuwangCommand


def existing_db(db: Path) -> None:
    """Refuse a missing or unusable database before a command that only reads it (or adds findings)."""
    Store(db, create=False).close()


def config_option(
    default: str = "sites.toml", help_text: str = "站点登记表 site registry (TOML)"
) -> Decorator:
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default,
        show_default=True,
        envvar="DUWANG_CONFIG",
        help=help_text,
    )


def db_option(default: str | None = "duwang.db") -> Decorator:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default,
        show_default=True,
        envvar="DUWANG_DB",
        help="数据库 SQLite database of facts",
    )


def rubric_option() -> Decorator:
    return click.option(
        "--rubric",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        envvar="DUWANG_RUBRIC",
        help="your rubric file, laid over the shipped checks/rubric.toml",
    )


def today_option() -> Decorator:
    return click.option(
        "--today",
        type=click.DateTime(["%Y-%m-%d"]),
        default=None,
        help="inspect as of this date (default: today in China)",
    )


def format_option() -> Decorator:
    return click.option(
        "--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True
    )


def site_option(help_text: str = "only this site (repeatable)") -> Decorator:
    return click.option("--site", "site_ids", multiple=True, metavar="ID", help=help_text)
