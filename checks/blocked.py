"""Sites the crawl could not read, so nothing on them can be judged: one finding each instead of missing
sections, missing page elements, missing key areas and a missing consultation channel that are not the
site's own defects (and one of them a veto).

Blocked: the site's firewall (WAF) refused the crawler: the homepage answered 403, 412 or 429, or at least
five of the site's own pages did, being at least half of those fetched. The finding asks the site owner to
let the inspection's crawler through.

Homepage unread: no start page answered 200 in this crawl (a timeout, a refused connection, a server error,
or never reached). Whether the site is down is the availability probes' verdict (`check_availability`,
scored over a week of probes); this finding says the inspection could not be made and why.
"""

from __future__ import annotations

from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity
from checks.links import ERROR_WORDS

BLOCKING = frozenset({403, 412, 429})


def check_blocked(facts: SiteFacts) -> Finding | None:
    own = [page for page in facts.own_pages() if page.role == "page" and page.status is not None]
    blocked = [page for page in own if page.status in BLOCKING]
    home = next((facts.pages[url] for url in facts.home_urls if url in facts.pages), None)
    home_blocked = home is not None and home.status in BLOCKING
    if not home_blocked and (len(blocked) < 5 or len(blocked) * 2 < len(own)):
        return None
    statuses = sorted({page.status for page in blocked if page.status is not None})
    return Finding(
        facts.site_id,
        CheckId.SITE_BLOCKED,
        Severity.WARNING,
        f"网站安全防护拒绝了检查程序的访问（HTTP {'、'.join(map(str, statuses))}），本次无法检查，"
        "请将检查程序的 User-Agent 或 IP 加入白名单，或在登记表中为本站配置浏览器 User-Agent。",
        url=facts.home_urls[0],
        evidence={"blocked_pages": len(blocked), "fetched_pages": len(own), "statuses": statuses},
    )


def check_unread(facts: SiteFacts) -> Finding | None:
    """One finding when no start page of the site was read in this crawl; None when one was."""
    answers = {url: facts.pages.get(url) for url in facts.home_urls}
    if any(page is not None and page.status == 200 for page in answers.values()):
        return None
    home = facts.home_urls[0]
    page = answers.get(home)
    if page is None:
        answer = "本次未抓取到首页"
    elif page.error:
        answer = ERROR_WORDS.get(page.error, page.error)
    else:
        answer = f"HTTP {page.status}"
    return Finding(
        facts.site_id,
        CheckId.HOMEPAGE_UNREAD,
        Severity.WARNING,
        f"【待确认】本次检查未能打开网站首页（{answer}），栏目、页面要素等均无法检查，"
        "请核查网站能否正常访问；网站恢复后下次督查将完整检查。",
        url=home,
        evidence={
            "url": home,
            "status": page.status if page else None,
            "error": page.error if page else "not_fetched",
            "redirected_to": page.final_url if page else None,
            "confidence": "unconfirmed",
        },
    )
