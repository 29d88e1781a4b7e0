"""The `duwang recheck` command (复查): a shell over `crawler.app.recheck`, added to the command group in
`crawler.app.cli`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crawler.app import jobs
from crawler.app.cli_options import (
    DuwangCommand,
    config_option,
    db_option,
    existing_db,
    rubric_option,
    today_option,
)
from crawler.registry import load_registry


@click.command(cls=DuwangCommand)
@config_option()
@db_option()
@click.option("--site", "site_id", required=True, metavar="ID", help="复查哪个站点的未整改问题（站点 id）")
@click.option(
    "--finding",
    "key",
    default=None,
    metavar="KEY",
    help="只复查这一个问题（问题编号 key，见 duwang findings）",
)
@rubric_option()
@today_option()
def recheck(
    config: Path, db: Path, site_id: str, key: str | None, rubric: Path | None, today: datetime | None
) -> None:
    """复查：只重新访问站点未整改问题涉及的地址，记录 已整改 / 未整改（不启动完整督查）。

    Re-fetch only the URLs of a site's open findings and record the result (no full inspection)."""
    from crawler.app.inspection import inspection_now
    from crawler.app.recheck import format_verdicts, recheck_site

    now = inspection_now()
    if today is not None:  # as `duwang check --today`: columns are judged against this date
        now = datetime.combine(today.date(), now.time())

    registry = load_registry(config)
    rules = jobs.Jobs(db, registry, rubric).rules()
    existing_db(db)
    registry.site(site_id)  # an unknown site is a configuration error (exit 3) before anything is fetched
    try:
        run_id, verdicts = recheck_site(config, db, registry, rules, site_id, key, now=now)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(format_verdicts(site_id, run_id, verdicts))
