"""Page elements as real homepages write them: a 党政机关 badge inserted by script, 公安备案 with and without
号, search boxes without a form or without an action, each reading with its evidence. The fixtures follow
the structure of real government homepages (TRS, Hanweb, www.gov.cn), written small for the test."""

from __future__ import annotations

import pytest
from parsel import Selector

from checks.elements import (
    ICP_RE,
    POLICE_RE,
    SITE_ID_RE,
    _is_search,
    check_elements,
    present_elements,
    read_elements,
)
from checks.facts import Link, SiteFacts
from checks.findings import Severity
from crawler.pages import extract

HOME = "http://www.x.gov.cn/"
BADGE_BY_SCRIPT = (
    '<div class="img img1"><script type="text/javascript">document.write(unescape("%3Cspan id=\'_ideConac\' '
    "%3E%3C/span%3E%3Cscript src='http://dcs.conac.cn/js/27/000/0000/60000001/CA270000000600000010001.js' "
    "type='text/javascript'%3E%3C/script%3E\"));</script></div>"
)
BADGE_SCRIPT_TAG = (
    '<span id="_ideConac"></span><script src="https://dcs.conac.cn/js/27/000/0000/1.js"></script>'
)
JIUCUO_SCRIPT = (  # the national 找错 platform's button script, as real footers carry it
    '<script id="_jiucuo_" sitecode="6229990001" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>'
)
FOOTER = (
    '<div class="footer"><p>主办：测试县人民政府 网站标识码：6229990001</p>'
    '<p><a href="https://beian.miit.gov.cn/">陇ICP备05000001号</a> '
    '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=62299902000001">'
    "甘公网安备 62299902000001号</a></p>{badge}" + JIUCUO_SCRIPT + "</div>"
)
WITHOUT_ENTRY = FOOTER.replace(JIUCUO_SCRIPT, "")
SEARCH_FORM = '<form action="/search/" method="get"><input type="text" name="q"><button type="submit">搜索</button></form>'


def homepage(search: str = SEARCH_FORM, badge: str = BADGE_BY_SCRIPT, footer: str = FOOTER) -> str:
    return (
        '<html><head><meta charset="utf-8"><title>测试县人民政府</title></head><body>'
        f'<div class="header">{search}</div><div class="main"><a href="/sitemap/">网站地图</a></div>'
        f"{footer.format(badge=badge)}</body></html>"
    )


def one_page_facts(html: str, url: str = HOME) -> SiteFacts:
    """What `duwang page` builds from one saved page: its links, footer and forms, the page as homepage."""
    selector = Selector(text=html)
    links = tuple(
        Link(url, raw.url, raw.tag, raw.attr, raw.kind.value, raw.anchor_text, True, True)
        for raw in extract.extract_links(selector, url)
    )
    footers = {url: extract.footer_text(selector)}
    forms = {url: tuple(extract.forms(selector, url))}
    return SiteFacts("x", "测试县人民政府", "portal", (url,), {}, links, {}, {}, footers, forms)


def test_a_complete_homepage_with_the_badge_written_by_script():
    facts = one_page_facts(homepage())
    assert present_elements(facts) == dict.fromkeys(
        ("site_id_code", "icp", "police", "conac_badge", "sitemap", "search", "error_report"), True
    )
    badge = read_elements(facts)["conac_badge"].evidence
    assert badge["found_in"] == "link" and badge["attr"] == "document.write" and badge["tag"] == "script"
    assert badge["url"].startswith("http://dcs.conac.cn/js/") and badge["page"] == HOME
    assert check_elements(facts) == []


def test_a_badge_script_tag_counts_and_a_page_without_any_badge_does_not():
    assert present_elements(one_page_facts(homepage(badge=BADGE_SCRIPT_TAG)))["conac_badge"]
    facts = one_page_facts(homepage(badge='<span id="_ideConac"></span>'))  # the placeholder alone
    assert not present_elements(facts)["conac_badge"]
    [finding] = check_elements(facts)
    assert finding.element == "conac_badge"
    looked_at = finding.evidence["looked_at"]
    assert looked_at["pages"] == [HOME] and looked_at["forms"] == 1
    assert looked_at["links"] == 4  # 网站地图, ICP, 公安备案 and the 找错 script: no conac.cn among them
    assert looked_at["footer_chars"] == len(facts.footers[HOME]) > 0


def test_document_write_links_are_read_and_unescaped():
    selector = Selector(text=f"<html><body>{BADGE_BY_SCRIPT}</body></html>")
    [written] = extract.script_written_links(selector, HOME)
    assert written.url == "http://dcs.conac.cn/js/27/000/0000/60000001/CA270000000600000010001.js"
    assert (written.tag, written.attr, written.kind) == ("script", "document.write", "script")
    plain = "<script>document.write('<a href=\"/zwgk/\">政务公开</a>');</script>"
    assert [link.url for link in extract.script_written_links(Selector(text=plain), HOME)] == [f"{HOME}zwgk/"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("甘公网安备 62299902000001号", "公网安备 62299902000001号"),
        ("甘公网安备62299902000001", "公网安备62299902000001"),  # without 号
        ("公安机关备案号：62299902000001", "公安机关备案号：62299902000001"),
        ("公安备案号 甘62299902000001", "公安备案号 甘62299902000001"),
        ("公网安备案正在办理中", None),
    ],
)
def test_police_filing_with_and_without_hao(text, found):
    match = POLICE_RE.search(text)
    assert (match.group(0) if match else None) == found


