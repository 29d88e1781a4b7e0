"""Documents people read (issue 13 items 7 and 8): one finding per broken target with the pages linking to it,
evidence folded away and named in Chinese, the inspector's own gaps kept for the info center, an Excel sheet
per concern with real hyperlinks, an A4 bulletin with page numbers, 文号 and 落款, and the report folder's
history of every inspection.

Debian's chromium is not installed on this machine, so the printed bulletin cannot be looked at as PDF pages
here: the print stylesheet and the page structure are checked in the HTML instead."""

import ast
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from crawler.app.jobs import Jobs
from crawler.registry import RegistryError, load_registry
from crawler.store import Store
from reports.excel import write_excel
from reports.glossary import EVIDENCE_NAMES
from reports.html import write_html
from reports.mail import compose
from reports.model import (
    RECHECK_FIXED,
    RECHECK_OPEN,
    Bulletin,
    Finding,
    Inspection,
    Report,
    SiteScore,
    finding_key,
)
from reports.views import check_groups, overview, site_view
from tests.builders import registry_toml, site_toml, stored_run, write_registry

HAN = re.compile(r"[\u4e00-\u9fff]")
TARGET = "http://127.0.0.2/images/banner.jpg"
PAGES = [f"http://127.0.0.2/news/{n}.html" for n in range(12)]
REGISTRY = registry_toml(
    site_toml("lxz", "临夏州人民政府", "127.0.0.2", owners=[("门户网站管理员", "admin@lxz.example.gov.cn")]),
    head="""
[mail]
sender = "xxzx@lxz.example.gov.cn"
center = ["zhongxin@lxz.example.gov.cn"]

[report]
title = "临夏州政府网站检查通报"
doc_number = "临州网办〔2026〕12号"
issuer = "临夏州人民政府办公室"
date = 2026-12-03
""",
)


def finding(check, severity="deduction", detail="说明", **fields):
    data = {"site_id": "lxz", "check": check, "severity": severity, "detail": detail, "evidence": {}}
    return Finding.from_json(data | fields)


def dead(page, target=TARGET):
    return finding(
        "dead_link",
        detail=f"页面 {page} 上的图片“横幅”无法访问（返回 HTTP 404 错误），请修复或删除该链接。",
        url=target,
        page=page,
        evidence={
            "reason": "404",
            "status": 404,
            "kind": "image",
            "tag": "img",
            "attr": "src",
            "anchor_text": "横幅",
            "on_homepage": False,
        },
    )


GAP = finding(
    "unchecked_links",
    "info",
    "有 4 个站外链接（www.gov.cn）不在允许访问的网络范围内，本次未检查，请人工核对。",
    evidence={"targets": ["http://www.gov.cn/"], "hosts": ["www.gov.cn"]},
)
OTHER = dead("http://127.0.0.2/", target="http://127.0.0.2/old.html")


@pytest.fixture
def report():
    findings = [*(dead(page) for page in PAGES), OTHER, GAP]
    site = SiteScore(
        "lxz", "临夏州人民政府", "portal", True, 93.8, [], [], 0.0, findings, rank=1, kind_rank=1
    )
    inspection = Inspection(
        3, date(2026, 11, 28), "", None, "2026年12月1日督查", checked_on=date(2026, 12, 1)
    )
    return Report(inspection, [site], [])


def test_one_finding_per_broken_target_lists_every_page_linking_to_it(report):
    [group] = check_groups(report.sites[0])
    assert group.check == "dead_link" and len(group.findings) == 2  # 13 findings, 2 targets
    banner = next(view for view in group.findings if view.url == TARGET)
    assert [page.url for page in banner.linked_from] == PAGES and banner.pages == 12
    assert all(page.href == page.url for page in banner.linked_from)
    assert "12 个页面链接到它" in banner.detail and "请修复或删除这些链接" in banner.detail
    single = next(view for view in group.findings if view.url != TARGET)
    assert single.linked_from == [] and single.page == "http://127.0.0.2/" and single.detail == OTHER.detail


def test_the_inspectors_own_gaps_go_to_the_overview_not_to_the_owner(report):
    view = overview(report)
    page = site_view(view, view.rows[0])
    assert "unchecked_links" not in {group.check for group in page.groups}
    assert page.actionable == 2  # the two broken targets; the gap asks nothing of the owner
    [gap] = view.gaps
    assert gap.check == "unchecked_links" and gap.site_count == 1 and gap.entries[0][1] == GAP.detail


