"""What the command line shows people, through click's CliRunner: help pages and usage errors in Chinese,
`duwang runs` (a header, Beijing time, durations) and `duwang jobs` (the schedule's next runs from
APScheduler's triggers, the service's job history)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from crawler.app.cli import main
from crawler.app.cli_history import next_runs
from crawler.registry import Schedule
from crawler.store import Store
from crawler.vocab import RunStatus
from tests.builders import registry_toml, site_toml, write_registry

REGISTRY = registry_toml(
    site_toml("lxz", "临夏州人民政府", "127.0.0.2"),
    site_toml("jyj", "临夏州教育局", "127.0.0.3", "department"),
    head='[schedule]\ninspect = "30 3 * * 2"',
)


@pytest.fixture
def setup(tmp_path):
    return write_registry(tmp_path, REGISTRY), tmp_path / "facts.db"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="duwang")


def test_every_help_page_is_chinese_with_the_option_names_as_typed():
    top = invoke("--help")
    assert top.exit_code == 0
    assert top.output.startswith("用法：duwang [选项] 命令 [参数]...")
    assert "选项:" in top.output and "命令:" in top.output and "显示此帮助并退出" in top.output
    for command in main.commands:
        page = invoke(command, "--help")
        assert page.exit_code == 0, page.output
        assert f"用法：duwang {command}" in page.output
        assert "[default:" not in page.output and "Show this message" not in page.output
        summary = page.output.split("\n\n")[1]
        assert re.search(r"[\u4e00-\u9fff]", summary), f"duwang {command}: {summary!r}"
        # each option's help is Chinese (a setting's or option's own name may stand in it)
        for line in page.output.split("选项:")[1].splitlines():
            if line.strip().startswith("--") and "  " in line.strip():
                assert re.search(r"[\u4e00-\u9fff]", line), f"duwang {command}: {line!r}"


def test_a_usage_error_is_one_chinese_line_naming_the_option():
    result = invoke("crawl", "--bogus")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "duwang: 用法错误 usage error: No such option '--bogus'.（duwang crawl --help 查看用法）"
    )


def record_run(store: Store, started: str, ended: str | None, status: RunStatus, pages: int) -> int:
    run_id = store.begin_run(["lxz", "jyj"], "sites.toml")
    store.save_site_stats(
        run_id,
        [
            {
                "site_id": "lxz",
                "name": "临夏州人民政府",
                "kind": "portal",
                "pages": pages,
                "extract_errors": 1,
            },
            {"site_id": "jyj", "name": "临夏州教育局", "kind": "department", "pages": 10},
        ],
    )
    if status is not RunStatus.RUNNING:
        store.end_run(run_id, status, {})
    store.db.table("runs").update(run_id, {"started_at": started, "ended_at": ended})
    return run_id


def test_runs_has_a_header_beijing_time_and_durations(setup):
    config, db = setup
    with Store(db) as store:
        record_run(
            store, "2026-11-30T18:00:00.000+00:00", "2026-11-30T18:12:34.600+00:00", RunStatus.COMPLETED, 90
        )
        record_run(
            store, "2026-12-01T18:00:00.000+00:00", "2026-12-01T18:00:45.000+00:00", RunStatus.FAILED, 5
        )
        store.db.table("runs").update(2, {"error": "磁盘已满"})
    result = invoke("runs", "--config", str(config), "--db", str(db))
    assert result.exit_code == 0, result.output
    header, first, second, note = result.output.splitlines()
    assert header.split() == [
        "编号",
        "状态",
        "开始（北京时间）",
        "结束（北京时间）",
        "用时",
        "站点",
        "页面",
        "读取错误",
    ]
    assert first.split() == [
        "1",
        "完成",
        "completed",
        "2026-12-01",
        "02:00:00",
        "2026-12-01",
        "02:12:34",
        "12分35秒",
        "2",
        "100",
        "1",
    ]
    assert second.split()[:3] == ["2", "失败", "failed"] and "45秒" in second
    assert note.strip() == "抓取失败 failed: 磁盘已满"


def test_runs_on_an_empty_database_says_so(setup):
    config, db = setup
    Store(db).close()
    result = invoke("runs", "--config", str(config), "--db", str(db))
    assert result.exit_code == 0 and "还没有抓取记录" in result.output


def test_next_runs_come_from_the_schedule_triggers_in_beijing_time():
    now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # Wednesday 02:00 in Beijing
    rows = {
        name: (expression, when) for name, expression, when in next_runs(Schedule(inspect="30 3 * * 2"), now)
    }
    assert rows["inspect"][0] == "30 3 * * 2"
    assert rows["inspect"][1].isoformat() == "2026-12-08T03:30:00+08:00"  # next Tuesday 03:30
    assert rows["probe"][1].isoformat() == "2026-12-02T02:07:00+08:00"
    assert rows["monthly"][1].isoformat() == "2027-01-01T06:00:00+08:00"


def test_jobs_shows_the_schedule_and_the_job_history(setup):
    config, db = setup
    with Store(db) as store:
        outcomes = [
            ("inspect", "ok", None, "run 1: 12 findings"),
            ("monthly", "skipped", None, "2026-11 没有督查"),
        ]
        outcomes.append(("probe", "failed", "RuntimeError: 连接被拒绝\nTraceback ...", None))
        for job, outcome, error, detail in outcomes:
            job_run = store.begin_job(job)
            store.end_job(job_run, outcome, error, detail)
            store.db.table("job_runs").update(
                job_run, {"started_at": "2026-12-01T18:30:00+00:00", "ended_at": "2026-12-01T18:33:20+00:00"}
            )
        store.begin_job("inspect")  # running now
    result = invoke("jobs", "--config", str(config), "--db", str(db))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "任务计划（登记表 [schedule]）"
    [inspect] = [line for line in lines if line.startswith("每周督查 inspect")]
    assert re.fullmatch(r"每周督查 inspect\s+30 3 \* \* 2\s+\d{4}-\d\d-\d\d 03:30:00", inspect)
    history = lines[lines.index("任务记录（最近 4 次）") + 1 :]
    assert history[0].split() == ["编号", "任务", "结果", "开始（北京时间）", "用时", "说明"]
    assert history[1].split() == [
        "1",
        "每周督查",
        "inspect",
        "成功",
        "ok",
        "2026-12-02",
        "02:30:00",
        "3分20秒",
        "run",
        "1:",
        "12",
        "findings",
    ]
    assert history[2].split()[3:5] == ["跳过", "skipped"] and history[2].endswith("2026-11 没有督查")
    assert history[3].split()[3:5] == ["失败", "failed"] and history[3].endswith("RuntimeError: 连接被拒绝")
    assert history[4].split()[3:5] == ["运行中", "running"] and history[4].endswith("运行中")
    only = invoke("jobs", "--config", str(config), "--db", str(db), "--job", "probe", "--limit", "1").output
    assert "任务记录（最近 1 次）" in only and "可访问性探测 probe" in only and "每周督查 inspect" not in only
