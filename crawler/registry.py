"""The site registry: the TOML file that lists the websites to inspect, read and validated.

`load_registry(path)` returns a `Registry` or raises `RegistryError`, whose message names the file, the line
of the site's table, the site and the field, what is wrong and how to fix it. The format is documented by the
commented example `crawler/sites.example.toml`.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from checks.contentdata import ContentLists
from crawler.contentconf import parse_content
from crawler.errors import ConfigError
from crawler.vocab import SiteKind

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# An address as it may stand in an SMTP envelope and a header, whole (fullmatch: `$` would let a trailing
# newline through): no white space, no control characters, nothing that delimits or comments an address.
_ADDRESS_CHAR = r"[^@\s<>()\[\]\\,;:\"\x00-\x1f\x7f]"
EMAIL_RE = re.compile(rf"{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+")
# Characters that let a display name pose as, or smuggle in, an address of its own.
OWNER_NAME_FORBIDDEN = "<>@\"'"
HOSTNAME_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
FRESHNESS_CLASSES = ("news", "notice_policy", "longterm", "static")
RENDER_MODES = ("auto", "always", "never")
DEFAULT_PORTS = {"http": 80, "https": 443}


class RegistryError(ConfigError):
    """A registry file that cannot be used; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Limits:
    """Politeness and budget limits for one site (the registry's [defaults] merged with the site's own)."""

    max_pages: int = 3000
    max_depth: int = 8
    concurrency: int = 2
    delay: float = 1.0
    obey_robots: bool = True
    timeout: float = 15.0
    retries: int = 2
    user_agent: str = "duwang/0.1 (government website inspection; +https://pypi.org/project/duwang/)"
    render: str = "auto"  # list pages filled by script: auto (render when needed) | always | never
    # Status checks of link targets outside every registered site, per site and run: a page of 500 links to
    # one outside host would otherwise queue hours of polite requests to a host nobody inspects.
    max_outside_checks: int = 2000
    # Wall-clock minutes for a whole crawl ([defaults] only): past it the crawl ends with what it has. 12 h
    # fits a weekly inspection of a 政务服务网 host shared by ten sub-sites at the polite 1 s delay.
    max_minutes: float = 720.0


@dataclass(frozen=True)
class ScopePart:
    """One part of a site: a host (netloc) and a path prefix under it."""

    host: str
    path_prefix: str = "/"

    def contains(self, url: str) -> bool:
        parts = _url_parts(url)
        return (
            parts.scheme in DEFAULT_PORTS
            and parts.netloc == self.host
            and parts.path.startswith(self.path_prefix)
        )

    def __str__(self) -> str:
        return f"{self.host}{self.path_prefix}"


@dataclass(frozen=True)
class Scope:
    """What belongs to a site: its main host and path prefix, and the further parts it `also` spans.

    Real portals keep their 信息公开 platform or 政务服务 pages on another host (`xxgk.<host>`) or under a
    provincial platform's path: those pages are the site's own, so they are crawled and checked with it.
    """

    host: str
    path_prefix: str = "/"
    also: tuple[ScopePart, ...] = ()

    @property
    def parts(self) -> tuple[ScopePart, ...]:
        """Every part, the main one first."""
        return (ScopePart(self.host, self.path_prefix), *self.also)

    @property
    def hostnames(self) -> tuple[str, ...]:
        """The host names (no port) of every part, in order, each once."""
        names = (_url_parts(f"http://{part.host}/").hostname for part in self.parts)
        return tuple(dict.fromkeys(names))

    def part_of(self, url: str) -> ScopePart | None:
        """The part holding `url`, the longest path prefix first; None when outside the site."""
        holding = [part for part in self.parts if part.contains(url)]
        return max(holding, key=lambda part: len(part.path_prefix), default=None)

    def contains(self, url: str) -> bool:
        return any(part.contains(url) for part in self.parts)

    def __str__(self) -> str:
        return ", ".join(str(part) for part in self.parts)


@dataclass(frozen=True)
class Owner:
    name: str
    email: str


