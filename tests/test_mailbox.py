"""crawler/pages/mailbox.py: the messages of consultation columns, read from the two markups real mailboxes use.

The fixtures are written after the common structure of government mailboxes (a 领导信箱 table with a header row
of 信件标题/留言时间/回复时间/办理状态; a letter's page whose dates sit in a label table or after "留言时间："); no
saved real page is a mailbox (../shared/realpages/ has only links to them).
"""

from __future__ import annotations

from parsel import Selector

from crawler.pages.mailbox import messages

BOX = "http://x.gov.cn/hdjl/ldxx/"

# A list table: header in <th>, one row per letter, the reply column empty while unanswered.
TABLE_LIST = """<html><body>
<table class="xxlist"><tbody>
<tr class="head"><th>序号</th><th>信件标题</th><th>留言时间</th><th>回复时间</th><th>办理状态</th></tr>
<tr><td>1</td><td><a href="xj_1.html" title="关于小区停车难问题的建议">关于小区停车难...</a></td>
    <td>2026-11-20</td><td>2026-11-23</td><td>已办结</td></tr>
<tr><td>2</td><td><a href="xj_2.html">反映路灯长期不亮的问题</a></td><td>2026/07/02 10:31</td><td></td>
    <td>未回复</td></tr>
</tbody></table>
<div class="page"><a href="index_1.html">下一页</a></div>
</body></html>"""

# Header cells written as <td> in the first row, no state column: "未回复" stands in the reply column.
TD_HEADER_LIST = """<html><body><table>
<tr><td>主题</td><td>来信日期</td><td>答复日期</td></tr>
<tr><td><a href="/ldxx/202611/t20261101_9.html">咨询公租房申请条件</a></td><td>2026年11月1日</td><td>未回复</td></tr>
</table></body></html>"""

# A letter's own page: its dates in a label table (no colon), the state beside them.
LABEL_TABLE_PAGE = """<html><head><title>咨询养老保险待遇领取手续_测试县人民政府</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<table class="letter-info">
<tr><th>信件标题</th><td>咨询养老保险待遇领取手续</td></tr>
<tr><th>留言时间</th><td>2026-10-08 09:12</td><th>办理状态</th><td>已办结</td></tr>
<tr><th>回复时间</th><td>2026-10-15 16:40</td><th>回复单位</th><td>县人社局</td></tr>
</table>
<div class="question">您好……</div></body></html>"""

# A letter's page with "label：value" text and no reply yet.
COLON_PAGE = """<html><head><title>信件详情</title></head><body>
<p>来信主题：反映集市摊位占道经营问题</p>
<p>写信时间：2026-06-30</p><p>处理状态：办理中</p>
<p>来信内容：……</p></body></html>"""

# An ordinary news list table (发布日期, no reply or state column) and an article mentioning dates.
NEWS_TABLE = """<html><body><table>
<tr><th>标题</th><th>发布日期</th></tr>
<tr><td><a href="a.html">县政府召开常务会议</a></td><td>2026-11-20</td></tr>
</table><p>发布时间：2026-11-20</p></body></html>"""


def read(html: str, url: str = BOX):
    return messages(Selector(text=html), url)


def test_a_list_table_gives_one_message_per_row_read_by_its_header():
    first, second = read(TABLE_LIST)
    assert (first.title, first.url, first.asked_text, first.replied_text, first.state, first.source) == (
        "关于小区停车难问题的建议",  # the link's title attribute, not its cut text
        BOX + "xj_1.html",
        "2026-11-20",
        "2026-11-23",
        "已办结",
        "list",
    )
    assert (second.asked_text, second.replied_text, second.state) == ("2026/07/02", None, "未回复")


def test_header_cells_in_td_and_a_state_written_in_the_reply_column():
    (row,) = read(TD_HEADER_LIST)
    assert row.url == "http://x.gov.cn/ldxx/202611/t20261101_9.html"
    assert (row.asked_text, row.replied_text, row.state) == ("2026年11月1日", None, "未回复")


def test_a_letters_page_with_a_label_table():
    (letter,) = read(LABEL_TABLE_PAGE, BOX + "xj_3.html")
    assert (letter.url, letter.title, letter.source) == (
        BOX + "xj_3.html",
        "咨询养老保险待遇领取手续",
        "page",
    )
    assert (letter.asked_text, letter.replied_text, letter.state) == ("2026-10-08", "2026-10-15", "已办结")


def test_a_letters_page_with_colon_labels_and_no_reply():
    (letter,) = read(COLON_PAGE, BOX + "xj_4.html")
    assert (letter.title, letter.asked_text, letter.replied_text, letter.state) == (
        "反映集市摊位占道经营问题",
        "2026-06-30",
        None,
        "办理中",
    )


def test_news_tables_and_articles_are_no_messages():
    assert read(NEWS_TABLE, "http://x.gov.cn/xwdt/") == []


def test_messages_are_stored_with_their_page_and_carried_over_with_an_unchanged_page(tmp_path):
    from checks.facts import Message
    from crawler.items import PageFact
    from crawler.store import Store, site_messages
    from crawler.vocab import FetchRole, RunStatus

    fact = PageFact(url=BOX, site_id="x", role=FetchRole.PAGE, depth=1, status=200, title="领导信箱")
    fact.messages = read(TABLE_LIST)
    with Store(tmp_path / "facts.db") as store:
        runs = []
        for facts in ([fact], None):
            if facts is None:  # the next crawl: the mailbox answered 304
                carried = store.carried_fact(runs[0], BOX)
                assert carried is not None
                facts = [carried]
            run = store.begin_run(["x"], "sites.toml")
            store.write_facts(run, facts)
            store.end_run(run, RunStatus.COMPLETED, {})
            runs.append(run)
        stored = [site_messages(store, run, "x") for run in runs]
        assert (
            stored[0]
            == stored[1]
            == (
                Message(
                    BOX,
                    0,
                    "关于小区停车难问题的建议",
                    BOX + "xj_1.html",
                    "2026-11-20",
                    "2026-11-23",
                    "已办结",
                    "list",
                ),
                Message(
                    BOX, 1, "反映路灯长期不亮的问题", BOX + "xj_2.html", "2026/07/02", None, "未回复", "list"
                ),
            )
        )
        assert store.db.execute("select count(*) from messages").fetchone()[0] == 2  # stored once
