"""Alerts: [[alerts]] validated, messages composed, sent through Apprise to a receiver on loopback, recorded
once, and a failing channel never failing its job."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from http.server import BaseHTTPRequestHandler

import pytest
from click.testing import CliRunner

from crawler.app import alerts
from crawler.app.alerts import deliver, due, send
from crawler.app.cli import main
from crawler.probes.availability import ProbeResult
from crawler.registry import RegistryError, load_registry
from crawler.registry.alerts import EVENTS, AlertChannel, apprise_schemes
from crawler.store import Store
from reports.alerts import (
    Alert,
    inspection_alert,
    inspection_summary,
    recovered_alert,
    unreachable_alert,
    veto_alerts,
)
from reports.model import Deduction, Finding, Inspection, Report, SiteScore
from tests.builders import LOOPBACK_NETWORK, registry_toml, site_toml
from tests.loopback import respond, serving

SITES = registry_toml(site_toml("lxz", "临夏州人民政府", "127.0.0.2"), head=LOOPBACK_NETWORK)
SECRET = "abcSECRET123"


@dataclass
class Received:
    path: str
    body: dict


@dataclass
class Receiver:
    """A chat robot's webhook on 127.0.0.1: every POST is kept; `status` is what it answers."""

    port: int = 0
    posts: list[Received] = field(default_factory=list)
    status: int = 200


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.posts.append(Received(self.path, json.loads(self.rfile.read(length).decode("utf-8"))))
            respond(self, state.status, b'{"errcode": 0, "code": 0, "msg": "ok"}', "application/json")

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, "127.0.0.1") as ports:
        state.port = ports["127.0.0.1"]
        yield state


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Nothing in these tests may connect off loopback: a robot plugin left unpatched fails loudly."""
    connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            assert ipaddress.ip_address(address[0]).is_loopback, f"connection to {address} off loopback"
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def registry_with(tmp_path, alerts_toml: str):
    path = tmp_path / "sites.toml"
    path.write_text(SITES + alerts_toml, encoding="utf-8")
    return load_registry(path)


def probe(ok: bool, site_id: str = "lxz", at: str = "12:49") -> ProbeResult:
    """A homepage probe of `site_id` on 2 December 2026 at `at` UTC (Beijing time is 8 hours later)."""
    return ProbeResult(
        site_id,
        "http://127.0.0.2/",
        f"2026-12-02T{at}:00.000+00:00",
        ok,
        200 if ok else None,
        0.4 if ok else 15.0,
        None if ok else "timeout",
    )


# -- the registry -------------------------------------------------------------------------------------


def test_channels_are_read_from_the_registry(tmp_path):
    registry = registry_with(
        tmp_path,
        """
[[alerts]]
name = "值班群"
url = "wecombot://${DUWANG_WECOM_KEY}"
events = ["unreachable", "veto"]