@dataclass(frozen=True)
class ColumnHint:
    """An operator's hint that a column exists at a URL, with its freshness class and rendering mode."""

    name: str
    url: str
    freshness: str | None = None
    render: str = "auto"


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    kind: SiteKind
    start_urls: tuple[str, ...]
    scope: Scope
    owners: tuple[Owner, ...]
    limits: Limits
    columns: tuple[ColumnHint, ...] = ()
    services: bool = True  # offers public services; a department site without them is scored out of 75


@dataclass(frozen=True)
class AllowList:
    """Hosts the crawler may send requests to: exact names, `*.suffix` patterns and IP networks.

    Host names are matched as text and never resolved, so a DNS answer cannot widen the list.
    """

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def allows(self, url: str) -> bool:
        host = _url_parts(url).hostname.rstrip(".")
        if not host:
            return False
        address = _ip_address(host)
        if address is None:
            return host in self.names or any(host.endswith(suffix) for suffix in self.suffixes)
        return any(address in network for network in self.networks)

    @property
    def is_loopback_only(self) -> bool:
        return (
            not self.names - {"localhost"}
            and not self.suffixes
            and all(
                network.subnet_of(ipaddress.ip_network("127.0.0.0/8"))
                for network in self.networks
                if network.version == 4
            )
            and all(
                network == ipaddress.ip_network("::1/128")
                for network in self.networks
                if network.version == 6
            )
        )


@dataclass(frozen=True)
class Schedule:
    """When `duwang serve` runs each job: five-field cron expressions in China time (Asia/Shanghai)."""

    probe: str = "7,37 * * * *"  # homepage availability: 48 spread probes a day (the rule asks ≥ 20)
    inspect: str = "0 2 * * 1"  # crawl, check, score, report and mail: Mondays 02:00
    monthly: str = "0 6 1 * *"  # monthly statistics of the month before
    quarterly: str = "0 6 2 1,4,7,10 *"  # quarterly bulletin of the quarter before
    yearly: str = "0 6 5 1 *"  # year-end assessment of the year before
    reports: str = "reports"  # folder the scheduled reports are written under


@dataclass(frozen=True)
class MailSettings:
    """What the mail says and to whom besides the owners; SMTP credentials come from the environment."""

    sender: str = "duwang@localhost"
    center: tuple[str, ...] = ()  # the info center's addresses: they receive the summary with the ranking
    deadline_days: int = 10  # 整改期限: days after the inspection to fix the findings
    attach_excel: bool = True


@dataclass(frozen=True)
class StorageSettings:
    """How much crawl history the database keeps (`duwang prune`, and the service after each inspection)."""

    # Completed runs whose facts (pages, links, list entries, meta tags, footers) are kept; older runs keep
    # their findings, scores and mail records, which the reports' trends and period reports read.
    keep_runs: int = 12


@dataclass(frozen=True)
class Registry:
    path: Path
    sites: tuple[Site, ...]
    allow: AllowList
    defaults: Limits = field(default_factory=Limits)
    schedule: Schedule = field(default_factory=Schedule)
    mail: MailSettings = field(default_factory=MailSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    content: ContentLists = field(default_factory=ContentLists)  # [content]: crawler/contentconf.py

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        known = ", ".join(s.id for s in self.sites)
        raise RegistryError(f"{self.path}: no site with id {site_id!r} (known: {known})")

    def select(self, site_ids: list[str] | tuple[str, ...] | None) -> tuple[Site, ...]:
        """The sites named by `site_ids` in registry order, or every site when none are named."""
        if not site_ids:
            return self.sites
        wanted = [self.site(site_id) for site_id in site_ids]
        return tuple(site for site in self.sites if site in wanted)

    def site_of(self, url: str) -> Site | None:
        """The site whose scope holds `url`: the longest path prefix wins, so a sub-site nested under
        another site's part of a shared host owns its own pages."""
        parts = _url_parts(url)
        if parts.scheme not in DEFAULT_PORTS:
            return None
        best: tuple[int, Site] | None = None
        for prefix, site in self._parts_by_host.get(parts.netloc, ()):
            if parts.path.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), site)
        return best[1] if best else None

    owner_of = site_of  # the spider's older name for it

    @cached_property
    def _parts_by_host(self) -> dict[str, list[tuple[str, Site]]]:
        # Asked for every link of a crawl: a look-up by host, then a few prefixes, not a scan of all sites.
        index: dict[str, list[tuple[str, Site]]] = {}
        for site in self.sites:
            for part in site.scope.parts:
                index.setdefault(part.host, []).append((part.path_prefix, site))
        return index


