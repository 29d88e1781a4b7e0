"""Builds a site's planted faults and fixtures of the common kinds: the dead links of SiteDef.dead (each
target served as the fault tables.DEAD_TARGETS names, linked where the placement says), the robots-disallowed
internal pages, and the 301 from a retired section. Each returns what the ground truth records about it.

Kinds with truth of their own (linkcases.py and later ones) are planting modules: see build.PLANTERS.
"""

from __future__ import annotations

from .builder import SiteBuilder
from .model import PORT_TOKEN, DeadLink, Resource
from .tables import DEAD_TARGETS


def dead_links(b: SiteBuilder) -> list[DeadLink]:
    """Serve and link SiteDef.dead; one DeadLink per target, with every page that links it."""
    out: dict[str, DeadLink] = {}
    for kind, placement in b.d.dead:
        rel, gt_kind, status, error, tag, text = DEAD_TARGETS[kind]
        if rel.startswith("http://"):
            target = rel.format(port=PORT_TOKEN, sid=b.d.id)
            href = target
        else:
            href = b.p(rel)
            target = b.url(href)
            if href not in b.res:
                b.add(href, fault(b, kind))
                if kind == "redirect_loop":
                    b.add(b.p("loop/b"), Resource("redirect", status=302, location=b.p("loop/a")))
        dl = out.setdefault(target, DeadLink(target, gt_kind, status, error, tag))
        for page in b.place(placement, (text, href, tag)):
            if b.url(page) not in dl.pages:
                dl.pages.append(b.url(page))
    return list(out.values())


def fault(b: SiteBuilder, kind: str) -> Resource:
    """What the target of a dead link of this kind answers."""
    if kind in ("http_404", "broken_image", "broken_attachment_pdf", "broken_attachment_doc"):
        return Resource("status", status=404)
    if kind == "http_500":
        return Resource("status", status=500)
    if kind == "http_503":
        return Resource("status", status=503)
    if kind == "timeout":
        return Resource(
            "timeout", template="message.html", ctx={"title": "视频直播", "message": "直播已结束。"}
        )
    if kind == "soft_404":
        return Resource(
            "soft404",
            template="message.html",
            ctx={"title": "页面不存在", "message": "您访问的页面不存在或已被删除"},
        )
    if kind == "redirect_loop":
        return Resource("redirect", status=302, location=b.p("loop/b"))
    if kind == "broken_attachment_xls":
        return Resource("fake_file")
    raise ValueError(kind)


def robots(b: SiteBuilder) -> tuple[list[str], list[str]]:
    """Internal pages linked from public ones but disallowed by robots.txt: (disallowed, linked URLs)."""
    d = b.d
    disallowed = list(d.robots_disallow)
    linked: list[str] = []
    if d.id == "lxz":
        spots = [
            ("home", "internal/oa.html", "内网办公"),
            ("detail:@news:0", "internal/tzgg/", "内部通知"),
            ("detail:要闻:1", "internal/mail.html", "内部邮箱"),
        ]
    elif d.id == "fgw":
        spots = [
            ("home", "oa/login.html", "OA办公系统"),
            ("detail:@news:0", "oa/gw/index.html", "公文交换"),
        ]
    else:
        spots = []
    for placement, rel, text in spots:
        path = b.p(rel)
        b.page(
            path,
            "hub.html",
            b.title(text),
            heading=text,
            paragraphs=["内部系统，请登录后访问。"],
            links=[],
        )
        b.place(placement, (text, path, "a"))
        linked.append(b.url(path))
    return disallowed, linked


def redirects(b: SiteBuilder) -> list[dict]:
    """A retired section answering 301 to its new place, linked from one news item."""
    if not b.d.redirect_301:
        return []
    old = b.p("zwgk/")
    b.add(old, Resource("redirect", status=301, location=b.p("xxgk/")))
    pages = b.place("detail:@news:4", ("政务公开（原栏目）", old, "a"))
    return [
        {
            "from": b.url(old),
            "to": b.url(b.p("xxgk/")),
            "status": 301,
            "pages": [b.url(p) for p in pages],
        }
    ]
