"""Splitting a run's sites over crawl processes: by host, and by how big each site was last time."""

from __future__ import annotations

from pathlib import Path

from crawler.parallel import host_groups, partition
from crawler.registry import load_registry
from crawler.spiders.site import slot_settings

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
