"""The `duwang` command line: a thin shell over the library functions.

Exit codes: 0 success, 1 runtime error (or a crawl that did not complete), 3 bad configuration.
A database that cannot be used (missing where it must exist, damaged, read-only, written by a newer duwang) is
a runtime error: one line naming the file, exit code 1, no traceback. Only the commands that write facts
(`crawl`, `demo`, `probe`, `serve`) create a database; `check` adds findings to an existing one.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import click

from crawler import __version__
from crawler.childenv import scrubbed_env
from crawler.registry import RegistryError, load_registry
from crawler.store import Store, StoreError, database_error
from crawler.vocab import RunStatus

EXIT_RUNTIME = 1
EXIT_CONFIG = 3


def config_option(default: str = "sites.toml", help_text: str = "站点登记表 site registry (TOML)"):
    return click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default,
        show_default=True,
        envvar="DUWANG_CONFIG",
        help=help_text,
    )


def db_option(default: str | None = "duwang.db"):
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default,
        show_default=True,
        envvar="DUWANG_DB",
        help="数据库 SQLite database of facts",
    )


def fail_config(error: Exception) -> None:
    click.echo(f"duwang: 配置错误 configuration error: {error}", err=True)
    sys.exit(EXIT_CONFIG)


def fail_database(message: str) -> None:
    click.echo(f"duwang: 数据库错误 database error: {message}", err=True)
    sys.exit(EXIT_RUNTIME)


class DatabaseErrorsCommand(click.Command):
    """A command whose database problems end it with one line naming the file, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except StoreError as error:
            fail_database(str(error))
        except sqlite3.Error as error:  # met after opening: a page SQLite finds damaged, a write refused
            fail_database(database_error(ctx.params.get("db") or "?", error))


def existing_db(db: Path) -> None:
    """Refuse a missing or unusable database before a command that only reads it (or adds findings)."""
    Store(db, create=False).close()


class DuwangGroup(click.Group):
    command_class = DatabaseErrorsCommand


@click.group(cls=DuwangGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="duwang")
def main() -> None:
    """duwang 读网督查: inspect government websites, store what was seen, report findings."""


@main.command()
@config_option()
@db_option()
def sites(config: Path, db: Path) -> None:
    """Validate the registry and list its sites (exit code 3 when it is invalid)."""
    try:
        registry = load_registry(config)
    except RegistryError as error:
        fail_config(error)
    for site in registry.sites:
        owners = ", ".join(owner.email for owner in site.owners) or "-"
        click.echo(f"{site.id:<14} {site.kind:<10} {site.start_urls[0]:<40} {site.name}  <{owners}>")
    click.echo(f"{len(registry.sites)} sites in {config}; database {db}")


@main.command()
@config_option()
@db_option()
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="crawl only this site (repeatable)")
@click.option("--quiet", is_flag=True, help="no progress lines")
@click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    help="Scrapy's log level",
)
@click.option("--processes", default=None, metavar="N", help="crawl processes (default: one per core, max 4)")
@click.option("--join-run", type=int, default=None, hidden=True)
@click.option("--run-sites", default=None, hidden=True)
@click.option("--sweep", is_flag=True, hidden=True)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    hidden=True,
    help="a Scrapy or DUWANG_ setting for this crawl (as scrapy's -s), e.g. DUWANG_BATCH_SIZE=50",
)
def crawl(
    config: Path,
    db: Path,
    site_ids: tuple[str, ...],
    quiet: bool,
    log_level: str,
    processes: str | None,
    join_run: int | None,
    run_sites: str | None,
    sweep: bool,
    settings: tuple[str, ...],
) -> None:
    """Crawl the registered sites (all, or --site ID ...) and store the facts in --db."""
    overrides: dict[str, object] = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{setting!r} is not NAME=VALUE", param_hint="--set")
        overrides[name.strip()] = value
    overrides |= {"DUWANG_PROGRESS": not quiet, "LOG_LEVEL": log_level}
    if processes:
        overrides["DUWANG_PROCESSES"] = processes
    if join_run is not None:  # a child of a crawl spread over processes: its parent reports
        from crawler.crawl import run_crawl

        run_crawl(config, db, list(site_ids), overrides, join_run, (run_sites or "").split(","), sweep)
        return
    run_id = _crawl(config, db, list(site_ids), overrides)
    _print_summary(db, run_id)


