"""Content errors planted in the demo farm for the content check (checks/content.py), with their truth.

On a few sites of each template family, the first six news articles get seven paragraphs, each holding one
error (a misspelt leader name, a wrong title, a wrong formulation, a typo, a sensitive word), and one
paragraph of legitimate look-alikes per error that must not be reported: ordinary people who share a
leader's name or its sound but stand beside no leader title, correct forms that contain part of a wrong
one, and leaders written right.

Pure and deterministic: the builder's random generator is not touched, so the rest of the farm is the same
bytes with or without the plantings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Planted

if TYPE_CHECKING:
    from .builder import SiteBuilder

# Sites of every template family and kind (standard, tabs, trs_table, hanweb; portal, department, service).
SITES = ("lxz", "yjx", "ghx", "fgw", "zwfw-lxs")
# The news column's first articles get the plantings: those the homepage links to on every template (a
# Hanweb list hides its records in a script, which a crawl without a browser does not read). The seventh
# error shares the first article with the first.
PAGES = 6

# (check, paragraph with the error, the wrong text as found, the correct form)
ERRORS: tuple[tuple[str, str, str, str], ...] = (
    (
        "leader_name",
        "据新华社报道，国务院总理李墙日前主持召开国务院常务会议，研究部署相关工作。",
        "李墙",
        "李强",
    ),
    ("leader_name", "会议传达学习了习近萍总书记重要讲话和重要指示精神。", "习近萍", "习近平"),
    (
        "leader_title",
        "会议传达了总书记李强在全国经济工作会议上的讲话精神。",
        "总书记李强",
        "李强（国务院总理）",
    ),
    (
        "wrong_formulation",
        "坚持以习近平新时代中国特色社会主意思想为指导，推动各项工作落地见效。",
        "习近平新时代中国特色社会主意思想",
        "习近平新时代中国特色社会主义思想",
    ),
    (
        "wrong_formulation",
        "全体干部认真学习贯彻中国共产党第二十届全国代表大会精神。",
        "中国共产党第二十届全国代表大会",
        "中国共产党第二十次全国代表大会",
    ),
    ("typo", "今年以来，共为沿街群众按装太阳能路灯120盏。", "按装", "安装"),
    ("sensitive_word", "网页底部曾被植入“点击进入澳门赌场”等非法链接，现已清除。", "澳门赌场", ""),
)

# Paragraphs that look like errors to a careless matcher and are none.
LOOK_ALIKES: tuple[str, ...] = (
    "村党支部书记李强同志介绍了合作社的发展情况。",  # a common name, no leader title beside it
    "县政协副主席王虎宁、市人大常委会副主任李强出席会议。",  # a homophone beside a vice title of a local body
    "李茜同志代表驻村工作队作了表态发言。",  # sounds like 李希, but 同志 is no title for a two-character name
    "习近平总书记、李强总理对此作出重要指示批示。",  # leaders written right
    "会议传达学习了党的二十届三中全会和中国共产党第二十届中央委员会第四次全体会议精神。",  # 届 is right here
    "即使困难再多，也要确保群众安全度过冬季；该企业执行能力强，总经理张伟表示将全力配合。",
)


def plant(site_id: str, news_items: list[Any]) -> list[dict[str, str]]:
    """Add the planted paragraphs to the site's news articles; the planted errors, each with the path of
    its page (the truth turns it into a URL)."""
    if site_id not in SITES:
        return []
    planted = []
    for number, (check, paragraph, wrong, right) in enumerate(ERRORS):
        item = news_items[number % PAGES]
        item.body.insert(1, paragraph)
        item.body.append(LOOK_ALIKES[number % len(LOOK_ALIKES)])
        planted.append({"check": check, "path": item.path, "wrong": wrong, "right": right})
    return planted


def build(b: SiteBuilder) -> Planted:
    """The planting module (build.PLANTERS): plant the errors in the site's news articles; the truth lists
    each under "content_errors" (check, the page's URL, wrong and correct form), empty on other sites."""
    planted = plant(b.d.id, b.column("@news").items)
    rows = [
        {"check": p["check"], "url": b.url(p["path"]), "wrong": p["wrong"], "right": p["right"]}
        for p in planted
    ]
    return Planted(truth={"content_errors": rows})
