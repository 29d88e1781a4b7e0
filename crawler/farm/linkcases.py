"""Issue 10, causes 10 and 11, on the demo farm: links whose verdict depends on how a crawler follows and
stores them, and pages whose markup once made a crawler drop them.

- ``redirect_direct`` / ``redirect_chain``: two retired URLs of a site that lead to the same soft-404 page,
  one by a single 302, one by a 301 then a 302. Both are dead links on every page that links them, however
  the crawl happens to meet them (the second one finds the error page already fetched).
- ``raw_404`` / ``raw_200``: links written with a raw Chinese path (``href="/附件/说明.html"``), as real
  CMS output often is. A browser requests the path percent-encoded as UTF-8 whatever the page's charset, so
  the farm serves them under that form; one answers 404 (dead), the other 200 (alive).
- ``help``: a FAQ page that talks about "页面不存在" in its questions: a long page with an ordinary title,
  not an error page, and never a dead link.
- Malformed markup (``SiteDef.malformed``): a ``<base href="http://[">`` in a column page's head, or a
  homepage form whose action has a full-width '／' where the port ends (so the port is no number). The page
  answers 200 and must be stored and checked like any other, each bad attribute counted as an extract error.

A planting module (see build.PLANTERS): build() serves and links the cases and returns them as Planted.
Truth keys: dead_links entries gain ``redirect_chain``; ``raw_paths``, ``help_pages`` and
``malformed_pages`` list the other cases. tests/farm_selfcheck.py checks them against the served pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .builder import SiteBuilder
from .faults import fault
from .model import PORT_TOKEN, DeadLink, Planted, Resource

# The soft-404 page the retired URLs land on (one per site, shared by both).
ERROR_PAGE = "error/404.html"
CHAIN_HOP = "old/jump.html"
# case -> (path under the site prefix as the link writes it, link text)
LINK_CASES: dict[str, tuple[str, str]] = {
    "redirect_direct": ("ztzl/2017zt/index.html", "2017年专题（已归档）"),
    "redirect_chain": ("old/xxgk/index.html", "政务公开（旧版）"),
    "raw_404": ("附件/说明.html", "办事说明"),
    "raw_200": ("专题/营商环境.html", "优化营商环境专题"),
    "help": ("bzzx/cjwt.html", "常见问题"),
}
SOFT_404_PHRASE = "页面不存在"
HELP_TITLE = "常见问题解答"
# Questions as help pages ask them: the phrase is talked about, never said to the visitor.
HELP_PARAGRAPHS = (
    "问：为什么点击某些链接后提示“页面不存在”？",
    "答：相关信息可能已到期下线，或栏目位置已经调整，建议通过页面上方的站内搜索查找。",
    "问：打开附件时显示页面不存在怎么办？",
    "答：请确认附件链接完整，部分附件需要安装WPS或PDF阅读软件后才能打开；仍无法打开的，请通过联系我们反映。",
    "问：如何查询办件进度？",
    "答：登录甘肃政务服务网个人中心，在“我的办件”中即可查看办理进度和办理结果。",
    "问：网站推荐使用哪些浏览器？",
    "答：推荐使用Chrome、Firefox、Edge或360浏览器（极速模式），分辨率1366×768及以上浏览效果最佳。",
    "问：如何提交意见建议？",
    "答：可通过互动交流栏目中的留言板提交，工作人员将在五个工作日内答复，答复内容在栏目中公开。",
    "问：依申请公开政府信息需要提交哪些材料？",
    "答：公民申请须提交身份证明，法人或其他组织须提交营业执照或组织机构代码证，并写明所需信息的名称、文号或便于查询的其他特征描述。",
    "问：网站上的文件可以转载吗？",
    "答：本网站发布的政府文件可以转载，转载时请注明来源，不得歪曲、篡改原文内容。",
    "问：页面显示乱码如何处理？",
    "答：请在浏览器菜单中将编码设置为自动检测，或清除浏览器缓存后重新打开页面。",
    "问：如何订阅网站的最新信息？",
    "答：关注本单位政务新媒体账号，或定期访问通知公告、政策文件栏目，即可及时获取最新发布的信息。",
)
RAW_200_PARAGRAPHS = (
    "为深入推进“放管服”改革，持续优化营商环境，本专题集中发布相关政策文件、工作动态和典型经验。",
    "企业和群众可通过政务服务网在线办理开办企业、工程建设项目审批等事项。",
)
# markup -> (where it goes: head | body, the HTML, the attributes the crawler notes as unreadable)
MALFORMED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # A CMS that writes its site root into <base> with the host left empty.
    "base": ("head", '<base href="http://[">', ("base@href",)),
    # An input method's full-width '／' typed where the path starts: "host:port／wsbs/..." is no port.
    "form_action": (
        "body",
        '<form action="http://{ip}:{port}／wsbs/query.jsp" method="post" name="bjcx">'
        '<input type="text" name="sblsh" placeholder="请输入办件编号"><input type="submit" value="办件查询">'
        "</form>",
        ("form@action",),
    ),
}


def encoded(path: str) -> str:
    """The path as a browser (and the crawler) requests it: UTF-8, percent-encoded."""
    return quote(path, safe="/%:?#[]@!$&'()*+,;=~")


def build(b: SiteBuilder) -> Planted:
    """Serve and link the site's cases (SiteDef.link_cases, SiteDef.malformed) and say what they are."""
    raw_paths: list[dict] = []
    help_pages: list[dict] = []
    dead: dict[str, DeadLink] = {}
    for case, placement in b.d.link_cases:
        rel, text = LINK_CASES[case]
        href = b.p(rel)
        path = encoded(href)
        if path not in b.res:
            b.add(path, _resource(b, case))
        pages = [b.url(p) for p in b.place(placement, (text, href, "a"))]
        target = b.url(path)
        if case in ("redirect_direct", "redirect_chain"):
            hops = [CHAIN_HOP, ERROR_PAGE] if case == "redirect_chain" else [ERROR_PAGE]
            dl = dead.setdefault(target, DeadLink(target, "soft_404", 200, None, "a"))
            dl.chain = [b.url(b.p(h)) for h in hops]
        elif case == "raw_404":
            dl = dead.setdefault(target, DeadLink(target, "http_404", 404, None, "a"))
        else:
            dl = None
        if dl is not None:
            dl.pages += [p for p in pages if p not in dl.pages]
        if case in ("raw_404", "raw_200"):
            _merge(raw_paths, target, pages, href=href, status=404 if case == "raw_404" else 200)
        if case == "help":
            _merge(help_pages, target, pages, title=b.title(HELP_TITLE), phrase=SOFT_404_PHRASE)
    truth = {"raw_paths": raw_paths, "help_pages": help_pages, "malformed_pages": _malformed(b)}
    return Planted(dead=list(dead.values()), truth=truth)


