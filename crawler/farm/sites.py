"""The 25 fake sites of the demo farm and the defects each one carries.

Everything here is a hand-written table on purpose: which site carries which defect is fixed, so the ground
truth is easy to reason about; the seed only varies the content (titles, exact dates, ids) around it. A site's
identity (address, names, codes) comes from identities.py; the fields of SiteDef are documented in model.py.
"""

from __future__ import annotations

from dataclasses import replace

from .identities import XXGK_IP
from .identities import department as _department
from .identities import portal as _portal
from .identities import service as _service
from .model import ColumnTweak, SiteDef

T = ColumnTweak

SITES: tuple[SiteDef, ...] = (
    # The prefecture portal: healthy and busy, but it carries one of every dead-link kind.
    _portal(
        "lxz",
        1,
        news_name="政务动态",
        robots_disallow=("/internal/",),
        redirect_301=True,
        tweaks={
            "政务动态": T(form="trs_paged"),
            "县市动态": T(form="table", date_format="slash"),
            "通知公告": T(form="script_json"),
            "政策文件": T(form="table", date_format="cn"),
            "征集调查": T(state="stale"),
        },
        dead=(
            ("http_404", "home"),
            ("broken_image", "home"),
            ("offlist", "home"),
            ("refused", "home"),
            ("http_500", "detail:政务动态:1"),
            ("http_503", "detail:要闻:0"),
            ("timeout", "detail:要闻:2"),
            ("soft_404", "home"),
            ("soft_404", "detail:县市动态:0"),
            ("redirect_loop", "detail:政务动态:2"),
            ("broken_image", "detail:政务动态:3"),
            ("broken_attachment_pdf", "detail:政策文件:0"),
            ("broken_attachment_doc", "detail:通知公告:1"),
        ),
    ),
    # GBK, declared honestly in the header and the page.
    _portal(
        "lxs",
        2,
        encoding="gbk",
        header_charset="gbk",
        meta_charset="gbk",
        url_style="plain",
        default_date_format="dot",
        tweaks={
            "通知公告": T(state="part_undated"),
            "规划计划": T(state="stale"),
            "重大建设项目": T(state="stale"),  # a stale key area
        },
        dead=(("http_404", "home"), ("broken_attachment_pdf", "detail:政策文件:1")),
        # Raw Chinese paths on a GBK page (requested as UTF-8), and a stale column page with a broken <base>.
        link_cases=(("raw_404", "detail:@news:0"), ("raw_404", "home"), ("raw_200", "home")),
        malformed=(("base", "list:规划计划"),),
    ),
    # GBK body behind a header that claims utf-8: only the page's own meta tells the truth.
    _portal(
        "lxx",
        3,
        encoding="gbk",
        header_charset="utf-8",
        meta_charset="gb2312",
        title_style="suffixed",
        tweaks={
            "工作动态": T(form="bracket_date"),
            "通知公告": T(form="table", date_format="slash"),
            "生态环境": T(state="stale"),  # a stale key area
        },
        dead=(("soft_404", "detail:工作动态:0"), ("broken_image", "detail:通知公告:0")),
    ),
    # Veto material: five stale news/notice columns plus two stale longterm ones, and a stale homepage.
    _portal(
        "klx",
        4,
        meta_tags=False,
        tweaks={
            "工作动态": T(state="stale", form="url_date"),
            "乡镇动态": T(state="stale"),
            "通知公告": T(state="stale"),
            "公示公告": T(state="stale"),
            "政策文件": T(state="stale"),
            "人事信息": T(state="stale"),
            "规划计划": T(state="stale"),
        },
        dead=(("http_404", "detail:政策解读:0"), ("http_404", "detail:回应关切:0")),
    ),
    # The flaky homepage; a homepage of tabs.
    _portal(
        "yjx",
        5,
        template="tabs",
        flaky=True,
        default_date_format="cn",
        tweaks={"通知公告": T(form="script_json")},
        dead=(("http_500", "detail:工作动态:0"),),
    ),
    # The calendar spider trap; TRS table layout.
    _portal(
        "ghx",
        6,
        template="trs_table",
        trap=True,
        default_form="table",
        title_style="suffixed",
        tweaks={"工作动态": T(form="trs_paged", date_format="iso")},
        dead=(("redirect_loop", "detail:工作动态:1"), ("refused", "home")),
        link_cases=(("help", "home"),),
        malformed=(("base", "list:通知公告"),),
    ),
    # No 政策解读, no 网站标识码 in the footer, a header without charset, a column with no dates at all.
    _portal(
        "hzx",
        7,
        header_charset=None,
        url_style="plain",
        missing_elements=frozenset({"site_id_code"}),
        missing_sections=frozenset({"政策解读"}),
        tweaks={"人事信息": T(state="undated")},
        extra_columns=("权责清单",),  # no 环境保护 column: a missing key area
        dead=(("broken_attachment_doc", "detail:通知公告:0"),),
        planted_titles=(("通知公告:0", "关于<script>window.__duwang_xss=1</script>开展专项检查的通知"),),
        link_cases=(("redirect_direct", "home"), ("redirect_chain", "detail:@news:0")),
    ),
    # Veto material: five bare empty columns (an empty <ul>, not a word); no search box. Homepage of tabs.
    _portal(
        "dxx",
        8,
        template="tabs",
        default_date_format="slash",
        missing_elements=frozenset({"search"}),
        tweaks={
            "回应关切": T(state="empty"),
            "征集调查": T(state="empty"),
            "在线访谈": T(state="empty"),
            "数据发布": T(state="empty"),
            "公共资源配置": T(state="empty"),
        },
        dead=(("http_404", "home"), ("broken_image", "home")),
        link_cases=(("help", "home"),),
    ),
    # The footer's 网站标识码 differs from the SiteIDCode meta; footer in a table. TRS table layout, with
    # its 信息公开 platform on a host of its own.
    _portal(
        "jssx",
        9,
        template="trs_table",
        xxgk_host=XXGK_IP,
        meta_code="6229270002",
        footer_markup="table",
        default_form="table",
        default_date_format="dot",
        tweaks={"乡镇动态": T(state="stale")},
        extra_columns=("生态环境",),  # no 行政权力 column: a missing key area
        dead=(("offlist", "home"),),
    ),
    # Departments.
    # Hanweb JCMS, with the site's name as the ColumnName meta of every page.
    _department(
        "fgw",
        1,
        template="hanweb",
        sitewide_column_name=True,
        missing_sections=frozenset({"信息公开年报"}),
        missing_elements=frozenset({"police"}),
        robots_disallow=("/oa/",),
        tweaks={"通知公告": T(form="url_date")},
        dead=(("broken_attachment_doc", "detail:政策文件:0"),),
        planted_titles=(("政策文件:0", '=HYPERLINK("http://127.0.0.1/","点击查看")'),),
    ),
    _department(
        "jyj",
        2,
        annual_late=True,
        tweaks={"@news": T(form="trs_paged")},
        dead=(("http_404", "detail:通知公告:0"),),
    ),
    _department(
        "czj",
        3,
        template="trs_table",
        default_form="table",
        url_style="plain",
        tweaks={"政策解读": T(state="empty"), "机构职能": T(name="机构职责")},
        dead=(("broken_attachment_xls", "detail:通知公告:0"), ("broken_attachment_xls", "detail:政策文件:0")),
    ),
    # A bare empty catalogue column that is neither a required section nor a key area: the one column_empty
    # no more specific finding speaks for (checks/overlaps.py).
    _department(
        "hbj",
        4,
        missing_elements=frozenset({"conac_badge"}),
        default_date_format="cn",
        meta_tags=False,
        tweaks={"行政处罚": T(state="empty")},
        dead=(("soft_404", "detail:@news:0"),),
    ),
    _department(
        "rsj",
        5,
        template="hanweb",
        missing_elements=frozenset({"sitemap", "error_report"}),
        footer_markup="table",
        tweaks={"@news": T(form="bracket_date"), "规划计划": T(state="stale")},
        dead=(("http_503", "detail:通知公告:0"),),
        # Two retired URLs, one redirecting directly and one by two hops, to one soft-404 page.
        link_cases=(
            ("redirect_direct", "home"),
            ("redirect_direct", "detail:@news:1"),
            ("redirect_chain", "detail:通知公告:2"),
            ("redirect_chain", "list:政策文件"),
        ),
    ),
    _department(
        "zjj",
        6,
        tweaks={"通知公告": T(unsorted=True)},
        title_style="suffixed",
        dead=(("http_500", "home"),),
        malformed=(("form_action", "home"),),
    ),
    _department(
        "gxw",
        7,
        meta_tags=False,
        tweaks={"@news": T(form="script_json"), "行政处罚": T(state="empty_note")},
    ),
    # Service sub-sites of the provincial 政务服务网, all on one host under path prefixes.
    _service("lxz", 1, dead=(("broken_attachment_doc", "list:表格下载"),)),
    _service("lxs", 2, tweaks={"办件公示": T(form="table")}),
    _service("lxx", 3, template="hanweb", dead=(("http_404", "detail:办事指南:0"),)),
    _service(
        "klx",
        4,
        template="tabs",
        tweaks={"办件公示": T(state="empty"), "咨询投诉": T(name="网上咨询")},
        extra_columns=("投诉建议",),
        link_cases=(("raw_404", "home"), ("raw_200", "detail:办事指南:0")),
    ),
    _service("yjx", 5, meta_tags=False),
    _service("ghx", 6, tweaks={"咨询投诉": T(state="stale")}),
    _service("hzx", 7, url_style="plain", tweaks={"办件公示": T(state="stale")}),  # 办件统计 −2
    _service("dxx", 8, missing_sections=frozenset({"在线办理"})),
    _service("jssx", 9, tweaks={"办件公示": T(form="script_json")}),
)

# Consultation mailboxes (mailboxes.py): site → (list style, scenario). One table, so each site's entry
# above stays as it was.
MAILBOXES: dict[str, tuple[str, str]] = {
    "lxz": ("table", "ok"),
    "lxs": ("detail", "late"),  # served as GBK
    "klx": ("table", "overdue"),
    "ghx": ("detail", "overdue"),  # the TRS table layout
    "hbj": ("table", "silent"),
    "zwfw-lxs": ("detail", "ok"),
}
SITES = tuple(replace(d, mailbox=MAILBOXES[d.id]) if d.id in MAILBOXES else d for d in SITES)

SITE_BY_ID = {s.id: s for s in SITES}
