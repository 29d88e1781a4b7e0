"""办事服务 (services): the 10 key elements of each service guide, the veto line they add up to, and the
freshness of 办件统计 (国办秘函〔2019〕19号: services_unusable; 办件统计 not updated within 3 months −2).

Read on 政务服务网 sub-sites and department sites. Guides are the entries of the site's 办事指南 columns
(found by checks/columns.py, named as in checks/data/services.toml); an element is present when one of its
labels stands in the guide's main text followed by a value. A guide missing [services] guide_missing or
more elements is a finding; guides_veto such guides on a site reach the veto line, whose second part is
unconfirmed nationally, so it is reported as a 待确认 warning for a person to confirm (`duwang confirm`),
never as an automatic veto. A guide in a column identified without confidence gives a warning, not a
deduction; a guide whose text the crawl did not store is not judged.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from checks.columns import HOW, Column, column_finding, newest_date, stale_since
from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules

DATA = Path(__file__).with_name("data") / "services.toml"
KINDS = ("service", "department")


@dataclass(frozen=True)
class ServiceWords:
    elements: dict[str, tuple[str, ...]]  # element -> its labels
    guide_columns: tuple[str, ...]
    stats_columns: tuple[str, ...]
    patterns: dict[str, re.Pattern[str]]  # element -> label followed by a value


@lru_cache(maxsize=1)
def words() -> ServiceWords:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))
    elements = {name: tuple(labels) for name, labels in raw["elements"].items()}
    every_label = "|".join(sorted({re.escape(label) for labels in elements.values() for label in labels}))
    patterns = {
        name: re.compile(rf"(?:{'|'.join(map(re.escape, labels))})\s*[:：]?\s*(?!(?:{every_label}))[^\s:：]")
        for name, labels in elements.items()
    }
    return ServiceWords(elements, tuple(raw["guide_columns"]), tuple(raw["stats_columns"]), patterns)


def missing_elements(text: str) -> list[str]:
    """The key elements a guide's text does not give, in the national list's order."""
    return [name for name, pattern in words().patterns.items() if not pattern.search(text)]


def check_services(facts: SiteFacts, columns: list[Column], rules: Rules, today: date) -> list[Finding]:
    """Incomplete guides, the veto line over them (待确认), and a stale 办件统计 column."""
    if facts.kind not in KINDS:
        return []
    vocabulary = words()
    guides = [c for c in columns if any(word in c.name for word in vocabulary.guide_columns)]
    findings = _guides(facts, guides, rules)
    stats = [c for c in columns if any(word in c.name for word in vocabulary.stats_columns)]
    findings += [f for c in stats if (f := _stats(facts, c, rules, today)) is not None]
    return findings


def _guides(facts: SiteFacts, guides: list[Column], rules: Rules) -> list[Finding]:
    threshold, veto_line = rules.services["guide_missing"], rules.services["guides_veto"]
    findings: list[Finding] = []
    seen: set[str] = set()
    read = 0
    for column in guides:
        for entry in column.all_entries:
            if not entry.url or entry.url in seen or entry.url not in facts.texts:
                continue
            seen.add(entry.url)
            read += 1
            missing = missing_elements(facts.texts[entry.url])
            if len(missing) >= threshold:
                findings.append(_incomplete(facts, column, entry.url, entry.title, missing, threshold))
    if len(findings) >= veto_line:
        findings.append(
            Finding(
                facts.site_id,
                CheckId.SERVICES_UNUSABLE,
                Severity.WARNING,
                f"【待确认】{len(findings)} 个办事指南各缺少 {threshold} 个以上要素，"
                f"达到“服务不实用”单项否决线（{veto_line} 个，该条国家标准未确认），"
                "请人工核实后确认，并尽快补全办事指南要素。",
                evidence={
                    "guides_read": read,
                    "incomplete": len(findings),
                    "guide_missing": threshold,
                    "veto_line": veto_line,
                },
            )
        )
    return findings


def _incomplete(
    facts: SiteFacts, column: Column, url: str, title: str, missing: list[str], threshold: int
) -> Finding:
    present = [name for name in words().elements if name not in missing]
    detail = f"办事指南“{title}”缺少 {len(missing)} 个要素（{'、'.join(missing)}），请按办事指南十要素补全。"
    evidence = {"missing": missing, "present": present, "guide_missing": threshold, **dict(column.evidence)}
    severity = Severity.DEDUCTION
    if not column.confirmed:
        severity = Severity.WARNING
        detail = (
            f"【待确认】{detail}（所在栏目“{column.name}”由{HOW[column.identified_by]}识别，请人工确认。）"
        )
    return Finding(
        facts.site_id,
        CheckId.SERVICE_GUIDE_INCOMPLETE,
        severity,
        detail,
        url=url,
        column=column.name,
        evidence=evidence,
    )


def _stats(facts: SiteFacts, column: Column, rules: Rules, today: date) -> Finding | None:
    limit = rules.services["stats_days"]
    if column.state in ("needs_render", "note"):
        return None  # unreadable without a browser (column_needs_render says so), or explained
    newest = newest_date(column, today) if column.state == "items" else None
    evidence: dict[str, object] = {"limit_days": limit, "entries": len(column.all_entries)}
    if column.state == "empty":
        detail = f"办件统计栏目“{column.name}”没有任何信息，应至少每 3 个月（{limit} 天）更新一次。"
    elif newest is None:
        detail = f"办件统计栏目“{column.name}”的信息均未标注日期，按未更新处理（应在 {limit} 天内更新）。"
    elif (stale := stale_since(newest, today, limit)) is None:
        return None
    else:
        evidence |= stale[0]
        detail = f"办件统计栏目“{column.name}”{stale[1]}（应在 {limit} 天内更新），请及时公开办件统计。"
    return column_finding(facts, column, CheckId.SERVICE_STATS_STALE, detail, evidence)