def test_owner_mail_has_one_entry_per_target_and_no_gap_the_center_mail_has_the_gap(report, tmp_path):
    config = write_registry(tmp_path, REGISTRY)
    registry = load_registry(config)
    owner, center = compose(report, registry.owner_addresses(), registry.mail)
    owner_text = owner.message.get_body(("plain",)).get_content()
    assert owner.recipient == "admin@lxz.example.gov.cn"
    assert owner_text.count("【链接不可用】") == 1 and owner_text.count("问题地址：") == 2
    assert "链接所在页面（12 个）" in owner_text and all(page in owner_text for page in PAGES)
    assert "站外链接" not in owner_text and "请于 2026年12月11日 前完成以下 2 个问题的整改" in owner_text
    center_text = center.message.get_body(("plain",)).get_content()
    assert "检查工作说明" in center_text and GAP.detail in center_text



def test_the_owner_sees_each_problem_number_to_quote_when_asking_for_a_recheck(report, tmp_path):
    # The number `duwang recheck --finding` and `duwang confirm` take, in the mail and on the site's page.
    keyed = replace(report, sites=[replace(report.sites[0], findings=[replace(OTHER, key="0a1b2c3d4e5f")])])
    registry = load_registry(write_registry(tmp_path, REGISTRY))
    owner, _ = compose(keyed, registry.owner_addresses(), registry.mail)
    for part in ("plain", "html"):
        assert "问题编号：0a1b2c3d4e5f" in owner.message.get_body((part,)).get_content()
    write_html(keyed, tmp_path / "html")
    page = next((tmp_path / "html" / "sites").glob("*.html")).read_text(encoding="utf-8")
    assert "<dt>问题编号</dt>" in page and "0a1b2c3d4e5f" in page

def test_every_document_shows_a_score_by_the_one_rounding_rule(report, tmp_path):
    # A figure with more decimals (an older caller's) prints as 98.7 everywhere, never 98.67 in the mail.
    report.sites[0].score = 98.65
    config = write_registry(tmp_path, REGISTRY)
    registry = load_registry(config)
    owner, center = compose(report, registry.owner_addresses(), registry.mail)
    assert "得分 98.7" in owner.message["Subject"]
    assert "98.7" in center.message.get_body(("plain",)).get_content()
    assert "98.65" not in center.message.get_body(("plain",)).get_content()
    assert ">98.7<" in write_html(report, tmp_path / "html").read_text(encoding="utf-8")


def test_html_folds_the_evidence_and_prints_a_numbered_a4_bulletin(report, tmp_path):
    bulletin = Bulletin(
        "临夏州政府网站检查通报", "临州网办〔2026〕12号", "临夏州人民政府办公室", date(2026, 12, 3)
    )
    index = write_html(report, tmp_path, bulletin=bulletin)
    page = index.read_text(encoding="utf-8")
    site = (tmp_path / "sites" / "lxz.html").read_text(encoding="utf-8")
    # Technical evidence folded away; its labels in Chinese; the 12 pages listed once, folded too.
    assert site.count('<details class="evidence">') == 2 and "<summary>技术细节</summary>" in site
    assert "<dt>on_homepage</dt>" not in site and "<dt>位于首页</dt>" in site
    assert site.count(TARGET + "<") == 1 and "链接所在页面（12 个）" in site
    # A4 with page numbers in the margin, and no forced page break anywhere (no half-empty pages).
    assert "size: A4" in page and 'content: "第 " counter(page) " 页 共 " counter(pages) " 页"' in page
    assert not re.search(r"(page-)?break-before:\s*(page|always)", page + site)
    # 文号 above the title, the 落款 and its date last; the date the checks used in the header.
    body = page[page.index("<body>") :]
    assert body.index("临州网办〔2026〕12号") < body.index("<h1>临夏州政府网站检查通报</h1>")
    signature = body[body.index('<div class="signature"') :]
    assert "临夏州人民政府办公室" in signature and "2026年12月3日" in signature
    assert body.index("检查工作说明") < body.index('<div class="signature"')
    assert "检查日期 2026年12月1日（抓取日期 2026年11月28日）" in body


def test_the_bulletin_is_signed_on_the_check_date_by_default(report, tmp_path):
    page = write_html(report, tmp_path).read_text(encoding="utf-8")
    signature = page[page.index('<div class="signature"') :]
    assert "州政府信息中心" in signature and "2026年12月1日" in signature
    assert 'class="doc-number"' not in page  # no 文号 configured: none printed


