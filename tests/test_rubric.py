"""An operator's rubric override: every typo or impossible value is refused with file, table or indicator,
and field; the command lines exit 3 on it as on a bad registry."""

from __future__ import annotations

import re

import pytest

from checks.rules import DEFAULT_RUBRIC, RubricError, _read, load_rules, validate_override
from reports.scoring import load_scoring
from tests.builders import cli, registry_toml, site_toml, write_registry

REGISTRY = registry_toml(site_toml("lxz", "临夏州人民政府", "127.0.0.2"))


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("[scorring]\npass_line = 50\n", r"\[scorring\]: unknown table \(known tables: freshness, "),
        ("[freshness]\nnwes = 7\n", r"\[freshness\] nwes: unknown field \(known fields: news, notice_policy"),
        ("[scoring]\npass_line = -10\n", r"\[scoring\] pass_line: -10 is not a number ≥ 0"),
        ("[scoring]\nfull_marks = true\n", r"\[scoring\] full_marks: True is not a number ≥ 0"),
        ("[availability]\nveto_share = 5\n", r"\[availability\] veto_share: 5 is not a number from 0 to 1"),
        ("[homepage]\nwindow_days = 0\n", r"\[homepage\] window_days: 0 is not a whole number ≥ 1"),
        (
            "[columns_stale]\nempty_veto = 2.5\n",
            r"\[columns_stale\] empty_veto: 2.5 is not a whole number ≥ 1",
        ),
        ("[texts]\nsoft404 = ['x']\n", r"\[texts\] soft404: unknown field"),
        ("[sections]\ncounty = ['x']\n", r"\[sections\] county: unknown field \(known fields: portal"),
        (
            '[[indicators]]\nid = "dead_links_homepage"\npionts = 2\n',
            r"indicator 'dead_links_homepage': field 'pionts': unknown field \(known fields: id, name",
        ),
        (
            '[[indicators]]\nid = "dead_links_homepage"\npoints = -1\n',
            r"indicator 'dead_links_homepage': field 'points': -1 is not a number ≥ 0",
        ),
        (
            '[[indicators]]\nid = "column_empty"\ncap = -5\n',
            r"indicator 'column_empty': field 'cap': -5 is not a number ≥ 0",
        ),
        (
            '[[indicators]]\nid = "mine"\ncategory = "deduction"\nchecks = ["dead_links"]\npoints = 1\n',
            r"indicator 'mine': field 'checks': 'dead_links' unknown \(known: column_stale, ",
        ),
        (
            '[[indicators]]\nid = "column_empty"\nseverity = ["vetoo"]\n',
            r"indicator 'column_empty': field 'severity': 'vetoo' unknown",
        ),
        (
            '[[indicators]]\nid = "dead_links_other"\non_homepage = "no"\n',
            r"indicator 'dead_links_other': field 'on_homepage': 'no' is not true or false",
        ),
        (
            '[[indicators]]\nid = "availability"\nthresholds = "availabilty"\n',
            r"indicator 'availability': field 'thresholds': 'availabilty' is not a table of thresholds",
        ),
        ('[[indicators]]\nname = "无编号"\npoints = 1\n', r"indicators\[0\]: field 'id': missing"),
    ],
)
def test_a_bad_override_names_the_file_the_place_and_the_field(tmp_path, override, expected):
    mine = tmp_path / "rubric.toml"
    mine.write_text(override, encoding="utf-8")
    for load in (load_rules, load_scoring):  # `duwang check` reads the rules, `report`/`mail` the scoring
        with pytest.raises(RubricError) as caught:
            load(mine)
        message = str(caught.value)
        assert message.startswith(f"{mine}: ") and "\n" not in message
        assert re.search(expected, message), message


def test_the_shipped_rubric_passes_the_checks_an_override_must_pass():
    validate_override(_read(DEFAULT_RUBRIC), DEFAULT_RUBRIC)


def test_a_valid_override_still_changes_values_and_adds_indicators(tmp_path):
    mine = tmp_path / "rubric.toml"
    mine.write_text(
        "[scoring]\npass_line = 70\n[availability]\nwarn_share = 0.02\n"
        '[[indicators]]\nid = "local_fiscal_budget"\nenabled = true\n'
        '[[indicators]]\nid = "blocked"\nname = "拒绝检查"\ncategory = "deduction"\nchecks = ["site_blocked"]\n'
        "points = 1.5\n",
        encoding="utf-8",
    )
    scoring = load_scoring(mine)
    assert scoring.pass_line == 70 and load_rules(mine).availability_warn_share == 0.02
    ids = [indicator.id for indicator in scoring.indicators]
    assert "local_fiscal_budget" in ids and ids[-1] == "blocked"


@pytest.mark.e2e
@pytest.mark.parametrize("command", ["check", "report", "mail", "serve"])
def test_commands_exit_3_on_a_bad_override(tmp_path, command):
    config = write_registry(tmp_path, REGISTRY)
    mine = tmp_path / "rubric.toml"
    mine.write_text('[[indicators]]\nid = "dead_links_homepage"\npoints = -2\n', encoding="utf-8")
    db = tmp_path / "facts.db"
    arguments = ["--config", str(config), "--db", str(db), "--rubric", str(mine)]
    result = cli(command, *arguments, timeout=60)
    assert result.returncode == 3, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line == (
        f"duwang: 配置错误 configuration error: {mine}: indicator 'dead_links_homepage': "
        "field 'points': -2 is not a number ≥ 0"
    )
    assert not db.exists()  # refused before anything was read or written
