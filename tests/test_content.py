"""The content check: leader names and titles, wrong formulations, typos and sensitive words in the main text
of pages, read from markup shaped like real government article and list pages; look-alikes that must not be
reported; the text fact in the store; the operator's lists in the registry; `duwang confirm`."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner
from parsel import Selector

from checks.content import Matcher, check_content, homophone, sentence
from checks.contentdata import ContentLists, Leader, shipped, vocabulary
from checks.findings import CheckId, Severity
from checks.identity import row_key
from crawler.app.cli import main
from crawler.app.confirm import ConfirmError, apply_confirmations, confirm, default_decision
from crawler.items import PageFact
from crawler.pages import extract, lists, pagekind
from crawler.pages.pagetext import main_text
from crawler.registry import RegistryError, load_registry
from crawler.store import Store, page_texts
from crawler.vocab import FetchRole
from reports.model import Finding
from reports.scoring import SiteInfo, load_scoring, score_site
from tests.builders import LOOPBACK_NETWORK, registry_toml, site_toml, write_registry
from tests.sitefacts import page, site

ARTICLE_URL = "http://www.lx.gov.cn/xwzx/gzdt/202611/t20261120_1352104.html"
LIST_URL = "http://www.lx.gov.cn/xwzx/gzdt/"

# A TRS article page as provincial and prefecture portals serve them: header with a menu, a crumb trail,
# the article (title, 发布时间/来源 bar, TRS_Editor body), a share bar and a footer. The menu and the footer
# carry names and words that must not count: they are not the page's text.
ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="全县召开干部大会"><meta name="PubDate" content="2026-11-20 09:30">
<title>全县召开干部大会_临夏县人民政府</title></head><body>
<div class="header"><div class="top">习近萍总书记 临夏县人民政府 无障碍 长者模式</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>
<li><a href="/zwgk/">总书记李强</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a></div>
<div class="article">
 <h1 class="title">全县召开干部大会</h1>
 <div class="info">发布时间：2026-11-20 09:30 来源：县政府办 【字体：大 中 小】 【打印】 【关闭】</div>
 <div class="TRS_Editor">
  <p style="text-indent:2em">11月20日，全县干部大会召开。会议传达学习了<span>习近萍</span>总书记重要讲话精神。</p>
  <p style="text-indent:2em">会议要求，坚持以习近平新时代中国特色社会主意思想为指导，为群众按装路灯。</p>
  <p style="text-indent:2em">村党支部书记李强同志、李茜同志介绍了情况。县政协副主席王虎宁出席会议。</p>
  <p style="text-indent:2em">习近平总书记、李强总理对此作出重要指示批示。会议传达了党的二十届三中全会精神。</p>
 </div>
</div>
<div class="share">分享到：微信 微博</div>
<div class="footer"><p>主办：临夏县人民政府办公室 网站标识码：6229210001 点击进入澳门赌场</p></div>
</body></html>"""

# A list page (栏目页): menu, a dated list of article titles, pager, footer.
LIST_PAGE = """<html><head><meta charset="utf-8"><title>工作动态_临夏县人民政府</title></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">国务院总理李墙</a></li></ul></div>
<div class="main"><div class="lm_title">工作动态</div><ul class="list">
<li><a href="./202611/t20261120_1.html">国务院总理李墙主持召开常务会议</a><span>2026-11-20</span></li>
<li><a href="./202611/t20261119_2.html">全县召开安全生产工作会议</a><span>2026-11-19</span></li>
<li><a href="./202611/t20261118_3.html">县长调研乡村振兴工作</a><span>2026-11-18</span></li>
</ul><div class="page">共3条 首页 上一页 下一页 尾页</div></div>
<div id="footer">版权所有：临夏县人民政府</div></body></html>"""


def read(html: str, url: str) -> tuple[str, str]:
    selector = Selector(text=html, type="html")
    items = lists.list_items(selector, url)
    title = extract.page_title(selector)
    kind, _ = pagekind.classify(selector.root, url, title, extract.meta_tags(selector), items)
    return kind, main_text(selector.root, kind, items)


