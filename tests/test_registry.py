"""The registry loader: a valid file becomes dataclasses; every bad one fails with one line naming the place."""

import re
from pathlib import Path

import pytest

from crawler.registry import RegistryError, load_registry
from crawler.vocab import SiteKind
from tests.builders import cli, write_registry

EXAMPLE = Path(__file__).parent.parent / "crawler" / "sites.example.toml"

GOOD = """
[defaults]
delay = 0.5

[network]
allow = ["127.0.0.0/8", "*.gov.cn"]

[[sites]]
id = "lxz"
name = "临夏回族自治州人民政府"
kind = "portal"
start_urls = ["http://127.0.0.2:8800/"]
[sites.scope]
host = "127.0.0.2:8800"
[[sites.owners]]
name = "信息中心"
email = "xxzx@lxz.example.gov.cn"

[[sites]]
id = "zwfw-lxz"
name = "甘肃政务服务网临夏州子站"
kind = "service"
start_urls = ["http://127.0.0.30:8800/lxz/"]
[sites.scope]
host = "127.0.0.30:8800"
path_prefix = "/lxz/"
[sites.limits]
concurrency = 1
[[sites.columns]]
name = "办事指南"
url = "http://127.0.0.30:8800/lxz/bszn/"
freshness = "longterm"
"""


def refusal(tmp_path: Path, text: str, change: tuple[str, str]) -> tuple[Path, str]:
    """The registry `text` with `change` (old, new) made once, written and loaded: its path and the one-line
    refusal."""
    old, new = change
    assert old in text
    path = write_registry(tmp_path, text.replace(old, new, 1))
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    return path, str(caught.value)


def test_the_shipped_example_is_valid():
    registry = load_registry(EXAMPLE)
    assert [site.id for site in registry.sites] == ["lxz", "zwfw-lxz", "czj"]
    assert registry.site("zwfw-lxz").scope.path_prefix == "/lxz/"
    assert registry.site("czj").limits.user_agent.startswith("Mozilla/5.0")


def test_a_valid_registry_merges_defaults_and_site_limits(tmp_path):
    registry = load_registry(write_registry(tmp_path, GOOD))
    portal, service = registry.sites
    assert portal.kind is SiteKind.PORTAL
    assert portal.limits.delay == 0.5 and portal.limits.concurrency == 2
    assert service.limits.delay == 0.5 and service.limits.concurrency == 1
    assert service.columns[0].freshness == "longterm"
    assert portal.owners[0].email == "xxzx@lxz.example.gov.cn"


def test_crawl_limits_default_to_production_values_and_merge_per_site(tmp_path):
    registry = load_registry(
        write_registry(tmp_path, GOOD.replace("concurrency = 1", "max_outside_checks = 0"))
    )
    portal, service = registry.sites
    assert portal.limits.max_outside_checks == 2000 and service.limits.max_outside_checks == 0
    assert registry.defaults.max_minutes == 720.0
    deadline = load_registry(write_registry(tmp_path, GOOD.replace("delay = 0.5", "max_minutes = 90")))
    assert deadline.defaults.max_minutes == 90.0 and isinstance(deadline.defaults.max_minutes, float)


def test_scope_and_owner_of_a_shared_host(tmp_path):
    registry = load_registry(write_registry(tmp_path, GOOD))
    assert registry.owner_of("http://127.0.0.30:8800/lxz/bszn/1.html").id == "zwfw-lxz"
    assert registry.owner_of("http://127.0.0.30:8800/lxs/") is None
    assert registry.owner_of("http://127.0.0.2:8800/a.html").id == "lxz"
    assert registry.owner_of("http://127.0.0.2:8801/a.html") is None


