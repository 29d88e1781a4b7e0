"""The `duwang` commands that list what happened and what comes next: `runs` (the crawls stored in the
database) and `jobs` (the service's job history, `job_runs`, and each scheduled job's next run). They are
added to the command group in `crawler.app.cli`.

Times are shown in Beijing time and durations in Chinese units (`crawler.app.timefmt`); statuses and outcomes
in Chinese followed by the English value stored in the database, which is what a person greps for.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from crawler.app.cli_options import DuwangCommand, config_option, db_option
from crawler.app.crawl import RUN_STATUS, limit_notes, pad
from crawler.app.timefmt import beijing, between, duration_text
from crawler.registry import load_registry
from crawler.store import Store

JOB_OUTCOME = {
    "running": "运行中",
    "ok": "成功",
    "failed": "失败",
    "interrupted": "中断",
    "skipped": "跳过",
}
JOB_NAMES = {
    "probe": "可访问性探测",
    "inspect": "每周督查",
    "monthly": "月度统计",
    "quarterly": "季度通报",
    "yearly": "年度考核",
}


def labelled(names: dict[str, str], value: str) -> str:
    """`完成 completed`: the Chinese word, then the stored value (unknown values as they are)."""
    return f"{names[value]} {value}" if value in names else value


def table_line(cells: list[str], widths: list[int], right: frozenset[int] = frozenset()) -> str:
    """One row of a table, each cell padded to its width (a Chinese character counts two columns)."""
    pairs = enumerate(zip(cells, widths, strict=True))
    padded = [pad(cell, width, right=index in right) for index, (cell, width) in pairs]
    return "  ".join(padded).rstrip()


RUN_HEADER = ["编号", "状态", "开始（北京时间）", "结束（北京时间）", "用时", "站点", "页面", "读取错误"]
RUN_WIDTHS = [4, 18, 19, 19, 10, 4, 8, 8]
RUN_RIGHT = frozenset({0, 5, 6, 7})


def run_row(run: dict[str, Any], sites: list[dict[str, Any]]) -> str:
    """One crawl run as a row of `duwang runs`, with a note when its facts were pruned."""
    pages = sum(row.get("pages") or 0 for row in sites)
    unread = sum(row.get("extract_errors") or 0 for row in sites)
    site_count = len(json.loads(run.get("sites") or "[]"))
    cells = [
        str(run["id"]),
        labelled(RUN_STATUS, str(run["status"])),
        beijing(run["started_at"]),
        beijing(run["ended_at"]),
        duration_text(between(run["started_at"], run["ended_at"])),
        str(site_count),
        str(pages) if sites else "-",
        str(unread) if sites else "-",
    ]
    line = table_line(cells, RUN_WIDTHS, RUN_RIGHT)
    if run.get("pruned_at"):
        line += f"  事实已清理于 {beijing(run['pruned_at'])}"
    return line


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
def runs(config: Path, db: Path) -> None:
    """列出抓取记录：状态、北京时间、用时、页面数。

    每次抓取一行：状态、开始和结束时间（北京时间）、用时、站点数、页面数、读取错误数；其下注明期限、
    站外检查上限留下未做的内容和失败原因。"""
    with Store(db, create=False) as store:
        store.recover_crashed_runs()
        stored = store.runs()
        if not stored:
            click.echo(f"{db}：还没有抓取记录（duwang crawl 开始抓取）")
            return
        click.echo(table_line(RUN_HEADER, RUN_WIDTHS, RUN_RIGHT))
        for run in stored:
            sites = store.site_stats(run["id"])
            click.echo(run_row(run, sites))
            for note in limit_notes(run, sites):
                click.echo(f"      {note}")


JOB_HEADER = ["编号", "任务", "结果", "开始（北京时间）", "用时", "说明"]
JOB_WIDTHS = [5, 22, 18, 19, 10, 0]


def job_row(job: dict[str, Any]) -> str:
    """One job run of the service as a row of `duwang jobs`: its outcome, and its error or detail."""
    ended = job.get("ended_at")
    note = job.get("error") or job.get("detail") or ("运行中" if not ended else "")
    cells = [
        str(job["id"]),
        labelled(JOB_NAMES, str(job["job"])),
        labelled(JOB_OUTCOME, str(job["outcome"])),
        beijing(job["started_at"]),
        duration_text(between(job["started_at"], ended)),
        str(note).splitlines()[0][:120] if note else "",
    ]
    return table_line(cells, JOB_WIDTHS, frozenset({0}))


def next_runs(schedule: Any, now: datetime) -> list[tuple[str, str, datetime | None]]:
    """Each scheduled job: its name, cron expression, and next fire time after `now`, from APScheduler's own
    triggers as `duwang serve` builds them."""
    from crawler.app.service import JOBS, TIMEZONE
    from crawler.registry.cron import cron_trigger

    rows = []
    for name in JOBS:
        expression = getattr(schedule, name)
        trigger = cron_trigger(expression, TIMEZONE)
        rows.append((name, expression, trigger.get_next_fire_time(None, now.astimezone(TIMEZONE))))
    return rows


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="显示最近多少次任务记录"
)
@click.option("--job", "job_name", type=click.Choice(sorted(JOB_NAMES)), default=None, help="只显示这个任务")
def jobs(config: Path, db: Path, limit: int, job_name: str | None) -> None:
    """定时服务的任务计划、下次运行时间和任务记录。

    任务计划按登记表 [schedule]，下次运行时间为北京时间；任务记录来自数据库的 job_runs 表（duwang serve
    写入）：结果、开始时间、用时、错误或说明。"""
    from datetime import UTC

    registry = load_registry(config)
    click.echo("任务计划（登记表 [schedule]）")
    click.echo(table_line(["任务", "计划 cron", "下次运行（北京时间）"], [22, 20, 19]))
    for name, expression, next_time in next_runs(registry.schedule, datetime.now(UTC)):
        if job_name is None or name == job_name:
            next_text = beijing(next_time) if next_time is not None else "不再运行"
            click.echo(table_line([labelled(JOB_NAMES, name), expression, next_text], [22, 20, 19]))
    click.echo()
    with Store(db, create=False) as store:
        history = store.job_runs(job_name)[-limit:]
    if not history:
        click.echo("任务记录：还没有（duwang serve 运行任务后在此列出）")
        return
    click.echo(f"任务记录（最近 {len(history)} 次）")
    click.echo(table_line(JOB_HEADER, JOB_WIDTHS, frozenset({0})))
    for job in history:
        click.echo(job_row(job))