[[alerts]]
url = "dingtalk://${DUWANG_DINGTALK_TOKEN}/"
""",
    )
    wecom, dingtalk = registry.alerts
    assert (wecom.name, wecom.url, wecom.events) == (
        "值班群",
        "wecombot://${DUWANG_WECOM_KEY}",
        frozenset({"unreachable", "veto"}),
    )
    assert dingtalk.name == "alerts[1] dingtalk" and dingtalk.events == frozenset(EVENTS)
    assert registry_with(tmp_path, "").alerts == ()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'url = "wecombot://abcdef0123"',
            "alerts[0], field 'url': the robot's key is written in the registry",
        ),
        (
            'url = "wecombot://${DUWANG_WECOM_KEY}"\nevents = ["down"]',
            "field 'events': ['down'] is not a list",
        ),
        ('url = "nosuchrobot://${KEY}"', "nosuchrobot:// is not a channel Apprise knows"),
        ('url = "wecombot://$KEY"', "has a '$' outside ${NAME}"),
        ('url = "not a url"', "is not a notification URL"),
        ('name = "群"', "is not a notification URL"),
        ('url = "json://127.0.0.1/"\nchannel = 1', "alerts[0], field 'channel': unknown field"),
        (
            'url = "json://127.0.0.1/"\noutage_after = 0',
            "alerts[0], field 'outage_after': 0 is not a whole number of probes from 1 to 48",
        ),
        (
            'url = "json://127.0.0.1/"\noutage_after = true',
            "field 'outage_after': True is not a whole number",
        ),
        ('url = "json://127.0.0.1/"\noutage_after = "2"', "field 'outage_after': '2' is not a whole number"),
    ],
)
def test_a_bad_channel_is_refused_naming_file_field_and_fix(tmp_path, table, message):
    with pytest.raises(RegistryError) as error:
        registry_with(tmp_path, f"\n[[alerts]]\n{table}\n")
    assert str(tmp_path / "sites.toml") in str(error.value) and message in str(error.value)
    assert "(" in str(error.value)  # the fix, in parentheses


def test_the_readme_example_is_a_valid_registry(tmp_path):
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## 告警")[1].split("```toml")[1].split("```")[0]
    registry = registry_with(tmp_path, example)
    assert [channel.url.split("://")[0] for channel in registry.alerts] == ["wecombot", "dingtalk", "feishu"]
    commented = (Path(__file__).parent.parent / "crawler" / "sites.example.toml").read_text(encoding="utf-8")
    table = commented.split("# [[alerts]]")[1]
    lines = ["[[alerts]]", *(line.removeprefix("# ") for line in table.strip().splitlines())]
    assert registry_with(tmp_path, "\n".join(lines)).alerts[0].name == "信息中心值班群"


def test_each_channel_says_after_how_many_failed_probes_an_outage_is_alerted(tmp_path):
    registry = registry_with(
        tmp_path,
        '[[alerts]]\nname = "值班群"\nurl = "json://127.0.0.1/"\n\n'
        '[[alerts]]\nname = "领导群"\nurl = "json://127.0.0.1/"\noutage_after = 4\n',
    )
    assert [channel.outage_after for channel in registry.alerts] == [2, 4]  # 2 unless the table says


def test_two_channels_may_not_share_a_name(tmp_path):
    with pytest.raises(RegistryError, match="'群' is used twice"):
        registry_with(tmp_path, '[[alerts]]\nname = "群"\nurl = "json://127.0.0.1/"\n' * 2)


def test_a_missing_environment_variable_is_named_and_nothing_is_sent():
    channel = AlertChannel("值班群", "wecombot://${DUWANG_WECOM_KEY}", frozenset(EVENTS))
    error = send(channel, "测试", environ={})
    assert error is not None and "DUWANG_WECOM_KEY" in error and "值班群" in error


# -- composing ----------------------------------------------------------------------------------------


def site(site_id, name, score, vetoes=(), deductions=(), qualified=None):
    return SiteScore(
        site_id,
        name,
        "department",
        qualified=(not vetoes and score is not None and score >= 60) if qualified is None else qualified,
        score=score,
        vetoes=list(vetoes),
        deductions=list(deductions),
        bonus=0.0,
        findings=list(vetoes),
    )


def veto(site_id, check="homepage_stale", detail="首页栏目 2 周未更新。") -> Finding:
    return Finding(site_id, check, "veto", detail=detail, evidence={})


def a_report() -> Report:
    return Report(
        inspection=Inspection(7, date(2026, 12, 2), "", None, "2026年12月2日督查"),
        sites=[
            site("czj", "临夏州财政局", 100.0),
            site("jyj", "临夏州教育局", 92.5, deductions=[Deduction("links", "链接不可用", 3, 3.0)]),
            site("wjw", "临夏州卫健委", 71.0, deductions=[Deduction("columns", "栏目不更新", 4, 20.0)]),
            site(
                "lxz", "临夏州人民政府", None, vetoes=[veto("lxz"), veto("lxz", "unreachable", "无法访问。")]
            ),
        ],
        history=[],
        unchecked=[site("gtj", "临夏州国土局", None, qualified=False)],
    )


def test_the_inspection_summary_is_one_chinese_line():
    text = inspection_summary(a_report())
    assert "\n" not in text
    assert text == (
        "【读网督查】2026年12月2日督查完成：检查 4 个网站，合格 3 个，不合格 1 个；未检查 1 个；"
        "单项否决 1 个（临夏州人民政府）；扣分问题 7 处；"
        "得分最低：临夏州人民政府 单项否决、临夏州卫健委 71.0 分、临夏州教育局 92.5 分。"
    )


def test_only_vetoes_the_previous_inspection_did_not_have_are_alerted():
    report = a_report()
    fresh = veto_alerts(report, {})
    assert [a.event for a in fresh] == ["veto", "veto"] and fresh[0].run_id == 7
    assert (
        fresh[0].text
        == "【读网督查】2026年12月2日督查新增单项否决：临夏州人民政府（lxz）首页栏目 2 周未更新。"
    )
    assert fresh[0].key != fresh[1].key and fresh[0].key.startswith("veto:lxz:")
    # The stale homepage was a veto before (a warning does not count): only the outage is new.
    before = {"lxz": [veto("lxz"), replace(veto("lxz", "unreachable"), severity="warning")]}
    assert [a.text for a in veto_alerts(report, before)] == [
        "【读网督查】2026年12月2日督查新增单项否决：临夏州人民政府（lxz）无法访问。"
    ]


def test_outage_messages_say_where_why_and_when_in_beijing_time():
    down = unreachable_alert("lxz", "临夏州人民政府", probe(False))
    assert down.text == (
        "【读网督查】网站无法访问：临夏州人民政府（lxz）首页 http://127.0.0.2/ 探测失败（访问超时），"
        "北京时间 12月2日 20:49。恢复访问时另行通知。"
    )
    back = recovered_alert("lxz", "临夏州人民政府", probe(True))
    assert back.key == down.key and "恢复访问" in back.text and "0.4 秒" in back.text


def test_a_confirmed_outage_says_since_when_how_many_probes_failed_and_the_last_error():
    latest = replace(probe(False, at="13:19"), status=503, error=None)
    down = unreachable_alert("lxz", "临夏州人民政府", latest, 3, "2026-12-01T16:19:00.000+00:00")
    assert down.text == (
        "【读网督查】网站无法访问：临夏州人民政府（lxz）首页 http://127.0.0.2/ 自北京时间 12月2日 00:19 起"
        "连续 3 次探测失败，最近一次 12月2日 21:19（HTTP 503）。恢复访问时另行通知。"
    )
    assert down.key == "outage:lxz"


def test_the_failing_run_is_read_back_to_the_last_success(tmp_path):
    with Store(tmp_path / "facts.db") as store:
        assert store.failing_run("lxz") == []
        store.add_probes(
            [
                probe(False, at="12:37"),
                probe(False, at="11:07"),
                probe(True, at="11:37"),
                probe(False, at="12:07"),
                probe(True, "lxs", at="12:37"),
            ]
        )
        run = store.failing_run("lxz")
        assert [row["probed_at"][11:16] for row in run] == ["12:37", "12:07"]  # newest first
        assert (run[0]["ok"], run[0]["error"], run[0]["url"]) == (0, "timeout", "http://127.0.0.2/")
        assert store.failing_run("lxs") == []
        store.add_probes([probe(True, at="13:07")])
        assert store.failing_run("lxz") == []


@pytest.mark.parametrize(
    ("event", "history", "expected"),
    [
        ("unreachable", [], True),
        ("unreachable", [("unreachable", "sent")], False),  # the outage was said: not every probe
        ("unreachable", [("unreachable", "failed")], True),  # not delivered: try again
        ("unreachable", [("recovered", "sent"), ("unreachable", "sent")], True),  # a new outage
        ("recovered", [], False),  # nobody was told it was down
        ("recovered", [("unreachable", "sent")], True),
        ("recovered", [("recovered", "sent"), ("unreachable", "sent")], False),
        ("recovered", [("recovered", "failed"), ("unreachable", "sent")], True),
    ],
)
def test_an_outage_is_said_once_and_its_end_once(event, history, expected):
    rows = [{"event": e, "status": s, "run_id": None} for e, s in history]
    assert due(Alert(event, "", "outage:lxz", "lxz"), rows) is expected


def test_a_veto_or_summary_goes_once_per_inspection():
    alert = Alert("veto", "", "veto:lxz:1", "lxz", run_id=7)
    assert due(alert, [])
    assert not due(alert, [{"event": "veto", "status": "sent", "run_id": 7}])
    assert due(alert, [{"event": "veto", "status": "failed", "run_id": 7}])
    assert due(alert, [{"event": "veto", "status": "sent", "run_id": 5}])  # gone, and back


# -- sending to loopback ------------------------------------------------------------------------------


def json_channel(port: int, events=EVENTS, name="值班群") -> AlertChannel:
    return AlertChannel(name, f"json://127.0.0.1:{port}/hook/${{DUWANG_TEST_TOKEN}}", frozenset(events))


@pytest.mark.e2e
def test_an_outage_is_sent_recorded_and_not_repeated_until_the_site_is_back(tmp_path):
    environ = {"DUWANG_TEST_TOKEN": SECRET}
    store = Store(tmp_path / "facts.db")
    with receiver() as robot:
        channel = json_channel(robot.port)
        down = [unreachable_alert("lxz", "临夏州人民政府", probe(False))]
        up = [recovered_alert("lxz", "临夏州人民政府", probe(True))]
        first = deliver(store, [channel], down, environ)
        again = deliver(store, [channel], down, environ)  # the next probe: still down
        back = deliver(store, [channel], up, environ)
        still = deliver(store, [channel], up, environ)
    assert [len(first), len(again), len(back), len(still)] == [1, 0, 1, 0]
    assert [post.path for post in robot.posts] == [f"/hook/{SECRET}"] * 2
    assert "网站无法访问：临夏州人民政府" in robot.posts[0].body["message"]
    assert "网站恢复访问" in robot.posts[1].body["message"]
    rows = store.alert_log()
    assert [(r["event"], r["status"], r["channel"]) for r in rows] == [
        ("recovered", "sent", "值班群"),
        ("unreachable", "sent", "值班群"),
    ]
    assert SECRET not in json.dumps(rows, ensure_ascii=False)
    store.close()


@pytest.mark.e2e
def test_a_failing_channel_is_recorded_without_its_key_and_tried_again(tmp_path, caplog):
    environ = {"DUWANG_TEST_TOKEN": SECRET}
    store = Store(tmp_path / "facts.db")
    down = [unreachable_alert("lxz", "临夏州人民政府", probe(False))]
    with receiver() as robot:
        robot.status = 500
        failed = deliver(store, [json_channel(robot.port)], down, environ)
        robot.status = 200
        retried = deliver(store, [json_channel(robot.port)], down, environ)
    assert failed[0].error is not None and retried[0].error is None and len(robot.posts) == 2
    assert [r["status"] for r in store.alert_log()] == ["sent", "failed"]
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    refused = deliver(store, [json_channel(port, name="坏通道")], down, environ)
    assert refused[0].error and SECRET not in refused[0].error
    assert SECRET not in json.dumps(store.alert_log(), ensure_ascii=False) and SECRET not in caplog.text
    store.close()


@pytest.mark.e2e
def test_a_channel_only_gets_the_events_it_asked_for(tmp_path):
    store = Store(tmp_path / "facts.db")
    with receiver() as robot:
        channel = json_channel(robot.port, events=["inspection_done"])
        sent = deliver(
            store,
            [channel],
            [
                unreachable_alert("lxz", "临夏州人民政府", probe(False)),
                inspection_alert(a_report()),
            ],
            {"DUWANG_TEST_TOKEN": "t"},
        )
    assert [d.alert.event for d in sent] == ["inspection_done"]
    assert robot.posts[0].body["message"].startswith("【读网督查】2026年12月2日督查完成")
    store.close()


ROBOTS = [
    # (scheme, URL, plugin module, class, payload → text)
    ("wecombot", "wecombot://${K}", "wecombot", "NotifyWeComBot", lambda b: b["text"]["content"]),
    ("dingtalk", "dingtalk://${K}/", "dingtalk", "NotifyDingTalk", lambda b: b["text"]["content"]),
    ("feishu", "feishu://${K}", "feishu", "NotifyFeishu", lambda b: b["content"]["text"]),
    ("lark", "lark://${K}", "lark", "NotifyLark", lambda b: b["content"]["text"]),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("scheme", "url", "module", "plugin", "text_of"), ROBOTS)
def test_each_robot_gets_its_own_payload(monkeypatch, scheme, url, module, plugin, text_of):
    """The plugins post to fixed hosts: their URL is pointed at the loopback receiver, nothing else."""
    import importlib

    apprise_schemes()  # plugins loaded, so the class patched is the one Apprise uses
    cls = getattr(importlib.import_module(f"apprise.plugins.{module}"), plugin)
    with receiver() as robot:
        hook = {
            "wecombot": f"http://127.0.0.1:{robot.port}/wecom?key={{key}}",
            "dingtalk": f"http://127.0.0.1:{robot.port}/dingtalk?access_token={{token}}",
            "feishu": f"http://127.0.0.1:{robot.port}/feishu/{{token}}/",
            "lark": f"http://127.0.0.1:{robot.port}/lark/",  # the plugin appends the token
        }[scheme]
        monkeypatch.setattr(cls, "notify_url", hook)
        text = inspection_summary(a_report())
        error = send(AlertChannel(scheme, url, frozenset(EVENTS)), text, {"K": "abc123"})
    assert error is None
    (post,) = robot.posts
    assert "abc123" in post.path and text_of(post.body) == text


# -- the service and the command line -----------------------------------------------------------------


def dead_site_registry(folder, robot_port: int):
    """A registry whose one site answers nowhere (a loopback port nobody listens on), with one channel to the
    loopback robot."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    config = folder / "sites.toml"
    config.write_text(
        SITES.replace("127.0.0.2/", f"127.0.0.1:{dead}/").replace('"127.0.0.2"', f'"127.0.0.1:{dead}"')
        + f'\n[[alerts]]\nname = "值班群"\nurl = "json://127.0.0.1:{robot_port}/${{DUWANG_TEST_TOKEN}}"\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.e2e
def test_the_probe_job_alerts_an_unreachable_site_once(tmp_path, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawler.app.service import TIMEZONE, Service

    with receiver() as robot:
        config = dead_site_registry(tmp_path, robot.port)
        monkeypatch.setenv("DUWANG_TEST_TOKEN", SECRET)
        service = Service(config, tmp_path / "facts.db", scheduler=BackgroundScheduler(timezone=TIMEZONE))
        for _ in range(3):
            service.run_job("probe")
    jobs = Store(tmp_path / "facts.db").job_runs("probe")
    assert [j["outcome"] for j in jobs] == ["ok", "ok", "ok"]
    # One failed probe is no outage; the second in a row confirms it; the third repeats nothing.
    assert [j["detail"].split("; ")[-1] for j in jobs] == [
        "alerts: 0 sent, 0 failed",
        "alerts: 1 sent, 0 failed",
        "alerts: 0 sent, 0 failed",
    ]
    (post,) = robot.posts
    assert "网站无法访问：临夏州人民政府（lxz）" in post.body["message"]
    assert "起连续 2 次探测失败" in post.body["message"]


def probe_round(db, registry, *results: ProbeResult) -> str:
    """What the probe job and `duwang probe` do with a round's results: store them, then alert."""
    with Store(db) as store:
        store.add_probes(results)
    return alerts.after_probe(db, registry, results)


@pytest.mark.e2e
def test_an_outage_is_alerted_once_confirmed_and_its_end_once(tmp_path, monkeypatch):
    monkeypatch.setenv("DUWANG_TEST_TOKEN", SECRET)
    db = tmp_path / "facts.db"
    rounds = [(False, "12:07"), (False, "12:37"), (False, "13:07"), (True, "13:37"), (True, "14:07")]
    rounds += [(False, "14:37"), (True, "15:07")]  # one slow answer after the outage: no new one
    with receiver() as robot:
        registry = registry_with(
            tmp_path,
            f'[[alerts]]\nname = "值班群"\nurl = "json://127.0.0.1:{robot.port}/${{DUWANG_TEST_TOKEN}}"\n',
        )
        details, posted = [], []
        for ok, at in rounds:
            details.append(probe_round(db, registry, probe(ok, at=at)))
            posted.append(len(robot.posts))
    assert posted == [0, 1, 1, 2, 2, 2, 2]
    assert [detail.split(": ")[1] for detail in details] == [
        "0 sent, 0 failed",
        "1 sent, 0 failed",
        "0 sent, 0 failed",
        "1 sent, 0 failed",
        "0 sent, 0 failed",
        "0 sent, 0 failed",
        "0 sent, 0 failed",
    ]
    down, back = (post.body["message"] for post in robot.posts)
    assert down == (
        "【读网督查】网站无法访问：临夏州人民政府（lxz）首页 http://127.0.0.2/ 自北京时间 12月2日 20:07 起"
        "连续 2 次探测失败，最近一次 12月2日 20:37（访问超时）。恢复访问时另行通知。"
    )
    assert back == (
        "【读网督查】网站恢复访问：临夏州人民政府（lxz）首页 http://127.0.0.2/ 于北京时间 12月2日 21:37 "
        "探测正常（0.4 秒）。"
    )
    with Store(db) as store:
        rows = store.alert_log()
    assert [(row["event"], row["status"], row["channel"]) for row in rows] == [
        ("recovered", "sent", "值班群"),
        ("unreachable", "sent", "值班群"),
    ]


@pytest.mark.e2e
def test_a_single_failed_probe_followed_by_success_alerts_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DUWANG_TEST_TOKEN", SECRET)
    db = tmp_path / "facts.db"
    with receiver() as robot:
        registry = registry_with(
            tmp_path,
            f'[[alerts]]\nname = "值班群"\nurl = "json://127.0.0.1:{robot.port}/${{DUWANG_TEST_TOKEN}}"\n',
        )
        details = [
            probe_round(db, registry, probe(ok, at=at))
            for ok, at in [(False, "12:07"), (True, "12:37"), (False, "13:07"), (True, "13:37")]
        ]
    assert robot.posts == [] and details == ["alerts: 0 sent, 0 failed"] * 4
    with Store(db) as store:
        assert store.alert_log() == []


def test_each_channel_hears_of_an_outage_after_its_own_number_of_failed_probes(tmp_path, monkeypatch):
    registry = registry_with(
        tmp_path,
        '[[alerts]]\nname = "值班群"\nurl = "json://127.0.0.1:9/"\n\n'
        '[[alerts]]\nname = "领导群"\nurl = "json://127.0.0.1:9/"\nevents = ["unreachable"]\noutage_after = 3\n\n'
        '[[alerts]]\nname = "督查群"\nurl = "json://127.0.0.1:9/"\nevents = ["veto"]\n',
    )
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(alerts, "send", lambda channel, text, environ=None: sent.append((channel.name, text)))
    said = []
    for ok, at in [(False, "12:07"), (False, "12:37"), (False, "13:07"), (False, "13:37"), (True, "14:07")]:
        before = len(sent)
        probe_round(tmp_path / "facts.db", registry, probe(ok, at=at))
        said.append([(name, text.split("：")[0]) for name, text in sent[before:]])
    assert said == [
        [],
        [("值班群", "【读网督查】网站无法访问")],
        [("领导群", "【读网督查】网站无法访问")],
        [],
        [("值班群", "【读网督查】网站恢复访问"), ("领导群", "【读网督查】网站恢复访问")],
    ]
    assert "起连续 2 次探测失败" in sent[0][1] and "起连续 3 次探测失败" in sent[1][1]


@pytest.mark.e2e
def test_probe_command_sends_the_outage_alerts_unless_told_not_to(tmp_path, monkeypatch):
    monkeypatch.setenv("DUWANG_TEST_TOKEN", SECRET)
    with receiver() as robot:
        config = dead_site_registry(tmp_path, robot.port)

        def probe_command(db: str, *options: str):
            arguments = ["probe", "--config", str(config), "--db", str(tmp_path / db), "--timeout", "5"]
            result = CliRunner().invoke(main, [*arguments, *options])
            assert result.exit_code == 0, result.output
            return result.output

        quiet = [probe_command("quiet.db", "--no-alert") for _ in range(2)]
        assert robot.posts == [] and not any("告警" in output for output in quiet)
        first = probe_command("facts.db")
        assert robot.posts == [] and "告警 alerts: 0 sent, 0 failed" in first
        second = probe_command("facts.db")
        assert len(robot.posts) == 1 and "告警 alerts: 1 sent, 0 failed" in second
        probe_command("facts.db")
        assert len(robot.posts) == 1  # said once per outage
        # The history is the database's: the two quiet failures and this one are an outage of three probes.
        probe_command("quiet.db")
    assert len(robot.posts) == 2 and "起连续 3 次探测失败" in robot.posts[1].body["message"]
    assert "网站无法访问：临夏州人民政府（lxz）" in robot.posts[0].body["message"]


def test_the_inspection_job_alerts_are_the_new_vetoes_and_the_summary(tmp_path, monkeypatch):
    from crawler.vocab import RunStatus

    registry = registry_with(tmp_path, '[[alerts]]\nname = "群"\nurl = "json://127.0.0.1:9/"\n')
    store = Store(tmp_path / "facts.db")
    for findings in ([veto("lxz")], [veto("lxz"), veto("lxz", "unreachable", "无法访问。")]):
        run_id = store.begin_run(["lxz"], "sites.toml")
        store.save_site_stats(run_id, [{"site_id": "lxz", "name": "临夏州人民政府", "kind": "portal"}])
        store.end_run(run_id, RunStatus.COMPLETED, {})
        store.replace_findings(
            run_id, [f.as_json() | {"checked_at": "2026-12-02T02:00:00"} for f in findings], ["lxz"]
        )
    store.close()
    sent: list[str] = []
    monkeypatch.setattr(alerts, "send", lambda channel, text, environ=None: sent.append(text))
    detail = alerts.after_inspection(tmp_path / "facts.db", registry, None, 2)
    assert detail == "alerts: 2 sent, 0 failed"
    assert len(sent) == 2  # the stale homepage was a veto the inspection before: not new
    assert sent[0].startswith("【读网督查】") and sent[0].endswith(
        "督查新增单项否决：临夏州人民政府（lxz）无法访问。"
    )
    assert "督查完成：检查 1 个网站，合格 0 个，不合格 1 个；单项否决 1 个（临夏州人民政府）" in sent[1]
    assert alerts.after_inspection(tmp_path / "facts.db", registry, None, 2) == "alerts: 0 sent, 0 failed"


def test_alerting_never_fails_the_job(tmp_path, monkeypatch):
    registry = registry_with(tmp_path, '[[alerts]]\nurl = "json://127.0.0.1:9/"\n')

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(alerts, "deliver", broken)
    with Store(tmp_path / "facts.db") as store:  # an outage to alert: two failed probes in a row
        store.add_probes([probe(False, at="12:07"), probe(False, at="12:37")])
    assert alerts.after_probe(tmp_path / "facts.db", registry, [probe(False)]) == (
        "alerts failed: RuntimeError: disk full"
    )
    assert alerts.after_inspection(tmp_path / "none.db", registry, None, 1).startswith("alerts failed:")


@pytest.mark.e2e
def test_alert_test_command_sends_on_every_channel(tmp_path, monkeypatch):
    monkeypatch.setenv("DUWANG_TEST_TOKEN", SECRET)
    with receiver() as robot:
        config = tmp_path / "sites.toml"
        config.write_text(
            SITES
            + f'[[alerts]]\nname = "值班群"\nurl = "json://127.0.0.1:{robot.port}/${{DUWANG_TEST_TOKEN}}"\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["alert", "--test", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "值班群: 已发送 sent" in result.output
    assert "测试消息：告警通道“值班群”可以送达" in robot.posts[0].body["message"]


def test_alert_test_command_fails_on_a_channel_it_cannot_use(tmp_path):
    config = tmp_path / "sites.toml"
    config.write_text(
        SITES + '[[alerts]]\nname = "群"\nurl = "wecombot://${DUWANG_UNSET_KEY}"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["alert", "--test", "--config", str(config)])
    assert result.exit_code == 1 and "DUWANG_UNSET_KEY" in result.output
    config.write_text(SITES, encoding="utf-8")
    result = CliRunner().invoke(main, ["alert", "--test", "--config", str(config)])
    assert result.exit_code == 3 and "[[alerts]]" in result.output


def test_alert_command_lists_recorded_alerts(tmp_path):
    store = Store(tmp_path / "facts.db")
    store.record_alert(
        {
            "event": "veto",
            "key": "k",
            "site_id": "lxz",
            "run_id": 1,
            "channel": "群",
            "status": "failed",
            "error": "发送失败",
            "text": "【读网督查】新增单项否决",
        }
    )
    store.close()
    result = CliRunner().invoke(main, ["alert", "--db", str(tmp_path / "facts.db")])
    assert result.exit_code == 0 and "failed 群  【读网督查】新增单项否决  (发送失败)" in result.output


def test_a_period_with_nothing_to_report_is_skipped_not_failed(tmp_path, caplog):
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawler.app.service import TIMEZONE, Service

    config = tmp_path / "sites.toml"
    config.write_text(SITES, encoding="utf-8")
    service = Service(config, tmp_path / "facts.db", scheduler=BackgroundScheduler(timezone=TIMEZONE))
    for kind in ("monthly", "quarterly", "yearly"):
        service.run_job(kind)
    rows = Store(tmp_path / "facts.db").job_runs()
    assert [(r["job"], r["outcome"], r["error"]) for r in rows] == [
        ("monthly", "skipped", None),
        ("quarterly", "skipped", None),
        ("yearly", "skipped", None),
    ]
    assert all("没有已检查的督查" in r["detail"] for r in rows)
    assert "Traceback" not in caplog.text and not (tmp_path / "reports").exists()