def test_an_article_s_text_is_its_body_without_menu_header_and_footer():
    kind, text = read(ARTICLE, ARTICLE_URL)
    assert kind == "article"
    assert "会议传达学习了习近萍总书记重要讲话精神" in text
    assert "总书记李强" not in text and "澳门赌场" not in text and "无障碍" not in text
    assert "发布时间" not in text  # the info bar is beside the body, not in it
    assert text.count("\n") >= 3  # one line per paragraph: sentences of different paragraphs stay apart


def test_a_list_page_s_text_is_its_entry_titles():
    kind, text = read(LIST_PAGE, LIST_URL)
    assert kind == "list"
    assert text.splitlines() == [
        "国务院总理李墙主持召开常务会议",
        "全县召开安全生产工作会议",
        "县长调研乡村振兴工作",
    ]


def scan(text: str, extra: ContentLists | None = None) -> list[tuple[str, str, str]]:
    return [
        (str(h.check), h.matched, h.right) for h in Matcher(vocabulary(extra or ContentLists())).scan(text)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("国务院总理李墙主持召开国务院常务会议。", [("leader_name", "李墙", "李强")]),
        ("李墙总理主持会议。", [("leader_name", "李墙", "李强")]),
        ("会议传达学习了习近萍总书记重要讲话。", [("leader_name", "习近萍", "习近平")]),
        ("王护宁同志出席。", [("leader_name", "王护宁", "王沪宁")]),  # 3 characters + 同志
        ("国家主席 习进平签署主席令。", [("leader_name", "习进平", "习近平")]),  # one space between
        ("总书记李强强调。", [("leader_title", "总书记李强", "李强（国务院总理）")]),
        ("赵乐际总理出席。", [("leader_title", "赵乐际总理", "赵乐际（全国人大常委会委员长）")]),
        ("国务院副总理李强出席。", [("leader_title", "国务院副总理李强", "李强（国务院总理）")]),
    ],
)
def test_misspelt_leader_names_and_wrong_titles_are_found(text, expected):
    assert scan(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "村党支部书记李强同志介绍了情况。",  # a common name beside no leader title
        "李茜同志作了发言。",  # sounds like 李希, but a two-character name with 同志 is anyone
        "县政协副主席王虎宁出席会议。",  # a homophone beside a vice title of a local body
        "全国人大常委会副委员长李强出席。",  # 副委员长 is not 委员长
        "市人大常委会副主任李强、副县长韩正平出席。",
        "习近平总书记、李强总理对此作出重要指示批示。",
        "习近平总书记李强总理出席。",  # a title between two names belongs to the one it fits
        "中华人民共和国主席习近平签署主席令。",
        "中共中央政治局常委、国务院总理李强主持会议。",
        "会议传达了党的二十届三中全会和中国共产党第二十届中央委员会第四次全体会议精神。",
        "即使困难再多也要完成；该企业执行能力强，总经理张伟表示全力配合。",
        "李强调研了乡村振兴工作。",  # no title beside the name
    ],
)
def test_legitimate_look_alikes_are_not_reported(text):
    assert scan(text) == []


def test_formulations_typos_and_sensitive_words_are_found_once_each():
    text = "深入学习习近平新时代中国特色社会主意思想，为群众按装路灯。页面被植入澳门赌场链接。"
    assert scan(text) == [
        ("wrong_formulation", "习近平新时代中国特色社会主意思想", "习近平新时代中国特色社会主义思想"),
        ("typo", "按装", "安装"),
        ("sensitive_word", "澳门赌场", ""),
    ]


def test_the_operator_s_leaders_and_words_are_matched_too():
    extra = ContentLists(
        leaders=(Leader("马文华", ("县长", "县人民政府县长")),), sensitive_words=("某违禁词",)
    )
    assert scan("县长马文化主持召开县政府常务会议，某违禁词。", extra) == [
        ("leader_name", "马文化", "马文华"),
        ("sensitive_word", "某违禁词", ""),
    ]
    assert scan("副县长马文化出席。", extra) == []
    assert scan("国务院总理马文华出席。", extra) == [("leader_title", "国务院总理马文华", "马文华（县长）")]


