"""Splitting a run's sites over crawl processes: by host, and by how big each site was last time; and one
run over several processes checks every link once, whatever the split."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.app.parallel import host_groups, partition
from crawler.registry import load_registry
from crawler.spiders.reading import slot_settings
from crawler.store import Store
from tests.loopback import Reply, Site, serve

REGISTRY = """
[defaults]
max_pages = 1000
[network]
allow = ["127.0.0.0/8"]
"""
SITE = """
[[sites]]
id = "{id}"
name = "{id}"
kind = "{kind}"
start_urls = ["http://{host}{path}"]
scope = {{ host = "{host}", path_prefix = "{path}" }}
owners = [{{ name = "x", email = "x@example.gov.cn" }}]
"""


def registry(tmp_path: Path):
    sites = [("a", "portal", "127.0.0.2", "/"), ("b", "portal", "127.0.0.3", "/")]
    sites += [(f"s{i}", "service", "127.0.0.30", f"/s{i}/") for i in range(3)]
    text = REGISTRY + "".join(SITE.format(id=i, kind=k, host=h, path=p) for i, k, h, p in sites)
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return load_registry(path)


def ids(buckets):
    return sorted(sorted(site.id for site in bucket) for bucket in buckets)


def test_sites_of_one_host_stay_together_and_budgets_weigh_them_without_history(tmp_path):
    sites = registry(tmp_path).sites
    # three sub-sites on one host weigh three budgets: alone in one process, the two portals in the other
    assert ids(partition(sites, 2)) == [["a", "b"], ["s0", "s1", "s2"]]


def test_last_runs_sizes_balance_the_processes(tmp_path):
    sites = registry(tmp_path).sites
    # last time the portals were large and the sub-sites small: one portal joins the sub-sites
    sizes = {"a": 900, "b": 800, "s0": 100, "s1": 100, "s2": 100}
    assert ids(partition(sites, 2, sizes)) == [["a"], ["b", "s0", "s1", "s2"]]


def test_sites_sharing_any_host_stay_in_one_process(tmp_path):
    text = REGISTRY + "".join(
        SITE.format(id=i, kind="portal", host=h, path="/")
        for i, h in (("a", "127.0.0.2"), ("b", "127.0.0.3"))
    )
    # site c's own host is new, but its 信息公开 part lives on b's host: c and b must share a process
    text += SITE.format(id="c", kind="portal", host="127.0.0.4", path="/").replace(
        'path_prefix = "/" }', 'path_prefix = "/", also = [{ host = "127.0.0.3", path_prefix = "/c/" }] }'
    )
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    sites = load_registry(path).sites
    assert ids(host_groups(sites)) == [["a"], ["b", "c"]]
    assert ids(partition(sites, 3)) == [["a"], ["b", "c"]]


def test_slot_settings_cover_every_host_a_site_spans(tmp_path):
    text = REGISTRY + SITE.format(id="a", kind="portal", host="127.0.0.2", path="/").replace(
        'path_prefix = "/" }', 'path_prefix = "/", also = [{ host = "127.0.0.9" }] }'
    )
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    slots = slot_settings(load_registry(path).sites, {})
    assert set(slots) == {"127.0.0.2", "127.0.0.9"}


# Two sites on two hosts, crawled by two processes. Each links into the other where the other's own
# crawl never goes: a deep page, an image only the other site uses.
PORTAL = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/news/">要闻</a></li></ul>
<ul class="links">{links}</ul><div class="footer">网站标识码：6299000001</div></body></html>"""


def portal(title: str, links: dict[str, str]) -> str:
    items = "".join(f'<li><a href="{url}">{text}</a></li>' for text, url in links.items())
    return PORTAL.format(title=title, links=items)


TWO_SITES = """[defaults]
delay = 0.0
timeout = 5
retries = 0
[network]
allow = ["127.0.0.0/8"]
""" + "".join(
    f"""
[[sites]]
id = "{sid}"
name = "{sid}"
kind = "portal"
start_urls = ["{{{sid}}}/"]
[sites.scope]
host = "{{{sid}_host}}"
[[sites.owners]]
name = "x"
email = "x@example.gov.cn"
"""
    for sid in ("a", "b")
)


@pytest.mark.e2e
def test_a_crawl_over_processes_checks_links_into_the_other_process_sites_once(tmp_path):
    a = Site({"/news/": Reply(body=portal("要闻", {}))})
    b = Site(
        {
            "/news/": Reply(body=portal("要闻", {})),
            "/deep/ok.html": Reply(body=portal("深层页面", {})),
        }
    )
    with serve(a, "127.0.0.2"), serve(b, "127.0.0.3"):
        a.pages["/"] = Reply(
            body=portal(
                "甲",
                {
                    "乙首页": f"{b.origin}/",
                    "乙的深层页面": f"{b.origin}/deep/ok.html",
                    "乙已删除的页面": f"{b.origin}/deep/gone.html",
                    "乙的图片": f"{b.origin}/img/lost.png",
                },
            )
        )
        a.pages["/"].body += f'<img src="{b.origin}/img/lost.png">'
        b.pages["/"] = Reply(body=portal("乙", {"甲的旧页面": f"{a.origin}/a-only/missing.html"}))
        registry, db = tmp_path / "sites.toml", tmp_path / "facts.db"
        hosts = {"a": a.origin, "b": b.origin, "a_host": f"{a.host}:{a.port}", "b_host": f"{b.host}:{b.port}"}
        registry.write_text(TWO_SITES.format(**hosts), "utf-8")
        common = ["--config", str(registry), "--db", str(db)]
        for args in (["crawl", "--processes", "2", "--quiet"], ["check", "--today", "2026-11-28"]):
            result = subprocess.run(
                [sys.executable, "-m", "crawler.app.cli", *args, *common],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert result.returncode == 0, result.stdout + result.stderr
    store = Store(db)
    try:
        run = store.runs()[-1]
        assert (
            run["status"] == "completed" and json.loads(run["stats"])["processes"] == 3
        )  # two crawls, a sweep
        dead = {(f["url"], f["page"]) for f in store.findings(run["id"]) if f["check"] == "dead_link"}
        stats = {row["site_id"]: row for row in store.site_stats(run["id"])}
    finally:
        store.close()
    assert dead == {
        (f"{b.origin}/deep/gone.html", f"{a.origin}/"),
        (f"{b.origin}/img/lost.png", f"{a.origin}/"),
        (f"{a.origin}/a-only/missing.html", f"{b.origin}/"),
    }
    assert "/deep/ok.html" in b.requests
    # every URL once in the run, however the sites were split (robots.txt is asked by each process)
    for site in (a, b):
        asked = [path for path in site.requests if path != "/robots.txt"]
        assert len(asked) == len(set(asked)), asked
    # the sweep's checks are added to the sites' counts, not written over them
    assert [(stats[sid]["pages"], stats[sid]["checks"]) for sid in "ab"] == [(2, 1), (2, 3)]