@main.command()
@config_option()
@db_option()
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="probe only this site (repeatable)")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="seconds to load a homepage completely (a deadline for the whole response)",
)
def probe(config: Path, db: Path, site_ids: tuple[str, ...], timeout: float) -> None:
    """Probe every site's homepage once (availability) and store each result as it completes."""
    from crawler.probe import ProbeResult, probe_sites

    try:
        registry = load_registry(config)
        registry.select(list(site_ids))
    except RegistryError as error:
        fail_config(error)
    store = Store(db)

    def stored(result: ProbeResult) -> None:
        store.add_probes([result])  # at once: a slow site must not keep the others' results unstored
        verdict = "正常 ok" if result.ok else f"失败 FAIL {result.error or result.status}"
        click.echo(f"{result.site_id:<14} {verdict:<22} {result.elapsed:>6.2f}s  {result.url}")

    try:
        probe_sites(registry, list(site_ids), timeout, on_result=stored)
    finally:
        store.close()


def rubric_option():
    return click.option(
        "--rubric",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        envvar="DUWANG_RUBRIC",
        help="your rubric file, laid over the shipped checks/rubric.toml",
    )


def today_option():
    return click.option(
        "--today",
        type=click.DateTime(["%Y-%m-%d"]),
        default=None,
        help="inspect as of this date (default: today in China)",
    )


@main.command()
@config_option()
@db_option()
@click.option(
    "--run", "run_id", type=int, default=None, help="the crawl to check (default: latest completed)"
)
@rubric_option()
@today_option()
def check(config: Path, db: Path, run_id: int | None, rubric: Path | None, today) -> None:
    """Turn a crawl's facts into findings (stored in --db) and print a count per site."""
    from checks.rules import RubricError, load_rules
    from crawler.inspection import inspection_now

    try:
        registry = load_registry(config)
        rules = load_rules(rubric)
    except (RegistryError, RubricError) as error:
        fail_config(error)
    existing_db(db)  # findings belong to a crawl: a missing database has none to check
    now = inspection_now()
    if today is not None:
        now = datetime.combine(today.date(), now.time())
    _check_and_summarise(db, registry, rules, run_id, now)


def _check_and_summarise(db: Path, registry, rules, run_id: int | None, now: datetime) -> None:
    from checks.findings import SEVERITY_ORDER
    from crawler.inspection import run_checks

    started = time.perf_counter()
    try:
        run_id, findings = run_checks(db, registry, rules, run_id, now)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - started
    counts = Counter((finding.site_id, str(finding.severity)) for finding in findings)
    click.echo(f"运行 run {run_id}: {len(findings)} 条检查结果 findings ({elapsed:.1f}s)")
    click.echo(
        f"{'站点 site':<14} {'否决 veto':>10} {'扣分 deduction':>15} {'警告 warning':>13} {'提示 info':>10}"
    )
    for site in registry.sites:
        row = [counts[(site.id, severity)] for severity in SEVERITY_ORDER]
        click.echo(f"{site.id:<14} {row[0]:>10} {row[1]:>15} {row[2]:>13} {row[3]:>10}  {site.name}")


@main.command()
@config_option()
@db_option()
@click.option("--run", "run_id", type=int, default=None, help="the crawl (default: latest completed)")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="only this site (repeatable)")
@click.option(
    "--write-hints",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="also write the columns as registry column hints to this file, to confirm and paste",
)
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rubric_option()
@today_option()
def columns(
    config: Path,
    db: Path,
    run_id: int | None,
    site_ids: tuple[str, ...],
    write_hints: Path | None,
    output: str,
    rubric: Path | None,
    today,
) -> None:
    """List the columns (栏目) found on each site: name, class, URL, items, newest date, how identified."""
    from checks.rules import RubricError, load_rules
    from crawler.column_hints import column_rows, discovered_columns, format_rows, hints_toml
    from crawler.inspection import inspection_now

    try:
        registry = load_registry(config)
        rules = load_rules(rubric)
    except (RegistryError, RubricError) as error:
        fail_config(error)
    existing_db(db)
    day = today.date() if today is not None else inspection_now().date()
    try:
        run_id, found = discovered_columns(db, registry, rules, day, run_id, site_ids)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    if output == "json":
        document = {"run_id": run_id, "sites": {sid: column_rows(cols, day) for sid, cols in found.items()}}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for site in registry.sites:
            if site.id in found:
                click.echo(format_rows(site.id, site.name, column_rows(found[site.id], day)))
    if write_hints is not None:
        write_hints.write_text(hints_toml(registry, found, day), encoding="utf-8")
        click.echo(f"栏目提示已写入 column hints written to {write_hints}", err=True)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", required=True, help="the address the page was saved from (resolves its links)")
