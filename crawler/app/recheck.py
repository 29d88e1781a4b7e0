"""复查 (recheck): re-checking a site's open findings in seconds, without a full inspection.

`duwang recheck --site ID [--finding KEY]` takes the problems the site's latest inspection reported, fetches
only the URLs they involve through the recheck spider (crawler/spiders/recheck.py: allow-list, robots.txt,
the registry's delays), judges each with the same rules as the checks, and records the verdicts in the
`rechecks` table (crawler/store/rectification.py). Reports and mail then show 已整改（复查确认） apart from
已整改（下次督查发现）.

What can be re-checked from a few fetches:
- a dead link (dead_link): fixed when its target now answers (judged by `checks.links.broken_reason`), or
  when the page that carried it no longer links to it; its target and that page are fetched;
- a missing or invalid page element (element_missing, element_invalid): the homepages are fetched and the
  element checks run on them again;
- a stale or empty column (column_stale, column_empty, and the specific findings a column's staleness or
  emptiness is reported as, checks/overlaps.py: key_area_stale, service_stats_stale, section_empty): its
  list page is fetched, and the column checks run again on the inspection's stored facts of the site with
  that page's lists replaced by what it lists now (the rest of the site tells the column from navigation, as
  in the inspection); a column the re-run no longer finds by its name is not decided.
Any other finding (stale columns, sections, availability over time, ...) needs a whole crawl: it is listed as
not re-checkable and waits for the next inspection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from checks import identity
from checks.columns import discover_columns
from checks.elements import check_elements
from checks.facts import Entry, Link, Page
from checks.inspect import column_findings
from checks.links import CONFIRMABLE_ERRORS, ERROR_WORDS, broken_reason
from checks.rules import Rules
from crawler.app.crawl import QUIET_LOGGERS, crawl_settings
from crawler.app.inspection import inspection_now, iter_site_facts
from crawler.pages import extract, lists
from crawler.pages.pageview import homepage_facts
from crawler.registry import Registry, Site
from crawler.spiders.recheck import Fetched, RecheckSpider, page_links
from crawler.store import Store, now_iso, rectification

LINK_CHECKS = frozenset({"dead_link"})
COLUMN_CHECKS = frozenset(
    {"column_stale", "column_empty", "key_area_stale", "service_stats_stale", "section_empty"}
)
ELEMENT_CHECKS = frozenset({"element_missing", "element_invalid"})
# Failures that say a target is still broken; any other (robots.txt, allow-list, unknown) decides nothing.
DECIDING_ERRORS = CONFIRMABLE_ERRORS | {"redirect_loop"}
NOT_RECHECKABLE = "此类问题需完整督查才能确认，待下次督查"


@dataclass
class Verdict:
    """One finding's 复查: its key, what it was, and what the recheck found (None: not re-checkable)."""

    key: str
    check: str
    subject: str
    result: str | None
    reason: str  # in Chinese
    evidence: dict[str, Any] = field(default_factory=dict)


def fetch(config: str | Path, db: str | Path, urls: list[str]) -> dict[str, Fetched]:
    """Fetch `urls` once each through the recheck spider; call once per process (Twisted's reactor)."""
    from scrapy.crawler import CrawlerProcess

    settings = crawl_settings(config, db, {"LOG_LEVEL": "ERROR"})
    process = CrawlerProcess(settings)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    crawler = process.create_crawler(RecheckSpider)
    process.crawl(crawler, urls=urls, config=str(config))
    process.start()
    return dict(getattr(crawler.spider, "results", {}))


def urls_involved(site: Site, rows: list[dict[str, Any]]) -> list[str]:
    """The URLs to fetch for these findings: dead-link targets and their pages, the homepages for elements."""
    urls: list[str] = []
    for row in rows:
        if row["check"] in LINK_CHECKS:
            urls.extend(url for url in (row["url"], row["page"]) if url)
        elif row["check"] in ELEMENT_CHECKS:
            urls.extend(extract.normalize_url(url) for url in site.start_urls)
        elif row["check"] in COLUMN_CHECKS and row["url"]:
            urls.append(row["url"])
    return list(dict.fromkeys(urls))


def as_page(fetched: Fetched) -> Page:
    """A fetched URL as the checks' Page row: a failure after the recheck's retries counts as confirmed."""
    title = text = None
    selector = fetched.selector()
    if selector is not None:
        title, text = extract.page_title(selector), extract.text_excerpt(selector)
    return Page(
        fetched.url,
        None,
        "check",
        0,
        fetched.status,
        fetched.final_url,
        fetched.content_type,
        title,
        text,
        fetched.error,
        reprobe_error=fetched.error,
    )