def test_icp_without_hao_and_the_site_id_code_without_a_colon():
    assert ICP_RE.search("陇ICP备05000001").group(0) == "陇ICP备05000001"
    assert SITE_ID_RE.search("网站标识码bm01000001").group(1) == "bm01000001"


def test_police_filing_only_linked_counts_with_the_link_as_evidence():
    footer = (
        '<div class="footer"><p>网站标识码：6229990001 陇ICP备05000001号</p>'
        '<p><a href="https://beian.mps.gov.cn/#/query/webSearch?code=62299902000001">'
        '<img src="/images/ga.png"></a></p>{badge}</div>'
    )
    reading = read_elements(one_page_facts(homepage(footer=footer)))["police"]
    assert reading.present and reading.evidence["found_in"] == "link"
    assert reading.evidence["url"].startswith("https://beian.mps.gov.cn/")


FORMLESS_BOX = (  # a Hanweb-style box: a text input and a clickable image, no <form>
    '<div class="search"><input type="text" id="keyword" placeholder="请输入关键字">'
    '<a href="javascript:;" onclick="doSearch()"><img src="/images/ss.png"></a></div>'
)
NO_ACTION_FORM = (  # www.gov.cn: no action, the input headSearchword, a type=button with onClick=goSearch
    '<div class="header_search"><form><input type="hidden" name="t" value="govall">'
    '<input class="header_search_txt" name="headSearchword" type="text" autocomplete="off">'
    '<button class="header_search_btn" type="button" onClick="goSearch(this)"></button></form></div>'
)
PAGING_BOX = (  # a list's "go to page" box: a text input and a button, but no search
    '<div class="page">共5页 <input type="text" id="num" size="2">'
    '<input type="button" value="GO" onclick="toPage()"></div>'
)
LOGIN_FORM = (
    '<form action="/login.do" method="post"><input type="text" name="username">'
    '<input type="password" name="password"><input type="submit" value="登录"></form>'
)


@pytest.mark.parametrize(
    ("markup", "is_search"),
    [
        (FORMLESS_BOX, True),
        (NO_ACTION_FORM, True),
        (SEARCH_FORM, True),
        (PAGING_BOX, False),
        (LOGIN_FORM, False),
        ('<div><input type="text" name="q"></div>', False),  # nothing to press: not a box at all
    ],
)
def test_search_boxes_with_and_without_a_form(markup, is_search):
    facts = one_page_facts(homepage(search=markup))
    reading = read_elements(facts)["search"]
    assert reading.present is is_search
    assert _is_search(facts.forms[HOME][0]) is is_search if facts.forms[HOME] else not is_search
    if is_search:
        assert reading.evidence["found_in"] == "form" and reading.evidence["page"] == HOME


def test_a_formless_box_is_read_once_with_its_hints():
    [box] = extract.forms(Selector(text=f"<html><body>{FORMLESS_BOX}</body></html>"), HOME)
    assert box == {
        "action": "",
        "method": "",
        "inputs": ["keyword"],
        "text": "",
        "hints": "search keyword 请输入关键字 doSearch()",
        "formless": True,
    }


def test_every_missing_element_says_what_was_read_and_where():
    facts = one_page_facts("<html><body><p>测试县人民政府</p></body></html>")
    findings = check_elements(facts)
    assert {f.element for f in findings} == {
        "site_id_code",
        "icp",
        "police",
        "conac_badge",
        "sitemap",
        "search",
        "error_report",
    }
    for finding in findings:
        assert finding.page == HOME
        assert finding.evidence["looked_at"]["pages"] == [HOME]


# The 找错 entry as real sites write it (宜春/万载: the platform's script, then the button it draws; 浙江发改委:
# a hidden link to the platform's exposure page; the national platform's own link text), each the only entry.
ERROR_REPORT_MARKUP = {
    "script": '<script id="_jiucuo_" sitecode="3609000002" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>',
    "script_other_host": '<script id="_jiucuo_" sitecode="1400000045" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js">'
    "</script>",
    "button": '<span id="_span_jiucuo"><img onclick="Link(\'3609220011\')" src="/images/jiucuo.png"></span>',
    "exposure_link": '<a href="http://121.43.68.40/exposure/jiucuo.html?site_code=3300000020&url=x"><img src="/b.png"></a>',
    "platform_link": '<a href="https://zfwzzc.www.gov.cn/">我为政府网站找错</a>',
    "image_alt": '<a href="/about/"><img src="/images/zc.png" alt="我为政府网站找错"></a>',
}


