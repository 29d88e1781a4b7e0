"""Mail to a real SMTP server (aiosmtpd on loopback): recipients, subjects, each site's own findings,
and exactly-once delivery across a failing server and a killed mailer."""

from __future__ import annotations

import email
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from dataclasses import replace
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from crawler.app.delivery import MailConfigError, SmtpSettings, messages, send, write_eml
from crawler.app.reportdata import load_stored
from crawler.registry import Owner, load_registry
from crawler.store import Store
from reports.build import build_report
from reports.mail import CENTER
from reports.scoring import load_scoring
from tests.builders import CLI, cli, finding_row, registry_toml, site_toml, stored_run, write_registry

REGISTRY = registry_toml(
    site_toml(
        "lxz",
        "临夏州人民政府",
        "127.0.0.2",
        owners=[("门户网站管理员", "admin@lxz.example.gov.cn"), ("信息中心", "xxzx@lxz.example.gov.cn")],
    ),
    site_toml(
        "czj", "临夏州财政局", "127.0.0.3", "department", owners=[("财政局办公室", "bgs@czj.example.gov.cn")]
    ),
    site_toml(
        "jyj",
        "临夏州教育局",
        "127.0.0.4",
        "department",
        owners=[("教育局办公室", "nobody@jyj.example.gov.cn")],
    ),
    head='[mail]\nsender = "xxzx@lxz.example.gov.cn"\ncenter = ["zhongxin@lxz.example.gov.cn"]\ndeadline_days = 10',
)
SITES = (
    ("lxz", "临夏州人民政府", "portal"),
    ("czj", "临夏州财政局", "department"),
    ("jyj", "临夏州教育局", "department"),
)


def finding(site_id, check, detail, severity="deduction", **fields):
    return finding_row(site_id, check, severity, detail, **fields) | {"checked_at": "2026-11-28T10:00:00"}