@click.option("--charset", default="utf-8", show_default=True, help="the page's encoding (gbk, gb2312, ...)")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@rubric_option()
@today_option()
def page(file: Path, url: str, charset: str, output: str, rubric: Path | None, today) -> None:
    """Read one saved HTML page as the crawl would: its kind and why, its lists, its page elements."""
    from checks.rules import RubricError, load_rules
    from crawler.inspection import inspection_now
    from crawler.pageview import read_page

    try:
        rules = load_rules(rubric)
    except RubricError as error:
        fail_config(error)
    try:
        "".encode(charset)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {charset!r}", param_hint="--charset") from None
    day = today.date() if today is not None else inspection_now().date()
    view = read_page(file.read_bytes(), url, charset, day, rules)
    if output == "json":
        click.echo(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(view.as_text())


@main.command()
@config_option()
@db_option()
@click.option("--run", "run_id", type=int, default=None, help="the checked crawl (default: latest checked)")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="only this site (repeatable)")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def findings(config: Path, db: Path, run_id: int | None, site_ids: tuple[str, ...], output: str) -> None:
    """Print the stored findings of a checked crawl (JSON schema: see README)."""
    from checks.findings import FINDING_FIELDS

    store = Store(db, create=False)
    try:
        checked = store.checked_runs()
        if run_id is None and not checked:
            raise click.ClickException(f"{db}: no checked crawl; run `duwang check` first")
        run_id = run_id if run_id is not None else checked[-1]
        rows = [row for row in store.findings(run_id) if not site_ids or row["site_id"] in site_ids]
    finally:
        store.close()
    if output == "json":
        document = {"run_id": run_id, "findings": [{key: row[key] for key in FINDING_FIELDS} for row in rows]}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for row in rows:
        subject = row["url"] or row["section"] or row["element"] or ""
        click.echo(
            f"{row['site_id']:<12} {row['severity']:<9} {row['check']:<20} {subject}\n    {row['detail']}"
        )


@main.command()
@config_option()
@db_option()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("duwang-report"),
    show_default=True,
    help="folder for index.html, sites/, report.xlsx and report.json",
)
@click.option("--run", "run_id", type=int, default=None, help="the checked crawl (default: latest checked)")
@click.option(
    "--period",
    default=None,
    metavar="PERIOD",
    help="a month (2026-11), quarter (2026Q4) or year (2026): combine its inspections",
)
@rubric_option()
def report(
    config: Path, db: Path, out: Path, run_id: int | None, period: str | None, rubric: Path | None
) -> None:
    """Score and rank the sites and write the HTML, Excel and JSON reports."""
    index = _write_reports(config, db, out, run_id, period, rubric)
    click.echo(f"报告 report: {index}")


def _write_reports(
    config: Path, db: Path, out: Path, run_id: int | None, period: str | None, rubric: Path | None
) -> Path:
    from reports.build import dumps
    from reports.excel import write_excel
    from reports.html import write_html

    document = _report_or_exit(config, db, run_id, period, rubric)
    out.mkdir(parents=True, exist_ok=True)
    index = write_html(document, out)
    write_excel(document, out / "report.xlsx")
    (out / "report.json").write_text(dumps(document) + "\n", encoding="utf-8")
    return index.resolve()


