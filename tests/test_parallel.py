"""Splitting a run's sites over crawl processes: by host, and by how big each site was last time; and one
run over several processes checks every link once, whatever the split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.app.parallel import host_groups, partition
from crawler.registry import load_registry
from crawler.spiders.reading import slot_settings
from crawler.store import Store
from tests.builders import LOOPBACK_NETWORK, cli, registry_toml, site_toml, write_registry
from tests.loopback import Reply, Site, serve

REGISTRY = registry_toml(head="[defaults]\nmax_pages = 1000\n" + LOOPBACK_NETWORK)


def site(site_id: str, host: str, path: str = "/", kind: str = "portal", scope: str = "") -> str:
    """A site named by its id, starting at `path` on `host`, its scope that host below that path."""
    scope = f'path_prefix = "{path}"\n{scope}'
    return site_toml(
        site_id,
        site_id,
        host,
        kind,
        start_urls=[f"http://{host}{path}"],
        scope=scope,
        owners=[("x", "x@example.gov.cn")],
    )


def registry(tmp_path: Path):
    sites = [site("a", "127.0.0.2"), site("b", "127.0.0.3")]
    sites += [site(f"s{i}", "127.0.0.30", f"/s{i}/", "service") for i in range(3)]
    return load_registry(write_registry(tmp_path, REGISTRY + "".join(sites)))


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
    text = REGISTRY + site("a", "127.0.0.2") + site("b", "127.0.0.3")
    # site c's own host is new, but its 信息公开 part lives on b's host: c and b must share a process
    text += site("c", "127.0.0.4", scope='also = [{ host = "127.0.0.3", path_prefix = "/c/" }]')
    sites = load_registry(write_registry(tmp_path, text)).sites
    assert ids(host_groups(sites)) == [["a"], ["b", "c"]]
    assert ids(partition(sites, 3)) == [["a"], ["b", "c"]]


def test_slot_settings_cover_every_host_a_site_spans(tmp_path):
    text = REGISTRY + site("a", "127.0.0.2", scope='also = [{ host = "127.0.0.9" }]')
    slots = slot_settings(load_registry(write_registry(tmp_path, text)).sites, {})
    assert set(slots) == {"127.0.0.2", "127.0.0.9"}


# Two sites on two hosts, crawled by two processes. Each links into the other where the other's own
# crawl never goes: a deep page, an image only the other site uses.
PORTAL = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/news/">要闻</a></li></ul>
<ul class="links">{links}</ul><div class="footer">网站标识码：6299000001</div></body></html>"""


def portal(title: str, links: dict[str, str]) -> str:
    items = "".join(f'<li><a href="{url}">{text}</a></li>' for text, url in links.items())
    return PORTAL.format(title=title, links=items)


DEFAULTS = "[defaults]\ndelay = 0.0\ntimeout = 5\nretries = 0\n"


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
        sites = [
            site_toml(sid, sid, f"{s.host}:{s.port}", owners=[("x", "x@example.gov.cn")])
            for sid, s in (("a", a), ("b", b))
        ]
        registry = write_registry(tmp_path, registry_toml(*sites, head=DEFAULTS + LOOPBACK_NETWORK))
        db = tmp_path / "facts.db"
        common = ["--config", str(registry), "--db", str(db)]
        for args in (["crawl", "--processes", "2", "--quiet"], ["check", "--today", "2026-11-28"]):
            result = cli(*args, *common, timeout=300)
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
