"""Scores and ranks from hand-built findings: exact figures for every rule of the rubric."""

import tempfile
from pathlib import Path

import pytest

from checks.rules import RubricError
from reports.model import Finding, round_score
from reports.scoring import SiteInfo, compare, load_scoring, rank, score_site
from tests.builders import finding_row

SCORING = load_scoring()
BONUS_IDS = ("bonus_links", "bonus_columns", "bonus_elements")


def _with_bonuses():
    """The shipped rubric with the operator's override enabling the three bonus indicators."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rubric.toml"
        path.write_text(
            "".join(f'[[indicators]]\nid = "{i}"\nenabled = true\n\n' for i in BONUS_IDS), encoding="utf-8"
        )
        return load_scoring(path)


# The figures below the bonus line were worked out with the bonuses on: an operator may enable them.
BONUS = _with_bonuses()
PORTAL = SiteInfo("lxz", "临夏州人民政府", "portal")
DEPARTMENT = SiteInfo("czj", "临夏州财政局", "department", services=False)


def finding(check, severity="deduction", site_id="lxz", **fields):
    return Finding.from_json(finding_row(site_id, check, severity, **fields))


def dead(n, on_homepage, site_id="lxz"):
    return [
        finding(
            "dead_link",
            url=f"http://x/{on_homepage}{i}",
            page="http://x/",
            site_id=site_id,
            evidence={"on_homepage": on_homepage},
        )
        for i in range(n)
    ]


def test_a_clean_portal_scores_full_marks_plus_every_bonus():
    site = score_site(PORTAL, [], BONUS)
    assert (site.score, site.bonus, site.qualified, site.deductions) == (115.0, 15.0, True, [])
    # every added point names its indicator
    assert [(b.indicator, b.name, b.points) for b in site.bonuses] == [
        ("bonus_links", "链接全部可用", 5.0),
        ("bonus_columns", "栏目全部按时更新", 5.0),
        ("bonus_elements", "网站要素齐全", 5.0),
    ]
    assert all(b.unconfirmed for b in site.bonuses)


def test_bonus_indicators_are_off_by_default_so_no_score_exceeds_full_marks():
    # The rubric marks them unconfirmed (no authoritative source): off unless the operator enables them.
    assert not any(i.category == "bonus" for i in SCORING.indicators)
    site = score_site(PORTAL, [], SCORING)
    assert (site.score, site.bonus, site.bonuses) == (100.0, 0.0, [])
    assert score_site(PORTAL, dead(1, True), SCORING).score == 99.0


def test_unconfirmed_deductions_say_so():
    site = score_site(
        PORTAL, [*dead(1, True), finding("column_stale", evidence={"freshness": "notice_policy"})], SCORING
    )
    assert {d.indicator: d.unconfirmed for d in site.deductions} == {
        "dead_links_homepage": True,
        "policy_column_stale": False,  # 国办秘函〔2019〕19号 gives this one
    }


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (95.85, 95.9),
        (95.849999, 95.8),
        (0.25, 0.3),
        (0.35, 0.4),
        (98.666666, 98.7),
        (0.1 * 3, 0.3),
        (-1.25, -1.3),
    ],
)
def test_one_rounding_rule_one_decimal_half_up(value, rounded):
    assert round_score(value) == rounded


def test_a_veto_stops_the_scoring():
    findings = [finding("homepage_stale", "veto"), *dead(3, True)]
    site = score_site(PORTAL, findings, SCORING)
    assert site.score is None and not site.qualified and site.verdict == "不合格（单项否决）"
    assert [v.check for v in site.vetoes] == ["homepage_stale"]
    assert site.deductions == []


def test_warnings_of_a_veto_indicator_do_not_veto():
    site = score_site(PORTAL, [finding("columns_stale", "warning", element="empty")], BONUS)
    assert site.score == 115.0 and site.vetoes == []


def test_each_indicator_is_capped_at_its_points():
    # 8 homepage dead links at 1 point (cap 5) and 70 others at 0.1 (cap 5): 10 points off, no bonus for links
    findings = [*dead(8, True), *dead(70, False)]
    site = score_site(PORTAL, findings, BONUS)
    assert {d.indicator: (d.occurrences, d.points) for d in site.deductions} == {
        "dead_links_homepage": (8, 5.0),
        "dead_links_other": (70, 5.0),
    }
    assert site.score == 90.0 + 10.0  # above 80: columns and elements bonuses still earned


def test_a_finding_counts_for_the_first_indicator_it_matches():
    stale_policy = finding("column_stale", column="通知公告", evidence={"freshness": "notice_policy"})
    stale_news = finding("column_stale", column="工作动态", evidence={"freshness": "news"})
    site = score_site(PORTAL, [stale_policy, stale_news], BONUS)
    assert {d.indicator: d.points for d in site.deductions} == {
        "policy_column_stale": 5.0,
        "column_stale": 1.0,
    }
    assert site.score == 94.0 + 10.0  # the columns bonus is lost


@pytest.mark.parametrize(
    ("other_dead_links", "score", "qualified"), [(9, 60.1, True), (10, 60.0, True), (11, 59.9, False)]
)
def test_the_pass_line(other_dead_links, score, qualified):
    # 39 points from capped indicators: homepage links 5, policy column 5, stale columns 10, empty 5,
    # sections 10, annual report 2, elements 2; then 0.1 per dead link on other pages
    findings = [
        *dead(5, True),
        *dead(other_dead_links, False),
        finding("column_stale", url="http://x/tzgg", evidence={"freshness": "notice_policy"}),
        *[finding("column_stale", url=f"http://x/{i}", evidence={"freshness": "news"}) for i in range(12)],
        *[finding("column_empty", url=f"http://x/e{i}") for i in range(6)],
        *[finding("section_missing", section=f"s{i}") for i in range(7)],
        finding("annual_report_late"),
        *[finding("element_missing", element=f"e{i}") for i in range(2)],
    ]
    site = score_site(PORTAL, findings, SCORING)
    assert (site.score, site.qualified, site.bonus) == (score, qualified, 0.0)


def test_the_bonus_line_is_strict():
    # exactly 80 gets no bonus; 80.1 does
    at_80 = [
        *dead(5, True),
        *dead(50, False),
        *[finding("section_missing", section=f"s{i}") for i in range(5)],
    ]
    assert score_site(PORTAL, at_80, BONUS).score == 80.0
    above = [
        *dead(5, True),
        *dead(49, False),
        *[finding("section_missing", section=f"s{i}") for i in range(5)],
    ]
    assert score_site(PORTAL, above, BONUS).score == round(80.1 + 10, 2)  # columns + elements bonuses


def test_a_department_without_services_is_scored_out_of_75_and_scaled():
    findings = [finding("section_missing", site_id="czj", section="政策解读"), *dead(1, True, "czj")]
    site = score_site(DEPARTMENT, findings, SCORING)
    assert site.score == 96.0  # (75 − 3) × 4/3; bonuses are for portals only
    with_services = score_site(SiteInfo("czj", "临夏州财政局", "department"), findings, SCORING)
    assert with_services.score == 97.0


def test_ranks_share_ties_and_vetoed_sites_come_last():
    sites = [
        score_site(SiteInfo("a", "甲", "portal"), dead(1, True, "a"), BONUS),
        score_site(SiteInfo("b", "乙", "portal"), dead(1, True, "b"), BONUS),
        score_site(SiteInfo("c", "丙", "portal"), [], BONUS),
        score_site(SiteInfo("d", "丁", "department"), [finding("unreachable", "veto", "d")], BONUS),
        score_site(SiteInfo("e", "戊", "department"), [], BONUS),
        score_site(
            SiteInfo("f", "己", "department"),
            [finding("unreachable", "veto", "f"), finding("homepage_stale", "veto", "f")],
            BONUS,
        ),
    ]
    ordered = rank(sites)
    assert [(s.site_id, s.score, s.rank, s.kind_rank) for s in ordered] == [
        ("c", 115.0, 1, 1),
        ("a", 109.0, 2, 2),
        ("b", 109.0, 2, 2),
        ("e", 100.0, 4, 1),
        ("d", None, 5, 2),
        ("f", None, 6, 3),
    ]


def test_an_equal_score_shares_the_rank_with_fewer_findings_listed_first():
    one = score_site(
        SiteInfo("a", "甲", "portal"), [finding("column_stale", "deduction", "a", evidence={})], SCORING
    )
    two = score_site(
        SiteInfo("b", "乙", "portal"),
        [finding("column_stale", "deduction", "b", evidence={}), finding("columns_stale", "warning", "b")],
        SCORING,
    )
    assert one.score == two.score
    # Two sites shown with the same score are placed equal: the tie rule only orders the listing.
    assert [(s.site_id, s.rank) for s in rank([two, one])] == [("a", 1), ("b", 1)]


def test_ranks_are_computed_on_the_rounded_score():
    # 95.85 and 95.9 are both shown as 95.9: one rank (not 19th and 20th), and the next rank is skipped.
    sites = [
        score_site(SiteInfo("a", "甲", "department", services=False), [], SCORING),
        score_site(SiteInfo("b", "乙", "portal"), [], SCORING),
        score_site(SiteInfo("c", "丙", "portal"), [], SCORING),
        score_site(SiteInfo("d", "丁", "portal"), [], SCORING),
    ]
    sites[0].score, sites[1].score, sites[2].score, sites[3].score = 96.0, 95.9, round_score(95.85), 95.8
    assert [(s.site_id, s.score, s.rank) for s in rank(sites)] == [
        ("a", 96.0, 1),
        ("b", 95.9, 2),
        ("c", 95.9, 2),
        ("d", 95.8, 4),
    ]


def test_a_scaled_score_is_rounded_once_half_up():
    # (75 − 0.1 × 2) × 4/3 = 99.7333… → 99.7: no two-decimal figure anywhere
    site = score_site(DEPARTMENT, dead(2, False, "czj"), SCORING)
    assert site.score == 99.7 and site.deductions[0].points == 0.2
    site = score_site(DEPARTMENT, [*dead(1, True, "czj"), *dead(1, False, "czj")], SCORING)
    assert site.score == 98.5  # (75 − 1.1) × 4/3 = 98.5333…


def test_changes_against_the_previous_inspection():
    before = rank(
        [
            score_site(PORTAL, [*dead(2, True), finding("annual_report_late")], BONUS),
            score_site(SiteInfo("b", "乙", "portal"), [], BONUS),
        ]
    )
    after = rank(
        [
            score_site(PORTAL, [*dead(1, True), finding("element_missing", element="icp")], BONUS),
            score_site(SiteInfo("b", "乙", "portal"), dead(3, True, "b"), BONUS),
        ]
    )
    compare(after, before)
    lxz = next(s for s in after if s.site_id == "lxz")
    # 106 → 103: one dead link fewer (+1) but an element missing (−1 and the elements bonus, −5) ; still second
    assert (lxz.score_delta, lxz.rank_delta) == (-3.0, 0)
    assert (lxz.new_findings, lxz.fixed_findings, lxz.open_findings) == (1, 2, 1)


def test_a_bad_indicator_names_file_indicator_and_field(tmp_path):
    mine = tmp_path / "rubric.toml"
    mine.write_text('[[indicators]]\nid = "dead_links_homepage"\ncategory = "penalty"\n', encoding="utf-8")
    with pytest.raises(RubricError, match=r"indicator 'dead_links_homepage': field 'category': 'penalty'"):
        load_scoring(mine)


def test_an_operator_changes_a_weight_without_touching_code(tmp_path):
    mine = tmp_path / "rubric.toml"
    mine.write_text('[[indicators]]\nid = "dead_links_homepage"\npoints = 2\ncap = 8\n', encoding="utf-8")
    site = score_site(PORTAL, dead(5, True), load_scoring(mine))
    assert site.deductions[0].points == 8.0
