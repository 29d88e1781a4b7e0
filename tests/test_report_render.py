"""Report renderers: the HTML pages and the Excel workbook from a small hand-built Report, including crawled
text that tries to be markup (`<script>`) or a spreadsheet formula (`=HYPERLINK`)."""

import ast
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from reports.charts import histogram_counts, score_histogram, trend_chart
from reports.excel import clean_text, is_formula_like, write_excel
from reports.glossary import CHECK_NAMES
from reports.html import write_html
from reports.model import (
    Deduction,
    Finding,
    HistoryPoint,
    Inspection,
    Lines,
    Report,
    SiteScore,
    finding_key,
)
from reports.views import http_url
from tests.builders import finding_row

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://127.0.0.1/","x")'


def finding(site_id, check, severity, detail, **fields):
    return Finding.from_json(finding_row(site_id, check, severity, detail, **fields))


@pytest.fixture(scope="module")
def report():
    veto = finding(
        "lxz",
        "unreachable",
        "veto",
        "近30天首页共探测 30 次，失败 3 次（10.0%），达到单项否决线（5%），请检查服务器、网络和防护设备。",
        url="http://127.0.0.2/",
        evidence={"probes": 30, "failed": 3, "share": 0.1, "errors": ["timeout"]},
    )
    dead = finding(
        "fgw",
        "dead_link",
        "deduction",
        f"页面 http://127.0.0.3/news/ 上的链接“{SCRIPT}”无法访问（返回 HTTP 404 错误），请修复或删除该链接。",
        url="http://127.0.0.3/gone.html",
        page="http://127.0.0.3/news/",
        evidence={
            "reason": "404",
            "anchor_text": FORMULA,
            "page_title": f"要闻{SCRIPT}",
            "on_homepage": False,
        },
    )
    formula = finding(
        "fgw",
        "dead_link",
        "deduction",
        FORMULA,
        url="javascript:alert(1)",
        page="http://127.0.0.3/",
        evidence={"reason": "timeout", "anchor_text": "-1+1", "page_title": FORMULA},
    )
    stale = finding(
        "fgw",
        "column_stale",
        "deduction",
        "栏目“通知公告”（通知公告、政策文件类，应在 180 天内更新）最新信息发布于2026年3月1日，已 272 天未更新。",
        url="http://127.0.0.3/tzgg/",
        column="通知公告",
        evidence={"freshness": "notice_policy", "limit_days": 180, "newest": "2026-03-01", "age_days": 272},
    )
    missing = finding(
        "zwfw",
        "element_missing",
        "warning",
        "首页页脚缺少网站标识码，请补充。",
        page="http://127.0.0.4/",
        element="site_id_code",
    )
    sites = [
        SiteScore(
            "fgw",
            "临夏州发展和改革委员会",
            "department",
            qualified=True,
            score=88.5,
            vetoes=[],
            deductions=[
                Deduction("links", "链接不可用", 2, 1.0),
                Deduction("columns", "栏目更新不及时", 1, 10.5),
            ],
            bonus=0.0,
            findings=[dead, formula, stale],
            rank=1,
            kind_rank=1,
            score_delta=2.5,
            rank_delta=1,
            new_findings=2,
            fixed_findings=1,
            open_findings=1,
            open_keys={finding_key(stale)},
        ),
        SiteScore(
            "zwfw",
            "临夏州政务服务网",
            "service",
            qualified=False,
            score=55.0,
            vetoes=[],
            deductions=[Deduction("elements", "缺少页面要素", 1, 45.0)],
            bonus=0.0,
            findings=[missing],
            rank=2,
            kind_rank=1,
            score_delta=-4.0,
            rank_delta=0,
            new_findings=1,
            fixed_findings=0,
            open_findings=0,
        ),
        SiteScore(
            "lxz",
            "临夏回族自治州人民政府",
            "portal",
            qualified=False,
            score=None,
            vetoes=[veto],
            deductions=[],
            bonus=0.0,
            findings=[veto],
            rank=3,
            kind_rank=1,
            rank_delta=-2,
            new_findings=1,
            fixed_findings=0,
            open_findings=0,
        ),
    ]
    previous = Inspection(6, date(2026, 10, 28), "2026-10-28T01:00:00+00:00", None, "2026年10月28日督查")
    history = [
        HistoryPoint(run, day, site_id, score, score is not None and score >= 60)
        for run, day, scores in [
            (5, date(2026, 9, 28), {"fgw": 80.0, "zwfw": 62.0, "lxz": 90.0}),
            (6, date(2026, 10, 28), {"fgw": 86.0, "zwfw": 59.0, "lxz": 91.0}),
        ]
        for site_id, score in scores.items()
    ]
    return Report(
        inspection=Inspection(7, date(2026, 11, 28), "2026-11-28T01:00:00+00:00", None, "2026年11月28日督查"),
        sites=sites,
        history=history,
        previous=previous,
        period="2026Q4",
        rule="本季度各次检查得分取平均值；任一次检查触发单项否决的，本季度判定为不合格。",
    )