@main.command()
@config_option()
@db_option()
@click.option(
    "--inspection", "run_id", type=int, default=None, help="the checked crawl (default: latest checked)"
)
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="write .eml files into DIR instead of sending",
)
@click.option(
    "--resend-unconfirmed",
    is_flag=True,
    help="also send again the messages an earlier run may have delivered (body sent, no answer): "
    "only after finding them missing in the mail server's log",
)
@rubric_option()
def mail(
    config: Path,
    db: Path,
    run_id: int | None,
    dry_run: Path | None,
    resend_unconfirmed: bool,
    rubric: Path | None,
) -> None:
    """E-mail each site's findings to its owners and the ranking to the info center (at most once each)."""
    from reports.mail import MailConfigError, SmtpSettings, compose, send, write_eml

    registry = _registry_or_exit(config)
    document = _report_or_exit(config, db, run_id, None, rubric)
    outgoing = compose(document, registry, registry.mail)
    if dry_run is not None:
        for path in write_eml(outgoing, dry_run):
            click.echo(f"写出 wrote {path}")
        for item in outgoing:
            if item.problem is not None:
                click.echo(f"失败 FAILED {item.site_id} {item.recipient!r}: {item.problem}", err=True)
        return
    try:
        smtp = SmtpSettings.from_env()
    except MailConfigError as error:
        click.echo(f"duwang: 配置错误 configuration error: {error}", err=True)
        sys.exit(EXIT_CONFIG)
    store = Store(db, create=False)
    try:
        result = send(
            outgoing, store, document.inspection.run_id, smtp, resend_unconfirmed=resend_unconfirmed
        )
    finally:
        store.close()
    click.echo(
        f"已发送 sent {len(result.sent)}，此前已发送 already sent {len(result.already_sent)}，"
        f"失败 failed {len(result.failed)}，此前已拒收 refused earlier {len(result.already_failed)}，"
        f"未确认 unconfirmed {len(result.unconfirmed)}，待重试 pending {len(result.pending)}"
    )
    for item, reason in result.failed:
        click.echo(f"失败 FAILED {item.site_id} {item.recipient}: {reason}", err=True)
    for item, reason in result.already_failed:
        click.echo(
            f"此前已拒收 REFUSED EARLIER (not re-sent) {item.site_id} {item.recipient}: {reason}", err=True
        )
    for item, reason in result.unconfirmed:
        click.echo(f"未确认 UNCONFIRMED {item.site_id} {item.recipient}: {reason}", err=True)
    if result.error is not None:
        click.echo(
            f"duwang: 邮件发送中止 mail stopped: {result.error}; "
            f"{len(result.pending)} 封待发 messages pending: run `duwang mail` again once fixed",
            err=True,
        )
        sys.exit(EXIT_RUNTIME)
    if result.pending:
        click.echo(f"待重试 PENDING: {result.pending[0][1]}; run `duwang mail` again later", err=True)
        sys.exit(EXIT_RUNTIME)
    if result.unconfirmed:
        click.echo(
            f"duwang: {len(result.unconfirmed)} 封邮件可能已送达但未确认 possibly delivered, not sent again: "
            "find their Message-ID in the mail server's log; if missing, `duwang mail --resend-unconfirmed`",
            err=True,
        )
        sys.exit(EXIT_RUNTIME)


def _registry_or_exit(config: Path):
    try:
        return load_registry(config)
    except RegistryError as error:
        fail_config(error)