def test_allow_list_matches_names_patterns_and_ranges_without_resolving(tmp_path):
    allow = load_registry(write_registry(tmp_path, GOOD)).allow
    assert allow.allows("http://127.0.0.250:8800/")
    assert allow.allows("http://www.linxia.gov.cn/x")
    assert not allow.allows("http://bszs.conac.cn/sitename")
    assert not allow.allows("http://10.0.0.1/")
    assert not allow.allows("http://localhost/")  # a name, not in the list: never resolved to 127.0.0.1
    assert not allow.is_loopback_only
    only_loopback = load_registry(
        write_registry(tmp_path, GOOD.replace('"127.0.0.0/8", "*.gov.cn"', '"127.0.0.0/8"'))
    )
    assert only_loopback.allow.is_loopback_only


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("delay = 0.5", "delay = 0.5\nspeed = 3"), r"\[defaults\], field 'speed': unknown field"),
        (
            ('kind = "portal"', 'kind = "portal"\ncolour = "red"'),
            r"line 8, site 'lxz', field 'colour': unknown field",
        ),
        (
            ('start_urls = ["http://127.0.0.2:8800/"]', "start_urls = []"),
            r"line 8, site 'lxz', field 'start_urls': no start URL",
        ),
        (('start_urls = ["http://127.0.0.2:8800/"]\n', ""), r"site 'lxz', field 'start_urls': missing"),
        (
            ('id = "zwfw-lxz"', 'id = "lxz"'),
            r"line 19, site 'lxz', field 'id': duplicate id, already used by sites\[0\]",
        ),
        (
            ('kind = "service"', 'kind = "county"'),
            r"site 'zwfw-lxz', field 'kind': 'county' is not a site kind",
        ),
        (('email = "xxzx@lxz.example.gov.cn"', 'email = "nobody"'), r"field 'owners'\[0\].email: 'nobody'"),
        (
            ("concurrency = 1", "concurrency = 0"),
            r"field 'limits', field 'concurrency': 0 is not a whole number",
        ),
        (('freshness = "longterm"', 'freshness = "weekly"'), r"'weekly' is not a freshness class"),
        (
            ("concurrency = 1", "max_outside_checks = -1"),
            r"field 'limits', field 'max_outside_checks': -1 is not a whole number ≥ 0",
        ),
        (("delay = 0.5", "max_minutes = 0"), r"\[defaults\], field 'max_minutes': 0 is not minutes"),
        (
            ("concurrency = 1", "max_minutes = 30"),
            r"line 28, site 'zwfw-lxz', field 'limits', field 'max_minutes': the deadline is for the whole"
            r" crawl, not one site \(set max_minutes in \[defaults\]\)",
        ),
        (
            ('start_urls = ["http://127.0.0.2:8800/"]', 'start_urls = ["http://127.0.0.3:8800/"]'),
            r"http://127.0.0.3:8800/ is outside the site's scope",
        ),
        (
            ('"127.0.0.0/8", "*.gov.cn"', '"127.0.0.0/33"'),
            r"'127.0.0.0/33' is neither a host name nor an IP range",
        ),
        (('name = "信息中心"', 'name = "信息中心'), r"not valid TOML: .*line 16"),
        # Values that would break or forge a mail header, a log line or a report cell.
        (
            ('name = "临夏回族自治州人民政府"', 'name = "临夏回族自治州人民政府\\r\\nBcc: evil@x.cn"'),
            r"line 8, site 'lxz', field 'name': .* holds the control character '\\r'",
        ),
        (
            ('name = "临夏回族自治州人民政府"', 'name = "临夏回族自治州人民政府\\n"'),
            r"site 'lxz', field 'name': .*control character '\\n'",
        ),
        (
            ('name = "临夏回族自治州人民政府"', 'name = "临夏\\u2028州政府"'),
            r"site 'lxz', field 'name': .*control character '\\u2028'",
        ),
        (
            ('name = "信息中心"', 'name = "张三 <evil@attacker.example>"'),
            r"site 'lxz', field 'owners'\[0\]\.name: .* holds < > @, which could pass an address off",
        ),
        (('name = "信息中心"', "name = '张\"三'"), r"field 'owners'\[0\]\.name: .* holds \""),
        (('name = "信息中心"', 'name = "evil@attacker.example"'), r"field 'owners'\[0\]\.name: .* holds @"),
        (
            ('name = "信息中心"', 'name = "信息中心\\r\\nBcc: evil@attacker.example"'),
            r"field 'owners'\[0\]\.name: .*control character '\\r'",
        ),
        (
            ('email = "xxzx@lxz.example.gov.cn"', 'email = "xxzx@lxz.example.gov.cn\\n"'),
            r"site 'lxz', field 'owners'\[0\]\.email: .* is not an e-mail address",
        ),
        (
            ('email = "xxzx@lxz.example.gov.cn"', 'email = "xxzx@lxz.example.gov.cn  "'),
            r"field 'owners'\[0\]\.email: 'xxzx@lxz.example.gov.cn  ' is not an e-mail address",
        ),
        (
            ('email = "xxzx@lxz.example.gov.cn"', 'email = "xxzx@lxz.example.gov.cn, evil@attacker.example"'),
            r"field 'owners'\[0\]\.email: .* is not an e-mail address",
        ),
        (
            ("[network]", '[mail]\nsender = "中心\\r\\n <xxzx@lxz.example.gov.cn>"\n\n[network]'),
            r"\[mail\], field 'sender': .* is not an e-mail address",
        ),
    ],
)
def test_bad_registries_fail_with_the_place_and_the_fix(tmp_path, change, expected):
    path, message = refusal(tmp_path, GOOD, change)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert re.search(expected, message), message