def judge_link(row: dict[str, Any], results: dict[str, Fetched], rules: Rules) -> Verdict:
    """A dead link is fixed when its target works now, or when its page no longer links to it."""
    evidence = row.get("evidence") or {}
    verdict = Verdict(row["key"], row["check"], row["url"] or "", None, "")
    target = results.get(row["url"] or "")
    if target is None or (target.status is None and target.error not in DECIDING_ERRORS):
        error = target.error if target is not None else "not fetched"
        verdict.reason = f"目标地址本次未能访问（{error}：robots.txt、网络范围限制或其他原因），无法复查"
        return verdict
    link = Link(
        row["page"] or "",
        row["url"],
        evidence.get("tag", "a"),
        evidence.get("attr", "href"),
        evidence.get("kind", "page"),
        evidence.get("anchor_text", ""),
        False,
        True,
    )
    reason = broken_reason(as_page(target), link, rules)
    verdict.evidence = {"status": target.status, "error": target.error, "final_url": target.final_url}
    if reason is None:
        verdict.result, verdict.reason = rectification.FIXED, f"目标地址现可正常访问（HTTP {target.status}）"
        return verdict
    verdict.evidence["reason"] = reason
    source = results.get(row["page"] or "")
    if source is not None and source.status == 200 and source.html is not None:
        linked = {link.url for link in page_links(source)}
        if row["url"] not in linked:
            verdict.result, verdict.reason = rectification.FIXED, f"页面 {row['page']} 已删除该链接"
            return verdict
    verdict.result = rectification.NOT_FIXED
    problem = ERROR_WORDS.get(reason, f"HTTP {reason}")
    verdict.reason = f"目标地址仍无法访问（{problem}），页面仍链接到它"
    return verdict


def judge_elements(site: Site, rows: list[dict[str, Any]], results: dict[str, Fetched]) -> list[Verdict]:
    """The element checks run again on the fetched homepages; a finding whose key they no longer report is
    fixed. Without every homepage answering 200, nothing is decided."""
    homes: dict[str, tuple[Page, Any, dict[str, str]]] = {}
    for url in (extract.normalize_url(url) for url in site.start_urls):
        fetched = results.get(url)
        selector = fetched.selector() if fetched is not None and fetched.status == 200 else None
        if fetched is None or selector is None:
            return [
                Verdict(
                    row["key"],
                    row["check"],
                    row["element"] or "",
                    None,
                    f"首页 {url} 本次未能正常访问，无法复查",
                )
                for row in rows
            ]
        homes[url] = (as_page(fetched), selector, extract.meta_tags(selector))
    facts = homepage_facts(site.id, str(site.kind), homes)
    now = {
        identity.row_key({**finding.as_json(), "site_id": site.id}, {site.id: site.scope.own_hosts}): finding
        for finding in check_elements(facts)
    }
    verdicts = []
    for row in rows:
        found = now.get(row["key"])
        if found is None:
            verdicts.append(
                Verdict(
                    row["key"], row["check"], row["element"] or "", rectification.FIXED, "首页已具备该要素"
                )
            )
        else:
            verdicts.append(
                Verdict(
                    row["key"],
                    row["check"],
                    row["element"] or "",
                    rectification.NOT_FIXED,
                    found.detail,
                    found.evidence,
                )
            )
    return verdicts


def judge_columns(
    store: Store,
    registry: Registry,
    rules: Rules,
    run_id: int,
    rows: list[dict[str, Any]],
    results: dict[str, Fetched],
    now: datetime,
) -> list[Verdict]:
    """The column checks again, on the inspection's facts with each fetched list page's lists as they are
    now; undecided when the page did not answer, the facts were pruned, or the column is no longer found."""
    site_id = rows[0]["site_id"]
    facts = next((f for f in iter_site_facts(store, run_id, registry, now) if f.site_id == site_id), None)
    entries = dict(facts.entries) if facts is not None else {}
    fresh: set[str] = set()
    for url in {row["url"] for row in rows}:
        fetched = results.get(url)
        selector = fetched.selector() if fetched is not None and fetched.status == 200 else None
        if selector is not None and fetched is not None:
            items = lists.list_items(selector, url, fetched.encoding)
            entries[url] = tuple(Entry(url, *astuple(item)) for item in items)
            fresh.add(url)
    if facts is None or not facts.pages:
        return [_undecided(row, "本次督查的抓取数据已清理，无法复查") for row in rows]
    facts = replace(facts, entries=entries)
    columns = discover_columns(facts, rules)
    names = {column.name for column in columns}
    hosts = {site_id: registry.site(site_id).scope.own_hosts}
    now_found = {
        identity.row_key(finding.as_json(), hosts): finding
        for finding in column_findings(facts, columns, rules, now.date())
    }
    verdicts = []
    for row in rows:
        if row["url"] not in fresh:
            verdicts.append(_undecided(row, f"栏目页面 {row['url']} 本次未能正常访问，无法复查"))
        elif row["column"] not in names:
            verdicts.append(_undecided(row, f"栏目“{row['column']}”在复查时未能识别，待下次督查确认"))
        elif (found := now_found.get(row["key"])) is not None:
            verdicts.append(_verdict(row, rectification.NOT_FIXED, found.detail, found.evidence))
        else:
            verdicts.append(_verdict(row, rectification.FIXED, f"栏目“{row['column']}”已有按期更新的信息"))
    return verdicts


