"""The crawl's one progress display: reports of several crawl processes (synthetic JSON lines on real pipes)
merged into one view of the whole crawl, the estimate of the time left, and the ways it is shown."""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler import progress as counters
from crawler.app.progress import Feed, SiteCount, Tally, estimate_left
from crawler.app.progress_display import ForwardDisplay, LineDisplay, LogDisplay, live_view, progress_line
from crawler.app.timefmt import beijing, between, duration_text
from crawler.extensions import Progress
from crawler.extensions.progress import write_report
from crawler.store import Store
from tests.builders import fake_python, registry_toml, site_toml, write_registry


def report(**sites: dict) -> dict:
    return {"sites": sites}


def site(pages=0, checks=0, links=0, errors=0, pending=0, started=True, done=False) -> dict:
    return {
        "pages": pages,
        "checks": checks,
        "links": links,
        "errors": errors,
        "pending": pending,
        "started": started,
        "done": done,
    }


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reports_of_several_processes_make_one_view_of_the_whole_crawl():
    clock = Clock()
    tally = Tally(["a", "b", "c", "d", "e"], clock=clock)
    tally.update("p1", report(a=site(10, 2, 100, 1, done=True), b=site(5, 1, 50, 0, pending=3)))
    tally.update("p2", report(c=site(7, 0, 70, 2, pending=1), d=site(started=False)))
    # a later report of a process replaces its earlier one (each holds the process's totals so far)
    tally.update("p2", report(c=site(9, 1, 90, 2, pending=2), d=site(1, 0, 5, 0, pending=4)))
    clock.now += 10
    snap = tally.snapshot()
    assert (snap.total, snap.done) == (5, 1)  # e: reported by no process yet, still counted
    assert snap.current == ["b", "c", "d"]
    assert (snap.pages, snap.checks, snap.links, snap.errors) == (25, 4, 245, 3)
    assert snap.elapsed == 10 and snap.rate == 2.9


def test_the_sweep_adds_to_sites_another_process_finished_and_they_stay_done():
    tally = Tally(["a", "b"])
    tally.update("p1", report(a=site(10, done=True), b=site(8, done=True)))
    tally.update("sweep", report(a=site(0, 4, pending=2), b=site(started=False)))
    snap = tally.snapshot()
    assert snap.done == 2 and snap.current == ["a"]  # the sweep still checks a's leftover targets
    assert snap.sites["a"] == SiteCount(pages=10, checks=4, pending=2, started=True, done=True)
    assert snap.checks == 4 and snap.pages == 18


def test_a_merged_report_read_back_is_the_same_crawl():
    tally = Tally(["a", "b"])
    tally.update("p1", report(a=site(3, 1, done=True)))
    tally.update("p2", report(b=site(2, 2, pending=1)))
    parent = Tally(["a", "b"])
    parent.update("child", json.loads(json.dumps(tally.snapshot().as_report())))
    assert parent.snapshot().sites == tally.snapshot().sites


def test_the_time_left_weighs_each_site_by_its_size_last_time():
    sites = {
        "big": SiteCount(pages=450, pending=10, started=True),
        "small": SiteCount(done=True, started=True),
    }
    # big had 900 URLs, small 100: half of big and all of small is 550 of 1,000 after 55 s, 45 s left
    assert round(estimate_left(sites, {"big": 900, "small": 100}, 55.0)) == 45
    # nothing known of the sites: a site being crawled counts what it answered against what it still waits
    # for, here half, so three quarters are done after 30 s, 10 s left
    sites["big"] = SiteCount(pages=450, pending=450, started=True)
    assert round(estimate_left(sites, {}, 30.0)) == 10
    assert estimate_left({"a": SiteCount(done=True, started=True)}, {}, 10.0) == 0.0
    # too little done, or too early, to say
    assert estimate_left({"a": SiteCount(pages=1, pending=100, started=True)}, {"a": 1000}, 60.0) is None
    assert estimate_left(sites, {}, 1.0) is None


