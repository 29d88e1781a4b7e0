"""Dead links: what counts as broken, confirmation of transient failures, one finding per (target, page)."""

import pytest

from checks.links import broken_reason, check_links
from checks.rules import load_rules
from tests.sitefacts import HOME, link, page, site

RULES = load_rules()
A = link(HOME, "http://x.gov.cn/a.html", "甲")


@pytest.mark.parametrize(
    ("fields", "kind", "reason"),
    [
        ({"status": 404}, "page", "404"),
        ({"status": 200}, "page", None),
        ({"status": 503, "reprobe_status": 503}, "page", "503"),
        ({"status": 503, "reprobe_status": 200}, "page", None),  # the second probe found it working
        ({"status": None, "error": "timeout", "reprobe_error": "timeout"}, "page", "timeout"),
        ({"status": None, "error": "timeout"}, "page", None),  # not confirmed yet: not reported
        ({"status": None, "error": "refused", "reprobe_error": "refused"}, "page", "refused"),
        ({"status": None, "error": "redirect_loop"}, "page", "redirect_loop"),
        ({"status": None, "error": "robots"}, "page", None),
        ({"status": 200, "title": "页面不存在", "text": "您访问的页面不存在或已被删除"}, "page", "soft_404"),
        ({"status": 200, "title": "新闻", "text": "某网站违法信息已被删除。" + "正文" * 300}, "page", None),
        ({"status": 200, "content_type": "text/html", "text": "文件不存在"}, "attachment", "soft_404"),
        ({"status": 200, "content_type": "text/html", "text": "欢迎访问"}, "image", "not_a_file"),
        ({"status": 200, "content_type": "application/pdf", "text": None}, "attachment", None),
    ],
)
def test_broken_reason(fields, kind, reason):
    target = page("http://x.gov.cn/a.html", **fields)
    assert broken_reason(target, link(HOME, target.url, kind=kind), RULES) == reason


def test_one_finding_per_target_and_page_marking_the_homepage():
    dead = "http://x.gov.cn/gone.html"
    other = "http://x.gov.cn/list/"
    facts = site(
        [page(dead, status=404), page(other)],
        [
            link(HOME, dead, "旧专题"),
            link(HOME, dead, "旧专题"),
            link(other, dead, "旧专题"),
            link(HOME, "http://www.gov.cn/", "中国政府网", fetchable=False, in_scope=False),
        ],
    )
    findings = check_links(facts, RULES)
    dead_findings = [f for f in findings if f.check == "dead_link"]
    assert {(f.url, f.page, f.evidence["on_homepage"]) for f in dead_findings} == {
        (dead, HOME, True),
        (dead, other, False),
    }
    assert "首页" in next(f.detail for f in dead_findings if f.page == HOME)
    unchecked = [f for f in findings if f.check == "unchecked_links"]
    assert len(unchecked) == 1 and unchecked[0].severity == "info"
    assert unchecked[0].evidence["targets"] == ["http://www.gov.cn/"]
