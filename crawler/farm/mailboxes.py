"""Issue 14 item 1 on the demo farm: consultation mailboxes (领导信箱) with answered, late and unanswered
messages, in the two list styles real sites use.

- ``table``: the list is a table whose header names 信件标题, 留言时间, 回复时间 and 办理状态; each row links
  to the letter's page, which shows the question and the answer but no dates.
- ``detail``: the list shows titles and the date written only; each letter's page holds the labelled
  留言时间, 办理状态 and 回复时间.

Scenarios (SiteDef.mailbox = (style, scenario)), dated from the farm's `today`:
- ``ok``: letters answered within a few days, the newest still 办理中 (not late);
- ``late``: as ok, plus letters answered weeks after they came (lower 限时答复率, no veto);
- ``overdue``: as ok, plus letters of the last year still 未回复 after more than 3 months (the veto line),
  one 未回复 letter older than a year (outside the window) and one 不予受理 letter (no valid message);
- ``silent``: every letter answered quickly, the last reply more than 2 months ago (the deduction).

A planting module (see build.PLANTERS). Truth key ``mailbox``: the mailbox's URL, style and scenario and its
letters (url, title, asked, replied, state), or nothing on a site without one.
"""

from __future__ import annotations

from datetime import date, timedelta

from .builder import SiteBuilder
from .model import Planted

# Letter subjects; every character in GB2312 (one mailbox site serves GBK).
SUBJECTS = (
    "关于小区停车难问题的建议",
    "咨询城乡居民医疗保险缴费事宜",
    "反映村道路面破损的问题",
    "关于学校周边交通安全的建议",
    "咨询个体工商户登记办理流程",
    "反映农村饮水工程供水不稳定",
    "咨询公租房申请条件",
    "关于增设公交站点的建议",
    "反映集市摊位占道经营问题",
    "咨询养老保险待遇领取手续",
    "关于老旧小区改造进度的询问",
    "反映路灯长期不亮的问题",
    "咨询残疾人补贴申请办法",
    "关于农贸市场环境卫生的建议",
)
QUESTION = "您好，我是本地居民，现就上述事项来信反映，希望有关部门予以关注并答复，谢谢。"
ANSWER = "您好，您反映的问题已转交相关单位办理，现将办理情况答复如下：已安排专人核实并落实，感谢您的关注。"
OFFICE = "县政府办公室"
ANSWERED, PENDING, REFUSED, WORKING = "已办结", "未回复", "不予受理", "办理中"
# (days before today it came, days it took to answer or None, state) per scenario, newest first.
OK = [(3, None, WORKING), (9, 2, ANSWERED), (16, 3, ANSWERED), (24, 1, ANSWERED), (37, 4, ANSWERED)]
SCENARIOS: dict[str, list[tuple[int, int | None, str]]] = {
    "ok": [*OK, (52, 2, ANSWERED), (71, 3, ANSWERED)],
    "late": [*OK, (58, 25, ANSWERED), (80, 41, ANSWERED), (95, 3, ANSWERED)],
    "overdue": [*OK, (121, None, PENDING), (168, None, PENDING), (190, None, REFUSED), (420, None, PENDING)],
    "silent": [(95, 2, ANSWERED), (110, 3, ANSWERED), (133, 1, ANSWERED), (160, 4, ANSWERED)],
}
FOLDER = {"portal": "hdjl/ldxx/", "department": "ldxx/", "service": "ldxx/"}


def build(b: SiteBuilder) -> Planted:
    """Serve and link the site's mailbox (SiteDef.mailbox) and say what it holds."""
    if b.d.mailbox is None:
        return Planted(truth={"mailbox": []})
    style, scenario = b.d.mailbox
    folder = b.p(FOLDER[b.d.kind])
    subjects = b.rng.sample(SUBJECTS, len(SCENARIOS[scenario]))
    letters, rows = [], []
    for (ago, took, state), subject in zip(SCENARIOS[scenario], subjects, strict=True):
        asked = b.today - timedelta(days=ago)
        replied = asked + timedelta(days=took) if took is not None else None
        name = f"xj_{b.new_id()}.html"
        href = folder + name
        b.page(
            href,
            "mailbox_detail.html",
            b.title(subject),
            heading=subject,
            labelled=style == "detail",
            asked=_when(asked, b),
            replied=_when(replied, b) if replied else None,
            state=state,
            office=OFFICE,
            question=QUESTION,
            answer=ANSWER if replied else None,
        )
        row = {"title": subject, "asked": asked.isoformat(), "replied": _day(replied), "state": state}
        letters.append({**row, "href": name})
        rows.append({"url": b.url(href), **row})
    title = b.title("领导信箱")
    b.page(folder, "mailbox_list.html", title, heading="领导信箱", style=style, messages=letters)
    pages = b.place("home", ("领导信箱", folder, "a"))
    truth = {
        "url": b.url(folder),
        "style": style,
        "scenario": scenario,
        "linked_from": [b.url(p) for p in pages],
        "messages": rows,
    }
    return Planted(truth={"mailbox": [truth]})


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _when(day: date, b: SiteBuilder) -> str:
    # A time of day after the date, as real mailboxes print it; drawn from the site's own random.
    return f"{day.isoformat()} {b.rng.randint(8, 17):02d}:{b.rng.randint(0, 59):02d}"
