"""政策解读 ↔ 政策文件: each interpretation links to the policy document it explains, and the policy links
back (indicators.md §1 deduction "policy ↔ interpretation", value unconfirmed).

From stored facts only: an interpretation is an entry of a 政策解读 column whose title contains 解读; a
policy is an entry of a column standing for the 政策文件 section. An interpretation page the crawl read that
links to none of the site's policies (nor to a document elsewhere, by a link text naming one in 《》 or as
原文) is reported; so is a policy page it links to that does not link back. Pages the crawl did not read are
not judged, and a finding in a column identified without confidence is a 待确认 warning.
"""

from __future__ import annotations

from checks.columns import Column
from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules

READING_WORD = "解读"
POLICY_SECTION = "政策文件"
DOCUMENT_HINTS = ("《", "原文", "政策文件")  # a link text that names a document kept elsewhere


def check_interpretations(facts: SiteFacts, columns: list[Column], rules: Rules) -> list[Finding]:
    """Interpretations without a link to their policy, and policies that do not link back."""
    readings = [c for c in columns if READING_WORD in c.name]
    policy_columns = [
        c for c in columns if POLICY_SECTION in rules.sections_of(c.name) and READING_WORD not in c.name
    ]
    policies = {e.url: c for c in policy_columns for e in c.all_entries if e.url}
    out_links: dict[str, list[tuple[str, str]]] = {}
    for link in facts.links:
        if link.tag == "a":
            out_links.setdefault(link.source_url, []).append((link.target_url, link.anchor_text))
    findings: list[Finding] = []
    seen: set[str] = set()
    for column in readings:
        for entry in column.all_entries:
            url = entry.url
            if url is None or url in seen or READING_WORD not in entry.title or not _read(facts, url):
                continue
            seen.add(url)
            links = out_links.get(url, [])
            targets = [target for target, _ in links if target in policies]
            if not targets:
                if not any(any(h in text for h in DOCUMENT_HINTS) for _, text in links):
                    findings.append(_unlinked(facts, column, url, entry.title, len(links)))
                continue
            for target in dict.fromkeys(targets):
                page = facts.pages.get(target)
                if page is None or page.status != 200:
                    continue  # not read: nothing to judge the way back by
                if not any(back == url for back, _ in out_links.get(target, [])):
                    findings.append(_no_way_back(facts, policies[target], column, target, url))
    return findings


def _read(facts: SiteFacts, url: str | None) -> bool:
    page = facts.pages.get(url or "")
    return page is not None and page.status == 200 and page.role == "page"


def _severity(detail: str, *columns: Column) -> tuple[Severity, str]:
    if all(column.confirmed for column in columns):
        return Severity.DEDUCTION, detail
    return Severity.WARNING, f"【待确认】{detail}（栏目识别不确定，请人工确认。）"


def _unlinked(facts: SiteFacts, column: Column, url: str, title: str, links: int) -> Finding:
    severity, detail = _severity(
        f"政策解读“{title}”没有链接到所解读的政策文件，请在解读页面提供政策原文链接。", column
    )
    return Finding(
        facts.site_id,
        CheckId.INTERPRETATION_UNLINKED,
        severity,
        detail,
        url=url,
        column=column.name,
        evidence={"page_title": title, "links_on_page": links},
    )


def _no_way_back(facts: SiteFacts, policy: Column, reading: Column, target: str, reading_url: str) -> Finding:
    title = facts.pages[target].title or target
    severity, detail = _severity(
        f"政策文件“{title}”没有链接到对它的解读，请在政策文件页面提供解读链接。", policy, reading
    )
    return Finding(
        facts.site_id,
        CheckId.POLICY_BACKLINK_MISSING,
        severity,
        detail,
        url=target,
        page=reading_url,
        column=policy.name,
        evidence={"page_title": title, "interpretation": reading_url},
    )
