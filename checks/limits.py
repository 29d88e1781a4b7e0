"""What the crawl's limits left unchecked, as informational findings (never scored).

Two limits keep a crawl bounded (crawler/middlewares/limits.py, crawler/extensions/deadline.py): a budget of
status checks of links outside the inspected sites, and a deadline for the whole crawl. Hitting either must
not pass silently: each site whose outside links went unchecked gets one finding naming them (the first
`EXAMPLES` in its evidence, with the hosts and the count), and each site the deadline cut short gets one
naming how much was left.
"""

from __future__ import annotations

from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity

EXAMPLES = 100  # target URLs kept in the evidence: a page of 500 links would otherwise be one huge row
BUDGET_ERROR = "budget"  # crawler.vocab.FetchError.BUDGET


def check_limits(facts: SiteFacts) -> list[Finding]:
    return [*_over_budget(facts), *_deadline(facts)]


def _over_budget(facts: SiteFacts) -> list[Finding]:
    # The targets this site's pages link to that were recorded as not fetched for the budget; a target
    # skipped while crawling another site counts too, since this site's link to it went unchecked as well.
    targets = sorted(
        {
            link.target_url
            for link in facts.links
            if (target := facts.pages.get(link.target_url)) is not None and target.error == BUDGET_ERROR
        }
    )
    if not targets:
        return []
    hosts = sorted({url.split("/")[2] for url in targets})
    budget = facts.crawl.outside_budget
    limit = f"（每站 {budget} 个，登记表 max_outside_checks）" if budget is not None else ""
    return [
        Finding(
            facts.site_id,
            CheckId.LINKS_OVER_BUDGET,
            Severity.INFO,
            f"站外链接的状态检查已达本次上限{limit}，另有 {len(targets)} 个站外链接"
            f"（{'、'.join(hosts[:5])}{'等' if len(hosts) > 5 else ''}）本次未检查，"
            "是否失效未知，请人工核对。",
            evidence={
                "budget": budget,
                "checked": facts.crawl.outside_checks,
                "unchecked": len(targets),
                "hosts": hosts,
                "targets": targets[:EXAMPLES],
            },
        )
    ]


def _deadline(facts: SiteFacts) -> list[Finding]:
    crawl = facts.crawl
    if crawl.stopped_by != "deadline":
        return []
    crawled = sum(1 for page in facts.own_pages() if page.role == "page")
    minutes = f" {crawl.max_minutes:g} 分钟" if crawl.max_minutes is not None else ""
    return [
        Finding(
            facts.site_id,
            CheckId.CRAWL_DEADLINE,
            Severity.INFO,
            f"本次抓取到达期限{minutes}（登记表 max_minutes）时本站尚未抓完，还有 {crawl.unfinished} 个地址"
            f"未抓取或检查；以上结论只依据已抓取的 {crawled} 个页面，"
            "未抓取页面上的栏目更新、必备栏目和链接可用性本次未检查。",
            evidence={"max_minutes": crawl.max_minutes, "unfinished": crawl.unfinished, "pages": crawled},
        )
    ]