def _report_or_exit(config: Path, db: Path, run_id: int | None, period: str | None, rubric: Path | None):
    from checks.rules import RubricError
    from reports.build import build_period_report, build_report
    from reports.scoring import load_scoring

    registry = _registry_or_exit(config)
    try:
        scoring = load_scoring(rubric)
    except RubricError as error:
        fail_config(error)
    store = Store(db, create=False)
    try:
        if period:
            return build_period_report(store, registry, scoring, period)
        return build_report(store, registry, scoring, run_id)
    except (LookupError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()


@main.command()
@config_option()
@db_option()
@rubric_option()
def serve(config: Path, db: Path, rubric: Path | None) -> None:
    """Run the service: probes, weekly inspections with mail, period reports, on the [schedule]."""
    from checks.rules import RubricError
    from crawler.service import Service, configure_logging

    configure_logging()
    try:
        service = Service(config.resolve(), db.resolve(), rubric)
    except (RegistryError, RubricError) as error:
        fail_config(error)
    service.serve()


@main.command()
@config_option()
@db_option()
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="completed runs whose facts stay (default: the registry's [storage] keep_runs, 12)",
)
@click.option("--dry-run", is_flag=True, help="only say what would be deleted")
def prune(config: Path, db: Path, keep: int | None, dry_run: bool) -> None:
    """Delete the crawl facts of runs older than the latest --keep completed ones, and compact the database.

    Findings, scores and mail records of every run stay: the reports' trends and periods need them."""
    if keep is None:
        try:
            keep = load_registry(config).storage.keep_runs
        except RegistryError as error:
            fail_config(error)
    store = Store(db)
    try:
        result = store.prune(keep, dry_run=dry_run)
    finally:
        store.close()
    click.echo(prune_summary(result, dry_run))
    if result.vacuum_error:
        click.echo(f"duwang: 压缩数据库失败 VACUUM failed: {result.vacuum_error}", err=True)


def prune_summary(result, dry_run: bool = False) -> str:
    """One line on what `Store.prune` deleted (or would delete)."""
    kept = f"保留最近 {len(result.kept)} 次完成的抓取 kept runs {', '.join(map(str, result.kept)) or '-'}"
    if not result.runs and not any(result.rows.values()):
        return f"{kept}；没有需要清理的抓取 nothing to prune"
    verb = "将清理 would prune" if dry_run else "已清理 pruned"
    rows = ", ".join(f"{table} {count}" for table, count in result.rows.items())
    line = f"{kept}；{verb} runs {', '.join(map(str, result.runs)) or '-'} ({rows})"
    if not dry_run:
        line += f"；{result.bytes_before / 1e6:.1f} MB → {result.bytes_after / 1e6:.1f} MB"
    return line


@main.command()
@config_option()
@db_option()
def runs(config: Path, db: Path) -> None:
    """List the crawl runs stored in --db, with what their limits left out and why a run failed."""
    from crawler.crawl import limit_notes

    store = Store(db, create=False)
    try:
        store.recover_crashed_runs()
        for run in store.runs():
            line = f"{run['id']:>4}  {run['status']:<12} {run['started_at']}  {run['ended_at'] or '-'}"
            sites = store.site_stats(run["id"])
            if sites:
                pages = sum(row["pages"] or 0 for row in sites)
                unread = sum(row.get("extract_errors") or 0 for row in sites)
                line += f"  页面 pages {pages}  读取错误 extract errors {unread}"
            if run.get("pruned_at"):
                line += f"  事实已清理 facts pruned {run['pruned_at']}"
            click.echo(line)
            for note in limit_notes(run, sites):
                click.echo(f"      {note}")
    finally:
        store.close()


@main.command()
@config_option()
@db_option()
@click.option("--test", "trial", is_flag=True, help="给每个告警通道发一条测试消息 send a test message")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="列出最近几条告警")
def alert(config: Path, db: Path, trial: bool, limit: int) -> None:
    """告警：列出最近的告警记录；--test 给每个 [[alerts]] 通道发测试消息。

    List the recent alerts; --test sends a test message on every [[alerts]] channel (企业微信、钉钉、飞书)."""
    from crawler.alerts import china_time, send, trial_alert
    from crawler.inspection import inspection_now

    if trial:  # not recorded in the database: a test is no alert
        registry = _registry_or_exit(config)
        if not registry.alerts:
            fail_config(RegistryError(f"{config}: 没有告警通道 no [[alerts]] table (README 告警一节)"))
        errors = [send(channel, trial_alert(channel, inspection_now()).text) for channel in registry.alerts]
        for channel, error in zip(registry.alerts, errors, strict=True):
            click.echo(f"{channel.name}: " + ("已发送 sent" if error is None else f"失败 FAILED {error}"))
        sys.exit(EXIT_RUNTIME if any(errors) else 0)
    store = Store(db, create=False)
    try:
        rows = store.alert_log(limit=limit)
    finally:
        store.close()
    if not rows:
        click.echo("尚无告警记录 no alerts recorded")
    for row in reversed(rows):
        error = f"  ({row['error']})" if row["error"] else ""
        click.echo(f"{china_time(row['sent_at'])}  {row['status']:<6} {row['channel']}  {row['text']}{error}")


