"""The `duwang alert` command: the recent alerts sent to the group robots, or a test message on every
[[alerts]] channel (`crawler.app.alerts`). It is added to the command group in `crawler.app.cli`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.app.cli_options import EXIT_CONFIG, EXIT_RUNTIME, DuwangCommand, config_option, db_option, fail
from crawler.registry import load_registry
from crawler.store import Store


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.option("--test", "trial", is_flag=True, help="给每个告警通道发一条测试消息 send a test message")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="列出最近几条告警")
def alert(config: Path, db: Path, trial: bool, limit: int) -> None:
    """告警：列出最近的告警记录；--test 给每个 [[alerts]] 通道发测试消息。

    List the recent alerts; --test sends a test message on every [[alerts]] channel (企业微信、钉钉、飞书)."""
    from crawler.app.alerts import send, trial_alert
    from crawler.app.inspection import inspection_now
    from reports.alerts import china_time

    if trial:  # not recorded in the database: a test is no alert
        registry = load_registry(config)
        if not registry.alerts:
            fail(
                f"duwang: 配置错误 {config}: 没有告警通道 no [[alerts]] table (README 告警一节)", EXIT_CONFIG
            )
        errors = [send(channel, trial_alert(channel, inspection_now()).text) for channel in registry.alerts]
        for channel, error in zip(registry.alerts, errors, strict=True):
            click.echo(f"{channel.name}: " + ("已发送 sent" if error is None else f"失败 FAILED {error}"))
        sys.exit(EXIT_RUNTIME if any(errors) else 0)
    with Store(db, create=False) as store:
        rows = store.alert_log(limit=limit)
    if not rows:
        click.echo("尚无告警记录 no alerts recorded")
    for row in reversed(rows):
        error = f"  ({row['error']})" if row["error"] else ""
        click.echo(f"{china_time(row['sent_at'])}  {row['status']:<6} {row['channel']}  {row['text']}{error}")