@pytest.fixture(scope="module")
def html_out(report, tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    index = write_html(report, out)
    pages = {
        path.relative_to(out).as_posix(): path.read_text(encoding="utf-8") for path in out.rglob("*.html")
    }
    return index, out, pages


class Ranking(HTMLParser):
    """Rows of `<table id="ranking">`: each row's cell texts and links."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "ranking":
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []
        elif self.inside and tag == "a":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_html_writes_the_overview_and_one_page_per_site(report, html_out):
    index, out, pages = html_out
    assert index == out / "index.html" and index.is_file()
    assert sorted(pages) == ["index.html", "sites/fgw.html", "sites/lxz.html", "sites/zwfw.html"]
    overview = pages["index.html"]
    assert "临夏州政府网站检查报告" in overview and "2026年11月28日督查" in overview
    assert "2026年第四季度" in overview and report.rule in overview  # the period report's rule
    for page in pages.values():
        assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
        assert "size: A4;" in page and 'counter(page) " 页 共 " counter(pages)' in page  # numbered A4 pages
    assert 'href="../index.html"' in pages["sites/fgw.html"]  # back link


def test_ranking_table_has_one_row_per_site_in_order(report, html_out):
    _, _, pages = html_out
    parser = Ranking()
    parser.feed(pages["index.html"])
    header, *rows = parser.rows
    assert header == ["排名", "站点", "类型", "得分", "结论", "分类排名", "较上次", "新增/已整改/未整改"]
    assert [row[1] for row in rows] == [site.name for site in report.sites]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert rows[0][3] == "88.5" and rows[0][6] == "↑2.5，排名↑1" and rows[0][7] == "2 / 1 / 1"
    assert rows[2][3] == "—" and rows[2][4] == "不合格（单项否决）" and "排名↓2" in rows[2][6]
    assert parser.links == ["sites/fgw.html", "sites/zwfw.html", "sites/lxz.html"]


def test_crawled_text_is_escaped_never_markup(html_out):
    _, _, pages = html_out
    site = pages["sites/fgw.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in site  # the detail and the page title
    assert "要闻&lt;script&gt;" in site
    for page in pages.values():
        assert "<script" not in page.lower()
    # A javascript: URL is shown as text, never as a link; http(s) URLs are links.
    assert 'href="javascript' not in site and "javascript:alert(1)" in site
    assert 'href="http://127.0.0.3/gone.html"' in site
    assert http_url("JavaScript:alert(1)") is None and http_url(" http://x/") is None
    assert http_url("https://www.gov.cn/a?b=1") == "https://www.gov.cn/a?b=1"


def test_pages_are_self_contained(html_out):
    _, _, pages = html_out
    external = re.compile(
        r"<(?:link|script|img)\b[^>]*(?:href|src)\s*=\s*[\"']?\s*(?:https?:)?//|url\(\s*[\"']?\s*(?:https?:)?//",
        re.I,
    )
    for name, page in pages.items():
        assert not external.search(page), name
        assert "<link" not in page and "<img" not in page and "@import" not in page
        assert "<svg" in page  # charts are inline SVG


def test_site_page_shows_deductions_findings_and_still_open_marks(html_out):
    _, _, pages = html_out
    site = pages["sites/fgw.html"]
    assert "链接不可用" in site and "栏目更新不及时" in site and "10.5" in site  # deductions
    assert site.count("上次已存在</span>") == 1  # only the stale column was open last time
    assert "通知公告、政策文件类" in site and "2026年3月1日" in site  # evidence in Chinese
    assert "页面标题" in site
    assert "网站标识码" in pages["sites/zwfw.html"] and "site_id_code" not in pages["sites/zwfw.html"]
    portal = pages["sites/lxz.html"]
    assert "单项否决" in portal and CHECK_NAMES["unreachable"] in portal and "10.0%" in portal


def test_charts_are_deterministic_svg(report):
    scores = [88.5, 55.0, None, 100.0, 104.0, 59.5, 60.0]
    assert dict(histogram_counts(scores, pass_line=60)) == {
        "0–59": 2,
        "60–69": 1,
        "70–79": 0,
        "80–89": 1,
        "90–100": 1,
        "100+": 1,
        "单项否决": 1,
    }
    histogram = score_histogram(scores, pass_line=60)
    assert histogram == score_histogram(scores, pass_line=60)
    assert histogram.startswith("<svg") and "单项否决" in histogram
    chart = trend_chart(report.history, pass_line=60)
    assert chart == trend_chart(report.history, pass_line=60) and "<polyline" in chart
    assert "2026年9月28日" in chart and "77.3" in chart  # average of 80, 62 and 90
    assert "暂无历史数据" in trend_chart([], pass_line=60)
    assert "<polyline" not in trend_chart(report.history, ["nosuchsite"], pass_line=60)


@pytest.fixture(scope="module")
def workbook(report, tmp_path_factory):
    path = write_excel(report, tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    return openpyxl.load_workbook(path)


def test_excel_ranking_sheet_matches_the_report(report, workbook):
    sheet = workbook["排名"]
    title, *rows = list(sheet.iter_rows(values_only=True))
    assert title[0].startswith("2026年11月28日督查 · 检查日期 2026年11月28日")  # the inspection's header row
    assert rows[0][:5] == ("排名", "站点编号", "站点名称", "类型", "得分")
    assert len(rows[0]) == 18
    assert [row[1] for row in rows[1:]] == [site.site_id for site in report.sites]
    assert [row[4] for row in rows[1:]] == [site.score for site in report.sites]  # None: empty when vetoed
    assert rows[3][7] == CHECK_NAMES["unreachable"] and rows[1][8] == 11.5 and rows[1][11] == 2.5


def test_excel_findings_sheet_is_filterable_and_defuses_formulas(report, workbook):
    sheet = workbook["检查结果"]
    header = [cell.value for cell in sheet[2]]
    assert header[:4] == ["站点编号", "站点名称", "检查项", "严重程度"]
    assert header[-2:] == ["上次已存在", "复查结果"]
    assert sheet.max_row == 2 + sum(len(site.findings) for site in report.sites)
    assert sheet.auto_filter.ref == "A2:M7"
    assert sheet.freeze_panes == "A3"
    planted = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(min_row=3)
        for cell in row
        if FORMULA in str(cell.value)
    ]
    detail = next(cell for cell in planted if cell.column == header.index("说明") + 1)
    assert isinstance(detail.value, str) and detail.data_type == "s" and detail.value == "'" + FORMULA
    for cell in planted:  # also in the evidence sheet: stored as text
        assert cell.data_type == "s"
    assert not any(
        cell.data_type == "f" for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
    )
    assert "网站标识码" in [
        row[header.index("页面要素")] for row in sheet.iter_rows(min_row=3, values_only=True)
    ]
    still_open = [row[header.index("上次已存在")] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert still_open.count("是") == 1


def test_excel_has_one_sheet_per_check_with_findings(workbook):
    assert workbook.sheetnames == [
        "排名",
        "检查结果",
        CHECK_NAMES["unreachable"],
        CHECK_NAMES["column_stale"],
        CHECK_NAMES["dead_link"],
        CHECK_NAMES["element_missing"],
        "技术证据",
    ]
    assert workbook[CHECK_NAMES["dead_link"]].max_row == 4


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "  =cmd", "\t=1", "\r=1", "\tplain", '=HYPERLINK("x")'],
)
def test_formula_like_text_is_quoted(text):
    assert is_formula_like(text)
    assert clean_text(text).startswith("'")


def test_plain_text_is_kept_and_control_characters_dropped():
    assert clean_text("临夏州人民政府") == "临夏州人民政府"
    assert clean_text("a\x00b\x07c") == "abc"


def test_a_first_inspection_without_history_or_findings_renders(tmp_path):
    site = SiteScore(
        "lxz", "临夏回族自治州人民政府", "portal", True, 100.0, [], [], 0.0, [], rank=1, kind_rank=1
    )
    bare = Report(Inspection(1, date(2026, 11, 28), "", None, "2026年11月28日督查"), [site], [])
    pages = write_html(bare, tmp_path / "html").parent
    overview = (pages / "index.html").read_text(encoding="utf-8")
    assert "没有站点触发单项否决" in overview and "统计规则" not in overview
    assert "本次检查未发现问题" in (pages / "sites" / "lxz.html").read_text(encoding="utf-8")
    workbook = openpyxl.load_workbook(write_excel(bare, tmp_path / "x.xlsx"))
    assert workbook.sheetnames == ["排名", "检查结果"] and workbook["排名"]["E3"].value == 100.0


def test_a_site_id_that_is_not_a_file_name_is_refused(report, tmp_path):
    bad = SiteScore("../evil", "x", "portal", True, 90.0, [], [], 0.0, [], rank=1, kind_rank=1)
    with pytest.raises(ValueError, match="file name"):
        write_html(Report(report.inspection, [bad], []), tmp_path)


def test_a_period_report_dates_each_veto_and_counts_a_scored_veto_as_vetoed(report, tmp_path):
    veto = finding("lxz", "homepage_stale", "veto", "首页超过 2 周未更新。", evidence={"run_id": 6})
    site = SiteScore(
        "lxz", "临夏回族自治州人民政府", "portal", False, 72.5, [veto], [], 0.0, [veto], rank=1, kind_rank=1
    )
    period = Report(report.inspection, [site], report.history, period="2026Q4", rule="得分取平均值。")
    overview = write_html(period, tmp_path).read_text(encoding="utf-8")
    assert "督查日期" in overview and "2026年10月28日" in overview  # run 6 of the history
    assert "72.5" in overview and "不合格（单项否决）" in overview
    assert "单项否决：1 个站点" in overview  # histogram bar tooltip


def test_an_unchecked_site_is_listed_after_the_ranking_never_scored_nor_counted(tmp_path):
    from reports.build import unchecked_site

    site = SiteScore(
        "lxz", "临夏回族自治州人民政府", "portal", True, 96.0, [], [], 0.0, [], rank=1, kind_rank=1
    )
    new = unchecked_site("jyj", "临夏州教育局", "department", "本次督查已抓取但未经检查")
    report = Report(
        Inspection(1, date(2026, 11, 28), "", None, "2026年11月28日督查"), [site], [], unchecked=[new]
    )
    overview = write_html(report, tmp_path / "html").read_text(encoding="utf-8")
    parser = Ranking()
    parser.feed(overview)
    _, *rows = parser.rows
    assert [row[:6] for row in rows] == [
        ["1", "临夏回族自治州人民政府", "政府门户网站", "96.0", "合格", "1 / 1"],
        ["—", "临夏州教育局", "部门网站", "—", "未检查", "—"],
    ]
    assert rows[1][6] == "本次督查已抓取但未经检查" and parser.links == ["sites/lxz.html"]
    assert not (tmp_path / "html" / "sites" / "jyj.html").exists()
    cards = re.findall(r'<span class="label">([^<]+)</span><span class="value[^"]*">([^<]+)</span>', overview)
    assert ("检查站点", "1") in cards and ("不合格（未达合格线）", "0") in cards
    assert ("未检查（不计分、不排名）", "1") in cards
    ranking = list(openpyxl.load_workbook(write_excel(report, tmp_path / "x.xlsx"))["排名"].values)
    assert [row[:7] for row in ranking[2:]] == [
        (1, "lxz", "临夏回族自治州人民政府", "政府门户网站", 96.0, "合格", 1),
        (None, "jyj", "临夏州教育局", "部门网站", None, "未检查", None),
    ]


def test_the_pass_line_is_the_rubrics_not_a_fixed_60(report, tmp_path):
    strict = Report(report.inspection, report.sites, report.history, lines=Lines(pass_line=70.0))
    overview = write_html(strict, tmp_path).read_text(encoding="utf-8")
    assert "虚线为合格线（70 分）" in overview and "0–69" in overview and "0–59" not in overview
    assert dict(histogram_counts([69.5, 70.0, 88.5, None], pass_line=70)) == {
        "0–69": 1,
        "70–79": 1,
        "80–89": 1,
        "90–100": 0,
        "100+": 0,
        "单项否决": 1,
    }


RENDERERS = ("html", "excel", "jsonout", "mail")


@pytest.mark.parametrize("renderer", RENDERERS)
def test_renderers_read_the_views_and_never_each_other(renderer):
    # Imports made at run time; those under `if TYPE_CHECKING:` only name types.
    tree = ast.parse(
        (Path(__file__).parent.parent / "reports" / f"{renderer}.py").read_text(encoding="utf-8")
    )
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    imported = {
        alias.name if isinstance(node, ast.Import) else str(node.module)
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in typing_only
        for alias in node.names
    }
    assert "reports.views" in imported or renderer in ("excel", "jsonout")
    assert not imported & {f"reports.{other}" for other in RENDERERS}, imported
    assert not any(name.split(".")[0] == "crawler" for name in imported), imported


def test_the_interaction_statistics_are_a_section_of_the_site_page_and_its_mail(tmp_path):
    from reports.mail import _environment, _site_messages
    from reports.views import overview

    stats = finding(
        "lxz",
        "interaction_stats",
        "info",
        "留言 8 条，已回复 6 条，限时答复率（5 个工作日）83.3%。",
        evidence={
            "messages": 8,
            "answered": 6,
            "unanswered": 2,
            "median_reply_days": 3.5,
            "reply_limit_days": 5,
            "in_time": 5,
            "in_time_rate": 0.8333,
        },
    )
    site = SiteScore(
        "lxz", "临夏回族自治州人民政府", "portal", True, 100.0, [], [], 0.0, [stats], rank=1, kind_rank=1
    )
    report = Report(Inspection(1, date(2026, 11, 28), "", None, "2026年11月28日督查"), [site], [])
    page = (write_html(report, tmp_path / "html").parent / "sites" / "lxz.html").read_text(encoding="utf-8")
    cells = re.search(r'<table id="interaction">.*?</table>', page, re.S)
    assert cells is not None
    assert re.findall(r'<td class="num">([^<]*)</td>', cells.group(0)) == ["8", "6", "2", "3.5", "83.3%"]
    assert CHECK_NAMES["interaction_stats"] not in page  # a section, not a finding to fix
    view = overview(report)
    (mail,) = _site_messages(
        _environment(), view, view.rows[0], date(2026, 12, 5), "a@x", [("b@x", "B")], None
    )
    assert mail.message is not None
    text = mail.message.get_body(("plain",)).get_content()
    assert (
        "互动回应：留言 8 条，已回复 6 条，未回复 2 条，回复用时中位数 3.5 天，限时答复率（5 个工作日）83.3%"
        in text
    )