def test_excel_has_chinese_headers_an_inspection_row_hyperlinks_and_an_evidence_sheet(report, tmp_path):
    book = openpyxl.load_workbook(write_excel(report, tmp_path / "report.xlsx"))
    assert book.sheetnames == ["排名", "检查结果", "链接不可用", "未检查的站外链接", "技术证据"]
    for sheet in book.worksheets:
        assert sheet["A1"].value.startswith(
            "2026年12月1日督查 · 检查日期 2026年12月1日 · 抓取日期 2026年11月28日"
        )
        assert all(HAN.search(str(cell.value)) for cell in sheet[2] if cell.value is not None)
    results = book["检查结果"]
    header = [cell.value for cell in results[2]]
    assert "证据" not in header and results.max_row == 2 + 3  # two targets and the gap
    url = header.index("问题地址") + 1
    banner = next(row for row in results.iter_rows(min_row=3) if row[url - 1].value == TARGET)
    assert banner[url - 1].hyperlink.target == TARGET and banner[header.index("链接所在页面数")].value == 12
    evidence = list(book["技术证据"].iter_rows(min_row=3, values_only=True))
    assert [row[5] for row in evidence if row[3] == TARGET and row[4] == "链接所在页面"] == PAGES
    labels = {row[4] for row in evidence}
    assert {"位于首页", "HTTP 状态码", "链接类型"} <= labels and all(HAN.search(label) for label in labels)
    linked = [c for c in book["技术证据"]["F"] if c.hyperlink is not None]
    assert {c.hyperlink.target for c in linked} >= set(PAGES)
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)


def test_excel_shows_the_recheck_marks_and_the_fixes_a_recheck_confirmed(report, tmp_path):
    site = report.sites[0]
    site.new_findings, site.fixed_findings, site.open_findings, site.fixed_confirmed = 0, 3, 1, 1
    site.rechecked = {finding_key(OTHER): RECHECK_FIXED, finding_key(dead(PAGES[3])): RECHECK_OPEN}
    book = openpyxl.load_workbook(write_excel(report, tmp_path / "report.xlsx"))
    ranking = book["排名"]
    header = [cell.value for cell in ranking[2]]
    row = dict(zip(header, next(ranking.iter_rows(min_row=3, values_only=True)), strict=True))
    # 1 fix of the previous inspection's confirmed by 复查 before this one, 1 of this one's since; 2 fixes
    # only this inspection found: the figures of the site's HTML page.
    assert (row["已整改"], row["已整改（复查确认）"], row["已整改（下次督查发现）"]) == (3, 2, 2)
    html = write_html(report, tmp_path / "html")
    assert "<small>2 / 2</small>" in (html.parent / "sites" / "lxz.html").read_text(encoding="utf-8")
    for sheet in (book["检查结果"], book["链接不可用"]):
        header = [cell.value for cell in sheet[2]]
        marks = {
            values[header.index("问题地址")]: values[header.index("复查结果")]
            for values in sheet.iter_rows(min_row=3, values_only=True)
        }
        # one of the banner's twelve findings was found still broken: the target is not fixed
        assert marks[TARGET] == "未整改（复查确认）" and marks[OTHER.url] == "已整改（复查确认）"
    # Without a previous inspection or a 复查 the figures stay empty, as on the HTML page.
    site.fixed_findings = site.fixed_confirmed = None
    site.rechecked = {}
    book = openpyxl.load_workbook(write_excel(report, tmp_path / "plain.xlsx"))
    header = [cell.value for cell in book["排名"][2]]
    values = next(book["排名"].iter_rows(min_row=3, values_only=True))
    assert values[header.index("已整改（复查确认）")] is None
    assert values[header.index("已整改（下次督查发现）")] is None