class _UrlParts(NamedTuple):
    scheme: str
    hostname: str  # lower-case, "" when none
    netloc: str  # as netloc_of gives it
    path: str  # "/" when empty


@lru_cache(maxsize=1 << 12)
def _url_parts(url: str) -> _UrlParts:
    # Cached: a crawl asks about the same few thousand URLs (navigation links) tens of thousands of times.
    parts = urlsplit(url)
    hostname = (parts.hostname or "").lower()
    host = f"[{hostname}]" if ":" in hostname else hostname
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or port == DEFAULT_PORTS.get(parts.scheme) else f"{host}:{port}"
    return _UrlParts(parts.scheme, hostname, netloc, parts.path or "/")


@lru_cache(maxsize=1024)
def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def netloc_of(url: str) -> str:
    """`host[:port]` of a URL, lower-cased, without the scheme's default port."""
    return _url_parts(url).netloc


def load_registry(path: str | Path) -> Registry:
    """Read and validate a registry file; raise `RegistryError` naming the place of the first problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(
            f"{path}: file not found (copy crawler/sites.example.toml and pass it with --config)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot be read as UTF-8 text: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from None
    return _Parser(path, text).registry(data)


class _Parser:
    """Turns the parsed TOML into dataclasses, keeping track of where in the file each site is."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.site_lines = [
            number
            for number, line in enumerate(text.splitlines(), start=1)
            if re.match(r"^\s*\[\[\s*sites\s*\]\]", line)
        ]

    def fail(self, where: str, problem: str, fix: str) -> RegistryError:
        return RegistryError(f"{self.path}: {where}: {problem} ({fix})")

    def where(self, index: int, site_id: Any, name: str, needle: str | None = None) -> str:
        """The place of a site's field: the line of its [[sites]] table, or of `needle` within that table."""
        number = self.site_lines[index] if index < len(self.site_lines) else None
        if number is not None and needle:
            end = self.site_lines[index + 1] if index + 1 < len(self.site_lines) else len(self.lines) + 1
            number = next(
                (n for n in range(number, end) if needle.lower() in self.lines[n - 1].lower()), number
            )
        line = f"line {number}, " if number is not None else ""
        label = f"site {site_id!r}" if isinstance(site_id, str) and site_id else f"sites[{index}]"
        return f"{line}{label}, field {name!r}"

    def registry(self, data: dict[str, Any]) -> Registry:
        self.unknown(
            data, {"defaults", "network", "sites", "schedule", "mail", "storage", "content"}, "top level"
        )
        defaults = self.limits(data.get("defaults", {}), Limits(), "[defaults]")
        allow = self.allow_list(data.get("network", {}))
        raw_sites = data.get("sites")
        if not isinstance(raw_sites, list) or not raw_sites:
            raise self.fail("[[sites]]", "no site is registered", "add at least one [[sites]] table")
        sites: list[Site] = []
        first_seen: dict[str, int] = {}
        for index, raw in enumerate(raw_sites):
            site = self.site(index, raw, defaults)
            if site.id in first_seen:
                raise self.fail(
                    self.where(index, site.id, "id"),
                    f"duplicate id, already used by sites[{first_seen[site.id]}]",
                    "give every site its own id",
                )
            first_seen[site.id] = index
            sites.append(site)
        self.check_parts(sites)
        return Registry(
            path=self.path,
            sites=tuple(sites),
            allow=allow,
            defaults=defaults,
            schedule=self.schedule(data.get("schedule", {})),
            mail=self.mail(data.get("mail", {})),
            storage=self.storage(data.get("storage", {})),
            content=parse_content(data.get("content", {}), self.fail),
        )

    def schedule(self, raw: Any) -> Schedule:
        from crawler.cron import cron_trigger

        if not isinstance(raw, dict):
            raise self.fail("[schedule]", "must be a table", 'write [schedule] with inspect = "0 2 * * 1"')
        known = {f.name for f in fields(Schedule)}
        self.unknown(raw, known, "[schedule]")
        for key, value in raw.items():
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"[schedule], field {key!r}", f"{value!r} is not a text", 'e.g. "0 2 * * 1"')
            if key != "reports":
                try:
                    cron_trigger(value, "Asia/Shanghai")
                except ValueError as exc:
                    raise self.fail(
                        f"[schedule], field {key!r}",
                        f"{value!r} is not a cron expression ({exc})",
                        'write minute hour day month weekday, e.g. "0 2 * * 1"',
                    ) from None
        return replace(Schedule(), **raw)

    def mail(self, raw: Any) -> MailSettings:
        if not isinstance(raw, dict):
            raise self.fail("[mail]", "must be a table", 'write [mail] with sender = "xxzx@example.gov.cn"')
        self.unknown(raw, {"sender", "center", "deadline_days", "attach_excel"}, "[mail]")
        sender = raw.get("sender", MailSettings.sender)
        if "sender" in raw and (not isinstance(sender, str) or not _valid_sender(sender)):
            raise self.fail(
                "[mail], field 'sender'",
                f"{sender!r} is not an e-mail address, or a name without <>@\"' and control characters "
                "followed by one in <>",
                'e.g. sender = "xxzx@example.gov.cn" or sender = "信息中心 <xxzx@example.gov.cn>"',
            )
        center = raw.get("center", [])
        if not isinstance(center, list) or not all(
            isinstance(a, str) and EMAIL_RE.fullmatch(a) for a in center
        ):
            raise self.fail(
                "[mail], field 'center'",
                f"{center!r} is not a list of e-mail addresses",
                'e.g. center = ["xxzx@example.gov.cn"]',
            )
        days = raw.get("deadline_days", MailSettings.deadline_days)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise self.fail(
                "[mail], field 'deadline_days'",
                f"{days!r} is not a number of days from 1 to 365",
                "e.g. deadline_days = 10",
            )
        attach = raw.get("attach_excel", True)
        if not isinstance(attach, bool):
            raise self.fail(
                "[mail], field 'attach_excel'", f"{attach!r} is not true or false", "true or false"
            )
        return MailSettings(sender, tuple(center), days, attach)

    def storage(self, raw: Any) -> StorageSettings:
        if not isinstance(raw, dict):
            raise self.fail("[storage]", "must be a table", "write [storage] with keep_runs = 12")
        self.unknown(raw, {"keep_runs"}, "[storage]")
        keep = raw.get("keep_runs", StorageSettings.keep_runs)
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise self.fail(
                "[storage], field 'keep_runs'",
                f"{keep!r} is not a number of runs of at least 1 (the next crawl revalidates the latest run)",
                "e.g. keep_runs = 12",
            )
        return StorageSettings(keep)

    def unknown(self, table: dict[str, Any], known: set[str], where: str) -> None:
        for key in table:
            if key not in known:
                raise self.fail(
                    f"{where}, field {key!r}", "unknown field", f"known fields: {', '.join(sorted(known))}"
                )

    def limits(self, raw: Any, base: Limits, where: str) -> Limits:
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table", "write it as [defaults] or [sites.limits]")
        known = {f.name for f in fields(Limits)}
        self.unknown(raw, known, where)
        checks: dict[str, tuple[type | tuple[type, ...], Any, str]] = {
            "max_pages": (int, lambda v: v >= 1, "a whole number ≥ 1"),
            "max_depth": (int, lambda v: v >= 0, "a whole number ≥ 0"),
            "concurrency": (int, lambda v: 1 <= v <= 16, "a whole number from 1 to 16"),
            "delay": ((int, float), lambda v: 0 <= v <= 600, "seconds from 0 to 600"),
            "obey_robots": (bool, lambda v: True, "true or false"),
            "timeout": ((int, float), lambda v: 0 < v <= 300, "seconds, more than 0 and at most 300"),
            "retries": (int, lambda v: 0 <= v <= 10, "a whole number from 0 to 10"),
            "user_agent": (str, lambda v: bool(v.strip()), "a non-empty text naming duwang and a contact"),
            "render": (str, lambda v: v in RENDER_MODES, "one of auto, always, never"),
            "max_outside_checks": (int, lambda v: v >= 0, "a whole number ≥ 0"),
            "max_minutes": ((int, float), lambda v: 0 < v <= 10080, "minutes, more than 0 and at most 10080"),
        }
        values: dict[str, Any] = {}
        for key, value in raw.items():
            kind, ok, expected = checks[key]
            is_bool = isinstance(value, bool)
            if (is_bool and kind is not bool) or not isinstance(value, kind) or not ok(value):
                raise self.fail(
                    f"{where}, field {key!r}", f"{value!r} is not {expected}", f"set {key} to {expected}"
                )
            values[key] = float(value) if key in ("delay", "timeout", "max_minutes") else value
        return replace(base, **values)

    def allow_list(self, raw: Any) -> AllowList:
        if not isinstance(raw, dict):
            raise self.fail("[network]", "must be a table", 'write [network] with allow = ["*.gov.cn"]')
        self.unknown(raw, {"allow"}, "[network]")
        entries = raw.get("allow", [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise self.fail(
                "[network], field 'allow'", "must be a list of texts", 'e.g. allow = ["*.gov.cn"]'
            )
        names: set[str] = set()
        suffixes: list[str] = []
        networks = []
        for entry in entries:
            value = entry.strip().lower()
            try:
                networks.append(ipaddress.ip_network(value, strict=False))
                continue
            except ValueError:
                pass
            if not HOSTNAME_RE.match(value):
                raise self.fail(
                    "[network], field 'allow'",
                    f"{entry!r} is neither a host name nor an IP range",
                    'write a host ("www.gov.cn"), a pattern ("*.gov.cn") or a CIDR range ("127.0.0.0/8")',
                )
            if value.startswith("*."):
                suffixes.append(value[1:])
            else:
                names.add(value)
        return AllowList(frozenset(names), tuple(suffixes), tuple(networks))

    def site(self, index: int, raw: Any, defaults: Limits) -> Site:
        if not isinstance(raw, dict):
            raise self.fail(f"sites[{index}]", "must be a table", "write each site as a [[sites]] table")
        site_id = raw.get("id")

        def where(name: str) -> str:
            return self.where(index, site_id, name)

        known = {"id", "name", "kind", "start_urls", "scope", "owners", "limits", "columns", "services"}
        for key in raw:
            if key not in known:
                raise self.fail(where(key), "unknown field", f"known fields: {', '.join(sorted(known))}")
        for key in ("id", "name", "kind", "start_urls", "scope"):
            if key not in raw:
                raise self.fail(where(key), "missing", f"every site needs {key}")
        if not isinstance(site_id, str) or not ID_RE.match(site_id):
            raise self.fail(
                where("id"),
                f"{site_id!r} is not a valid id",
                "use letters, digits, '-' and '_', starting with a letter or digit",
            )
        name = raw["name"]
        if not isinstance(name, str) or not name.strip():
            raise self.fail(where("name"), "must be a non-empty text", 'e.g. name = "临夏州财政局"')
        # The name goes into mail subjects, report cells and log lines: a line break there is an injection.
        if (char := _control_character(name)) is not None:
            raise self.fail(
                where("name"),
                f"{name!r} holds the control character {char!r}",
                "write the name on one line, without line breaks, tabs or control characters",
            )
        try:
            kind = SiteKind(raw["kind"])
        except (ValueError, TypeError):
            raise self.fail(
                where("kind"), f"{raw['kind']!r} is not a site kind", "use portal, service or department"
            ) from None
        scope = self.scope(raw["scope"], where("scope"))
        start_urls = raw["start_urls"]
        if isinstance(start_urls, str):
            start_urls = [start_urls]
        if not isinstance(start_urls, list) or not start_urls:
            raise self.fail(
                where("start_urls"), "no start URL", 'e.g. start_urls = ["http://www.example.gov.cn/"]'
            )
        for url in start_urls:
            if (
                not isinstance(url, str)
                or urlsplit(url).scheme not in DEFAULT_PORTS
                or not urlsplit(url).hostname
            ):
                raise self.fail(
                    where("start_urls"), f"{url!r} is not an http(s) URL", 'e.g. "http://www.example.gov.cn/"'
                )
            if not scope.contains(url):
                raise self.fail(
                    where("start_urls"),
                    f"{url} is outside the site's scope {scope}",
                    "fix the URL, or add its host to [sites.scope] as also = [{ host = ... }]",
                )
        owners = self.owners(raw.get("owners", []), where("owners"))
        if isinstance(raw.get("limits"), dict) and "max_minutes" in raw["limits"]:
            raise self.fail(
                self.where(index, site_id, "limits", needle="max_minutes") + ", field 'max_minutes'",
                "the deadline is for the whole crawl, not one site",
                "set max_minutes in [defaults]",
            )
        limits = self.limits(raw.get("limits", {}), defaults, where("limits"))
        columns = self.columns(raw.get("columns", []), where("columns"))
        services = raw.get("services", True)
        if not isinstance(services, bool):
            raise self.fail(
                where("services"),
                f"{services!r} is not true or false",
                "write services = false for a department site offering no public services",
            )
        return Site(site_id, name.strip(), kind, tuple(start_urls), scope, owners, limits, columns, services)

    def scope(self, raw: Any, where: str) -> Scope:
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table", 'write [sites.scope] with host = "www.example.gov.cn"')
        self.unknown(raw, {"host", "path_prefix", "also"}, where)
        main = self.scope_part(raw, where)
        also = raw.get("also", [])
        if not isinstance(also, list):
            raise self.fail(
                where + ".also",
                "must be a list of tables",
                'e.g. also = [{ host = "xxgk.example.gov.cn" }, { host = "zwfw.example.gov.cn", '
                'path_prefix = "/lxz/" }]',
            )
        parts = [main]
        for number, extra in enumerate(also):
            place = f"{where}.also[{number}]"
            if not isinstance(extra, dict):
                raise self.fail(place, "must be a table", 'e.g. { host = "xxgk.example.gov.cn" }')
            self.unknown(extra, {"host", "path_prefix"}, place)
            part = self.scope_part(extra, place)
            if part in parts:
                first = "the main host" if parts.index(part) == 0 else f"also[{parts.index(part) - 1}]"
                raise self.fail(
                    place, f"repeats the part {part} already given as {first}", "list each part once"
                )
            parts.append(part)
        return Scope(main.host, main.path_prefix, tuple(parts[1:]))

    def scope_part(self, raw: dict[str, Any], where: str) -> ScopePart:
        host = raw.get("host")
        if not isinstance(host, str) or not host.strip() or "/" in host:
            raise self.fail(where + ".host", f"{host!r} is not a host", 'e.g. host = "www.example.gov.cn"')
        prefix = raw.get("path_prefix", "/")
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise self.fail(
                where + ".path_prefix", f"{prefix!r} does not start with '/'", 'e.g. path_prefix = "/lxz/"'
            )
        return ScopePart(netloc_of(f"http://{host.strip()}/"), prefix)

    def check_parts(self, sites: list[Site]) -> None:
        """No two sites may declare the same host + path prefix: the owner of its pages would be a guess.

        Nesting is fine (a county sub-site under a longer prefix of a shared host): the longest prefix wins.
        """
        owners: dict[ScopePart, tuple[int, Site]] = {}
        for index, site in enumerate(sites):
            for number, part in enumerate(site.scope.parts):
                if part in owners:
                    other_index, other = owners[part]
                    field_name = "scope" if number == 0 else f"scope.also[{number - 1}]"
                    hostname = _url_parts(f"http://{part.host}/").hostname
                    raise self.fail(
                        self.where(index, site.id, field_name, needle=f'"{hostname}'),
                        f"the part {part} is already declared by site {other.id!r} (sites[{other_index}])",
                        "give each host and path prefix to one site only; a sub-site sharing a host "
                        "needs its own, longer path_prefix",
                    )
                owners[part] = (index, site)

    def owners(self, raw: Any, where: str) -> tuple[Owner, ...]:
        if not isinstance(raw, list):
            raise self.fail(where, "must be a list of tables", "write each owner as a [[sites.owners]] table")
        owners = []
        for number, owner in enumerate(raw):
            if not isinstance(owner, dict):
                raise self.fail(f"{where}[{number}]", "must be a table", "give name and email")
            self.unknown(owner, {"name", "email"}, f"{where}[{number}]")
            email = owner.get("email")
            if not isinstance(email, str) or not EMAIL_RE.fullmatch(email):
                raise self.fail(
                    f"{where}[{number}].email",
                    f"{email!r} is not an e-mail address",
                    'e.g. email = "xxzx@example.gov.cn", without spaces, line breaks or <>',
                )
            name = owner.get("name", "")
            if not isinstance(name, str):
                raise self.fail(
                    f"{where}[{number}].name", f"{name!r} is not a text", 'e.g. name = "信息中心"'
                )
            if (problem := _owner_name_problem(name)) is not None:
                raise self.fail(
                    f"{where}[{number}].name",
                    f"{name!r} {problem}",
                    "give only the person's or office's name; the address belongs in email",
                )
            owners.append(Owner(name.strip() or email, email))
        return tuple(owners)

    def columns(self, raw: Any, where: str) -> tuple[ColumnHint, ...]:
        if not isinstance(raw, list):
            raise self.fail(
                where, "must be a list of tables", "write each column as a [[sites.columns]] table"
            )
        hints = []
        for number, column in enumerate(raw):
            place = f"{where}[{number}]"
            if not isinstance(column, dict):
                raise self.fail(place, "must be a table", "give name and url")
            self.unknown(column, {"name", "url", "freshness", "render"}, place)
            name, url = column.get("name"), column.get("url")
            if not isinstance(name, str) or not name.strip():
                raise self.fail(place + ".name", "missing", 'e.g. name = "通知公告"')
            if not isinstance(url, str) or urlsplit(url).scheme not in DEFAULT_PORTS:
                raise self.fail(
                    place + ".url", f"{url!r} is not an http(s) URL", "give the column's list page URL"
                )
            freshness = column.get("freshness")
            if freshness is not None and freshness not in FRESHNESS_CLASSES:
                raise self.fail(
                    place + ".freshness",
                    f"{freshness!r} is not a freshness class",
                    f"use one of {', '.join(FRESHNESS_CLASSES)}",
                )
            render = column.get("render", "auto")
            if render not in RENDER_MODES:
                raise self.fail(
                    place + ".render",
                    f"{render!r} is not a render mode",
                    f"use one of {', '.join(RENDER_MODES)}",
                )
            hints.append(ColumnHint(name.strip(), url, freshness, render))
        return tuple(hints)


def _control_character(text: str) -> str | None:
    """The first control, format or line-separator character in `text` (none may reach a header or a log)."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            return char
    return None


def _owner_name_problem(name: str) -> str | None:
    """Why `name` cannot be a mail display name, or None: it must name the owner and nothing else."""
    if (char := _control_character(name)) is not None:
        return f"holds the control character {char!r}"
    if smuggled := sorted({char for char in name if char in OWNER_NAME_FORBIDDEN}):
        return f"holds {' '.join(smuggled)}, which could pass an address off as the owner's"
    return None


def _valid_sender(sender: str) -> bool:
    """`addr@host`, or `Name <addr@host>` with a display name that names only the sender."""
    named = re.fullmatch(r"([^<>]*)<([^<>]*)>", sender)
    if named is None:
        return EMAIL_RE.fullmatch(sender) is not None
    name, address = named.groups()
    return _owner_name_problem(name) is None and EMAIL_RE.fullmatch(address) is not None
