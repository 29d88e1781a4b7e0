"""The browser, attacked end to end: a rendered list page whose script reaches for hosts off the allow-list,
a gzip bomb served only to the browser, and SMTP credentials in the environment of `duwang crawl`.

The site sits on 127.0.0.72, the only address the registry allows; listeners on 127.0.0.73 (TCP and UDP,
one port) stand for everything off the list (another host, the cloud metadata address). The crawl runs
through the CLI as an operator runs it, with Debian's Chromium.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from crawler.browser.render import find_browser
from tests.builders import CLI, registry_toml, site_toml
from tests.loopback import respond, serving

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        find_browser(os.environ.get("DUWANG_BROWSER")) is None,
        reason="no Chromium on this machine (.ci/run installs Debian's chromium)",
    ),
]

SITE, OFF = "127.0.0.72", "127.0.0.73"
SECRET = "s3cret-smtp-password"
ITEMS = [("关于开展安全生产检查的通知", "2026-11-27"), ("2026年第四季度政务公开工作要点", "2026-11-20")]
BOMB_BYTES = 512 * 1024 * 1024  # zeros: about 500 KB gzipped


def attack_page(off: str, off_host: str, off_port: int) -> bytes:
    """A list page like a CMS template's, filled by script, whose script also tries every way out."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title>
<link rel="prefetch" href="{off}/prefetch"><link rel="preconnect" href="{off}">
<link rel="dns-prefetch" href="//{off_host}"></head>
<body><div class="main"><h2>通知公告</h2><ul id="list" class="list"></ul></div>
<iframe src="{off}/iframe" width="1" height="1"></iframe>
<script>
fetch("/data.json").then(function (r) {{ return r.json(); }}).then(function (items) {{
  document.getElementById("list").innerHTML = items.map(function (item) {{
    return '<li><a href="' + item.url + '">' + item.title + '</a><span>' + item.date + '</span></li>';
  }}).join("");
}});
fetch("{off}/fetch", {{mode: "no-cors"}}).catch(function () {{}});
var xhr = new XMLHttpRequest(); xhr.open("GET", "{off}/xhr"); xhr.send();
try {{ new WebSocket("ws://{off_host}:{off_port}/ws"); }} catch (e) {{}}
new Worker("/worker.js");
navigator.sendBeacon("{off}/beacon", "x");
var frame = document.createElement("iframe"); frame.src = "http://169.254.169.254/latest/meta-data/";
document.body.appendChild(frame);
var pc = new RTCPeerConnection({{iceServers: [
  {{urls: "stun:{off_host}:{off_port}"}},
  {{urls: "turn:{off_host}:{off_port}?transport=udp", username: "u", credential: "c"}},
  {{urls: "turn:{off_host}:{off_port}?transport=tcp", username: "u", credential: "c"}}]}});
pc.createDataChannel("d");
pc.createOffer().then(function (offer) {{ return pc.setLocalDescription(offer); }});
</script></body></html>""".encode()


def worker_script(off: str, off_host: str, off_port: int) -> bytes:
    return (
        f'fetch("{off}/worker-fetch").catch(function () {{}});\n'
        f'try {{ new WebSocket("ws://{off_host}:{off_port}/worker-ws"); }} catch (e) {{}}\n'
    ).encode()


BOMB_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政策文件</title></head>
<body><h2>政策文件</h2><ul id="list" class="list"></ul>
<script>
fetch("/bomb.json").then(function (r) { return r.text(); }).then(function (t) {
  document.getElementById("list").innerHTML = t;
});
</script></body></html>""".encode()


class Listeners:
    """A TCP listener and a UDP socket on one off-list port; each counts what reaches it."""

    def __init__(self, host: str) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind((host, 0))
        self.tcp.listen(64)
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, self.port))
        self.connections: list[tuple[str, int]] = []
        self.datagrams = 0
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.running = True
        self.threads = [threading.Thread(target=self._accept), threading.Thread(target=self._receive)]
        for thread in self.threads:
            thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, peer = self.tcp.accept()
            except OSError:
                continue
            self.connections.append(peer)
            connection.close()

    def _receive(self) -> None:
        while self.running:
            try:
                self.udp.recv(2048)
            except OSError:
                continue
            self.datagrams += 1

    def close(self) -> None:
        self.running = False
        for thread in self.threads:
            thread.join()
        self.tcp.close()
        self.udp.close()