def _subject(row: dict[str, Any]) -> str:
    return row["url"] or row["column"] or row["section"] or row["element"] or ""


def _undecided(row: dict[str, Any], reason: str) -> Verdict:
    return Verdict(row["key"], row["check"], row["column"] or _subject(row), None, reason)


def _verdict(
    row: dict[str, Any], result: str, reason: str, evidence: dict[str, Any] | None = None
) -> Verdict:
    return Verdict(row["key"], row["check"], row["column"] or _subject(row), result, reason, evidence or {})


def recheck_site(
    config: str | Path,
    db: str | Path,
    registry: Registry,
    rules: Rules,
    site_id: str,
    key: str | None = None,
    fetcher: Callable[[str | Path, str | Path, list[str]], dict[str, Fetched]] = fetch,
    now: datetime | None = None,
) -> tuple[int, list[Verdict]]:
    """Re-check the open findings of a site (or only the one with `key`), record the verdicts, return them
    with the inspection they belong to. LookupError: no inspection of the site, or no such open finding."""
    site = registry.site(site_id)
    with Store(db) as store:
        run_id, rows = rectification.open_findings(store, site_id)
    if run_id is None:
        raise LookupError(f"站点 {site_id} 尚无督查结果，请先运行 duwang check")
    if key is not None:
        rows = [row for row in rows if row["key"] == key]
        if not rows:
            raise LookupError(f"站点 {site_id} 最近一次督查（run {run_id}）没有编号为 {key} 的待整改问题")
    urls = urls_involved(site, rows)
    results = fetcher(config, db, urls) if urls else {}
    verdicts = [judge_link(row, results, rules) for row in rows if row["check"] in LINK_CHECKS]
    elements = [row for row in rows if row["check"] in ELEMENT_CHECKS]
    if elements:
        verdicts.extend(judge_elements(site, elements, results))
    columns = [row for row in rows if row["check"] in COLUMN_CHECKS]
    if columns:
        with Store(db) as store:
            verdicts.extend(
                judge_columns(store, registry, rules, run_id, columns, results, now or inspection_now())
            )
    recheckable = LINK_CHECKS | ELEMENT_CHECKS | COLUMN_CHECKS
    verdicts.extend(_undecided(row, NOT_RECHECKABLE) for row in rows if row["check"] not in recheckable)
    decided = [
        {
            "site_id": site_id,
            "key": v.key,
            "run_id": run_id,
            "result": v.result,
            "evidence": {**v.evidence, "reason": v.reason},
        }
        for v in verdicts
        if v.result is not None
    ]
    with Store(db) as store:
        rectification.record_rechecks(store, decided, now_iso())
    return run_id, verdicts


def format_verdicts(site_id: str, run_id: int, verdicts: list[Verdict]) -> str:
    """The terminal's summary: one line per finding, then the counts."""
    lines = [f"复查 recheck: 站点 {site_id}，督查 run {run_id} 的 {len(verdicts)} 个待整改问题"]
    for v in verdicts:
        result = v.result or "未复查"
        lines.append(f"  {v.key}  {result:<4}  {v.check:<16} {v.subject}\n      {v.reason}")
    fixed = sum(1 for v in verdicts if v.result == rectification.FIXED)
    open_ = sum(1 for v in verdicts if v.result == rectification.NOT_FIXED)
    skipped = sum(1 for v in verdicts if v.result is None)
    lines.append(f"合计：已整改 {fixed} 个，未整改 {open_} 个，未复查 {skipped} 个")
    return "\n".join(lines)
