"""The `duwang` command line: a thin shell over the jobs API (`crawler.app.jobs`).

Exit codes (mapped in one place, `crawler.app.cli_options`): 0 success, 1 runtime error (or a crawl that did
not complete), 3 bad configuration. Only the commands that write facts (`crawl`, `demo`, `probe`, `serve`)
create a database; `check` adds findings to an existing one. The report commands (`findings`, `report`,
`mail`) live in `crawler.app.cli_reports`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import click

from crawler import __version__
from crawler.app import jobs
from crawler.app.cli_alerts import alert
from crawler.app.cli_options import (
    EXIT_RUNTIME,
    DuwangGroup,
    config_option,
    db_option,
    existing_db,
    format_option,
    rubric_option,
    site_option,
    today_option,
)
from crawler.app.cli_reports import confirm, findings, mail, report
from crawler.app.farmprocess import FarmProcess
from crawler.app.inspection import inspection_now
from crawler.registry import load_registry
from crawler.store import PruneResult, Store
from crawler.vocab import RunStatus


@click.group(cls=DuwangGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="duwang")
def main() -> None:
    """duwang 读网督查: inspect government websites, store what was seen, report findings."""


for command in (findings, confirm, report, mail, alert):
    main.add_command(command)


@main.command()
@config_option()
@db_option()
def sites(config: Path, db: Path) -> None:
    """Validate the registry and list its sites (exit code 3 when it is invalid)."""
    registry = load_registry(config)
    for site in registry.sites:
        owners = ", ".join(owner.email for owner in site.owners) or "-"
        click.echo(f"{site.id:<14} {site.kind:<10} {site.start_urls[0]:<40} {site.name}  <{owners}>")
    click.echo(f"{len(registry.sites)} sites in {config}; database {db}")


@main.command()
@config_option()
@db_option()
@site_option("crawl only this site (repeatable)")
@click.option("--quiet", is_flag=True, help="no progress lines")
@click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    help="Scrapy's log level",
)
@click.option("--processes", default=None, metavar="N", help="crawl processes (default: one per core, max 4)")
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
    run_id = jobs.crawl(config, db, site_ids, overrides)
    _print_summary(db, run_id)


@main.command()
@config_option()
@db_option()
@site_option("probe only this site (repeatable)")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="seconds to load a homepage completely (a deadline for the whole response)",
)
def probe(config: Path, db: Path, site_ids: tuple[str, ...], timeout: float) -> None:
    """Probe every site's homepage once (availability, then HTTPS and IPv6); store each result at once."""
    from crawler.probe import ProbeResult

    def show(result: ProbeResult) -> None:
        verdict = "正常 ok" if result.ok else f"失败 FAIL {result.error or result.status}"
        click.echo(f"{result.site_id:<14} {verdict:<22} {result.elapsed:>6.2f}s  {result.url}")

    jobs.Jobs(db, load_registry(config)).probe(site_ids, timeout, on_result=show, echo=click.echo)


@main.command()
@config_option()
@db_option()
@click.option(
    "--run", "run_id", type=int, default=None, help="the crawl to check (default: latest completed)"
)
@rubric_option()
@today_option()
def check(config: Path, db: Path, run_id: int | None, rubric: Path | None, today: datetime | None) -> None:
    """Turn a crawl's facts into findings (stored in --db) and print a count per site."""
    inspection = jobs.Jobs(db, load_registry(config), rubric)
    inspection.rules()  # a bad rubric is a configuration error, whatever the database
    existing_db(db)  # findings belong to a crawl: a missing database has none to check
    now = inspection_now()
    if today is not None:
        now = datetime.combine(today.date(), now.time())
    _check_and_summarise(inspection, run_id, now)


def _check_and_summarise(inspection: jobs.Jobs, run_id: int | None, now: datetime) -> None:
    from checks.findings import SEVERITY_ORDER

    started = time.perf_counter()
    try:
        run_id, found = inspection.check(run_id, now)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - started
    counts = Counter((finding.site_id, str(finding.severity)) for finding in found)
    click.echo(f"运行 run {run_id}: {len(found)} 条检查结果 findings ({elapsed:.1f}s)")
    click.echo(
        f"{'站点 site':<14} {'否决 veto':>10} {'扣分 deduction':>15} {'警告 warning':>13} {'提示 info':>10}"
    )
    for site in inspection.registry.sites:
        row = [counts[(site.id, severity)] for severity in SEVERITY_ORDER]
        click.echo(f"{site.id:<14} {row[0]:>10} {row[1]:>15} {row[2]:>13} {row[3]:>10}  {site.name}")


@main.command()
@config_option()
@db_option()
@click.option("--run", "run_id", type=int, default=None, help="the crawl (default: latest completed)")
@site_option()
@click.option(
    "--write-hints",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="also write the columns as registry column hints to this file, to confirm and paste",
)
@format_option()
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
    today: datetime | None,
) -> None:
    """List the columns (栏目) found on each site: name, class, URL, items, newest date, how identified."""
    from crawler.column_hints import column_rows, discovered_columns, format_rows, hints_toml

    registry = load_registry(config)
    rules = jobs.Jobs(db, registry, rubric).rules()
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
@format_option()
@rubric_option()
@today_option()
def page(
    file: Path, url: str, charset: str, output: str, rubric: Path | None, today: datetime | None
) -> None:
    """Read one saved HTML page as the crawl would: its kind and why, its lists, its page elements."""
    from checks.rules import load_rules
    from crawler.pageview import read_page

    rules = load_rules(rubric)
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
@rubric_option()
def serve(config: Path, db: Path, rubric: Path | None) -> None:
    """Run the service: probes, weekly inspections with mail, period reports, on the [schedule]."""
    from crawler.app.service import Service, configure_logging

    configure_logging()
    Service(config.resolve(), db.resolve(), rubric).serve()


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
        keep = load_registry(config).storage.keep_runs
    result = jobs.prune(db, keep, dry_run)
    click.echo(prune_summary(result, dry_run))
    if result.vacuum_error:
        click.echo(f"duwang: 压缩数据库失败 VACUUM failed: {result.vacuum_error}", err=True)


def prune_summary(result: PruneResult, dry_run: bool = False) -> str:
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
    from crawler.app.crawl import limit_notes

    with Store(db, create=False) as store:
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
def farm(
    config: Path, db: Path | None, port: int, out: Path, seed: int, today: datetime | None, scale: int
) -> None:
    """Serve the demo web farm (25 fake government sites on loopback) until interrupted."""
    from crawler.farm import serve

    # The farm's dates are relative to today in China, the day `duwang check` inspects as of.
    day = today.date() if today else inspection_now().date()
    serve(port=port, out_dir=out, seed=seed, today=day, scale=scale)


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
        run_id = jobs.crawl(config, db, (), {"DUWANG_PROGRESS": not quiet, "LOG_LEVEL": "WARNING"})
    _print_summary(db, run_id)
    inspection = jobs.Jobs(db, load_registry(config))
    click.echo()
    _check_and_summarise(inspection, run_id, inspection_now())
    index = inspection.write_reports(out / "report")
    click.echo(f"数据库 database: {db}  (duwang findings --db {db} 查看检查结果)")
    click.echo(f"报告 report: {index}")


def _print_summary(db: Path, run_id: int) -> None:
    from crawler.app.crawl import format_summary, run_summary

    run, site_rows = run_summary(db, run_id)
    click.echo(format_summary(run, site_rows))
    if run["status"] != RunStatus.COMPLETED:
        sys.exit(EXIT_RUNTIME)


if __name__ == "__main__":
    main()
