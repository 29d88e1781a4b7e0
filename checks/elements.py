"""Required page elements on the homepage (indicators.md §3): 网站标识码 (format, and equal to the
SiteIDCode meta tag where both exist), ICP备案, 公安机关备案, 党政机关网站标识 (the conac.cn badge),
网站地图, a site search and the "我为政府网站找错" entry of the national error-report platform.

Real sites carry the 找错 entry as the platform's script (`<script id="_jiucuo_" sitecode="..."
src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js">`, which draws a jiucuo.png button), as a link to
zfwzzc.www.gov.cn or to an `/exposure/jiucuo.html?site_code=...` page, or as a link or image whose text is
"我为政府网站找错". A site's own "网站纠错"/"我要纠错" link is not the national entry: it makes the missing
entry a 待确认 warning instead of a deduction.

Each element is read as a person reads it, and every reading keeps its evidence (what was read, and on which
page): the footer text, a link (the badge is often inserted by a script: `<script src=...conac.cn...>` or
`document.write(unescape("...dcs.conac.cn..."))`, which the crawler stores as links too), or a search box
(a `<form>`, or a text input and a button with no form, whose onclick searches). `present_elements` answers
for any SiteFacts, a one-page one included (`duwang page`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from checks.facts import Link, SiteFacts
from checks.findings import CheckId, Finding, Severity

# 网站识别码 is a variant wording of the same code, seen on real footers.
SITE_ID_RE = re.compile(r"网站(?:标识|识别)码\s*[:：]?\s*([0-9A-Za-z]+)")
SITE_ID_FORMAT = re.compile(r"^(\d{10}|[A-Za-z]{2}\d{8})$")
# 号 is often left out: "陇ICP备05000001", "甘公网安备62290102000001".
ICP_RE = re.compile(r"[\u4e00-\u9fa5]ICP备\s*\d+\s*号?")
POLICE_RE = re.compile(
    r"公网安备(?:案)?(?:编?号)?\s*[:：]?\s*\d{6,}\s*号?|公安(?:机关)?备案(?:编?号)?\s*[:：]?\s*[\u4e00-\u9fa5]{0,6}\s*\d{6,}\s*号?"
)
ICP_HOSTS = ("beian.miit.gov.cn", "miitbeian.gov.cn")  # the MIIT filing system, new and old address
POLICE_HOSTS = ("beian.gov.cn", "beian.mps.gov.cn")  # the national platform, old and new address
CONAC_HOST = "conac.cn"
# A footer drawn by a script of its own (/js/footer.js, public_foot.js, bottom.js): what it writes is not in
# the page's source, so an element missing from the source is for a person to confirm, not a deduction.
FOOTER_SCRIPT_RE = re.compile(r"(?:^|/)(?:[a-z]+[-_])?(?:foot|footer|bottom|copyright)[\w-]*\.js$", re.I)
FOOTER_ELEMENTS = ("site_id_code", "icp", "police", "conac_badge", "error_report")
# The national platform for error reports on government websites (我为政府网站找错) and its button script.
ERROR_REPORT_HOSTS = ("zfwzzc.www.gov.cn",)
ERROR_REPORT_PATH_RE = re.compile(r"/exposure/jiucuo|(?:^|/)jiucuo\.(?:js|png|gif|jpe?g)", re.IGNORECASE)
ERROR_REPORT_TEXT_RE = re.compile(r"(?:我为)?政府网站找错")
CORRECTION_TEXT_RE = re.compile(r"纠错|找错")  # a site's own correction page: similar, not the entry
SEARCH_LINK_TEXT_RE = re.compile(r"搜索|检索")
SEARCH_LINK_URL_RE = re.compile(r"search|sousuo", re.IGNORECASE)
SIMILAR_QUESTION = {
    "error_report": "是否为全国政府网站找错平台入口",
    "search": "该链接指向的页面是否提供站内搜索",
}
SEARCH_WORDS = ("search", "sousuo", "so/", "检索", "搜索", "query")
SEARCH_INPUTS = {"q", "query", "keyword", "keywords", "searchword", "searchword1", "wd", "kw", "sword"}
# Input names, ids, classes, placeholders and handlers of a search box: headSearchword, goSearch(this),
# 请输入关键字, search_btn... A paging box (toPage(), "GO") or a login form has none of them.
SEARCH_HINT_RE = re.compile(
    r"search|sousuo|keyword|(?<![a-z])sword|检索|搜索|关键字|关键词",
    re.IGNORECASE,  # TRS's sword, not password
)
NAMES = {
    "site_id_code": "网站标识码",
    "icp": "ICP备案编号",
    "police": "公安机关备案编号",
    "conac_badge": "党政机关网站标识",
    "sitemap": "网站地图",
    "search": "站内搜索",
    "error_report": "“我为政府网站找错”入口",
}
FIXES = {
    "site_id_code": "请在页面底部标注网站标识码",
    "icp": "请在页面底部标注ICP备案编号并链接到工业和信息化部备案管理系统",
    "police": "请在页面底部标注公安机关备案编号并链接到全国互联网安全管理服务平台",
    "conac_badge": "请在页面底部放置党政机关网站标识（链接到 bszs.conac.cn）",
    "sitemap": "请在首页提供网站地图入口",
    "search": "请在首页提供站内搜索",
    "error_report": "请在首页放置全国政府网站找错平台的“我为政府网站找错”入口"
    "（jiucuo.js 或 zfwzzc.www.gov.cn 链接）",
}


@dataclass(frozen=True)
class ElementReading:
    """Whether an element is on the homepage, and the evidence: what was read, and where."""

    present: bool
    evidence: dict[str, Any] = field(default_factory=dict)


def read_elements(facts: SiteFacts) -> dict[str, ElementReading]:
    """Each required element of the site's start pages (the homepage), read with its evidence."""
    homes = facts.home_urls
    footers = [(url, facts.footers.get(url, "")) for url in homes]
    links = [link for link in facts.links if link.source_url in homes]
    forms = [(url, form) for url in homes for form in facts.forms.get(url, ())]

    def in_footer(pattern: re.Pattern[str]) -> dict[str, Any] | None:
        for url, text in footers:
            match = pattern.search(text)
            if match:
                evidence = {"found_in": "footer", "page": url, "text": match.group(0)}
                return evidence | ({"code": match.group(1)} if pattern.groups else {})
        return None

    def linked(test: Any) -> dict[str, Any] | None:
        link = next((link for link in links if test(link)), None)
        return _link_evidence(link) if link is not None else None

    found = {
        "site_id_code": in_footer(SITE_ID_RE),
        "icp": in_footer(ICP_RE) or linked(lambda link: _host_has(link, ICP_HOSTS)),
        "police": in_footer(POLICE_RE)
        or linked(lambda link: _host_has(link, POLICE_HOSTS) and not _host_has(link, ICP_HOSTS)),
        "conac_badge": linked(lambda link: _host_has(link, (CONAC_HOST,))),
        "sitemap": linked(
            lambda link: "网站地图" in link.anchor_text or "sitemap" in link.target_url.lower()
        ),
        "search": next(
            (
                {"found_in": "form", "page": url, "form": _form_evidence(form)}
                for url, form in forms
                if _is_search(form)
            ),
            None,
        ),
        "error_report": linked(_is_error_report) or in_footer(ERROR_REPORT_TEXT_RE),
    }
    looked_at = {
        "pages": list(homes),
        "footer_chars": sum(len(text) for _, text in footers),
        "links": len(links),
        "forms": len(forms),
    }
    readings = {
        element: ElementReading(True, evidence)
        if evidence
        else ElementReading(False, {"looked_at": looked_at})
        for element, evidence in found.items()
    }
    _note_footer_script(readings, linked(_is_footer_script))
    likes = {"error_report": _is_correction_link, "search": _is_search_link}
    for element, test in likes.items():
        similar = linked(test)
        if similar and not readings[element].present:
            readings[element] = ElementReading(False, {**readings[element].evidence, "similar": similar})
    return readings


