"""The columns duwang discovered on each site, as `duwang columns` lists them and as registry column hints
(`--write-hints FILE`) for the info center to confirm once: a column named in the registry is identified
by it, so its stale or empty findings deduct even where discovery alone would only say 待确认.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from checks.columns import CLASS_NAMES, HOW, Column, discover_columns, newest_date
from checks.rules import Rules
from crawler.app.inspection import completed_run, inspection_now, iter_site_facts
from crawler.registry import Registry
from crawler.store import Store

FRESHNESS_WORDS: dict[str | None, str] = {name: word for name, word in CLASS_NAMES.items()}
FRESHNESS_WORDS |= {"static": "静态类", None: "未分类"}


def discovered_columns(
    db: Path, registry: Registry, rules: Rules, today: date, run_id: int | None = None, sites: tuple = ()
) -> tuple[int, dict[str, list[Column]]]:
    """The run (the latest completed by default) and the columns discovered on each of its sites."""
    with Store(db) as store:
        run_id = completed_run(store, run_id)
        found = {
            facts.site_id: discover_columns(facts, rules)
            for facts in iter_site_facts(store, run_id, registry, inspection_now())
            if not sites or facts.site_id in sites
        }
    return run_id, found


def column_rows(columns: list[Column], today: date) -> list[dict]:
    """One row per column: what `duwang columns` prints (and its JSON form)."""
    rows = []
    for column in columns:
        newest = newest_date(column, today)
        rows.append(
            {
                "name": column.name,
                "freshness": column.freshness,
                "url": column.url,
                "state": column.state,
                "items": len(column.all_entries),
                "newest": newest.isoformat() if newest else None,
                "identified_by": column.identified_by,
                "confidence": column.confidence,
            }
        )
    return rows


def format_rows(site_id: str, name: str, rows: list[dict]) -> str:
    lines = [f"{site_id} {name}: {len(rows)} 个栏目"]
    for row in rows:
        mark = "" if row["confidence"] == "confirmed" else " 【待确认】"
        lines.append(
            f"  {row['name']}（{FRESHNESS_WORDS[row['freshness']]}）{row['items']} 条，"
            f"最新 {row['newest'] or '无日期'}，{HOW[row['identified_by']]}识别{mark}\n    {row['url']}"
        )
    return "\n".join(lines)


def hints_toml(registry: Registry, found: dict[str, list[Column]], today: date) -> str:
    """Registry column hints for every site, to paste under each site's [[sites]] table once confirmed.

    Confirmed columns are written as tables; unconfirmed ones commented out, for a person to decide."""
    out = [
        "# duwang columns --write-hints: 各站点自动识别的栏目。请逐条核对后，",
        "# 将每个站点的 [[sites.columns]] 粘贴到登记表中该站点的 [[sites]] 表之下；",
        "# 以 # 开头的为【待确认】栏目，确认后去掉 # 即可。登记表中列出的栏目即为该站点的检查依据。",
        "",
    ]
    for site in registry.sites:
        if site.id not in found:
            continue
        out.append(f"# ---- {site.id} {site.name} ----")
        for row, column in zip(column_rows(found[site.id], today), found[site.id], strict=True):
            if column.state == "needs_render":
                continue
            prefix = "" if column.confirmed else "# "
            out.append(
                f"# {HOW[column.identified_by]}识别；{row['items']} 条，最新 {row['newest'] or '无日期'}"
                + ("" if column.confirmed else "；【待确认】")
            )
            out.append(f"{prefix}[[sites.columns]]")
            out.append(f"{prefix}name = {json.dumps(column.name, ensure_ascii=False)}")
            out.append(f"{prefix}url = {json.dumps(column.url, ensure_ascii=False)}")
            if column.freshness:
                out.append(f'{prefix}freshness = "{column.freshness}"')
            out.append("")
    return "\n".join(out) + "\n"
