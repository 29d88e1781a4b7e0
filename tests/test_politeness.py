"""Exact politeness, measured by the farm: per-host concurrency, robots.txt Crawl-delay, Retry-After,
and a site whose firewall refuses crawlers reported once as blocked."""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from datetime import date

import pytest

from crawler.farm import Behaviours, FarmServer, build_farm
from tests.conftest import duwang

# Every test here starts servers, child processes or a browser: `pytest -m "not e2e"` leaves them out.
pytestmark = pytest.mark.e2e

TODAY = date(2026, 11, 28)


def crawl(server: FarmServer, tmp_path, sites: list[str], **defaults) -> str:
    """Crawl some farm sites with changed [defaults]; return the database path."""
    registry, db = tmp_path / "registry.toml", tmp_path / "facts.db"
    server.write_registry(registry)
    text = registry.read_text(encoding="utf-8")
    for key, value in defaults.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {json.dumps(value)}", text, count=1, flags=re.M)
    registry.write_text(text, encoding="utf-8")
    site_args = [arg for site in sites for arg in ("--site", site)]
    duwang("crawl", "--config", str(registry), "--db", str(db), "--quiet", *site_args)
    return str(db)


def host_times(server: FarmServer, ip: str) -> list[tuple[float, str, int | None]]:
    return [(r["t"], r["path"], r["status"]) for r in server.requests() if r["host"].startswith(f"{ip}:")]


def test_per_host_concurrency_is_never_exceeded(tmp_path):
    farm = build_farm(today=TODAY)
    shared = farm.sites["zwfw-lxz"].d.ip  # two county sub-sites share the provincial host
    assert farm.sites["zwfw-lxs"].d.ip == shared
    # The shared host answers slowly, so its requests overlap on a loaded machine too: the limit is reached
    # there and must hold across the two sites' crawls.
    with FarmServer(farm, port=0, behaviours=Behaviours(latency={shared: 0.1})) as server:
        crawl(server, tmp_path, ["lxs", "czj", "zwfw-lxz", "zwfw-lxs"], concurrency=2)
        high = server.high_water()
    assert high, "the farm saw no request"
    assert max(high.values()) <= 2, high
    # the limit was reached, not avoided by crawling slowly (the farm counts by Host header, ip:port)
    assert high[f"{shared}:{server.port}"] == 2, high


def test_robots_crawl_delay_is_obeyed(tmp_path):
    ip = "127.0.0.13"  # czj
    with FarmServer(build_farm(today=TODAY), port=0, behaviours=Behaviours(crawl_delay={ip: 0.4})) as server:
        crawl(server, tmp_path, ["czj"], max_depth=0)
        times = [t for t, path, _ in host_times(server, ip) if path != "/robots.txt"]
    assert len(times) >= 10
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # arrival times at the farm: a loaded machine delays one request more than the next (jitter), never 0
    assert min(gaps) >= 0.35, sorted(gaps)[:5]


def test_retry_after_pauses_the_host(tmp_path):
    ip = "127.0.0.14"  # hbj
    with FarmServer(build_farm(today=TODAY), port=0, behaviours=Behaviours(retry_after={ip: 2})) as server:
        db = crawl(server, tmp_path, ["hbj"], max_depth=0)
        log = host_times(server, ip)
    first = next(i for i, (_, path, status) in enumerate(log) if path == "/" and status == 503)
    after = [t for t, path, _ in log[first + 1 :]]
    assert after and after[0] - log[first][0] >= 1.95
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute(
            "select status from pages where url like '%127.0.0.14%' and depth = 0"
        ).fetchone() == (200,)


@pytest.mark.parametrize("browser_agent", [False, True])
def test_a_site_behind_a_firewall_is_one_blocked_finding(tmp_path, browser_agent):
    ip = "127.0.0.17"  # gxw
    with FarmServer(build_farm(today=TODAY), port=0, behaviours=Behaviours(waf=frozenset({ip}))) as server:
        registry, db = tmp_path / "registry.toml", tmp_path / "facts.db"
        server.write_registry(registry)
        if browser_agent:  # the operator's fix: present as a browser to this site
            text = registry.read_text(encoding="utf-8").replace('id = "gxw"', 'id = "gxw"', 1)
            text = re.sub(
                r'(id = "gxw"\n(?:.*\n)*?\[\[sites.owners\]\]\n(?:.*\n){2})',
                r'\1[sites.limits]\nuser_agent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156"\n',
                text,
                count=1,
            )
            registry.write_text(text, encoding="utf-8")
        common = ["--config", str(registry), "--db", str(db)]
        duwang("crawl", *common, "--quiet", "--site", "gxw")
        duwang("check", *common, "--today", TODAY.isoformat())
        findings = json.loads(duwang("findings", *common, "--format", "json").stdout)["findings"]
    checks = defaultdict(int)
    for finding in findings:
        checks[finding["check"]] += 1
    if browser_agent:
        assert "site_blocked" not in checks and checks["dead_link"] == 0 and checks["section_missing"] == 0
    else:
        assert dict(checks) == {"site_blocked": 1}
        assert "403" in findings[0]["detail"]


def test_a_timeout_is_asked_twice_not_hammered(tmp_path):
    """A page that times out is asked once, then once more to confirm (not also retried at once)."""
    ip = "127.0.0.2"  # lxz: /video/live.html never answers within the timeout
    with FarmServer(build_farm(today=TODAY), port=0) as server:
        db = crawl(server, tmp_path, ["lxz"])
        asked = [t for t, path, _ in host_times(server, ip) if path == "/video/live.html"]
    assert len(asked) == 2, asked
    assert asked[1] - asked[0] >= 2.9  # the second look starts once the first has timed out (3 s)
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "select error, reprobe_error from pages where url like '%/video/live.html'"
        ).fetchone()
    assert row == ("timeout", "timeout")