def test_plain_names_and_a_named_sender_are_accepted(tmp_path):
    text = GOOD.replace(
        "[network]", '[mail]\nsender = "州政府信息中心 <xxzx@lxz.example.gov.cn>"\n\n[network]'
    )
    text = text.replace('name = "信息中心"', 'name = "  信息中心（张三）  "')
    registry = load_registry(write_registry(tmp_path, text))
    assert registry.mail.sender == "州政府信息中心 <xxzx@lxz.example.gov.cn>"
    assert registry.site("lxz").owners[0].name == "信息中心（张三）"


def test_a_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(RegistryError, match=r"file not found .*sites\.example\.toml"):
        load_registry(tmp_path / "nope.toml")


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("command", "change", "expected"),
    [
        ("crawl", ('id = "zwfw-lxz"', 'id = "lxz"'), "duplicate id"),
        ("sites", ('id = "zwfw-lxz"', 'id = "lxz"'), "duplicate id"),
        (
            "mail",
            ('name = "信息中心"', 'name = "张三 <evil@attacker.example>"'),
            "site 'lxz', field 'owners'[0].name",
        ),
    ],
)
def test_cli_exits_3_and_crawls_nothing_on_a_bad_registry(tmp_path, command, change, expected):
    path = write_registry(tmp_path, GOOD.replace(*change))
    db = tmp_path / "facts.db"
    result = cli(command, "--config", str(path), "--db", str(db), timeout=60)
    assert result.returncode == 3
    assert expected in result.stderr and str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not db.exists()


MULTI = """
[network]
allow = ["127.0.0.0/8"]

[[sites]]
id = "lxz"
name = "临夏回族自治州人民政府"
kind = "portal"
start_urls = ["http://127.0.0.2:8800/", "http://127.0.0.4:8800/xxgk/"]
[sites.scope]
host = "127.0.0.2:8800"
also = [{ host = "127.0.0.4:8800" }, { host = "127.0.0.30:8800", path_prefix = "/lxz/xxgk/" }]

[[sites]]
id = "zwfw-lxz"
name = "甘肃政务服务网临夏州子站"
kind = "service"
start_urls = ["http://127.0.0.30:8800/lxz/"]
[sites.scope]
host = "127.0.0.30:8800"
path_prefix = "/lxz/"
"""


def test_a_site_spans_several_hosts_and_prefixes(tmp_path):
    registry = load_registry(write_registry(tmp_path, MULTI))
    portal = registry.site("lxz")
    assert [str(part) for part in portal.scope.parts] == [
        "127.0.0.2:8800/",
        "127.0.0.4:8800/",
        "127.0.0.30:8800/lxz/xxgk/",
    ]
    assert portal.scope.hostnames == ("127.0.0.2", "127.0.0.4", "127.0.0.30")
    for url in (
        "http://127.0.0.2:8800/a.html",
        "http://127.0.0.4:8800/fdzdgknr/",
        "http://127.0.0.30:8800/lxz/xxgk/1",
    ):
        assert portal.scope.contains(url), url
    assert not portal.scope.contains("http://127.0.0.30:8800/lxz/bszn/")
    assert portal.scope.part_of("http://127.0.0.30:8800/lxz/xxgk/1").path_prefix == "/lxz/xxgk/"
    # a start URL may be in any part
    assert portal.start_urls[1] == "http://127.0.0.4:8800/xxgk/"


