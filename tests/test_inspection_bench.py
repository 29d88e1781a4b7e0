"""Unit tests of bench/inspection_bench.py's bookkeeping: the ground truth it waits for, the rotation of the
tools' order, and the rejection of a peer attempt that never saw the farm."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "inspection_bench", Path(__file__).resolve().parents[1] / "bench" / "inspection_bench.py"
)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

STARTS = ["http://127.0.0.2:8800/", "http://127.0.0.3:8800/index.html"]
TRUTH = {"sites": {"lxz": {"dead_links": [{"target": "http://127.0.0.2:8800/gone.html", "kind": "404"}]}}}


def test_the_truth_is_read_only_once_it_is_whole(tmp_path):
    path = tmp_path / "ground_truth.json"
    whole = json.dumps(TRUTH)
    # Each poll the writer gets a little further: no file, then half of it, then all of it.
    steps = iter(
        [lambda: None, lambda: path.write_text(whole[: len(whole) // 2]), lambda: path.write_text(whole)]
    )

    def alive() -> bool:
        next(steps)()
        return True

    assert bench.wait_for(path, json.loads, alive, poll=0) == TRUTH


def test_waiting_stops_when_the_farm_is_gone(tmp_path):
    with pytest.raises(RuntimeError, match="exited before writing"):
        bench.wait_for(tmp_path / "ground_truth.json", json.loads, alive=lambda: False, poll=0)


def test_waiting_gives_up_after_the_timeout(tmp_path):
    (tmp_path / "ground_truth.json").write_text('{"sites": {')
    with pytest.raises(TimeoutError, match="still incomplete"):
        bench.wait_for(tmp_path / "ground_truth.json", json.loads, alive=lambda: True, timeout=0, poll=0)


def test_each_tool_goes_first_once_in_as_many_launches_as_there_are_tools():
    tools = ["duwang", "linkchecker", "linkinator"]
    orders = [bench.rotated(tools, turn) for turn in range(len(tools))]
    assert [order[0] for order in orders] == tools
    assert all(sorted(order) == sorted(tools) for order in orders)
    assert bench.rotated(tools, 3) == tools and bench.rotated([], 5) == []


def test_the_turn_defaults_to_the_launches_already_recorded(tmp_path):
    assert bench.previous_launches(tmp_path) == 0
    (tmp_path / "inspection.jsonl").write_text('{"scale": 1}\n{"scale": 10}\n\n')
    assert bench.previous_launches(tmp_path) == 2


def test_an_attempt_counts_only_when_some_start_page_answered():
    every_start = {"http://127.0.0.2:8800/", "http://127.0.0.3:8800/index.html", "http://127.0.0.2:8800/x"}
    assert bench.all_start_pages_failed(STARTS, 3, every_start)
    assert bench.all_start_pages_failed(STARTS, 0, set())
    assert bench.all_start_pages_failed(STARTS, None, set())
    # the flaky homepage's 503 on one start page is a finding of that peer, not a failed attempt
    assert not bench.all_start_pages_failed(STARTS, 40, {"http://127.0.0.2:8800/"})


def _linkinator_json(dead: list[str], fine: list[str]) -> str:
    links = [{"url": url, "state": "BROKEN"} for url in dead] + [{"url": url, "state": "OK"} for url in fine]
    return json.dumps({"links": links})


@pytest.mark.e2e
def test_a_peer_attempt_whose_start_pages_all_failed_is_rejected_and_tried_again(tmp_path):
    # A real child process stands in for the peer: its first attempt meets a farm that is not answering
    # (every start page broken), its second sees the sites.
    answers = [_linkinator_json(STARTS, []), _linkinator_json(["http://127.0.0.2:8800/gone.html"], STARTS)]
    for n, answer in enumerate(answers, 1):
        (tmp_path / f"answer-{n}.json").write_text(answer)
    script = (
        "import pathlib, sys\n"
        "d = pathlib.Path(sys.argv[1]); count = d / 'count'\n"
        "n = int(count.read_text()) + 1 if count.exists() else 1\n"
        "count.write_text(str(n))\n"
        "sys.stdout.write((d / f'answer-{n}.json').read_text())\n"
    )
    result = bench.PeerResult(name="linkinator")
    cmd = [sys.executable, "-c", script, str(tmp_path)]
    out = tmp_path / "linkinator.json"
    bench.run_attempts(result, cmd, out, bench.parse_linkinator_json, STARTS, tmp_path, 60, None)
    assert result.error is None
    assert result.dead == {"http://127.0.0.2:8800/gone.html"} and result.urls_checked == 3
    assert len(result.notes) == 2 and result.notes[0].startswith("attempt 1 rejected")
    assert "every start page failed" in result.notes[0]


@pytest.mark.e2e
def test_a_peer_that_never_sees_the_farm_is_reported_as_failed(tmp_path):
    (tmp_path / "answer.json").write_text(_linkinator_json(STARTS, []))
    cmd = [
        sys.executable,
        "-c",
        "import sys; sys.stdout.write(open(sys.argv[1]).read())",
        str(tmp_path / "answer.json"),
    ]
    result = bench.PeerResult(name="linkinator")
    bench.run_attempts(
        result, cmd, tmp_path / "out.json", bench.parse_linkinator_json, STARTS, tmp_path, 60, None
    )
    assert result.error == f"every start page failed (2 URLs checked) (all {bench.ATTEMPTS} attempts)"
    assert result.dead == set() and result.urls_checked is None
    assert sum(note.startswith("attempt") for note in result.notes) == bench.ATTEMPTS