def test_the_feed_reads_every_pipe_and_keeps_each_process_last_complete_report():
    shown = []

    class Recorder:
        def show(self, snapshot, final=False):
            if final:
                shown.append(snapshot)

        def close(self):
            shown.append("closed")

    feed = Feed(Tally(["a", "b", "c"]), Recorder(), tick=0.01)
    first, second = feed.pipe("p1"), feed.pipe("p2")
    feed.start()
    write_report(first, report(a=site(1, pending=1)))
    write_report(first, report(a=site(4, done=True)))
    os.write(second, json.dumps(report(b=site(2, pending=1))).encode() + b"\n")
    os.write(second, b'{"sites": {"b": {"pages": 9')  # cut off by a killed process: never counted
    os.close(first)
    os.close(second)
    feed.stop()
    final, closed = shown
    assert closed == "closed"
    assert (final.done, final.pages, final.current) == (1, 6, ["b"])


class Stats(dict):
    """The part of Scrapy's stats collector the progress counters use."""

    def get_value(self, key, default=None):
        return self.get(key, default)

    def set_value(self, key, value):
        self[key] = value

    def inc_value(self, key, count=1, start=0):
        self[key] = self.get(key, start) + count


def test_the_crawl_extension_writes_its_sites_counters_as_json_lines():
    stats = Stats()
    for _ in range(6):
        counters.start(stats, "jyj")
    for counter in ("pages", "pages", "pages", "checks", "checks"):
        counters.finish(stats, "jyj", counter)
    counters.count(stats, "jyj", "links", 40)
    counters.count(stats, "jyj", "errors")
    crawler = SimpleNamespace(stats=stats)
    spider = SimpleNamespace(sites=(SimpleNamespace(id="jyj"), SimpleNamespace(id="wjw")))
    read, write = os.pipe()
    extension = Progress(crawler=crawler, fd=write, interval=1.0)  # type: ignore[arg-type]
    extension.report(spider)
    counters.finish(stats, "jyj", "pages")  # the last answer: the site is done
    extension.report(spider)
    os.close(write)
    first, last = os.read(read, 65536).decode().splitlines()
    os.close(read)
    assert json.loads(first) == report(jyj=site(3, 2, 40, 1, 1, started=True), wjw=site(started=False))
    assert json.loads(last) == report(
        jyj=site(4, 2, 40, 1, 0, started=True, done=True), wjw=site(started=False)
    )
    closed_read, closed_write = os.pipe()
    os.close(closed_read)
    extension = Progress(crawler=crawler, fd=closed_write, interval=1.0)  # type: ignore[arg-type]
    extension.report(spider)  # the reader is gone: the crawl goes on
    assert extension.reader_gone
    os.close(closed_write)


def test_one_plain_line_names_the_sites_being_crawled_by_id_and_the_time_left():
    clock = Clock()
    tally = Tally(["a", "b", "c", "d", "e", "f"], expected={s: 100 for s in "abcdef"}, clock=clock)
    tally.update("p1", report(a=site(100, done=True), b=site(100, done=True), c=site(50, pending=5)))
    tally.update("p2", report(d=site(10, pending=1), e=site(10, pending=1), f=site(10, 0, 0, 2, pending=1)))
    clock.now += 60
    line = progress_line(tally.snapshot())
    assert line.startswith("[duwang] 站点 2/6 已完成 · 正在抓取 c、d、e、f · 页面 280 · 检查 0")
    assert "错误 2" in line and "已用 1分00秒" in line and "预计剩余 1分" in line


def test_plain_lines_come_at_most_every_so_often_and_once_at_the_end():
    stream = io.StringIO()
    display = LineDisplay(every=3600, stream=stream)
    snapshot = Tally(["a"]).snapshot()
    for _ in range(5):
        display.show(snapshot)
    display.show(snapshot, final=True)
    assert len(stream.getvalue().splitlines()) == 2


def test_a_forwarded_feed_writes_the_merged_crawl_for_the_parent():
    read, write = os.pipe()
    tally = Tally(["a", "b"])
    tally.update("p1", report(a=site(2, done=True)))
    tally.update("p2", report(b=site(1, pending=1)))
    ForwardDisplay(write).show(tally.snapshot(), final=True)
    os.close(write)
    parent = Tally(["a", "b"])
    parent.update("worker", json.loads(os.read(read, 65536)))
    os.close(read)
    assert parent.snapshot().done == 1 and parent.snapshot().pages == 3


