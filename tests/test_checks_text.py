"""Soft-404 pages against pages that only mention the words: each page is read as the spider reads it
(title and visible text from HTML shaped like real government templates)."""

import pytest
from parsel import Selector

from checks.rules import load_rules
from checks.text import is_error_page
from crawler.pages import extract
from tests.sitefacts import page

PHRASES = load_rules().soft_404_texts
NAV = "".join(
    f'<li><a href="/{i}/">{name}</a></li>'
    for i, name in enumerate(
        [
            "首页",
            "走进本县",
            "政务公开",
            "政策文件",
            "政策解读",
            "政务服务",
            "互动交流",
            "县长信箱",
            "网上调查",
            "专题专栏",
        ]
    )
)
# Friend links as a select box, as many county templates have above the footer.
FRIENDS = "".join(
    f"<option value='http://{i}.gov.cn/'>{name}人民政府</option>"
    for i, name in enumerate(
        ["中华人民共和国中央", "甘肃省", "临夏回族自治州", "兰州市", "天水市", "白银市", "武威市"]
    )
)
FOOTER = (
    f'<div class="links"><span>友情链接：</span><select>{FRIENDS}</select>'
    "<span>省直部门：</span><select><option>省发展和改革委员会</option><option>省教育厅</option>"
    "<option>省科学技术厅</option><option>省工业和信息化厅</option><option>省民政厅</option></select></div>"
    '<div class="footer"><p>主办：某某县人民政府办公室 承办：某某县融媒体中心 联系电话：0930-0000000</p>'
    "<p>网站标识码：6229000001 陇ICP备05000001号 甘公网安备 62290102000001号</p>"
    "<p>地址：某某县城关镇人民路1号 邮编：731100 建议使用1366×768分辨率 IE9以上浏览器浏览本站</p>"
    "<p>版权所有：某某县人民政府 未经授权禁止复制或建立镜像 网站地图 联系我们 使用帮助 隐私声明</p>"
    "<p>技术支持：某某信息技术有限公司 本站支持IPv6访问 适老化及无障碍服务 政务服务热线：12345</p></div>"
)


def read(title: str, body: str, chrome: bool = True) -> bool:
    """Whether the page that `title` and `body` make is an error page, read as the spider reads it."""
    if chrome:  # the site's template around the content: top navigation and a long footer
        body = f'<div class="header"><ul class="nav">{NAV}</ul></div>{body}{FOOTER}'
    selector = Selector(text=f"<html><head><title>{title}</title></head><body>{body}</body></html>")
    fact = page(
        "http://x.gov.cn/a.html", title=extract.page_title(selector), text=extract.text_excerpt(selector)
    )
    return is_error_page(fact, PHRASES)


@pytest.mark.parametrize(
    ("title", "body", "chrome"),
    [
        # a 404 page inside the site's template: long text, the site's own title, the message to the visitor
        (
            "某某县人民政府",
            '<div class="error404"><img src="/images/404.png" alt=""><p class="tip">抱歉，您访问的页面不存在或已被删除！</p>'
            '<p><span id="time">5</span>秒后自动跳转 <a href="/">返回首页</a></p></div>',
            True,
        ),
        ("页面不存在 - 某某县人民政府", '<div class="main"><p>请检查您输入的网址是否正确。</p></div>', True),
        ("404", "<h1>Not Found</h1><p>The requested URL was not found on this server.</p>", False),
        ("404 Not Found", "<center><h1>404 Not Found</h1></center><hr><center>nginx</center>", False),
        (
            "提示信息",
            '<div class="msg">该信息已被删除 <a href="javascript:history.back()">返回上一页</a></div>',
            False,
        ),
        ("系统提示", "<table><tr><td>系统提示：页面不存在</td></tr></table>", False),
    ],
)
def test_error_pages_are_recognised(title, body, chrome):
    assert read(title, body, chrome)


@pytest.mark.parametrize(
    ("title", "body", "chrome"),
    [
        # a FAQ: the words inside questions and answers, on a short page
        (
            "常见问题 - 某某县人民政府",
            '<dl class="faq"><dt>问：为什么点击链接后显示页面不存在？</dt><dd>答：该信息可能已过期下线，请使用站内搜索查找。</dd>'
            "<dt>问：附件无法打开怎么办？</dt><dd>答：请安装WPS或PDF阅读器后重试。</dd></dl>",
            False,
        ),
        # a help article about 404 pages: its title names the problem, it is not the error
        (
            "关于网站部分页面不存在问题的说明",
            '<div class="article"><p>近期网站改版，部分旧链接指向的页面不存在或已迁移。如遇页面不存在，请从首页重新进入相应栏目。</p>'
            "<p>给您带来的不便，敬请谅解。</p></div>",
            True,
        ),
        # an article quoting the words
        (
            "我县开展政府网站常态化监测工作",
            '<div class="TRS_Editor"><p>检查发现，个别单位网站存在链接打开后提示“页面不存在”的情况，已责令限期整改。</p>'
            + "<p>下一步，将持续加强网站内容保障。</p>" * 20
            + "</div>",
            True,
        ),
        # a short notice whose sentence ends with one of the phrases
        ("处置结果公告", "<p>经核查，相关违法信息已被删除。</p><p>特此公告。</p>", False),
        # a hotline list where one item's title has the words
        (
            "留言选登",
            '<ul class="list"><li><a href="/1.html">网站链接打开显示页面不存在</a><span>2026-11-02</span></li>'
            '<li><a href="/2.html">关于城区停车收费的咨询</a><span>2026-10-28</span></li></ul>',
            True,
        ),
    ],
)
def test_pages_that_only_mention_the_words_are_not_error_pages(title, body, chrome):
    assert not read(title, body, chrome)
