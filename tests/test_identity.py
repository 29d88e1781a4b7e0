"""A finding's key (checks.identity) and the history derived by key (checks.identity.derive_history)."""

from __future__ import annotations

from checks.identity import derive_history, finding_key, key_parts, relative_url
from crawler.registry import load_registry
from tests.builders import registry_toml, site_toml, write_registry

OWN = ("www.linxia.gov.cn", "xxgk.linxia.gov.cn", "linxia.gov.cn")


def dead(target: str, page: str, hosts=OWN) -> str:
    return finding_key("lxz", "dead_link", hosts, url=target, page=page)


def test_scheme_host_and_port_of_the_sites_own_hosts_are_dropped():
    first = dead("http://www.linxia.gov.cn/a/missing.html", "http://www.linxia.gov.cn/")
    assert dead("https://www.linxia.gov.cn/a/missing.html", "https://www.linxia.gov.cn/") == first
    assert dead("http://www.linxia.gov.cn:8080/a/missing.html", "http://www.linxia.gov.cn:8080/") == first
    # an alias (the bare domain) and an `also` host are the site's own too
    assert dead("https://linxia.gov.cn/a/missing.html", "http://xxgk.linxia.gov.cn/") == first
    assert key_parts("lxz", "dead_link", OWN, url="https://WWW.linxia.gov.cn/a/x?id=3") == (
        "lxz",
        "dead_link",
        "/a/x?id=3",
        "",
        "",
        "",
        "",
    )


def test_a_loopback_farm_on_another_port_keeps_its_keys():
    hosts = ("127.0.0.5",)
    before = dead("http://127.0.0.5:40001/x/404.html", "http://127.0.0.5:40001/", hosts)
    assert dead("http://127.0.0.5:40777/x/404.html", "http://127.0.0.5:40777/", hosts) == before


def test_an_off_site_url_keeps_its_host_but_not_its_scheme_nor_port():
    own_page = "http://www.linxia.gov.cn/"
    outside = dead("http://www.gansu.gov.cn/a.html", own_page)
    assert dead("https://www.gansu.gov.cn/a.html", own_page) == outside
    assert dead("https://www.gansu.gov.cn:8443/a.html", own_page) == outside
    assert dead("https://www.gov.cn/a.html", own_page) != outside  # another host: another finding
    assert relative_url("https://www.gansu.gov.cn/a.html?x=1", OWN) == "www.gansu.gov.cn/a.html?x=1"
    assert relative_url("mailto:xxzx@linxia.gov.cn", OWN) == "mailto:xxzx@linxia.gov.cn"


def test_different_paths_checks_pages_and_sites_are_different_findings():
    base = dead("http://www.linxia.gov.cn/a.html", "http://www.linxia.gov.cn/")
    assert dead("http://www.linxia.gov.cn/b.html", "http://www.linxia.gov.cn/") != base
    assert dead("http://www.linxia.gov.cn/a.html", "http://www.linxia.gov.cn/list.html") != base
    assert finding_key("lxz", "element_missing", OWN, url="http://www.linxia.gov.cn/a.html") != base
    assert (
        finding_key("jyj", "dead_link", OWN, "http://www.linxia.gov.cn/a.html", "http://www.linxia.gov.cn/")
        != base
    )


def test_a_column_is_keyed_by_site_and_name_not_by_its_list_page():
    old = finding_key("lxz", "column_stale", OWN, url="http://www.linxia.gov.cn/zwdt/", column="政务动态")
    moved = finding_key(
        "lxz", "column_stale", OWN, url="https://www.linxia.gov.cn/new/zwdt/", column="政务动态"
    )
    assert moved == old
    assert (
        finding_key("lxz", "column_stale", OWN, url="http://www.linxia.gov.cn/zwdt/", column="通知公告")
        != old
    )
    assert finding_key("lxz", "column_empty", OWN, column="政务动态") != old


def test_a_key_is_short_hex_and_stable():
    key = dead("http://www.linxia.gov.cn/a.html", "http://www.linxia.gov.cn/")
    assert len(key) == 12 and int(key, 16) >= 0
    assert key == dead("http://www.linxia.gov.cn/a.html", "http://www.linxia.gov.cn/")


def test_the_registry_declares_aliases_as_own_hosts(tmp_path):
    scope = 'also = [{ host = "xxgk.linxia.gov.cn" }]\naliases = ["Linxia.gov.cn", "old.linxia.gov.cn"]'
    lxz = site_toml("lxz", "临夏州政府", "www.linxia.gov.cn", scope=scope)
    site = load_registry(write_registry(tmp_path, registry_toml(lxz))).site("lxz")
    assert site.scope.own_hosts == {
        "www.linxia.gov.cn",
        "xxgk.linxia.gov.cn",
        "linxia.gov.cn",
        "old.linxia.gov.cn",
    }


def test_history_first_seen_times_reported_fixed_on_and_reopened():
    inspections = [(1, "2026-11-01"), (2, "2026-11-08"), (3, "2026-11-15"), (4, "2026-11-22")]
    a, b = ("dead_link", "deduction"), ("column_stale", "deduction")
    reported = {1: {"k1": a, "k2": b}, 2: {"k1": a}, 3: {"k2": b}, 4: {"k2": b}}
    rows = {row["key"]: row for row in derive_history("lxz", inspections, reported)}
    assert rows["k1"] == {
        "site_id": "lxz",
        "key": "k1",
        "check": "dead_link",
        "severity": "deduction",
        "first_run": 1,
        "first_seen": "2026-11-01",
        "last_run": 2,
        "last_seen": "2026-11-08",
        "times_reported": 2,
        "reopened": 0,
        "fixed_run": 3,
        "fixed_on": "2026-11-15",
        "status": "fixed",
    }
    k2 = rows["k2"]
    assert (k2["times_reported"], k2["reopened"], k2["status"], k2["fixed_on"]) == (3, 1, "open", None)
    assert (k2["first_seen"], k2["last_seen"]) == ("2026-11-01", "2026-11-22")
