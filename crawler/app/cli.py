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
from crawler.app.cli_history import jobs as jobs_command
from crawler.app.cli_history import runs
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
from crawler.app.cli_recheck import recheck
from crawler.app.cli_reports import confirm, findings, mail, report
from crawler.app.farmprocess import FarmProcess
from crawler.app.inspection import inspection_now
from crawler.registry import load_registry
from crawler.store import PruneResult
from crawler.vocab import RunStatus


@click.group(cls=DuwangGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, prog_name="duwang", message="%(prog)s 版本 %(version)s", help="显示版本并退出"
)
def main() -> None:
    """duwang 读网督查：抓取政府网站，保存所见事实，检查并报告问题。

    每个命令的用法：duwang 命令 --help。退出码：0 成功，1 运行错误（或抓取未完成），3 配置错误。"""


for command in (findings, confirm, report, mail, alert, runs, jobs_command, recheck):
    main.add_command(command)


@main.command()
@config_option()
@db_option()
def sites(config: Path, db: Path) -> None:
    """校验站点登记表并列出站点（登记表有误时退出码 3）。"""
    registry = load_registry(config)
    for site in registry.sites:
        owners = ", ".join(owner.email for owner in site.owners) or "-"
        click.echo(f"{site.id:<14} {site.kind:<10} {site.start_urls[0]:<40} {site.name}  <{owners}>")
    click.echo(f"登记表 {config} 共 {len(registry.sites)} 个站点；数据库 {db}")


@main.command()
@config_option()
@db_option()
@site_option("只抓取这个站点（可重复）")
@click.option("--quiet", is_flag=True, help="不显示抓取进度")
@click.option(
    "--log-level",
    default="WARNING",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    help="Scrapy 日志级别",
)
@click.option("--processes", default=None, metavar="N", help="抓取进程数（默认每个 CPU 核一个，最多 4 个）")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    hidden=True,
    help="本次抓取的 Scrapy 或 DUWANG_ 设置（同 scrapy 的 -s），例如 DUWANG_BATCH_SIZE=50",
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
    """抓取登记表中的站点（默认全部，或 --site ID ...），把事实存入 --db。

    进度：终端上实时显示整个抓取（完成站点数、正在抓取的站点、页面、错误、预计剩余时间）。

    输出不是终端时每 10 秒打印一行进度；--quiet 不显示。"""
    overrides: dict[str, object] = {}
    for setting in settings:
        name, equals, value = setting.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{setting!r} 不是 NAME=VALUE 的形式", param_hint="--set")
        overrides[name.strip()] = value
    overrides |= {"DUWANG_PROGRESS": not quiet, "LOG_LEVEL": log_level}
    if processes:
        overrides["DUWANG_PROCESSES"] = processes
    run_id = jobs.crawl(config, db, site_ids, overrides)
    _print_summary(db, run_id)


@main.command()
@config_option()
@db_option()
@site_option("只探测这个站点（可重复）")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="完整加载首页的秒数（整个响应的期限）",
)
@click.option(
    "--no-alert", is_flag=True, help="不发送断网和恢复访问告警（登记表有 [[alerts]] 通道时默认发送）"
)
def probe(config: Path, db: Path, site_ids: tuple[str, ...], timeout: float, no_alert: bool) -> None:
    """探测每个站点首页一次（可访问性），再探测 HTTPS 证书和 IPv6；每个结果即时写入数据库。

    登记表有 [[alerts]] 通道时，同 duwang serve 的探测任务一样发送告警：首页连续探测失败
    outage_after 次（默认 2 次）告警“无法访问”，恢复后告警“恢复访问”；--no-alert 不发送。"""
    from crawler.app.alerts import after_probe
    from crawler.probes.availability import ProbeResult

    def show(result: ProbeResult) -> None:
        verdict = "正常 ok" if result.ok else f"失败 FAIL {result.error or result.status}"
        click.echo(f"{result.site_id:<14} {verdict:<22} {result.elapsed:>6.2f}s  {result.url}")

    registry = load_registry(config)
    results = jobs.Jobs(db, registry).probe(site_ids, timeout, on_result=show, echo=click.echo)
    if registry.alerts and not no_alert:
        click.echo(f"告警 {after_probe(db, registry, results)}")  # never raises: a dead robot fails no probe