def test_homophones_are_characters_sharing_a_toneless_reading():
    assert homophone("墙", "强") and homophone("萍", "平") and homophone("茜", "希")  # 茜: qian or xi
    assert not homophone("强", "强") and not homophone("克", "强")
    assert scan("总理李克强出席。") == []  # a former premier: one character off, but not a homophone


def test_the_shipped_lists_carry_their_date():
    data = shipped()
    assert data.leaders_as_of >= "2025-01-01"
    assert {leader.name for leader in data.leaders} >= {
        "习近平",
        "李强",
        "赵乐际",
        "王沪宁",
        "蔡奇",
        "丁薛祥",
        "李希",
    }


def test_sentence_is_cut_at_the_sentence_marks():
    text = "第一句。会议传达学习了习近萍总书记重要讲话精神。第三句"
    start = text.index("习近萍")
    assert sentence(text, start, start + 3) == "会议传达学习了习近萍总书记重要讲话精神。"


def test_findings_are_warnings_with_sentence_suggestion_url_and_title():
    _, article = read(ARTICLE, ARTICLE_URL)
    _, listed = read(LIST_PAGE, LIST_URL)
    facts = site(
        [
            page(ARTICLE_URL, title="全县召开干部大会_临夏县人民政府", kind="article"),
            page(LIST_URL, title="工作动态_临夏县人民政府", kind="list"),
            page(
                LIST_URL + "202611/t20261120_1.html", title="国务院总理李墙主持召开常务会议", kind="article"
            ),
        ],
        texts={
            ARTICLE_URL: article,
            LIST_URL: listed,
            LIST_URL + "202611/t20261120_1.html": "国务院总理李墙主持召开常务会议。会议强调……",
        },
    )
    findings = check_content(facts)
    assert all(f.severity is Severity.WARNING for f in findings)
    by_element = {(f.check, f.element): f for f in findings}
    assert set(by_element) == {
        (CheckId.LEADER_NAME, "习近萍→习近平"),
        (CheckId.WRONG_FORMULATION, "习近平新时代中国特色社会主意思想→习近平新时代中国特色社会主义思想"),
        (CheckId.TYPO, "按装→安装"),
        (CheckId.LEADER_NAME, "李墙→李强"),
    }
    name = by_element[(CheckId.LEADER_NAME, "习近萍→习近平")]
    assert name.url == name.page == ARTICLE_URL
    assert name.evidence["sentence"] == "会议传达学习了习近萍总书记重要讲话精神。"
    assert name.evidence["suggested"] == "习近平" and name.evidence["title"].startswith("全县召开干部大会")
    assert name.evidence["leaders_as_of"] == shipped().leaders_as_of
    assert "待人工确认" in name.detail
    # The article's title on its list page is the same sentence: one finding, on the article.
    misspelt = by_element[(CheckId.LEADER_NAME, "李墙→李强")]
    assert misspelt.url == LIST_URL + "202611/t20261120_1.html"
    assert misspelt.evidence["also_on"] == [LIST_URL]
    assert misspelt.evidence["count"] == 2  # its <title> and its body


def test_the_text_fact_is_stored_compressed_and_once_for_an_unchanged_page(tmp_path):
    store = Store(tmp_path / "facts.db")
    first = store.begin_run(["lxz"], "sites.toml")
    text = "会议传达学习了习近萍总书记重要讲话精神。" * 20
    fact = PageFact(url=ARTICLE_URL, site_id="lxz", role=FetchRole.PAGE, depth=1, status=200, body_text=text)
    store.write_facts(first, [fact])
    second = store.begin_run(["lxz"], "sites.toml")
    carried = store.carried_fact(first, ARTICLE_URL)
    assert carried is not None
    store.write_facts(second, [carried])
    assert page_texts(store, second, "lxz") == {ARTICLE_URL: text}
    ((count, size),) = store.db.execute("select count(*), sum(length(text)) from page_texts").fetchall()
    assert count == 1 and size < len(text.encode()) / 5


REGISTRY = registry_toml(site_toml("lxz", "临夏回族自治州人民政府", "127.0.0.2:8800"), head=LOOPBACK_NETWORK)


