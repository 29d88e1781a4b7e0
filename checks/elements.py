"""Required page elements on the homepage (indicators.md §3): 网站标识码 (format, and equal to the
SiteIDCode meta tag where both exist), ICP备案, 公安机关备案, 党政机关网站标识 (the conac.cn badge),
网站地图 and a site search.
"""

from __future__ import annotations

import re

from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity

SITE_ID_RE = re.compile(r"网站标识码\s*[:：]?\s*([0-9A-Za-z]+)")
SITE_ID_FORMAT = re.compile(r"^(\d{10}|[A-Za-z]{2}\d{8})$")
ICP_RE = re.compile(r"[\u4e00-\u9fa5]ICP备\s*\d+\s*号")
POLICE_RE = re.compile(r"公网安备\s*\d+\s*号")
SEARCH_WORDS = ("search", "sousuo", "so/", "检索", "搜索", "query")
SEARCH_INPUTS = {"q", "query", "keyword", "keywords", "searchword", "searchword1", "wd", "kw", "sword"}
NAMES = {
    "site_id_code": "网站标识码",
    "icp": "ICP备案编号",
    "police": "公安机关备案编号",
    "conac_badge": "党政机关网站标识",
    "sitemap": "网站地图",
    "search": "站内搜索",
}
FIXES = {
    "site_id_code": "请在页面底部标注网站标识码",
    "icp": "请在页面底部标注ICP备案编号并链接到工业和信息化部备案管理系统",
    "police": "请在页面底部标注公安机关备案编号并链接到全国互联网安全管理服务平台",
    "conac_badge": "请在页面底部放置党政机关网站标识（链接到 bszs.conac.cn）",
    "sitemap": "请在首页提供网站地图入口",
    "search": "请在首页提供站内搜索",
}


def present_elements(facts: SiteFacts) -> tuple[dict[str, bool], str | None]:
    """Which page elements the homepage shows, and the 网站标识码 written in its footer (or None)."""
    footer = " ".join(facts.footers.get(url, "") for url in facts.home_urls)
    home_links = [link for link in facts.links if link.source_url in facts.home_urls]
    present = {
        "site_id_code": SITE_ID_RE.search(footer) is not None,
        "icp": ICP_RE.search(footer) is not None
        or any("beian.miit.gov.cn" in link.target_url for link in home_links),
        "police": POLICE_RE.search(footer) is not None
        or any("beian.gov.cn" in link.target_url and "miit" not in link.target_url for link in home_links),
        "conac_badge": any("conac.cn" in link.target_url for link in home_links),
        "sitemap": any(
            "网站地图" in link.anchor_text or "sitemap" in link.target_url.lower() for link in home_links
        ),
        "search": any(_is_search(form) for url in facts.home_urls for form in facts.forms.get(url, ())),
    }
    match = SITE_ID_RE.search(footer)
    return present, match.group(1) if match else None


def check_elements(facts: SiteFacts) -> list[Finding]:
    home = facts.home_urls[0]
    present, code = present_elements(facts)
    findings = [
        Finding(
            facts.site_id,
            CheckId.ELEMENT_MISSING,
            Severity.DEDUCTION,
            f"首页未找到{NAMES[element]}，{FIXES[element]}。",
            page=home,
            element=element,
        )
        for element, ok in present.items()
        if not ok
    ]
    if code:
        meta_code = next(
            (
                facts.meta[url]["SiteIDCode"]
                for url in facts.home_urls
                if facts.meta.get(url, {}).get("SiteIDCode")
            ),
            None,
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
                    evidence={"footer": code},
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
                    evidence={"footer": code, "meta": meta_code},
                )
            )
    return findings


def _is_search(form: dict) -> bool:
    text = f"{form.get('action', '')} {form.get('text', '')}".lower()
    inputs = {name.lower() for name in form.get("inputs", [])}
    return any(word in text for word in SEARCH_WORDS) or bool(inputs & SEARCH_INPUTS)