def _malformed(b: SiteBuilder) -> list[dict]:
    out: list[dict] = []
    for markup, placement in b.d.malformed:
        where, html, errors = MALFORMED[markup]
        if where == "body" and placement != "home":
            # The crawler reads forms on homepages only (where the search box is judged).
            raise ValueError(f"farm: {b.d.id}: {markup} goes on the homepage")
        paths = _pages_at(b, placement)
        ctx = b.res[paths[0]].ctx  # aliases share the resource, so they carry the markup too
        ctx.setdefault(f"{where}_extra", []).append(html.format(ip=b.d.ip, port=PORT_TOKEN))
        out += [
            {"url": b.url(p), "markup": markup, "placement": placement, "extract_errors": list(errors)}
            for p in paths
        ]
    return out


def _merge(rows: list[dict], url: str, pages: list[str], **facts: Any) -> None:
    row = next((r for r in rows if r["url"] == url), None)
    if row is None:
        rows.append({"url": url, **facts, "pages": list(pages)})
    else:
        row["pages"] += [p for p in pages if p not in row["pages"]]


def _pages_at(b: SiteBuilder, placement: str) -> list[str]:
    if placement == "home":
        return [b.p("")]
    where, _, name = placement.partition(":")
    if where != "list":
        raise ValueError(f"farm: {b.d.id}: malformed markup goes on the homepage or a list page")
    col = b.column(name)
    return [col.index, *col.aliases]


def _resource(b: SiteBuilder, case: str) -> Resource:
    if case == "redirect_direct":
        _error_page(b)
        return Resource("redirect", status=302, location=b.p(ERROR_PAGE))
    if case == "redirect_chain":
        _error_page(b)
        if b.p(CHAIN_HOP) not in b.res:
            b.add(b.p(CHAIN_HOP), Resource("redirect", status=302, location=b.p(ERROR_PAGE)))
        return Resource("redirect", status=301, location=b.p(CHAIN_HOP))
    if case == "raw_404":
        return Resource("status", status=404)
    rel = LINK_CASES[case][0]
    title, heading, paragraphs = (
        (b.title(HELP_TITLE), HELP_TITLE, HELP_PARAGRAPHS)
        if case == "help"
        else (b.title(LINK_CASES[case][1]), LINK_CASES[case][1], RAW_200_PARAGRAPHS)
    )
    return Resource(
        "page",
        template="hub.html",
        title=title,
        ctx={
            "title": title,
            "path": b.p(rel),
            "heading": heading,
            "paragraphs": list(paragraphs),
            "links": [],
        },
    )


def _error_page(b: SiteBuilder) -> None:
    if b.p(ERROR_PAGE) not in b.res:
        b.add(b.p(ERROR_PAGE), fault(b, "soft_404"))