def test_site_of_lets_the_longest_prefix_win_across_sites(tmp_path):
    registry = load_registry(write_registry(tmp_path, MULTI))
    # the portal's 信息公开 part is nested inside the service sub-site's prefix on the shared platform host
    assert registry.site_of("http://127.0.0.30:8800/lxz/xxgk/2026/1.html").id == "lxz"
    assert registry.site_of("http://127.0.0.30:8800/lxz/bszn/1.html").id == "zwfw-lxz"
    assert registry.site_of("http://127.0.0.4:8800/").id == "lxz"
    assert registry.site_of("http://127.0.0.30:8800/klx/") is None
    assert registry.site_of("ftp://127.0.0.4:8800/") is None
    assert registry.owner_of("http://127.0.0.4:8800/").id == "lxz"  # the older name still answers


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('path_prefix = "/lxz/xxgk/" }', 'path_prefix = "/lxz/" }'),
            r"line 20, site 'zwfw-lxz', field 'scope': the part 127\.0\.0\.30:8800/lxz/ is already "
            r"declared by site 'lxz' \(sites\[0\]\) \(give each host and path prefix to one site only",
        ),
        (
            (
                'also = [{ host = "127.0.0.4:8800" }',
                'also = [{ host = "127.0.0.4:8800" }, { host = "127.0.0.4:8800" }',
            ),
            r"site 'lxz', field 'scope'\.also\[1\]: repeats the part 127\.0\.0\.4:8800/ already given as "
            r"also\[0\] \(list each part once\)",
        ),
        (
            ('also = [{ host = "127.0.0.4:8800" }', 'also = [{ host = "127.0.0.2:8800" }'),
            r"field 'scope'\.also\[0\]: repeats the part 127\.0\.0\.2:8800/ already given as the main host",
        ),
        (
            ('{ host = "127.0.0.4:8800" }', '{ host = "127.0.0.4:8800", path = "/" }'),
            r"field 'scope'\.also\[0\], field 'path': unknown field",
        ),
        (
            (
                'also = [{ host = "127.0.0.4:8800" }, { host = "127.0.0.30:8800", path_prefix = "/lxz/xxgk/" }]',
                'also = "127.0.0.4:8800"',
            ),
            r"field 'scope'\.also: must be a list of tables",
        ),
        (
            ('{ host = "127.0.0.30:8800", path_prefix = "/lxz/xxgk/" }', '{ path_prefix = "/lxz/xxgk/" }'),
            r"field 'scope'\.also\[1\]\.host: None is not a host",
        ),
        (
            ('"http://127.0.0.4:8800/xxgk/"', '"http://127.0.0.5:8800/xxgk/"'),
            r"http://127\.0\.0\.5:8800/xxgk/ is outside the site's scope 127\.0\.0\.2:8800/, 127\.0\.0\.4:8800/, "
            r"127\.0\.0\.30:8800/lxz/xxgk/ \(fix the URL, or add its host",
        ),
    ],
)
def test_overlapping_or_repeated_scope_parts_fail_with_the_place(tmp_path, change, expected):
    path, message = refusal(tmp_path, MULTI, change)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert re.search(expected, message), message


@pytest.mark.e2e
def test_cli_exits_3_when_two_sites_declare_the_same_part(tmp_path):
    path = write_registry(tmp_path, MULTI.replace('path_prefix = "/lxz/xxgk/" }', 'path_prefix = "/lxz/" }'))
    result = cli("sites", "--config", str(path), timeout=60)
    assert result.returncode == 3
    assert "already declared by site 'lxz'" in result.stderr