class Recorder:
    """An SMTP handler that keeps what it accepts; it can refuse an address, fail after N, hang, drop the
    connection once a message is in, or run `on_accept` before it answers 250."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.rcpts: list[str] = []  # every RCPT TO asked, refused ones included
        self.fail_after: int | None = None
        self.hang_after: int | None = None
        self.drop_after_body: set[str] = set()
        self.on_accept = None
        self.busy: set[str] = set()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts.append(address)
        if address.startswith("nobody@"):
            return "550 5.1.1 mailbox unavailable"
        if address in self.busy:
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_after is not None and len(self.messages) >= self.fail_after:
            return "421 4.3.2 service not available, try later"
        if self.hang_after is not None and len(self.messages) >= self.hang_after:
            while not self.release.is_set():  # never answers: the mailer is killed meanwhile
                await __import__("asyncio").sleep(0.05)
            return "421 4.3.2 closing"
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        if self.drop_after_body & set(envelope.rcpt_tos):
            server.transport.close()  # taken in, never answered: the client cannot know
            return "250 OK"
        if self.on_accept is not None:
            self.on_accept()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd needs a concrete port: take one the kernel says is free
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def only_right_password(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd answers the refusal itself, with 535 5.7.8
    right = (auth_data.login, auth_data.password) == (b"duwang", b"right")
    return AuthResult(success=right, handled=False)


@pytest.fixture
def smtp():
    recorder = Recorder()
    # Logging in is optional; a login with the wrong password is refused with 535 as a real server does.
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=only_right_password,
        auth_require_tls=False,
    )
    controller.start()
    yield recorder, SmtpSettings("127.0.0.1", controller.port, "none")
    recorder.release.set()
    controller.stop()


@pytest.fixture
def world(tmp_path):
    config = write_registry(tmp_path, REGISTRY)
    db = tmp_path / "facts.db"
    store = Store(db)
    dead = finding(  # found by both inspections
        "lxz",
        "dead_link",
        "首页链接失效",
        url="http://127.0.0.2/old",
        page="http://127.0.0.2/",
        evidence={"on_homepage": True},
    )
    for started, findings in (
        ("2026-11-21T02:00:00+00:00", [dead]),
        (
            "2026-11-28T02:00:00+00:00",
            [
                dead,
                finding("lxz", "homepage_stale", "首页超过14天未更新", "veto", url="http://127.0.0.2/"),
                finding(
                    "czj",
                    "section_missing",
                    "缺少必备栏目“政策解读”<script>alert(1)</script>",
                    section="政策解读",
                ),
            ],
        ),
    ):
        run_id = stored_run(store, *SITES, config=config, started=started)
        store.replace_findings(run_id, findings)
    registry = load_registry(config)
    report = build_report(load_stored(store, registry), load_scoring())
    yield {"config": config, "db": db, "store": store, "registry": registry, "report": report}
    store.close()


def outgoing(world):
    return messages(world["report"], world["registry"])


@pytest.mark.e2e
def test_each_owner_gets_their_sites_findings_and_the_center_the_ranking(world, smtp):
    recorder, settings = smtp
    result = send(outgoing(world), world["store"], 2, settings, backoff=0)
    delivered = {tuple(to): message for to, message in recorder.messages}
    assert set(delivered) == {
        ("admin@lxz.example.gov.cn",),
        ("xxzx@lxz.example.gov.cn",),
        ("bgs@czj.example.gov.cn",),
        ("zhongxin@lxz.example.gov.cn",),
    }
    lxz = delivered[("admin@lxz.example.gov.cn",)]
    assert (
        lxz["Subject"]
        == "【政府网站检查】临夏州人民政府：不合格（单项否决），得分 —，排名 3/3（2026年11月28日督查）"
    )
    text = lxz.get_body(("plain",)).get_content()
    assert "首页超过14天未更新" in text and "首页链接失效" in text and "政策解读" not in text
    assert "[上次检查已发现，仍未整改] 首页链接失效" in text
    assert "2026年12月8日 前完成" in text  # the inspection date plus deadline_days
    czj = delivered[("bgs@czj.example.gov.cn",)]
    html = czj.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "首页" not in czj.get_body(("plain",)).get_content()
    attachments = [part.get_filename() for part in czj.iter_attachments()]
    assert attachments == ["czj-2026-11-28.xlsx"]
    summary = delivered[("zhongxin@lxz.example.gov.cn",)]
    assert "临夏州财政局" in summary.get_body(("plain",)).get_content()
    # a refused address is recorded as failed and does not stop the others
    assert [(item.recipient, error[:3]) for item, error in result.failed] == [
        ("nobody@jyj.example.gov.cn", "550")
    ]
    log = {(row["site_id"], row["recipient"]): row["status"] for row in world["store"].mail_log(2)}
    assert (
        log[("jyj", "nobody@jyj.example.gov.cn")] == "failed"
        and log[(CENTER, "zhongxin@lxz.example.gov.cn")] == "sent"
    )


@pytest.mark.e2e
def test_a_server_failing_midway_then_a_second_run_delivers_everything_once(world, smtp):
    recorder, settings = smtp
    recorder.fail_after = 2
    sleeps = []
    first = send(outgoing(world), world["store"], 2, settings, retries=2, backoff=0.5, sleep=sleeps.append)
    assert len(first.sent) == 2 and first.pending and sleeps == [0.5, 1.0]  # retried with backoff
    recorder.fail_after = None
    second = send(outgoing(world), world["store"], 2, settings, backoff=0)
    assert len(second.already_sent) == 2
    recipients = [to[0] for to, _ in recorder.messages]
    assert sorted(recipients) == sorted(set(recipients)) and len(recipients) == 4


@pytest.mark.e2e
def test_a_killed_mailer_run_again_delivers_every_message_exactly_once(world, smtp, tmp_path):
    recorder, settings = smtp
    recorder.hang_after = 2  # the third message is never answered: the mailer is killed while waiting
    env = {
        **os.environ,
        "DUWANG_SMTP_HOST": "127.0.0.1",
        "DUWANG_SMTP_PORT": str(settings.port),
        "DUWANG_SMTP_SECURITY": "none",
    }
    command = [*CLI, "mail", "--config", str(world["config"]), "--db", str(world["db"])]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(recorder.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert len(recorder.messages) == 2
    recorder.hang_after = None
    recorder.release.set()
    # The third message's body went out and its answer never came: possibly delivered, so the next run
    # reports it and sends the rest, but not it.
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    hung = [item for item in outgoing(world) if not item.recipient.startswith("nobody@")][2]
    assert again.returncode == 1, again.stderr
    [sending] = [row for row in world["store"].mail_log(2) if row["status"] == "sending"]
    assert sending["recipient"] == hung.recipient
    assert (
        f"未确认 UNCONFIRMED {hung.site_id} {hung.recipient}: Message-ID {sending['message_id']}"
        in again.stderr
    )
    assert len(recorder.messages) == 3 and hung.recipient not in [to[0] for to, _ in recorder.messages]
    assert "jyj nobody@jyj.example.gov.cn: 550" in again.stderr  # refused in this run or the first
    # The operator found it missing in the server's log and asks for it again.
    resent = subprocess.run([*command, "--resend-unconfirmed"], env=env, capture_output=True, text=True)
    assert resent.returncode == 0, resent.stderr
    assert "此前已拒收 REFUSED EARLIER (not re-sent) jyj nobody@jyj.example.gov.cn: 550" in resent.stderr
    recipients = sorted(to[0] for to, _ in recorder.messages)
    assert recipients == [
        "admin@lxz.example.gov.cn",
        "bgs@czj.example.gov.cn",
        "xxzx@lxz.example.gov.cn",
        "zhongxin@lxz.example.gov.cn",
    ]


def test_a_refused_recipient_is_recorded_once_and_never_asked_again(world, smtp):
    recorder, settings = smtp
    first = send(outgoing(world), world["store"], 2, settings, backoff=0)
    second = send(outgoing(world), world["store"], 2, settings, backoff=0)
    assert [(item.recipient, error[:3]) for item, error in first.failed] == [
        ("nobody@jyj.example.gov.cn", "550")
    ]
    assert (second.sent, second.failed) == ([], [])
    assert [(item.recipient, error[:3]) for item, error in second.already_failed] == [
        ("nobody@jyj.example.gov.cn", "550")
    ]
    assert recorder.rcpts.count("nobody@jyj.example.gov.cn") == 1
    [row] = [row for row in world["store"].mail_log(2) if row["site_id"] == "jyj"]
    assert (row["status"], row["attempts"]) == ("failed", 1)


def test_a_message_taken_in_but_never_answered_is_not_sent_again(world, smtp):
    recorder, settings = smtp
    recorder.drop_after_body = {"bgs@czj.example.gov.cn"}
    sleeps = []
    first = send(outgoing(world), world["store"], 2, settings, backoff=1, sleep=sleeps.append)
    assert [item.recipient for item, _ in first.unconfirmed] == ["bgs@czj.example.gov.cn"]
    assert sleeps == [] and first.error is None  # not retried; the messages after it still go
    assert len(first.sent) == 3
    recorder.drop_after_body = set()
    second = send(outgoing(world), world["store"], 2, settings, backoff=0)
    assert [item.recipient for item, _ in second.unconfirmed] == ["bgs@czj.example.gov.cn"]
    assert second.sent == [] and "Message-ID" in second.unconfirmed[0][1]
    delivered = [to[0] for to, _ in recorder.messages]
    assert delivered.count("bgs@czj.example.gov.cn") == 1 and len(delivered) == 4
    log = {row["recipient"]: row["status"] for row in world["store"].mail_log(2)}
    assert log["bgs@czj.example.gov.cn"] == "sending"


def hold_write_lock(db) -> sqlite3.Connection:
    connection = sqlite3.connect(db, timeout=0, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    return connection


def test_a_database_locked_while_recording_a_sent_message_causes_no_duplicate(world, smtp):
    recorder, settings = smtp
    store = world["store"]
    store.db.execute("PRAGMA busy_timeout = 200")  # the lock outlasts any wait: fail fast
    locks: list[sqlite3.Connection] = []
    # The second message is taken in; before its 250 reaches duwang, another process locks the database.
    recorder.on_accept = lambda: (
        locks.append(hold_write_lock(world["db"])) if len(recorder.messages) == 2 else None
    )
    first = send(outgoing(world), store, 2, settings, backoff=0)
    assert first.error is not None and "refused to record a sent message" in first.error
    assert str(world["db"]) in first.error and "locked" in first.error
    taken = [to[0] for to, _ in recorder.messages]
    assert [item.recipient for item in first.sent] == taken and len(taken) == 2
    assert [item.recipient for item, _ in first.unconfirmed] == [taken[1]]
    assert len(first.pending) == 2  # the other two messages; the 550 was recorded before the lock
    recorder.on_accept = None
    locks[0].rollback()
    locks[0].close()
    second = send(outgoing(world), store, 2, settings, backoff=0)
    assert second.error is None
    assert [item.recipient for item, _ in second.unconfirmed] == [taken[1]]
    delivered = sorted(to[0] for to, _ in recorder.messages)
    assert delivered == sorted(set(delivered)) and len(delivered) == 4


def test_a_database_locked_before_a_message_goes_out_sends_nothing(world, smtp):
    recorder, settings = smtp
    store = world["store"]
    store.db.execute("PRAGMA busy_timeout = 200")
    lock = hold_write_lock(world["db"])
    first = send(outgoing(world), store, 2, settings, backoff=0)
    assert first.error is not None and "nothing was sent" in first.error
    assert recorder.messages == [] and first.unconfirmed == [] and len(first.pending) == 5
    lock.rollback()
    lock.close()
    second = send(outgoing(world), store, 2, settings, backoff=0)
    assert len(second.sent) == 4 and len(recorder.messages) == 4


def test_dry_run_writes_eml_files(world, tmp_path):
    paths = write_eml(outgoing(world), tmp_path / "eml")
    assert sorted(p.name for p in paths) == sorted(
        [
            "lxz--admin@lxz.example.gov.cn.eml",
            "lxz--xxzx@lxz.example.gov.cn.eml",
            "czj--bgs@czj.example.gov.cn.eml",
            "jyj--nobody@jyj.example.gov.cn.eml",
            "_center--zhongxin@lxz.example.gov.cn.eml",
        ]
    )
    message = email.message_from_bytes(paths[0].read_bytes(), policy=policy.default)
    assert message["To"] and message["Subject"].startswith("【政府网站检查】")
    assert world["store"].mail_log(2) == []  # nothing recorded: a dry run sends nothing


def test_smtp_settings_come_from_the_environment_only():
    settings = SmtpSettings.from_env(
        {
            "DUWANG_SMTP_HOST": "smtp.example.gov.cn",
            "DUWANG_SMTP_SECURITY": "ssl",
            "DUWANG_SMTP_USER": "u",
            "DUWANG_SMTP_PASSWORD": "p",
        }
    )
    assert (settings.port, settings.security) == (465, "ssl")
    with pytest.raises(MailConfigError, match="DUWANG_SMTP_HOST is not set"):
        SmtpSettings.from_env({})
    with pytest.raises(MailConfigError, match="DUWANG_SMTP_PORT='x'"):
        SmtpSettings.from_env({"DUWANG_SMTP_HOST": "h", "DUWANG_SMTP_PORT": "x"})


def test_the_to_header_names_only_the_owner(world):
    messages = {item.recipient: item.message for item in outgoing(world)}
    to = messages["admin@lxz.example.gov.cn"]["To"]
    assert [(a.display_name, a.addr_spec) for a in to.addresses] == [
        ("门户网站管理员", "admin@lxz.example.gov.cn")
    ]
    assert [a.addr_spec for a in messages["zhongxin@lxz.example.gov.cn"]["To"].addresses] == [
        "zhongxin@lxz.example.gov.cn"
    ]


def test_a_display_name_posing_as_an_address_is_quoted_into_one_address(world):
    # The registry refuses such names; a registry built in code still cannot put a second address in To.
    registry = world["registry"]
    sly = replace(
        registry.site("czj"), owners=(Owner("张三 <evil@attacker.example>, x", "bgs@czj.example.gov.cn"),)
    )
    registry = replace(registry, sites=tuple(sly if s.id == "czj" else s for s in registry.sites))
    [item] = [i for i in messages(world["report"], registry) if i.site_id == "czj"]
    reparsed = email.message_from_bytes(bytes(item.message), policy=policy.default)
    assert [a.addr_spec for a in reparsed["To"].addresses] == ["bgs@czj.example.gov.cn"]


@pytest.mark.e2e
def test_one_owner_that_cannot_be_addressed_does_not_stop_mail_to_the_others(world, smtp):
    recorder, settings = smtp
    registry = world["registry"]
    broken = replace(
        registry.site("lxz"),
        owners=(
            Owner("门户网站管理员\r\nBcc: evil@attacker.example", "admin@lxz.example.gov.cn"),
            Owner("信息中心", "xxzx@lxz.example.gov.cn\nBcc: evil@attacker.example"),
        ),
    )
    registry = replace(registry, sites=tuple(broken if s.id == "lxz" else s for s in registry.sites))
    items = messages(world["report"], registry)
    result = send(items, world["store"], 2, settings, backoff=0)
    delivered = sorted(to[0] for to, _ in recorder.messages)
    assert delivered == ["bgs@czj.example.gov.cn", "zhongxin@lxz.example.gov.cn"]
    assert all("evil@attacker.example" not in to for to, _ in recorder.messages)
    failed = {item.recipient.split("\n")[0]: error for item, error in result.failed}
    assert set(failed) == {"admin@lxz.example.gov.cn", "xxzx@lxz.example.gov.cn", "nobody@jyj.example.gov.cn"}
    assert failed["admin@lxz.example.gov.cn"].startswith("not composed:")
    log = {row["recipient"]: row["status"] for row in world["store"].mail_log(2)}
    assert log["admin@lxz.example.gov.cn"] == "failed" and log["bgs@czj.example.gov.cn"] == "sent"


@pytest.mark.e2e
def test_a_refused_login_fails_the_run_and_leaves_every_message_pending(world, smtp):
    recorder, settings = smtp
    sleeps = []
    wrong = replace(settings, user="duwang", password="wrong")
    result = send(outgoing(world), world["store"], 2, wrong, backoff=1, sleep=sleeps.append)
    assert result.error is not None and "535" in result.error and "DUWANG_SMTP_PASSWORD" in result.error
    assert (result.sent, result.failed, sleeps) == ([], [], [])  # no message blamed, no retrying a password
    assert len(result.pending) == 5 and recorder.messages == []
    assert {row["status"] for row in world["store"].mail_log(2)} == {"pending"}
    right = send(outgoing(world), world["store"], 2, replace(settings, user="duwang", password="right"))
    assert right.error is None
    assert len(right.sent) == 4 and [item.recipient for item, _ in right.failed] == [
        "nobody@jyj.example.gov.cn"
    ]


@pytest.mark.e2e
def test_an_unreachable_server_fails_the_run_and_leaves_every_message_pending(world):
    sleeps = []
    nowhere = SmtpSettings("127.0.0.1", free_port(), "none", timeout=5)
    result = send(outgoing(world), world["store"], 2, nowhere, retries=2, backoff=0.5, sleep=sleeps.append)
    assert result.error is not None and "cannot reach SMTP server 127.0.0.1:" in result.error
    assert sleeps == [0.5, 1.0]  # the connection is retried with backoff before giving up
    assert (result.sent, result.failed, len(result.pending)) == ([], [], 5)
    assert "failed" not in {row["status"] for row in world["store"].mail_log(2)}


@pytest.mark.e2e
def test_a_busy_mailbox_waits_without_holding_up_the_others(world, smtp):
    recorder, settings = smtp
    recorder.busy = {"bgs@czj.example.gov.cn"}
    first = send(outgoing(world), world["store"], 2, settings, retries=1, backoff=0)
    assert first.error is None
    assert [(item.recipient, error[:3]) for item, error in first.pending] == [
        ("bgs@czj.example.gov.cn", "450")
    ]
    assert len(first.sent) == 3 and [item.recipient for item, _ in first.failed] == [
        "nobody@jyj.example.gov.cn"
    ]
    recorder.busy = set()
    second = send(outgoing(world), world["store"], 2, settings, backoff=0)
    assert [item.recipient for item in second.sent] == ["bgs@czj.example.gov.cn"]


@pytest.mark.e2e
def test_duwang_mail_with_a_wrong_password_exits_non_zero_and_a_fixed_one_sends_everything(world, smtp):
    recorder, settings = smtp
    env = {
        **os.environ,
        "DUWANG_SMTP_HOST": "127.0.0.1",
        "DUWANG_SMTP_PORT": str(settings.port),
        "DUWANG_SMTP_SECURITY": "none",
        "DUWANG_SMTP_USER": "duwang",
        "DUWANG_SMTP_PASSWORD": "wrong",
    }
    arguments = ["mail", "--config", str(world["config"]), "--db", str(world["db"])]
    failed = cli(*arguments, env=env, timeout=60)
    assert failed.returncode == 1
    assert "邮件发送中止 mail stopped: SMTP 登录失败" in failed.stderr and "535" in failed.stderr
    assert "5 封待发 messages pending" in failed.stderr and recorder.messages == []
    fixed = cli(*arguments, env=env | {"DUWANG_SMTP_PASSWORD": "right"}, timeout=60)
    assert fixed.returncode == 0, fixed.stderr
    assert len(recorder.messages) == 4


@pytest.mark.e2e
def test_the_service_logs_a_refused_login_as_a_failed_job(world, smtp, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler

    from crawler.app.jobs import Jobs
    from crawler.app.service import TIMEZONE, Service

    recorder, settings = smtp
    for name, value in {
        "DUWANG_SMTP_HOST": "127.0.0.1",
        "DUWANG_SMTP_PORT": str(settings.port),
        "DUWANG_SMTP_SECURITY": "none",
        "DUWANG_SMTP_USER": "duwang",
        "DUWANG_SMTP_PASSWORD": "wrong",
    }.items():
        monkeypatch.setenv(name, value)
    service = Service(world["config"], world["db"], scheduler=BackgroundScheduler(timezone=TIMEZONE))
    jobs = Jobs(service.db, service.registry)
    service.functions["inspect"] = lambda: service._mail(jobs)  # the last step, no crawl
    service.run_job("inspect")
    [job] = world["store"].job_runs("inspect")
    assert job["outcome"] == "failed" and "535" in job["error"] and "5 messages pending" in job["error"]
    assert recorder.messages == []
    assert "failed" not in {row["status"] for row in world["store"].mail_log(2)}


def test_an_unchecked_site_is_in_the_summary_as_such_and_its_owner_gets_no_verdict(world):
    store = world["store"]
    run_id = stored_run(store, *SITES, config=world["config"])
    store.replace_findings(run_id, [], checked=["lxz", "czj"])  # jyj was crawled but never checked
    report = build_report(load_stored(store, world["registry"]), load_scoring())
    items = messages(report, world["registry"])
    assert sorted(item.site_id for item in items) == ["_center", "czj", "lxz", "lxz"]
    summary = next(item.message for item in items if item.site_id == CENTER)
    text = summary.get_body(("plain",)).get_content()
    assert "—  临夏州教育局  部门网站  —  未检查（本次督查已抓取但未经检查，不计分、不排名）" in text
    assert "共检查 2 个网站" in text
    lxz = next(item.message for item in items if item.site_id == "lxz")
    assert "排名 1/2" in lxz["Subject"]
