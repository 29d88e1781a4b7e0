"""The plumbing of the `duwang` command line: the command group, its shared options, and the one place where
errors become exit codes.

Exit codes: 0 success, 1 runtime error (or a crawl that did not complete), 3 bad configuration.
- Every `checks.errors.ConfigError` (registry, rubric, SMTP settings) ends a command with exit code 3 and one
  line, `duwang: 配置错误 configuration error: …`.
- A database that cannot be used (missing where it must exist, damaged, read-only, written by a newer duwang)
  is a runtime error: one line naming the file, exit code 1, no traceback.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import click

from checks.errors import ConfigError
from crawler.store import Store, StoreError, database_error

EXIT_RUNTIME = 1
EXIT_CONFIG = 3

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def fail(message: str, code: int = EXIT_RUNTIME) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


class ChineseHelpFormatter(click.HelpFormatter):
    """Click's help pages with Chinese headings (the option names stay as typed)."""

    HEADINGS: ClassVar[dict[str, str]] = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        marks = (("[default: ", "[默认："), ("[required]", "[必填]"), ("; required]", "；必填]"))
        translated = []
        for term, text in rows:
            for english, chinese in marks:
                text = text.replace(english, chinese)
            translated.append((term, text))
        super().write_dl(translated, col_max, col_spacing)


class DuwangContext(click.Context):
    formatter_class = ChineseHelpFormatter


def _chinese_help_option(option: click.Option | None) -> click.Option | None:
    if option is not None:
        option.help = "显示此帮助并退出"
    return option


class DuwangCommand(click.Command):
    """A command whose configuration and database problems end it with one line, not a traceback."""

    context_class = DuwangContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _chinese_help_option(super().get_help_option(ctx))

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
    """The `duwang` group: Chinese help pages, and usage errors as one Chinese line that names the option."""

    command_class = DuwangCommand
    context_class = DuwangContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _chinese_help_option(super().get_help_option(ctx))

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            path = error.ctx.command_path if error.ctx is not None else "duwang"
            fail(f"duwang: 用法错误 usage error: {error.format_message()}（{path} --help 查看用法）", 2)
        except click.ClickException as error:
            fail(f"duwang: 错误 error: {error.format_message()}", error.exit_code)
        except click.Abort:
            fail("duwang: 已中止 aborted")
        sys.exit(result if isinstance(result, int) else 0)


def existing_db(db: Path) -> None:
    """Refuse a missing or unusable database before a command that only reads it (or adds findings)."""
    Store(db, create=False).close()


def config_option(default: str = "sites.toml", help_text: str = "站点登记表（TOML）") -> Decorator:
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
        help="SQLite 数据库文件",
    )


def rubric_option() -> Decorator:
    return click.option(
        "--rubric",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        envvar="DUWANG_RUBRIC",
        help="自己的评分细则文件，覆盖自带的 checks/rubric.toml 中的同名项",
    )


def today_option() -> Decorator:
    return click.option(
        "--today",
        type=click.DateTime(["%Y-%m-%d"]),
        default=None,
        help="按此日期检查（默认北京时间今天）",
    )


def format_option() -> Decorator:
    return click.option(
        "--format",
        "output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="输出格式：text 文本，json",
    )


def site_option(help_text: str = "只处理这个站点（可重复）") -> Decorator:
    return click.option("--site", "site_ids", multiple=True, metavar="ID", help=help_text)