@main.command()
@config_option()
@db_option()
@click.option("--run", "run_id", type=int, default=None, help="要检查的抓取编号（默认最近一次完成的）")
@rubric_option()
@today_option()
def check(config: Path, db: Path, run_id: int | None, rubric: Path | None, today: datetime | None) -> None:
    """检查一次抓取的事实，把检查结果存入 --db，并按站点打印各严重程度的条数。"""
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
@click.option("--run", "run_id", type=int, default=None, help="抓取编号（默认最近一次完成的）")
@site_option()
@click.option(
    "--write-hints",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="同时把栏目写成登记表栏目提示（columns）到此文件，核对后粘贴到登记表",
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
    """列出每个站点识别出的栏目：名称、类别、地址、条目数、最新日期、识别方式。"""
    from crawler.app.column_hints import column_rows, discovered_columns, format_rows, hints_toml

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
@click.option("--url", required=True, help="网页保存时的地址（用于解析其中的链接）")
@click.option("--charset", default="utf-8", show_default=True, help="网页编码（gbk、gb2312 等）")
@format_option()
@rubric_option()
@today_option()
def page(
    file: Path, url: str, charset: str, output: str, rubric: Path | None, today: datetime | None
) -> None:
    """像抓取时一样读取一个保存的网页：页面类型及依据、列表、页面要素。"""
    from checks.rules import load_rules
    from crawler.pages.pageview import read_page

    rules = load_rules(rubric)
    try:
        "".encode(charset)
    except LookupError:
        raise click.BadParameter(f"不认识的编码 {charset!r}", param_hint="--charset") from None
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
    """长期运行的定时服务：按登记表 [schedule] 探测、督查、发邮件、出月报季报年报。

    日志为 JSON 行（stderr），督查抓取期间每分钟一行进度。任务计划和记录用 duwang jobs 查看。"""
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
    help="保留事实的已完成抓取次数（默认登记表 [storage] keep_runs，12）",
)
@click.option("--dry-run", is_flag=True, help="只列出将删除什么，不删除")
def prune(config: Path, db: Path, keep: int | None, dry_run: bool) -> None:
    """删除最近 --keep 次完成的抓取之前的抓取事实，并压缩数据库。

    每次督查的检查结果、评分和邮件记录全部保留：报告的趋势和期间统计需要它们。"""
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
@config_option(default="sites.toml", help_text="（不读取：网站群把自己的登记表写到 --out）")
@db_option(default=None)
@click.option(
    "--port", type=int, default=8800, show_default=True, help="每个 127.0.0.x 主机上的端口（0：任意）"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("duwang-farm"),
    show_default=True,
    help="写出 registry.toml 和 ground_truth.json 的目录",
)
@click.option("--seed", type=int, default=2018, show_default=True, help="生成网站群的随机种子")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="网站群内容的基准日期")
@click.option("--scale", type=int, default=1, show_default=True, help="列表条目和详情页的倍数")
def farm(
    config: Path, db: Path | None, port: int, out: Path, seed: int, today: datetime | None, scale: int
) -> None:
    """单独启动演示网站群（本机回环地址上 25 个模拟政府网站），直到按 Ctrl-C。"""
    from crawler.farm import serve

    # The farm's dates are relative to today in China, the day `duwang check` inspects as of.
    day = today.date() if today else inspection_now().date()
    serve(port=port, out_dir=out, seed=seed, today=day, scale=scale)


# The demo's files live under --out unless named; DUWANG_CONFIG and DUWANG_DB are not read here, so a shell
# set up for the real registry and database never gets demo sites written into them.
@main.command()
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="演示登记表的位置  [默认：工作目录下的 registry.toml]",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite 数据库文件  [默认：工作目录下的 duwang.db]",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("duwang-demo"),
    show_default=True,
    help="演示的工作目录",
)
@click.option("--quiet", is_flag=True, help="不显示抓取进度")
def demo(config: Path | None, db: Path | None, out: Path, quiet: bool) -> None:
    """启动演示网站群，抓取全部 25 个演示站点，检查并写出报告，打印汇总。"""
    config = config or out / "registry.toml"
    db = db or out / "duwang.db"
    out.mkdir(parents=True, exist_ok=True)
    farm_dir = out / "farm"
    with FarmProcess(farm_dir) as registry_path:
        if config.resolve() != registry_path.resolve():
            config.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(registry_path, config)
        click.echo(f"演示网站群已启动；登记表 {config}；标准答案 {farm_dir / 'ground_truth.json'}", err=True)
        run_id = jobs.crawl(config, db, (), {"DUWANG_PROGRESS": not quiet, "LOG_LEVEL": "WARNING"})
    _print_summary(db, run_id)
    inspection = jobs.Jobs(db, load_registry(config))
    click.echo()
    _check_and_summarise(inspection, run_id, inspection_now())
    index = inspection.write_reports(out / "report")
    click.echo(f"数据库 database: {db}  (duwang findings --config {config} --db {db} 查看检查结果)")
    click.echo(f"报告 report: {index}")


def _print_summary(db: Path, run_id: int) -> None:
    from crawler.app.crawl import format_summary, run_summary

    run, site_rows = run_summary(db, run_id)
    click.echo(format_summary(run, site_rows))
    if run["status"] != RunStatus.COMPLETED:
        sys.exit(EXIT_RUNTIME)


if __name__ == "__main__":
    main()
