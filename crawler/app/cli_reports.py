"""The `duwang` commands that read a checked crawl: `findings`, `report` and `mail`, shells over the jobs API
(`crawler.app.jobs`). They are added to the command group in `crawler.app.cli`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler.app import jobs
from crawler.app.cli_options import (
    EXIT_RUNTIME,
    DuwangCommand,
    config_option,
    db_option,
    existing_db,
    fail,
    format_option,
    rubric_option,
)
from crawler.registry import load_registry

if TYPE_CHECKING:
    from crawler.app.delivery import MailResult


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.option("--run", "run_id", type=int, default=None, help="已检查的抓取编号（默认最近一次检查的）")
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="只显示这个站点（可重复）")
@format_option()
def findings(config: Path, db: Path, run_id: int | None, site_ids: tuple[str, ...], output: str) -> None:
    """打印一次已检查抓取的检查结果（JSON 格式见 README）。"""
    from checks.findings import FINDING_FIELDS

    try:
        run_id, rows = jobs.stored_findings(db, run_id, site_ids)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    if output == "json":
        # `key`: the finding's identity across inspections (`duwang recheck --finding KEY`)
        fields = (*FINDING_FIELDS, "key")
        document = {"run_id": run_id, "findings": [{name: row.get(name) for name in fields} for row in rows]}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for row in rows:
        # One identifier for the user: the problem number, what `confirm` and `recheck --finding` take.
        subject = row["url"] or row["section"] or row["element"] or ""
        click.echo(
            f"{row['site_id']:<12} {row['severity']:<9} {row['check']:<20} {subject}\n    {row['detail']}"
            f"\n    问题编号 {row.get('key') or '-'}"
        )


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.argument("finding", metavar="KEY")
@click.option(
    "--site", "site_id", metavar="ID", default=None, help="问题编号所属的站点（编号在多个站点都有时必填）"
)
@click.option(
    "--as",
    "decision",
    type=click.Choice(["veto", "deduction", "dismissed"]),
    default=None,
    help="确认为单项否决、扣分或误报（默认：按评分规则）",
)
@click.option("--by", "who", required=True, help="确认人")
@click.option("--reason", default="", help="确认理由")
@rubric_option()
def confirm(
    config: Path,
    db: Path,
    finding: str,
    site_id: str | None,
    decision: str | None,
    who: str,
    reason: str,
    rubric: Path | None,
) -> None:
    """人工确认一条内容检查结果（待确认警告）：转为扣分或单项否决，或标为误报。

    KEY 是 duwang findings 显示的问题编号（取最近一次报告该问题的督查）；旧脚本中的数字编号仍然有效。
    """
    from checks.rules import load_rubric_data
    from crawler.app.confirm import ConfirmError
    from crawler.app.confirm import confirm as record

    existing_db(db)
    try:
        indicators = load_rubric_data(rubric).get("indicators", [])
        done = record(db, finding, decision, who, reason, indicators, site_id)
    except ConfirmError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"问题 {done.key}（{done.site_id} {done.check}）已确认为{done.detail}，确认人 {who}")


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("duwang-report"),
    show_default=True,
    help="写出 index.html、sites/、report.xlsx 和 report.json 的目录",
)
@click.option("--run", "run_id", type=int, default=None, help="已检查的抓取编号（默认最近一次检查的）")
@click.option(
    "--period",
    default=None,
    metavar="PERIOD",
    help="月（2026-11）、季度（2026Q4）或年（2026）：合并该期间的各次督查",
)
@rubric_option()
def report(
    config: Path, db: Path, out: Path, run_id: int | None, period: str | None, rubric: Path | None
) -> None:
    """评分、排名，写出 HTML、Excel 和 JSON 报告。"""
    inspection = _jobs(config, db, rubric)
    try:
        index = inspection.write_reports(out, run_id, period)
    except (LookupError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"报告 report: {index}")


def _jobs(config: Path, db: Path, rubric: Path | None) -> jobs.Jobs:
    """The jobs with the registry and the scoring read first: a bad one is a configuration error (exit 3)."""
    inspection = jobs.Jobs(db, load_registry(config), rubric)
    inspection.scoring()
    return inspection


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.option("--inspection", "run_id", type=int, default=None, help="已检查的抓取编号（默认最近一次检查的）")
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="不发送，把邮件写成 .eml 文件放到 DIR",
)
@click.option(
    "--resend-unconfirmed",
    is_flag=True,
    help="补发此前可能已送达而未确认的邮件（正文已发出、服务器无回复）：须先在邮件服务器日志中核实确未送达",
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
    """给每个站点负责人发送本站问题清单，给信息中心发送排名汇总（每封最多发一次）。"""
    from crawler.app.delivery import SmtpSettings, write_eml

    inspection = _jobs(config, db, rubric)
    try:
        document, outgoing = inspection.compose_mail(run_id)
    except (LookupError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if dry_run is not None:
        for path in write_eml(outgoing, dry_run):
            click.echo(f"写出 wrote {path}")
        for item in outgoing:
            if item.problem is not None:
                click.echo(f"失败 FAILED {item.site_id} {item.recipient!r}: {item.problem}", err=True)
        return
    smtp = SmtpSettings.from_env()
    _report_sent(inspection.send_mail(document, outgoing, smtp, resend_unconfirmed))


def _report_sent(result: MailResult) -> None:
    """Print what `send` did; exit 1 when anything is left to do (stopped, pending, unconfirmed)."""
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
        fail(
            f"duwang: 邮件发送中止 mail stopped: {result.error}; "
            f"{len(result.pending)} 封待发 messages pending: run `duwang mail` again once fixed",
            EXIT_RUNTIME,
        )
    if result.pending:
        fail(f"待重试 PENDING: {result.pending[0][1]}; run `duwang mail` again later", EXIT_RUNTIME)
    if result.unconfirmed:
        fail(
            f"duwang: {len(result.unconfirmed)} 封邮件可能已送达但未确认 possibly delivered, not sent again: "
            "find their Message-ID in the mail server's log; if missing, `duwang mail --resend-unconfirmed`",
            EXIT_RUNTIME,
        )