def descendants(root: int) -> list[int]:
    """Every live process below `root` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def read_proc(pid: int, name: str) -> bytes:
    try:
        return (Path("/proc") / str(pid) / name).read_bytes()
    except OSError:
        return b""


def memory_bytes(pid: int) -> int:
    """The process's proportional set size: shared pages (Chromium's zygote forks) are split, not repeated."""
    for line in read_proc(pid, "smaps_rollup").decode(errors="replace").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture(scope="module")
def site() -> Iterator[dict]:
    """The allowed site, the off-list listeners, and what the site saw: requests and the browser's env."""
    listeners = Listeners(OFF)
    off = f"http://{OFF}:{listeners.port}"
    seen: dict = {"paths": [], "environ": {}, "crawl_pid": None}
    bomb = gzip.compress(b"0" * BOMB_BYTES, compresslevel=9)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            # The crawler fetches each URL once; a page's second fetch is the browser rendering it.
            browser = path in seen["paths"]
            seen["paths"].append(path)
            encoding = None
            if path == "/":
                body = (
                    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>测试县人民政府</title></head>'
                    '<body><ul class="nav"><li><a href="/tzgg/">通知公告</a></li>'
                    '<li><a href="/zcwj/">政策文件</a></li><li><a href="/gzdt/">工作动态</a></li></ul>'
                    "</body></html>"
                ).encode()
            elif path == "/tzgg/":
                body = attack_page(off, OFF, listeners.port)
            elif path == "/worker.js":
                body = worker_script(off, OFF, listeners.port)
            elif path == "/data.json":
                self.record_browser_environment()
                body = json.dumps(
                    [
                        {"title": t, "date": d, "url": f"/tzgg/t{d.replace('-', '')}_{i}.html"}
                        for i, (t, d) in enumerate(ITEMS)
                    ]
                ).encode()
            elif path == "/zcwj/" and browser:
                body, encoding = bomb, "gzip"  # the crawler got the harmless page below
            elif path in ("/zcwj/", "/gzdt/"):
                body = BOMB_PAGE
            elif path == "/bomb.json":
                body, encoding = bomb, "gzip"
            else:
                body = '<html><head><meta charset="utf-8"><title>信息</title></head><body><p>正文</p></body></html>'.encode()
            content_type = "application/json" if path.endswith("json") else "text/html; charset=utf-8"
            respond(self, 200, body, content_type, {"Content-Encoding": encoding} if encoding else {})

        def record_browser_environment(self) -> None:
            """While the browser is surely running: the environment of every process below the crawl."""
            if seen["crawl_pid"]:
                for pid in descendants(seen["crawl_pid"]):
                    seen["environ"][pid] = (read_proc(pid, "cmdline"), read_proc(pid, "environ"))

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler, SITE) as ports:
        seen["listeners"] = listeners
        seen["port"] = ports[SITE]
        yield seen
    listeners.close()


REGISTRY_HEAD = f'[defaults]\ndelay = 0\nobey_robots = false\n\n[network]\nallow = ["{SITE}/32"]\n'


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory) -> dict:
    """One crawl through the CLI, with SMTP credentials in its environment; the crawl tree's peak memory (PSS)."""
    tmp = tmp_path_factory.mktemp("browsernet")
    registry, db = tmp / "sites.toml", tmp / "facts.db"
    t = site_toml("t", "测试县人民政府", f"{SITE}:{site['port']}", owners=["t@example.gov.cn"])
    registry.write_text(registry_toml(t, head=REGISTRY_HEAD), encoding="utf-8")
    env = {
        **os.environ,
        "DUWANG_SMTP_HOST": "127.0.0.1",
        "DUWANG_SMTP_USER": "u",
        "DUWANG_SMTP_PASSWORD": SECRET,
    }
    command = [*CLI, "crawl", "--config", str(registry), "--db", str(db), "--quiet"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    site["crawl_pid"] = process.pid
    peak = 0
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        peak = max(peak, sum(memory_bytes(pid) for pid in [process.pid, *descendants(process.pid)]))
        time.sleep(0.05)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, (stdout + stderr).decode(errors="replace")
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        pages = {row["url"]: dict(row) for row in conn.execute("select * from pages")}
        items = conn.execute("select page_url, title, date_text from list_items").fetchall()
    return {"pages": pages, "items": items, "peak_memory": peak, "stderr": stderr.decode(errors="replace")}


def test_nothing_the_rendered_page_tries_reaches_an_address_off_the_allow_list(site, crawled):
    base = f"http://{SITE}:{site['port']}"
    # The page was rendered and its own script ran: the list it loads from the allowed site was read.
    assert crawled["pages"][f"{base}/tzgg/"]["render_state"] == "rendered"
    titles = {title for page, title, _ in crawled["items"] if page == f"{base}/tzgg/"}
    assert titles == {title for title, _ in ITEMS}
    assert "/worker.js" in site["paths"]  # the worker started, so its own attempts were made
    # fetch, XHR, WebSocket, iframes (one to the metadata address), worker, beacon, prefetch, preconnect
    # and WebRTC (STUN, TURN over UDP and TCP): none reached a listener.
    listeners = site["listeners"]
    assert listeners.connections == []
    assert listeners.datagrams == 0


def test_a_gzip_bomb_served_only_to_the_browser_keeps_the_crawl_tree_bounded(site, crawled):
    # The browser asked for the page (its second fetch) and got a bomb; another page's script fetched one.
    assert site["paths"].count("/zcwj/") >= 2
    assert "/bomb.json" in site["paths"]
    print(f"peak memory (PSS) of the crawl tree: {crawled['peak_memory'] / 1024**2:.0f} MB")
    assert crawled["peak_memory"] < 1.5 * 1024**3, crawled["peak_memory"]


def test_neither_chromium_nor_the_driver_holds_the_smtp_password(site, crawled):
    environ = site["environ"]
    browsers = [pid for pid, (cmdline, _) in environ.items() if b"chromium" in cmdline]
    assert browsers, "no Chromium process was running while the page loaded its list"
    holding = [cmdline.split(b"\0")[0] for cmdline, env in environ.values() if SECRET.encode() in env]
    assert holding == []