def test_the_service_log_gets_the_line_and_the_figures():
    logged = []
    display = LogDisplay(lambda line, fields: logged.append((line, fields)), every=3600)
    tally = Tally(["a", "b"])
    tally.update("crawl", report(a=site(5, 1, 9, 1, done=True), b=site(2, pending=3)))
    display.show(tally.snapshot())  # the job's start was just logged: nothing yet
    display.show(tally.snapshot(), final=True)
    [(line, fields)] = logged
    assert line.startswith("[duwang] 站点 1/2 已完成")
    assert fields | {"eta_seconds": None} == {
        "sites_done": 1,
        "sites_total": 2,
        "current": ["b"],
        "pages": 7,
        "checks": 1,
        "errors": 1,
        "eta_seconds": None,
    }


def test_the_live_view_renders_in_chinese():
    from rich.console import Console

    tally = Tally(["jyj", "wjw"])
    tally.update("p1", report(jyj=site(5, done=True), wjw=site(3, pending=2)))
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(live_view(tally.snapshot(), {"wjw": "卫健委"}))
    text = console.file.getvalue()
    assert "站点 1/2 已完成" in text and "正在抓取 1 个：wjw（卫健委）" in text and "页面 8" in text


def test_times_are_shown_in_beijing_time_and_durations_in_chinese_units():
    assert beijing("2026-12-01T18:30:05.123+00:00") == "2026-12-02 02:30:05"
    assert beijing("2026-12-01T18:30:05") == "2026-12-02 02:30:05"  # a naive stored time is UTC
    assert beijing(None) == "-"
    assert between("2026-12-01T18:30:05+00:00", "2026-12-01T19:35:10+00:00") == 3905
    assert between("2026-12-01T18:30:05+00:00", None) is None
    assert [duration_text(s) for s in (None, 0.4, 45, 200, 3905)] == [
        "-",
        "0秒",
        "45秒",
        "3分20秒",
        "1小时05分",
    ]


FAKE_CRAWL = """
import json, os, sys
sys.path.insert(0, %r)
from crawler.registry import load_registry
from crawler.store import Store
from crawler.vocab import RunStatus

args = sys.argv
config, db = args[args.index("--config") + 1], args[args.index("--db") + 1]
settings = dict(args[i + 1].split("=", 1) for i, arg in enumerate(args) if arg == "--set")
fd = int(settings["DUWANG_PROGRESS_FD"])
registry = load_registry(config)
store = Store(db)
run = store.begin_run([site.id for site in registry.sites], config)
os.write(fd, b'{"sites": {"lxz": {"pages": 3, "pending": 2, "started": true}}}\\n')
store.save_site_stats(run, [{"site_id": s.id, "name": s.name, "kind": str(s.kind)} for s in registry.sites])
store.end_run(run, RunStatus.COMPLETED, {})
os.write(fd, b'{"sites": {"lxz": {"pages": 7, "checks": 2, "errors": 1, "started": true, "done": true}}}\\n')
"""

REGISTRY = registry_toml(site_toml("lxz", "临夏州人民政府", "127.0.0.2"), head='[schedule]\nreports = "out"')


@pytest.mark.e2e
def test_the_service_logs_the_crawl_progress_its_crawl_child_reports(tmp_path, caplog):
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawler.app.service import TIMEZONE, Service

    config = write_registry(tmp_path, REGISTRY)
    python = fake_python(tmp_path, FAKE_CRAWL % str(Path(__file__).parent.parent))
    svc = Service(
        config, tmp_path / "facts.db", scheduler=BackgroundScheduler(timezone=TIMEZONE), python=str(python)
    )
    with caplog.at_level(logging.INFO, logger="duwang.service"):
        svc.run_job("inspect")
    with Store(tmp_path / "facts.db") as store:
        [job] = store.job_runs("inspect")
    assert job["outcome"] == "ok", job["error"]
    progress = [record for record in caplog.records if record.getMessage() == "crawl progress"]
    assert progress, [record.getMessage() for record in caplog.records]
    fields = progress[-1].fields  # type: ignore[attr-defined]
    assert (fields["sites_done"], fields["sites_total"], fields["pages"], fields["errors"]) == (1, 1, 7, 1)
    assert fields["text"].startswith("[duwang] 站点 1/1 已完成 · 页面 7 · 检查 2")
