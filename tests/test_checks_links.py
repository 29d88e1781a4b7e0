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


ERROR_PAGE = {"status": 200, "title": "404", "text": "抱歉，您访问的页面不存在或已被删除！ 返回首页"}


def test_every_url_that_redirects_to_an_error_page_is_dead_not_only_the_first():
    error = "http://x.gov.cn/404.html"
    first, later, chained = (f"http://x.gov.cn/{name}" for name in ("old1/", "old2/", "old3/"))
    hop = "http://x.gov.cn/tmp/hop.html"
    facts = site(
        [
            # the first redirect was followed: its row holds the error page's answer
            page(first, final_url=error, **ERROR_PAGE),
            # a later one stopped at the URL already fetched: only its 3xx row, pointing there
            page(later, status=302, final_url=error),
            # a chain: old3/ → hop.html → 404.html, the hop stored as a row of its own
            page(chained, status=301, final_url=error),
            page(hop, status=302, final_url=error),
        ],
        [
            link(HOME, first, "旧栏目一"),
            link(HOME, later, "旧栏目二"),
            link(HOME, chained, "旧栏目三"),
            link(HOME, hop, "中转页"),
            link(HOME, error, "错误页本身"),  # no row of its own: reached only by redirect
            link(HOME, "http://x.gov.cn/logo.png", "标志", kind="image", tag="img"),
        ],
    )
    facts.pages["http://x.gov.cn/logo.png"] = page("http://x.gov.cn/logo.png", status=302, final_url=error)
    findings = {f.url: f for f in check_links(facts, RULES)}
    assert set(findings) == {first, later, chained, hop, error, "http://x.gov.cn/logo.png"}
    assert {f.evidence["reason"] for f in findings.values()} == {"soft_404"}
    assert findings[later].evidence["redirected_to"] == error
    assert "跳转到 http://x.gov.cn/404.html 后" in findings[later].detail
    assert findings[error].evidence["redirected_to"] is None


def test_a_redirect_to_a_4xx_page_fetched_earlier_is_dead_with_its_status():
    gone, moved = "http://x.gov.cn/gone.html", "http://x.gov.cn/moved.html"
    facts = site(
        [page(gone, status=404), page(moved, status=301, final_url=gone)], [link(HOME, moved, "旧链接")]
    )
    (finding,) = check_links(facts, RULES)
    assert finding.url == moved and finding.evidence["reason"] == "404" and finding.evidence["status"] == 404


def test_redirects_to_working_pages_nowhere_or_in_a_circle_are_not_dead():
    new = "http://x.gov.cn/xxgk/"
    urls = {name: f"http://x.gov.cn/{name}" for name in ("old", "lost", "a", "b")}
    facts = site(
        [
            page(new),
            page(urls["old"], status=301, final_url=new),
            page(urls["lost"], status=302, final_url="http://x.gov.cn/never-fetched.html"),
            page(urls["a"], status=302, final_url=urls["b"]),
            page(urls["b"], status=302, final_url=urls["a"]),
        ],
        [link(HOME, url, name) for name, url in urls.items()],
    )
    assert check_links(facts, RULES) == []