@main.command()
@config_option(default="sites.toml", help_text="(not read: the farm writes its own registry into --out)")
@db_option(default=None)
@click.option(
    "--port", type=int, default=8800, show_default=True, help="port on every 127.0.0.x host (0: any)"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("duwang-farm"),
    show_default=True,
    help="where registry.toml and ground_truth.json are written",
)
@click.option("--seed", type=int, default=2018, show_default=True)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="date the farm's content is relative to"
)
@click.option("--scale", type=int, default=1, show_default=True, help="multiply list items and detail pages")
def farm(config: Path, db: Path | None, port: int, out: Path, seed: int, today, scale: int) -> None:
    """Serve the demo web farm (25 fake government sites on loopback) until interrupted."""
    from crawler.farm import serve
    from crawler.inspection import inspection_now

    # The farm's dates are relative to today in China, the day `duwang check` inspects as of.
    serve(
        port=port,
        out_dir=out,
        seed=seed,
        today=today.date() if today else inspection_now().date(),
        scale=scale,
    )


@main.command()
@config_option(default="duwang-demo/registry.toml", help_text="where to keep the demo registry")
@db_option(default="duwang-demo/duwang.db")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("duwang-demo"),
    show_default=True,
    help="working folder of the demo",
)
@click.option("--quiet", is_flag=True, help="no progress lines")
def demo(config: Path, db: Path, out: Path, quiet: bool) -> None:
    """Start the demo farm, crawl all 25 demo sites, and print what was stored."""
    out.mkdir(parents=True, exist_ok=True)
    farm_dir = out / "farm"
    with FarmProcess(farm_dir) as registry_path:
        if config.resolve() != registry_path.resolve():
            config.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(registry_path, config)
        click.echo(
            f"demo farm ready; registry {config}; ground truth {farm_dir / 'ground_truth.json'}", err=True
        )
        run_id = _crawl(config, db, [], {"DUWANG_PROGRESS": not quiet, "LOG_LEVEL": "WARNING"})
    _print_summary(db, run_id)
    from checks.rules import load_rules
    from crawler.inspection import inspection_now

    click.echo()
    _check_and_summarise(db, load_registry(config), load_rules(), run_id, inspection_now())
    index = _write_reports(config, db, out / "report", None, None, None)
    click.echo(f"数据库 database: {db}  (duwang findings --db {db} 查看检查结果)")
    click.echo(f"报告 report: {index}")


class FarmProcess:
    """The demo farm in a child process, so that it and the crawler each have a core."""

    def __init__(self, out_dir: Path, timeout: float = 120.0, scale: int = 1, port: int = 0) -> None:
        self.out_dir = out_dir
        self.timeout = timeout
        self.scale = scale
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Path:
        registry = self.out_dir / "registry.toml"
        registry.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "crawler.cli",
                "farm",
                "--port",
                str(self.port),
                "--out",
                str(self.out_dir),
                "--scale",
                str(self.scale),
            ],
            stdout=subprocess.DEVNULL,
            env=scrubbed_env(PYTHONUNBUFFERED="1"),
        )
        deadline = time.monotonic() + self.timeout
        while not registry.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise click.ClickException("the demo farm did not start; run `duwang farm` to see why")
            time.sleep(0.1)
        return registry

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _crawl(config: Path, db: Path, site_ids: list[str], overrides: dict) -> int:
    from crawler.crawl import run_crawl

    try:
        return run_crawl(config, db, site_ids, overrides)
    except RegistryError as error:
        fail_config(error)
    raise AssertionError("unreachable")


def _print_summary(db: Path, run_id: int) -> None:
    from crawler.crawl import format_summary, run_summary

    run, site_rows = run_summary(db, run_id)
    click.echo(format_summary(run, site_rows))
    if run["status"] != RunStatus.COMPLETED:
        sys.exit(EXIT_RUNTIME)


if __name__ == "__main__":
    main()
