"""Pages shaped like the common Chinese government CMS families (TRS WCM, Hanweb JCMS, 开普云 UCAP, 政府信息公开
平台 tables, portal homepages) read as a person reads them.

Each fixture in tests/fixtures/cms/ is written for this test from the families' usual markup (never copied
from a real site); EXPECTED is a person's reading of it: the page's kind, its dated content lists (name,
entries, newest and oldest date) and the homepage elements of its footer. Every aspect is its own test, so
a misreading names the fixture and what was misread.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from checks.rules import load_rules
from crawler.pages.pageview import PageView, read_page

FIXTURES = Path(__file__).parent / "fixtures" / "cms"
TODAY = date(2026, 12, 2)
FOOTER_ALL = {"site_id_code": True, "icp": True, "police": True}

EXPECTED: dict[str, dict[str, Any]] = {
    "trs_list.html": {
        "url": "http://www.csx.gov.cn/zwgk/tzgg/index.html",
        "kind": "list",
        # TRS writes each date with document.write(pubdate.substring(0,10)).
        "lists": [("通知公告", 5, "2026-11-27", "2026-10-15")],
        # The footer is div.foot-wrap (no footer class), a mid-page div.bottom holds a banner.
        "elements": FOOTER_ALL | {"conac_badge": True, "search": True, "sitemap": True},
    },
    "hanweb_col.html": {
        "url": "http://fgw.csx.gov.cn/col/col1599544/index.html",
        "kind": "list",
        # [11-27] without a year, the year in the /art/2025/11/27/ address: a year-old column, not a fresh one.
        "lists": [("工作动态", 3, "2025-11-27", "2025-10-31")],
        "elements": FOOTER_ALL | {"conac_badge": True, "search": True, "sitemap": True},
    },
    "ucap_list.html": {
        "url": "http://www.csx.gov.cn/csxrmzf/bmdt/index.shtml",
        "kind": "list",
        # The whole row is the link: title and date are both inside <a>.
        "lists": [("部门动态", 4, "2026-11-26", "2026-10-28")],
        "elements": FOOTER_ALL | {"conac_badge": True, "search": True},
    },
    "xxgk_table.html": {
        "url": "http://xxgk.csx.gov.cn/xxgk/gfxwj/index.html",
        "kind": "list",
        # 索引号 | 标题 | 发文字号 | 成文日期 | 发布日期: the list's date is the 发布日期 column.
        "lists": [("规范性文件", 3, "2026-11-25", "2026-09-18")],
        "elements": FOOTER_ALL,
    },
    "xxgk_article.html": {
        "url": "http://xxgk.csx.gov.cn/xxgk/gfxwj/202611/t20261125_1360021.html",
        "kind": "article",
        "elements": FOOTER_ALL,
    },
    "list_labels.html": {
        "url": "http://www.csx.gov.cn/xzdt/index.html",
        "kind": "list",
        # Rows are <div>s with 发布时间/来源/浏览次数 labels, which article pages also print.
        "lists": [("乡镇动态", 3, "2026-11-26", "2026-11-02")],
        "elements": FOOTER_ALL,
    },
    "portal_home.html": {
        "url": "http://www.csq.gov.cn/",
        "kind": "list",
        "lists": [
            # the day and the year-month in two elements
            ("政务要闻", 3, "2026-11-28", "2026-11-09"),
            # 11月27日: month and day only, "MORE >>" beside the heading
            ("通知公告", 4, "2026-11-27", "2026-10-22"),
            # an old pinned item on top of a fresh list
            ("政策解读", 4, "2026-11-24", "2024-03-01"),
        ],
        # The footer is div.g-ft, a floating div.bottom (返回顶部) follows it; 网站标识码 is written by
        # document.write; the badge is a conac.cn script; the 找错 entry is the platform's jiucuo.js.
        "elements": FOOTER_ALL | {"conac_badge": True, "search": True, "sitemap": True, "error_report": True},
    },
    "year_heading_list.html": {
        "url": "http://www.csx.gov.cn/zwgk/cwhy/index.html",
        "kind": "list",
        # Month-day dates under a year heading: 11-26 under 2025年 is a year-old meeting.
        "lists": [("2025年", 3, "2025-11-26", "2025-09-25"), ("2024年", 2, "2024-12-20", "2024-11-22")],
        "elements": FOOTER_ALL,
    },
    "hanweb_home.html": {
        "url": "http://www.csx.gov.cn/",
        "kind": "list",
        # A table layout: each block's heading in one table, its rows (dot, link, MM-DD) in the next.
        "lists": [("今日测试", 3, "2026-11-27", "2026-11-20"), ("通知公告", 3, "2026-11-26", "2026-10-28")],
        # The badge opens bszs.conac.cn from an onclick; the footer sits in td.bottom-bg.
        "elements": FOOTER_ALL | {"conac_badge": True, "search": True, "sitemap": True, "error_report": True},
    },
    "ucap_article_related.html": {
        "url": "http://www.csx.gov.cn/csxrmzf/tzgg/202611/9f8e7d6c5b4a39281706f5e4d3c2b1a0.shtml",
        # A short notice (a sentence and an attachment) with eight related items under it: still an article.
        "kind": "article",
        "elements": FOOTER_ALL,
    },
    "search_link_home.html": {
        "url": "http://www.csz.gov.cn/",
        "kind": "list",
        # [11/26]: month and day in brackets, with a slash.
        "lists": [("政务动态", 3, "2026-11-26", "2026-11-03")],
        # The search is a link to the search page (a magnifier image): no box to read, see test_elements.
        "elements": FOOTER_ALL | {"conac_badge": True, "sitemap": True, "error_report": True},
    },
}


def _view(name: str) -> PageView:
    spec = EXPECTED[name]
    return read_page((FIXTURES / name).read_bytes(), spec["url"], "utf-8", TODAY, load_rules())


def _dated_lists(view: PageView) -> list[tuple[str, int, str | None, str | None]]:
    return [
        (found["name"], found["count"], found["newest"], found["oldest"])
        for found in view.lists
        if found["newest"] is not None
    ]


ASPECTS = [
    (name, aspect)
    for name, spec in EXPECTED.items()
    for aspect in ("kind", "lists", *(f"element:{e}" for e in spec.get("elements", {})))
    if aspect != "lists" or "lists" in spec
]


@pytest.mark.parametrize(("name", "aspect"), ASPECTS, ids=[f"{n}-{a}" for n, a in ASPECTS])
def test_cms_template_is_read_as_a_person_reads_it(name: str, aspect: str) -> None:
    spec = EXPECTED[name]
    view = _view(name)
    if aspect == "kind":
        assert view.kind == spec["kind"], view.kind_evidence
    elif aspect == "lists":
        assert _dated_lists(view) == spec["lists"]
    else:
        element = aspect.split(":", 1)[1]
        assert view.elements[element] is spec["elements"][element]


def test_every_fixture_has_a_reading() -> None:
    assert sorted(path.name for path in FIXTURES.glob("*.html")) == sorted(EXPECTED)
