"""What the crawl's limits left out becomes informational findings: outside links over the budget named by
target and host, and a site cut short by the deadline named with what was left."""

from datetime import datetime

from checks.facts import CrawlLimits
from checks.inspect import check_site
from checks.limits import EXAMPLES, check_limits
from checks.rules import load_rules
from tests.sitefacts import HOME, link, page, site

NEWS = "http://www.news.example.com/a/"


def over_budget(count: int, checked: int = 2) -> tuple[list, list]:
    """A home page linking to `count` outside articles, the first `checked` of them fetched."""
    targets = [f"{NEWS}{i}.html" for i in range(count)]
    pages = [
        page(
            url,
            site_id="x",
            role="check",
            status=200 if i < checked else None,
            error=None if i < checked else "budget",
        )
        for i, url in enumerate(targets)
    ]
    links = [link(HOME, url, f"新闻{i}", in_scope=False) for i, url in enumerate(targets)]
    return pages, links


def test_outside_links_left_unchecked_by_the_budget_are_one_info_finding():
    pages, links = over_budget(5)
    facts = site(pages, links, crawl=CrawlLimits(outside_budget=2, outside_checks=2, outside_skipped=3))
    (finding,) = check_limits(facts)
    assert (finding.check, finding.severity) == ("links_over_budget", "info")
    assert finding.evidence["unchecked"] == 3 and finding.evidence["checked"] == 2
    assert finding.evidence["targets"] == [f"{NEWS}{i}.html" for i in (2, 3, 4)]
    assert finding.evidence["hosts"] == ["www.news.example.com"]
    assert "每站 2 个" in finding.detail and "另有 3 个站外链接" in finding.detail


def test_the_evidence_names_a_bounded_sample_but_counts_every_target():
    pages, links = over_budget(EXAMPLES + 50, checked=0)
    (finding,) = check_limits(site(pages, links, crawl=CrawlLimits(outside_budget=0)))
    assert finding.evidence["unchecked"] == EXAMPLES + 50
    assert len(finding.evidence["targets"]) == EXAMPLES


def test_links_over_budget_are_not_dead_links():
    pages, links = over_budget(4)
    findings = check_site(
        site(pages, links, crawl=CrawlLimits(outside_budget=2)), load_rules(), datetime(2026, 11, 28, 10, 0)
    )
    assert not [f for f in findings if f.check == "dead_link"]
    assert [f.check for f in findings if f.check == "links_over_budget"] == ["links_over_budget"]


def test_a_site_the_deadline_cut_short_says_how_much_was_left():
    facts = site(
        [page("http://x.gov.cn/a/"), page("http://x.gov.cn/b/")],
        crawl=CrawlLimits(stopped_by="deadline", unfinished=37, max_minutes=720.0),
    )
    (finding,) = check_limits(facts)
    assert (finding.check, finding.severity) == ("crawl_deadline", "info")
    assert finding.evidence == {"max_minutes": 720.0, "unfinished": 37, "pages": 3}
    assert "期限 720 分钟" in finding.detail and "还有 37 个地址" in finding.detail


def test_a_crawl_within_its_limits_adds_nothing():
    pages, links = over_budget(3, checked=3)
    assert check_limits(site(pages, links)) == []