def _is_correction_link(link: Link) -> bool:
    return CORRECTION_TEXT_RE.search(link.anchor_text) is not None


def _is_search_link(link: Link) -> bool:
    """A link to a search page (a magnifier image, "站内搜索"): the search may be there, not on the home."""
    if link.tag not in ("a", "area"):
        return False
    return SEARCH_LINK_TEXT_RE.search(link.anchor_text) is not None or (
        SEARCH_LINK_URL_RE.search(urlsplit(link.target_url).path) is not None
    )


def _is_footer_script(link: Link) -> bool:
    return link.tag == "script" and FOOTER_SCRIPT_RE.search(urlsplit(link.target_url).path) is not None


def _note_footer_script(readings: dict[str, ElementReading], script: dict[str, Any] | None) -> None:
    """Footer elements missing from a source whose footer a script draws keep that script as evidence."""
    if script is None:
        return
    for element in FOOTER_ELEMENTS:
        if not readings[element].present:
            readings[element] = ElementReading(False, {**readings[element].evidence, "footer_script": script})


def present_elements(facts: SiteFacts) -> dict[str, bool]:
    """Which required elements the site's start pages carry (see `read_elements` for the evidence)."""
    return {element: reading.present for element, reading in read_elements(facts).items()}


def check_elements(facts: SiteFacts) -> list[Finding]:
    home = facts.home_urls[0]
    readings = read_elements(facts)
    findings = [
        _missing(facts.site_id, home, element, reading)
        for element, reading in readings.items()
        if not reading.present
    ]
    code_reading = readings["site_id_code"]
    if code_reading.present:
        page, code = code_reading.evidence["page"], code_reading.evidence["code"]
        meta_page, meta_code = next(
            (
                (url, facts.meta[url]["SiteIDCode"])
                for url in facts.home_urls
                if facts.meta.get(url, {}).get("SiteIDCode")
            ),
            (None, None),
        )
        if not SITE_ID_FORMAT.match(code):
            findings.append(
                Finding(
                    facts.site_id,
                    CheckId.ELEMENT_INVALID,
                    Severity.DEDUCTION,
                    f"首页标注的网站标识码“{code}”格式不正确（应为10位），请核对后更正。",
                    page=home,
                    element="site_id_code",
                    evidence={"footer": code, "page": page},
                )
            )
        elif meta_code and meta_code != code:
            findings.append(
                Finding(
                    facts.site_id,
                    CheckId.ELEMENT_INVALID,
                    Severity.DEDUCTION,
                    f"首页底部的网站标识码“{code}”与页面 SiteIDCode 元数据“{meta_code}”不一致，"
                    "请统一为正确的标识码。",
                    page=home,
                    element="site_id_code",
                    evidence={"footer": code, "meta": meta_code, "page": page, "meta_page": meta_page},
                )
            )
    return findings