def test_the_registry_takes_the_operator_s_leaders_and_words(tmp_path):
    path = write_registry(
        tmp_path,
        REGISTRY
        + '\n[content]\nsensitive_words = ["某违禁词"]\n[[content.leaders]]\nname = "马文华"\ntitles = ["县长"]\n',
    )
    registry = load_registry(path)
    assert registry.content == ContentLists((Leader("马文华", ("县长",)),), ("某违禁词",))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[content]\nwords = ["x"]', "[content]: unknown field(s) words"),
        ("[content]\nsensitive_words = [1]", "field 'sensitive_words'"),
        ('[[content.leaders]]\nname = "马"\ntitles = ["县长"]', "number 1, field 'name'"),
        ('[[content.leaders]]\nname = "马文华"\ntitles = []', "number 1, field 'titles'"),
        ('[[content.leaders]]\nname = "马文华"\ntitle = ["县长"]', "unknown field(s) title"),
    ],
)
def test_a_bad_content_table_is_refused_with_its_place(tmp_path, content, message):
    path = write_registry(tmp_path, REGISTRY + "\n" + content + "\n")
    with pytest.raises(
        RegistryError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        load_registry(path)


def stored_findings(tmp_path) -> tuple[str, list[dict]]:
    db = tmp_path / "facts.db"
    store = Store(db)
    run_id = store.begin_run(["lxz"], "sites.toml")
    facts = site(
        [page(ARTICLE_URL, title="全县召开干部大会", kind="article")],
        texts={ARTICLE_URL: read(ARTICLE, ARTICLE_URL)[1]},
    )
    rows = [{**f.as_json(), "site_id": "lxz"} for f in check_content(facts)]
    store.replace_findings(run_id, [row | {"key": row_key(row, {})} for row in rows], ["lxz"])  # as `check`
    found = store.findings(run_id)
    store.close()
    return str(db), found


def test_confirming_turns_a_warning_into_what_the_rubric_counts_and_survives_a_recheck(tmp_path):
    db, found = stored_findings(tmp_path)
    indicators = [{"category": "veto", "checks": ["leader_name"], "severity": ["veto"]}]
    name = next(f for f in found if f["check"] == "leader_name")
    typo = next(f for f in found if f["check"] == "typo")
    assert confirm(db, name["key"], None, "张审核", "核实为错误", indicators).severity == "veto"
    assert confirm(db, typo["key"], None, "张审核", "", indicators).severity == "deduction"
    with pytest.raises(ConfirmError, match="只能确认为扣分"):
        confirm(db, typo["key"], "veto", "张审核", "", indicators)
    store = Store(db)
    stored = {f["id"]: f for f in store.findings(1)}
    assert stored[name["id"]]["severity"] == "veto"
    assert stored[name["id"]]["evidence"]["confirmation"]["by"] == "张审核"
    # `duwang check` again: fresh warnings, the confirmations laid over them by key.
    again = apply_confirmations(
        store, [{k: f[k] for k in f if k != "id"} | {"severity": "warning"} for f in found]
    )
    assert {f["check"]: f["severity"] for f in again if f["check"] in ("leader_name", "typo")} == {
        "leader_name": "veto",
        "typo": "deduction",
    }
    store.close()


def test_only_content_findings_can_be_confirmed_and_a_false_alarm_is_dismissed(tmp_path):
    db, found = stored_findings(tmp_path)
    store = Store(db)
    store.db.execute(
        "insert into findings (run_id, site_id, [check], severity, detail) values (1, 'lxz', 'dead_link', 'deduction', 'x')"
    )
    store.db.conn.commit()
    other = store.db.execute("select max(id) from findings").fetchone()[0]
    store.close()
    with pytest.raises(ConfirmError, match="不是内容检查结果"):
        confirm(db, other, None, "张审核", "", [])
    with pytest.raises(ConfirmError, match="没有问题编号为 999 "):
        confirm(db, 999, None, "张审核", "", [])
    with pytest.raises(ConfirmError, match="没有问题编号为 0123456789ab "):
        confirm(db, "0123456789ab", None, "张审核", "", [])
    assert confirm(db, found[0]["key"], "dismissed", "张审核", "引用原文", []).severity == "info"


def add_inspection(db: str, rows: list[dict]) -> int:
    store = Store(db)
    run_id = store.begin_run(["lxz"], "sites.toml")
    store.replace_findings(
        run_id, [{k: v for k, v in row.items() if k not in ("id", "run_id")} for row in rows]
    )
    store.close()
    return run_id


def test_a_problem_number_confirms_the_latest_inspection_s_finding(tmp_path):
    db, found = stored_findings(tmp_path)
    typo = next(f for f in found if f["check"] == "typo")
    later = add_inspection(db, found)
    done = confirm(db, typo["key"].upper(), None, "张审核", "", [])
    store = Store(db)
    severities = {
        (row["run_id"], row["key"]): row["severity"] for run in (1, later) for row in store.findings(run)
    }
    store.close()
    assert (done.key, done.site_id, done.check) == (typo["key"], "lxz", "typo")
    assert severities[(later, typo["key"])] == "deduction" and severities[(1, typo["key"])] == "warning"


def test_an_old_script_s_numeric_id_still_confirms_that_finding(tmp_path):
    db, found = stored_findings(tmp_path)
    typo = next(f for f in found if f["check"] == "typo")
    later = add_inspection(db, found)
    done = confirm(db, str(typo["id"]), None, "张审核", "", [])
    assert done.finding_ids == (typo["id"],) and done.key == typo["key"]
    # A number that is some finding's problem number names that problem (its latest finding), not an id.
    store = Store(db)
    store.db.execute("update findings set key = ? where key = ?", [str(typo["id"]), typo["key"]])
    store.db.conn.commit()
    [latest] = [row["id"] for row in store.findings(later) if row["check"] == "typo"]
    store.close()
    assert latest != typo["id"]
    assert confirm(db, str(typo["id"]), None, "张审核", "", []).finding_ids == (latest,)


def test_a_problem_number_found_on_two_sites_asks_for_the_site(tmp_path):
    db, found = stored_findings(tmp_path)
    typo = next(f for f in found if f["check"] == "typo")
    add_inspection(
        db, [typo | {"site_id": "lxx"}]
    )  # the same number elsewhere (a key names a site's problem)
    with pytest.raises(ConfirmError, match="在多个站点（lxx、lxz）都有，请用 --site 指明站点"):
        confirm(db, typo["key"], None, "张审核", "", [])
    done = confirm(db, typo["key"], None, "张审核", "", [], site_id="lxz")
    assert done.site_id == "lxz" and done.finding_ids == (typo["id"],)
    with pytest.raises(ConfirmError, match="站点 wsj 没有问题编号为"):
        confirm(db, typo["key"], None, "张审核", "", [], site_id="wsj")


def test_the_shipped_rubric_vetoes_a_confirmed_leader_error_and_deducts_a_confirmed_typo():
    from checks.rules import load_rubric_data

    indicators = load_rubric_data(None)["indicators"]
    assert default_decision("leader_name", indicators) == "veto"
    assert default_decision("typo", indicators) == "deduction"
    scoring = load_scoring()
    finding = Finding("lxz", "leader_name", "veto", url=ARTICLE_URL, page=ARTICLE_URL)
    info = SiteInfo("lxz", "临夏", "portal")
    assert score_site(info, [finding], scoring).vetoes
    warning = replace(finding, severity="warning")
    scored = score_site(info, [warning], scoring)
    assert not scored.vetoes and not scored.deductions


def test_duwang_confirm_records_who_and_why(tmp_path):
    db, found = stored_findings(tmp_path)
    config = write_registry(tmp_path, REGISTRY)
    name = next(f for f in found if f["check"] == "leader_name")
    listed = CliRunner().invoke(main, ["findings", "--db", db, "--config", str(config)])
    assert f"问题编号 {name['key']}" in listed.output and "#" not in listed.output  # one identifier
    result = CliRunner().invoke(
        main,
        [
            "confirm",
            name["key"],
            "--by",
            "张审核",
            "--reason",
            "核实",
            "--db",
            db,
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "单项否决" in result.output and name["key"] in result.output
    store = Store(db)
    (row,) = store.db.execute("select confirmed_by, reason, severity, finding from confirmations").fetchall()
    assert row[:3] == ("张审核", "核实", "veto") and json.loads(row[3])["element"] == "习近萍→习近平"
    store.close()
