"""政策解读 ↔ 政策文件 (checks/interpretations.py): an interpretation linking its policy, a policy linking
back, read from stored links only; pages not read are not judged; weak columns only warn."""

from checks.columns import UNCONFIRMED, Column
from checks.findings import CheckId, Severity
from checks.interpretations import check_interpretations
from checks.rules import load_rules
from tests.sitefacts import HOME, entries, link, page, site

RULES = load_rules()
ZCJD, ZCWJ = f"{HOME}zcjd/", f"{HOME}zcwj/"


def columns(reading_titles: list[str], **fields) -> list[Column]:
    readings = entries(ZCJD, "ul.list", [(title, "2026-10-01") for title in reading_titles])
    policies = entries(ZCWJ, "ul.list", [(f"政策{i}", "2026-09-01") for i in range(len(reading_titles))])
    return [
        Column("政策解读", ZCJD, "notice_policy", "items", readings, readings, (ZCJD,), **fields),
        Column("政策文件", ZCWJ, "notice_policy", "items", policies, policies, (ZCWJ,)),
    ]


def urls(cols: list[Column]) -> tuple[list[str], list[str]]:
    return [e.url for e in cols[0].all_entries], [e.url for e in cols[1].all_entries]


def check(cols, links, unread=()):
    readings, policies = urls(cols)
    pages = [page(url, title=f"页面{n}") for n, url in enumerate(readings + policies) if url not in unread]
    return check_interpretations(site(pages, links=links), cols, RULES)


def test_linked_both_ways_is_no_finding():
    cols = columns(["《政策0》政策解读"])
    (reading,), (policy,) = urls(cols)
    assert check(cols, [link(reading, policy, "政策原文"), link(policy, reading, "解读")]) == []


def test_an_interpretation_linking_no_policy_is_reported():
    cols = columns(["《政策0》政策解读", "一图读懂新政策"])  # the second is no 解读 by its title
    (reading, _), _ = urls(cols)
    [finding] = check(cols, [link(reading, f"{HOME}other.html", "返回首页")])
    assert (finding.check, finding.severity, finding.url) == (
        CheckId.INTERPRETATION_UNLINKED,
        Severity.DEDUCTION,
        reading,
    )
    assert finding.evidence["links_on_page"] == 1


def test_a_link_naming_a_document_kept_elsewhere_counts_as_linked():
    cols = columns(["《省级政策》解读"])
    (reading,), _ = urls(cols)
    assert check(cols, [link(reading, "http://www.gansu.gov.cn/zcwj/1.html", "《甘肃省某办法》")]) == []


def test_a_policy_not_linking_back_is_reported_with_the_interpretation():
    cols = columns(["《政策0》政策解读"])
    (reading,), (policy,) = urls(cols)
    [finding] = check(cols, [link(reading, policy, "政策原文")])
    assert (finding.check, finding.url, finding.page) == (CheckId.POLICY_BACKLINK_MISSING, policy, reading)
    assert finding.column == "政策文件"


def test_pages_not_read_are_not_judged():
    cols = columns(["《政策0》政策解读", "《政策1》政策解读"])
    (first, second), (policy, _) = urls(cols)
    assert check(cols, [link(first, policy, "原文")], unread=(second, policy)) == []


def test_an_unconfirmed_column_only_warns():
    cols = columns(["《政策0》政策解读"], identified_by="title", confidence=UNCONFIRMED)
    [finding] = check(cols, [])
    assert finding.severity is Severity.WARNING and finding.detail.startswith("【待确认】")
