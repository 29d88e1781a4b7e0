"""The registry's data types: sites with their scope, owners, limits and column hints, the network
allow-list, the schedule, mail and storage settings, and the `Registry` that holds them and answers which
site a URL belongs to. Read from TOML by the parsers beside this module (crawler/registry/load.py).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from checks.contentdata import ContentLists

if TYPE_CHECKING:
    from crawler.registry.alerts import AlertChannel
from checks.errors import ConfigError
from crawler.vocab import SiteKind

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
        parts = url_parts(url)
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
    # Other names of the same site (a former host, the bare domain): never crawled, only recognised as the
    # site's own in the keys of its findings, so a move between them keeps the findings (checks.identity).
    aliases: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[ScopePart, ...]:
        """Every part, the main one first."""
        return (ScopePart(self.host, self.path_prefix), *self.also)

    @property
    def hostnames(self) -> tuple[str, ...]:
        """The host names (no port) of every part, in order, each once."""
        names = (url_parts(f"http://{part.host}/").hostname for part in self.parts)
        return tuple(dict.fromkeys(names))

    @property
    def own_hosts(self) -> frozenset[str]:
        """The host names that are this site's own in its findings' keys: every part's and the aliases."""
        return frozenset((*self.hostnames, *self.aliases))

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
        host = url_parts(url).hostname.rstrip(".")
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
                network.subnet_of(ipaddress.IPv4Network("127.0.0.0/8"))
                for network in self.networks
                if isinstance(network, ipaddress.IPv4Network)
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
class ReportSettings:
    """The overview bulletin's header and signature ([report]): title, 文号, 落款 and its date."""

    title: str = "临夏州政府网站检查报告"
    doc_number: str = ""  # 文号, e.g. "临州政办网〔2026〕12号"; none printed when empty
    issuer: str = "州政府信息中心"  # 落款
    signed_on: date | None = None  # the 落款 date ([report] date); the date the checks used when not set


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
    report: ReportSettings = field(default_factory=ReportSettings)
    content: ContentLists = field(default_factory=ContentLists)  # [content]: crawler/registry/content.py
    alerts: tuple[
        AlertChannel, ...
    ] = ()  # [[alerts]]: group robots and other channels (crawler/registry/alerts.py)

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        known = ", ".join(s.id for s in self.sites)
        raise RegistryError(f"{self.path}: no site with id {site_id!r} (known: {known})")

    def owner_addresses(self) -> dict[str, list[tuple[str, str]]]:
        """Each site's owners as (address, name), by site id: whom its findings are mailed to."""
        return {site.id: [(owner.email, owner.name) for owner in site.owners] for site in self.sites}

    def own_hosts(self) -> dict[str, frozenset[str]]:
        """Each site's own host names, by site id: what its findings' keys leave out of a URL."""
        return {site.id: site.scope.own_hosts for site in self.sites}

    def select(self, site_ids: list[str] | tuple[str, ...] | None) -> tuple[Site, ...]:
        """The sites named by `site_ids` in registry order, or every site when none are named."""
        if not site_ids:
            return self.sites
        wanted = [self.site(site_id) for site_id in site_ids]
        return tuple(site for site in self.sites if site in wanted)

    def site_of(self, url: str) -> Site | None:
        """The site whose scope holds `url`: the longest path prefix wins, so a sub-site nested under
        another site's part of a shared host owns its own pages."""
        parts = url_parts(url)
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
def url_parts(url: str) -> _UrlParts:
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
    return url_parts(url).netloc
