"""A site whose firewall (WAF) refuses the crawler: one finding, "blocked, could not inspect", instead of a
missing homepage, missing sections and dozens of dead links that are not the site's own defects.

Rule: the homepage answered 403, 412 or 429; or at least five of the site's own pages did, being at least half
of those fetched. The finding asks the site owner to let the inspection's crawler through.
"""

from __future__ import annotations

from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity

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