def test_every_evidence_key_the_checks_write_has_a_chinese_name():
    keys = set()
    for path in (Path(__file__).parent.parent / "checks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "evidence" and isinstance(node.value, ast.Dict):
                keys |= {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
            pair = (
                isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[0], ast.Constant)
            )
            if pair and node.elts[0].value in (
                "identified_by",
                "how",
                "page_kind",
            ):  # columns' evidence pairs
                keys.add(node.elts[0].value)
    assert len(keys) > 20
    missing = sorted(key for key in keys if not HAN.search(EVIDENCE_NAMES.get(key, "")))
    assert not missing, f"reports.glossary.EVIDENCE_NAMES has no Chinese name for {missing}"


def test_the_report_section_of_the_registry_is_checked(tmp_path):
    config = write_registry(tmp_path, REGISTRY)
    settings = load_registry(config).report
    assert (settings.doc_number, settings.issuer, settings.signed_on) == (
        "临州网办〔2026〕12号",
        "临夏州人民政府办公室",
        date(2026, 12, 3),
    )
    config.write_text(REGISTRY.replace("date = 2026-12-03", 'date = "3 December"'), encoding="utf-8")
    with pytest.raises(RegistryError, match=r"\[report\], field 'date'"):
        load_registry(config)


# -- history ------------------------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path):
    """Three checked inspections of one site: a dead link found twice, then fixed and another found."""
    db = tmp_path / "facts.db"
    runs = [
        ("2026-11-14T02:00:00+00:00", [dead(PAGES[0])]),
        ("2026-11-21T02:00:00+00:00", [dead(PAGES[0]), dead(PAGES[1])]),
        ("2026-11-28T02:00:00+00:00", [OTHER]),
    ]
    with Store(db) as store:
        for started, findings in runs:
            run_id = stored_run(store, ("lxz", "临夏州人民政府", "portal"), started=started)
            rows = [f.as_json() | {"checked_at": started[:19]} for f in findings]
            store.replace_findings(run_id, rows, ["lxz"])
    config = write_registry(tmp_path, REGISTRY)
    return Jobs(db, load_registry(config))


def test_the_report_folder_keeps_every_inspection_with_a_history(database, tmp_path):
    out = tmp_path / "report"
    database.write_reports(out, run_id=2)
    index = database.write_reports(out, run_id=3)
    # `duwang report --out DIR` as before: the inspection asked for at the top.
    assert index == (out / "index.html").resolve()
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["inspection"]["run_id"] == 3
    assert {p.name for p in out.iterdir()} >= {"index.html", "sites", "report.xlsx", "report.json", "history"}
    # Each inspection kept in a folder of its own, named by the date the checks used.
    for key, run_id in (("2026-11-21", 2), ("2026-11-28", 3)):
        kept = json.loads((out / key / "report.json").read_text(encoding="utf-8"))
        assert kept["inspection"]["run_id"] == run_id and (out / key / "sites" / "lxz.html").is_file()
    history = (out / "history" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">(\d{4}年\d+月\d+日)</td>", history)
    assert rows == ["2026年11月28日", "2026年11月21日", "2026年11月14日"]  # every inspection, newest first
    assert 'href="../2026-11-28/index.html"' in history and 'href="../2026-11-21/index.html"' in history
    assert history.count("未保存") >= 1  # the first inspection was never written into this folder
    site = (out / "history" / "sites" / "lxz.html").read_text(encoding="utf-8")
    assert "<polyline" in site and 'href="../../2026-11-28/sites/lxz.html"' in site
    # Open findings over time: one broken target (two pages) in the second inspection, one new one now.
    table = site[site.index('<table id="points">') : site.index("</table>")]
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", table)]
    assert cells[5::9] == ["1", "1", "1"]  # 待整改问题 per inspection, newest first
    # New and fixed count findings as compared across inspections (a page newly linking to a broken target is
    # a new finding there), while the documents list one entry per target.
    assert cells[6::9] == ["1", "1", "—"] and cells[7::9] == ["2", "0", "—"]  # new, fixed
    opened = site[site.index('<table id="open">') :]
    assert "http://127.0.0.2/old.html" in opened and "2026年11月28日" in opened
    # The pages link to the history and back.
    assert 'href="history/index.html"' in (out / "index.html").read_text(encoding="utf-8")
    assert 'href="../history/sites/lxz.html"' in (out / "sites" / "lxz.html").read_text(encoding="utf-8")
    assert 'href="../../history/sites/lxz.html"' in (out / "2026-11-21" / "sites" / "lxz.html").read_text(
        encoding="utf-8"
    )


def test_a_period_report_is_kept_beside_the_inspections(database, tmp_path):
    out = tmp_path / "report"
    database.write_reports(out, period="2026-11")
    document = json.loads((out / "2026-11" / "report.json").read_text(encoding="utf-8"))
    assert document["inspection"]["period"] == "2026-11" and document["inspection"]["combined"] == 3
    assert (out / "history" / "index.html").is_file()
    overview_page = (out / "index.html").read_text(encoding="utf-8")
    assert "本期合并 3 次督查" in overview_page and "平均值" in overview_page