def _missing(site_id: str, home: str, element: str, reading: ElementReading) -> Finding:
    similar, script = reading.evidence.get("similar"), reading.evidence.get("footer_script")
    detail = ""
    if script and not similar:
        detail = (
            f"首页源码中未找到{NAMES[element]}，但页面底部由脚本（{script['url']}）生成，"
            "待确认：请在浏览器中查看首页底部是否标注。"
        )
    elif similar:  # a link like the element (a correction page, a search page): a person decides
        detail = (
            f"首页未找到{NAMES[element]}，但有“{similar['text'] or similar['url']}”链接（{similar['url']}），"
            f"待确认{SIMILAR_QUESTION[element]}。"
        )
    if detail:
        return Finding(
            site_id,
            CheckId.ELEMENT_MISSING,
            Severity.WARNING,
            detail,
            page=home,
            element=element,
            evidence=reading.evidence,
        )
    return Finding(
        site_id,
        CheckId.ELEMENT_MISSING,
        Severity.DEDUCTION,
        f"首页未找到{NAMES[element]}，{FIXES[element]}。",
        page=home,
        element=element,
        evidence=reading.evidence,
    )


def _is_error_report(link: Link) -> bool:
    """The national 找错 entry: its platform's host, its button script or image, or its words."""
    path = urlsplit(link.target_url).path
    return (
        _host_has(link, ERROR_REPORT_HOSTS)
        or ERROR_REPORT_PATH_RE.search(path) is not None
        or ERROR_REPORT_TEXT_RE.search(link.anchor_text) is not None
    )


def _is_search(form: dict) -> bool:
    """A search box: its action, its text, its input names or its hints (ids, classes, placeholder,
    onclick...) say so. A box needs somewhere to type: a `formless` one without a text input is none."""
    if form.get("formless") and not form.get("inputs"):
        return False
    text = f"{form.get('action') or ''} {form.get('text', '')}".lower()
    inputs = {name.lower() for name in form.get("inputs", []) if name}
    return (
        any(word in text for word in SEARCH_WORDS)
        or bool(inputs & SEARCH_INPUTS)
        or any(SEARCH_HINT_RE.search(name) for name in inputs)
        or SEARCH_HINT_RE.search(form.get("hints", "")) is not None
    )


def _host_has(link: Link, hosts: tuple[str, ...]) -> bool:
    host = (urlsplit(link.target_url).hostname or "").lower()
    return any(host == name or host.endswith("." + name) or host.startswith(name + ".") for name in hosts)


def _link_evidence(link: Link) -> dict[str, Any]:
    return {
        "found_in": "link",
        "page": link.source_url,
        "url": link.target_url,
        "tag": link.tag,
        "attr": link.attr,
        "text": link.anchor_text,
    }


def _form_evidence(form: dict) -> dict[str, Any]:
    keys = ("action", "inputs", "hints", "formless")
    return {key: form[key] for key in keys if form.get(key) not in (None, "", [])}
