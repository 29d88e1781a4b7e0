"""The 25 fake sites of the demo farm: identities, addresses and the defects each one carries.

Everything here is a hand-written table on purpose: which site carries which defect is fixed, so the ground
truth is easy to reason about; the seed only varies the content (titles, exact dates, ids) around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PORTAL_IPS = {
    "lxz": "127.0.0.2",
    "lxs": "127.0.0.3",
    "lxx": "127.0.0.4",
    "klx": "127.0.0.5",
    "yjx": "127.0.0.6",
    "ghx": "127.0.0.7",
    "hzx": "127.0.0.8",
    "dxx": "127.0.0.9",
    "jssx": "127.0.0.10",
}
DEPARTMENT_IPS = {
    "fgw": "127.0.0.11",
    "jyj": "127.0.0.12",
    "czj": "127.0.0.13",
    "hbj": "127.0.0.14",
    "rsj": "127.0.0.15",
    "zjj": "127.0.0.16",
    "gxw": "127.0.0.17",
}
SERVICE_IP = "127.0.0.30"
# The "xxgk" host of one portal: its 信息公开 platform, a second host in that site's scope.
XXGK_IP = "127.0.0.18"
# Never bound by the farm: a link here is "connection refused" on the farm's port.
REFUSED_IP = "127.0.0.250"

# Region codes of 临夏州 and its counties (GB/T 2260), the first six digits of every 网站标识码.
REGIONS = {
    "lxz": ("临夏州", "临夏回族自治州", "622900"),
    "lxs": ("临夏市", "临夏市", "622901"),
    "lxx": ("临夏县", "临夏县", "622921"),
    "klx": ("康乐县", "康乐县", "622922"),
    "yjx": ("永靖县", "永靖县", "622923"),
    "ghx": ("广河县", "广河县", "622924"),
    "hzx": ("和政县", "和政县", "622925"),
    "dxx": ("东乡县", "东乡族自治县", "622926"),
    "jssx": ("积石山县", "积石山县", "622927"),
}
DEPARTMENTS = {
    "fgw": ("临夏州发展和改革委员会", "州发展改革委"),
    "jyj": ("临夏州教育局", "州教育局"),
    "czj": ("临夏州财政局", "州财政局"),
    "hbj": ("临夏州环境保护局", "州环境保护局"),
    "rsj": ("临夏州人力资源和社会保障局", "州人社局"),
    "zjj": ("临夏州住房和城乡建设局", "州住建局"),
    "gxw": ("临夏州工业和信息化委员会", "州工信委"),
}

# The page elements of indicators.md §3 that a footer or header may carry.
ELEMENTS = ("site_id_code", "icp", "police", "conac_badge", "sitemap", "search", "error_report")


@dataclass(frozen=True)
class ColumnTweak:
    """A per-site deviation from the standard column: its state, list form, name or order."""

    state: str = "fresh"  # fresh | stale | empty | empty_note | undated | part_undated
    form: str | None = None  # li | table | script_json | trs_paged | url_date | bracket_date
    date_format: str | None = None  # iso | slash | dot | cn
    name: str | None = None
    unsorted: bool = False


@dataclass(frozen=True)
class SiteDef:
    """One site: who it is, where it lives and what is wrong with it."""

    id: str
    name: str
    kind: str  # portal | service | department
    ip: str
    prefix: str  # "/" or "/lxz/" for a service sub-site
    short: str  # short name used in titles: 临夏州, 康乐县, 州财政局
    region_code: str
    site_id_code: str
    icp: str
    police: str
    owner_name: str
    owner_email: str
    encoding: str = "utf-8"
    header_charset: str | None = "utf-8"
    meta_charset: str = "utf-8"  # what the page's own <meta> declares
    meta_tags: bool = True
    meta_code: str | None = None  # a SiteIDCode meta that differs from the footer (injected defect)
    url_style: str = "trs"  # trs: ./202610/t20261012_123456.html ; plain: ./content_123456.html
    footer_markup: str = "div"  # div: <div class="footer"> ; table: a footer table with another class
    title_style: str = "plain"  # plain: <title>标题</title> ; suffixed: <title>标题_站名</title>
    missing_elements: frozenset[str] = frozenset()
    default_form: str = "li"
    default_date_format: str = "iso"
    tweaks: dict[str, ColumnTweak] = field(default_factory=dict)
    missing_sections: frozenset[str] = frozenset()
    flaky: bool = False
    trap: bool = False
    annual_late: bool = False
    robots_disallow: tuple[str, ...] = ()
    dead: tuple[tuple[str, str], ...] = ()  # (kind, placement) pairs, see model.DEAD_TARGETS
    redirect_301: bool = False
    news_name: str = "工作动态"
    # ("column:index", title): item titles planted to test that reports show crawled text as text only
    planted_titles: tuple[tuple[str, str], ...] = ()
    template: str = "standard"  # the template family, see families.py
    xxgk_host: str | None = None  # the 信息公开 sections live on this other loopback host
    sitewide_column_name: bool = False  # every page carries <meta name="ColumnName" content=site name>
    extra_columns: tuple[str, ...] = ()  # columns beyond the kind's standard set, see tables.EXTRA_COLUMNS
    link_cases: tuple[tuple[str, str], ...] = ()  # (case, placement) pairs, see linkcases.LINK_CASES
    malformed: tuple[tuple[str, str], ...] = ()  # (markup, "home" | "list:<column>"), see linkcases.MALFORMED


def _portal(sid: str, idx: int, **kw: object) -> SiteDef:
    short, full, code = REGIONS[sid]
    name = "临夏回族自治州人民政府" if sid == "lxz" else f"{full}人民政府"
    return SiteDef(
        id=sid,
        name=name,
        kind="portal",
        ip=PORTAL_IPS[sid],
        prefix="/",
        short=short,
        region_code=code,
        site_id_code=f"{code}0001",
        icp=f"陇ICP备0500{idx:04d}号",
        police=f"甘公网安备 {code}02{idx:06d}号",
        owner_name=f"{short}政府信息中心" if sid != "lxz" else "州政府信息中心",
        owner_email=f"xxzx@{sid}.example.gov.cn",
        **kw,  # type: ignore[arg-type]
    )


def _department(sid: str, idx: int, **kw: object) -> SiteDef:
    name, short = DEPARTMENTS[sid]
    return SiteDef(
        id=sid,
        name=name,
        kind="department",
        ip=DEPARTMENT_IPS[sid],
        prefix="/",
        short=short,
        region_code="622900",
        site_id_code=f"62290000{10 + idx:02d}",
        icp=f"陇ICP备0600{idx:04d}号",
        police=f"甘公网安备 62290102{100 + idx:06d}号",
        owner_name=f"{short}办公室",
        owner_email=f"bgs@{sid}.lxz.example.gov.cn",
        news_name="部门动态" if idx % 2 else "工作动态",
        **kw,  # type: ignore[arg-type]
    )


def _service(county: str, idx: int, **kw: object) -> SiteDef:
    short, full, code = REGIONS[county]
    label = "临夏州" if county == "lxz" else full
    return SiteDef(
        id=f"zwfw-{county}",
        name=f"甘肃政务服务网{label}子站",
        kind="service",
        ip=SERVICE_IP,
        prefix=f"/{county}/",
        short=short,
        region_code=code,
        site_id_code=f"{code}0030",
        icp="陇ICP备17001234号",
        police=f"甘公网安备 {code}03{idx:06d}号",
        owner_name="州政务服务中心" if county == "lxz" else f"{short}政务服务中心",
        owner_email=f"zwfw@{county}.example.gov.cn",
        news_name="工作动态",
        **kw,  # type: ignore[arg-type]
    )


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
        tweaks={"通知公告": T(state="part_undated"), "规划计划": T(state="stale")},
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
        tweaks={"工作动态": T(form="bracket_date"), "通知公告": T(form="table", date_format="slash")},
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
    _department(
        "hbj",
        4,
        missing_elements=frozenset({"conac_badge"}),
        default_date_format="cn",
        meta_tags=False,
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
    _service("hzx", 7, url_style="plain"),
    _service("dxx", 8, missing_sections=frozenset({"在线办理"})),
    _service("jssx", 9, tweaks={"办件公示": T(form="script_json")}),
)

SITE_BY_ID = {s.id: s for s in SITES}
