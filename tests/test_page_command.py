"""`duwang page FILE`: one saved page read as the crawl reads it (kind, lists, page elements)."""

import json

import pytest

from tests.conftest import duwang

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

ARTICLE = """<html><head><title>关于做好冬季安全生产工作的通知_临夏州人民政府</title></head><body>
<table><tr><td><a href="/">首页</a> &gt; <a href="/tzgg/">通知公告</a></td></tr>
<tr><td>关于做好冬季安全生产工作的通知</td></tr>
<tr><td>发布日期：2026-11-12 来源：州应急管理局 【字号：大 中 小】 【打印本页】 【关闭窗口】</td></tr>
<tr><td><p>为切实做好冬季安全生产工作，现将有关事项通知如下。</p></td></tr>
<tr><td>附件：<a href="/uploads/检查表.xls">检查表</a> 2026-11-12</td></tr></table>
<div class="footer">网站标识码：6229000001 陇ICP备05000001号 甘公网安备 62290102000001号</div>
</body></html>"""


def test_page_reads_a_gbk_article_and_prints_json(tmp_path):
    saved = tmp_path / "t20261112_1.html"
    saved.write_bytes(ARTICLE.encode("gbk"))
    result = duwang(
        "page",
        str(saved),
        "--url",
        "http://www.lxz.gov.cn/tzgg/202611/t20261112_1.html",
        "--charset",
        "gbk",
        "--today",
        "2026-11-28",
        "--format",
        "json",
    )
    view = json.loads(result.stdout)
    assert view["kind"] == "article"
    assert set(view["kind_evidence"]["signals"]) >= {"labels", "title_in_body", "article_url"}
    assert view["elements"]["site_id_code"] and view["elements"]["icp"] and view["elements"]["police"]
    assert not view["elements"]["conac_badge"]
    assert view["site_id_code"] == "6229000001"


def test_page_text_output_names_the_lists(tmp_path):
    saved = tmp_path / "index.html"
    rows = "".join(
        f'<li><a href="/tzgg/{n}.html">通知{n}</a><span>2026-11-{n:02d}</span></li>' for n in range(1, 6)
    )
    saved.write_text(f"<html><body><h2>通知公告</h2><ul>{rows}</ul></body></html>", encoding="utf-8")
    out = duwang("page", str(saved), "--url", "http://www.lxz.gov.cn/tzgg/", "--today", "2026-11-28").stdout
    assert "页面类型 kind: list" in out
    assert "列表 list “通知公告”: 5 条, 最新 2026-11-05, 最早 2026-11-01" in out


def test_page_shows_the_messages_of_a_mailbox(tmp_path):
    saved = tmp_path / "ldxx.html"
    saved.write_text(
        "<html><body><table><tr><th>信件标题</th><th>留言时间</th><th>回复时间</th><th>办理状态</th></tr>"
        '<tr><td><a href="xj_1.html">咨询公租房申请条件</a></td><td>2026-07-02</td><td></td><td>未回复</td></tr>'
        "</table></body></html>",
        encoding="utf-8",
    )
    out = duwang(
        "page", str(saved), "--url", "http://www.lxz.gov.cn/hdjl/ldxx/", "--today", "2026-11-28"
    ).stdout
    assert "留言 message “咨询公租房申请条件”: 留言 2026-07-02, 回复 -, 状态 未回复" in out