@pytest.mark.parametrize("style", list(ERROR_REPORT_MARKUP))
def test_the_error_report_entry_as_real_sites_write_it(style):
    footer = WITHOUT_ENTRY.replace("{badge}", "{badge}" + ERROR_REPORT_MARKUP[style])
    facts = one_page_facts(homepage(footer=footer))
    reading = read_elements(facts)["error_report"]
    assert reading.present, style
    assert reading.evidence["page"] == HOME and reading.evidence["found_in"] == "link"
    assert check_elements(facts) == []


def test_the_entry_written_in_the_footer_text_counts():
    facts = one_page_facts(
        homepage(footer=WITHOUT_ENTRY.replace("{badge}", "{badge}<p>我为政府网站找错</p>"))
    )
    reading = read_elements(facts)["error_report"]
    assert reading.present and reading.evidence["found_in"] == "footer"


def test_a_conac_badge_script_with_the_jiucuo_id_is_not_the_entry():
    # Some sites (and the demo farm) give the conac.cn badge's script the id "_jiucuo_": the id is not read.
    badge = (
        '<script id="_jiucuo_" sitecode="6229990001" src="http://dcs.conac.cn/js/28/000/0000/1.js"></script>'
    )
    facts = one_page_facts(homepage(badge=badge, footer=WITHOUT_ENTRY))
    assert present_elements(facts)["conac_badge"] and not present_elements(facts)["error_report"]
    [finding] = check_elements(facts)
    assert (finding.element, finding.severity) == ("error_report", "deduction")
    assert finding.evidence["looked_at"]["pages"] == [HOME]


def test_a_correction_link_of_the_site_s_own_is_a_warning_to_confirm():
    # www.gov.cn-style "网站纠错" to a page of the site itself: perhaps the entry, perhaps not.
    footer = WITHOUT_ENTRY.replace("{badge}", '{badge}<a href="/fuwu/jiucuopage.html">网站纠错</a>')
    facts = one_page_facts(homepage(footer=footer))
    [finding] = check_elements(facts)
    assert (finding.check, finding.element, finding.severity) == (
        "element_missing",
        "error_report",
        "warning",
    )
    assert finding.evidence["similar"]["url"] == "http://www.x.gov.cn/fuwu/jiucuopage.html"
    assert "待确认" in finding.detail and "网站纠错" in finding.detail


def test_variant_wordings_of_the_site_id_code_and_the_police_filing():
    assert SITE_ID_RE.search("网站识别码：6229990001").group(1) == "6229990001"
    assert POLICE_RE.search("甘公网安备案号：62299902000001").group(0) == "公网安备案号：62299902000001"


def test_a_footer_drawn_by_its_own_script_makes_missing_footer_elements_warnings_to_confirm():
    footer = '<div class="footer" id="foot"></div><script src="/js/public_footer.js"></script>'
    page = homepage(footer=footer)
    findings = {f.element: f for f in check_elements(one_page_facts(page))}
    for element in ("site_id_code", "icp", "police", "conac_badge", "error_report"):
        assert findings[element].severity is Severity.WARNING, element
        assert "待确认" in findings[element].detail
        assert findings[element].evidence["footer_script"]["url"] == "http://www.x.gov.cn/js/public_footer.js"
    # Without such a script, a missing element stays a deduction; other scripts are not footers.
    other = homepage(footer='<div class="footer"></div><script src="/js/jquery.min.js"></script>')
    assert {f.severity for f in check_elements(one_page_facts(other)) if f.element == "icp"} == {
        Severity.DEDUCTION
    }


def test_a_badge_opened_by_onclick_is_read_and_a_script_built_address_is_not():
    badge = (
        '<a href="javascript:void(0)" onclick="window.open(\'https://bszs.conac.cn/sitename?method=show&id=5A3B\')">'
        '<img src="/images/red.png"></a>'
    )
    reading = read_elements(one_page_facts(homepage(badge=badge)))["conac_badge"]
    assert reading.present and reading.evidence["attr"] == "onclick"
    search = "<button onclick=\"window.open('/search/?q='+document.getElementById('q').value)\">搜索</button>"
    links = extract.extract_links(Selector(text=search), HOME)
    assert not [link for link in links if link.attr == "onclick"]


def test_a_link_to_a_search_page_without_a_box_is_a_warning_to_confirm():
    link = '<a class="so" href="/jsearchfront/index.do?websiteid=1"><img src="/images/ss.png" alt="搜索"></a>'
    [finding] = [f for f in check_elements(one_page_facts(homepage(search=link))) if f.element == "search"]
    assert finding.severity is Severity.WARNING and "待确认" in finding.detail
    assert finding.evidence["similar"]["url"] == "http://www.x.gov.cn/jsearchfront/index.do?websiteid=1"
    [plain] = [f for f in check_elements(one_page_facts(homepage(search=""))) if f.element == "search"]
    assert plain.severity is Severity.DEDUCTION
