"""Dead links (链接不可用): every broken target with the page it is on, one finding per (target, page).

A target is broken when it answered 4xx; when a 5xx, timeout, refused connection, DNS or TLS failure was
confirmed by the second probe the crawler makes after the crawl (inspectors re-check transient failures
before counting them); when it loops in redirects; when it answered 200 with an error page (soft-404); and
for an image or attachment, when the answer is an HTML page instead of the file. A target that redirects
is judged by the answer at the end of its redirect chain: every URL that lands on an error page is dead,
not only the first one the crawler met (later ones stop at a URL already fetched and keep only a 3xx row).
mailto:, tel:, javascript: and same-page anchors are never links. Links to hosts off the network
allow-list were not fetched: they are counted in one informational finding, never reported as dead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from checks.facts import Link, Page, SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.rules import Rules
from checks.text import is_error_page

CONFIRMABLE_ERRORS = frozenset({"timeout", "refused", "connection", "dns", "tls"})
ERROR_WORDS = {
    "timeout": "访问超时",
    "refused": "连接被拒绝",
    "connection": "连接中断",
    "dns": "域名无法解析",
    "tls": "证书或加密连接错误",
    "redirect_loop": "循环重定向",
    "soft_404": "返回“页面不存在”错误页",
    "not_a_file": "返回网页而不是文件",
}
KIND_WORDS = {
    "image": "图片",
    "attachment": "附件",
    "page": "链接",
    "frame": "内嵌页面",
    "stylesheet": "样式文件",
    "script": "脚本文件",
    "other": "资源",
}


FILE_KINDS = ("image", "attachment")  # a link that expects a file, not an HTML page
MAX_HOPS = 20  # more redirects than any browser follows


def is_redirect(page: Page) -> bool:
    return page.status is not None and 300 <= page.status < 400


def landing_index(pages: Mapping[str, Page]) -> dict[str, Page]:
    """The row holding the answer given at each URL that was reached only by redirect.

    The crawler stores a redirected fetch under the URL it asked for (`url`), with `final_url` where the
    answer came from; that final URL has no row of its own.
    """
    landed: dict[str, Page] = {}
    for page in pages.values():
        final = page.final_url
        if final and final != page.url and not is_redirect(page):
            landed.setdefault(final, page)
    return landed


def follow_redirects(url: str, pages: Mapping[str, Page], landed: Mapping[str, Page]) -> Page | None:
    """The row that answered for `url` at the end of its redirect chain (a 3xx row points at the next
    URL with `final_url`), or None when the chain leads to a URL the run never fetched."""
    page = pages.get(url) or landed.get(url)
    visited = {url}
    while page is not None and is_redirect(page) and page.final_url and page.final_url not in visited:
        if len(visited) > MAX_HOPS:
            return None
        visited.add(page.final_url)
        page = pages.get(page.final_url) or landed.get(page.final_url)
    return page


def broken_reason(page: Page, link: Link, rules: Rules) -> str | None:
    """Why a fetched target counts as broken ('404', 'timeout', 'soft_404', ...), or None when it works."""
    if page.error == "redirect_loop":
        return "redirect_loop"
    if page.error in CONFIRMABLE_ERRORS:
        return page.error if page.reprobe_error or (page.reprobe_status or 0) >= 500 else None
    if page.status is None:
        return None  # not fetched (robots.txt, allow-list) or an unknown failure: nothing to report
    if page.status >= 500:
        if page.reprobe_status is not None and page.reprobe_status < 400 and not page.reprobe_error:
            return None  # the second probe found it working
        return str(page.status)
    if page.status >= 400:
        return str(page.status)
    if 300 <= page.status < 400:
        return None  # a redirect to a URL fetched under its own row
    html = (page.content_type or "").startswith("text/html")
    if link.kind in FILE_KINDS and html:
        return "soft_404" if is_error_page(page, rules.soft_404_texts) else "not_a_file"
    if html and is_error_page(page, rules.soft_404_texts):
        return "soft_404"
    return None


def check_links(facts: SiteFacts, rules: Rules) -> list[Finding]:
    findings = []
    seen: set[tuple[str, str]] = set()
    homes = set(facts.home_urls)
    unchecked: dict[str, list[str]] = defaultdict(list)
    verdicts: dict[tuple[str, bool], tuple[str | None, Page | None]] = {}
    landed: dict[str, Page] | None = None  # built on the first target that needs it: most runs have few
    for link in facts.links:
        key = (link.target_url, link.source_url)
        if key in seen:
            continue
        seen.add(key)
        if not link.fetchable:
            unchecked[link.target_url].append(link.source_url)
            continue
        # The verdict depends on the target and on whether a file was expected; most links repeat.
        verdict_key = (link.target_url, link.kind in FILE_KINDS)
        if verdict_key not in verdicts:
            target = facts.pages.get(link.target_url)
            if target is None or is_redirect(target):
                if landed is None:
                    landed = landing_index(facts.pages)
                target = follow_redirects(link.target_url, facts.pages, landed)
            # None: beyond the page budget, not fetched in this inspection
            verdicts[verdict_key] = (broken_reason(target, link, rules) if target else None, target)
        reason, target = verdicts[verdict_key]
        if reason is not None and target is not None:
            findings.append(_dead_link(facts, link, reason, target, link.source_url in homes))
    if unchecked:
        findings.append(_unchecked_links(facts, unchecked))
    return findings


def _dead_link(facts: SiteFacts, link: Link, reason: str, target: Page, on_home: bool) -> Finding:
    """The finding for one broken target on one page; `target` is the row that answered, after redirects."""
    landing = target.final_url or target.url
    what = KIND_WORDS.get(link.kind, "链接")
    problem = ERROR_WORDS.get(reason, f"返回 HTTP {reason} 错误")
    if landing != link.target_url and reason != "redirect_loop":
        problem = f"跳转到 {landing} 后{problem}"
    place = "首页" if on_home else "页面"
    return Finding(
        facts.site_id,
        CheckId.DEAD_LINK,
        Severity.DEDUCTION,
        f"{place} {link.source_url} 上的{what}“{link.anchor_text or link.target_url}”"
        f"无法访问（{problem}），"
        "请修复或删除该链接。",
        url=link.target_url,
        page=link.source_url,
        evidence={
            "reason": reason,
            "status": target.status,
            "error": target.error,
            "kind": link.kind,
            "tag": link.tag,
            "attr": link.attr,
            "anchor_text": link.anchor_text,
            "page_title": source.title if (source := facts.pages.get(link.source_url)) else None,
            "on_homepage": on_home,
            "reprobe_status": target.reprobe_status,
            "reprobe_error": target.reprobe_error,
            # where the link's redirects ended, when that is not the link's own URL
            "redirected_to": landing if landing != link.target_url else None,
        },
    )


def _unchecked_links(facts: SiteFacts, unchecked: Mapping[str, list[str]]) -> Finding:
    """One informational finding for the links to hosts off the allow-list, which were never fetched."""
    hosts = sorted({url.split("/")[2] for url in unchecked})
    return Finding(
        facts.site_id,
        CheckId.UNCHECKED_LINKS,
        Severity.INFO,
        f"有 {len(unchecked)} 个站外链接（{'、'.join(hosts[:5])}{'等' if len(hosts) > 5 else ''}）"
        "不在允许访问的网络范围内，本次未检查，请人工核对。",
        evidence={"targets": sorted(unchecked), "hosts": hosts},
    )
