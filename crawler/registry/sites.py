"""The registry's [[sites]] tables: id, name, kind, start URLs, scope (with its `also` parts), owners,
limits, column hints and services, and the rule that no two sites declare the same part of a host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from crawler.registry.model import (
    DEFAULT_PORTS,
    FRESHNESS_CLASSES,
    RENDER_MODES,
    ColumnHint,
    Limits,
    Owner,
    Scope,
    ScopePart,
    Site,
    netloc_of,
    url_parts,
)
from crawler.registry.settings import SettingsParser
from crawler.registry.tables import EMAIL_RE, ID_RE, control_character, owner_name_problem
from crawler.vocab import SiteKind


class SiteParser(SettingsParser):
    """Reads one [[sites]] table at a time, and checks the sites' parts against each other."""

    def site(self, index: int, raw: Any, defaults: Limits) -> Site:
        if not isinstance(raw, dict):
            raise self.fail(f"sites[{index}]", "must be a table", "write each site as a [[sites]] table")
        site_id = raw.get("id")

        def where(name: str) -> str:
            return self.where(index, site_id, name)

        self.site_fields(raw, where)
        if not isinstance(site_id, str) or not ID_RE.match(site_id):
            raise self.fail(
                where("id"),
                f"{site_id!r} is not a valid id",
                "use letters, digits, '-' and '_', starting with a letter or digit",
            )
        name = self.site_name(raw["name"], where("name"))
        try:
            kind = SiteKind(raw["kind"])
        except (ValueError, TypeError):
            raise self.fail(
                where("kind"), f"{raw['kind']!r} is not a site kind", "use portal, service or department"
            ) from None
        scope = self.scope(raw["scope"], where("scope"))
        start_urls = self.start_urls(raw["start_urls"], scope, where("start_urls"))
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
        return Site(site_id, name, kind, start_urls, scope, owners, limits, columns, services)

    def site_fields(self, raw: dict[str, Any], where: Callable[[str], str]) -> None:
        """Every field of the [[sites]] table is known, and the ones every site needs are there."""
        known = {"id", "name", "kind", "start_urls", "scope", "owners", "limits", "columns", "services"}
        for key in raw:
            if key not in known:
                raise self.fail(where(key), "unknown field", f"known fields: {', '.join(sorted(known))}")
        for key in ("id", "name", "kind", "start_urls", "scope"):
            if key not in raw:
                raise self.fail(where(key), "missing", f"every site needs {key}")

    def site_name(self, name: Any, where: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise self.fail(where, "must be a non-empty text", 'e.g. name = "临夏州财政局"')
        # The name goes into mail subjects, report cells and log lines: a line break there is an injection.
        if (char := control_character(name)) is not None:
            raise self.fail(
                where,
                f"{name!r} holds the control character {char!r}",
                "write the name on one line, without line breaks, tabs or control characters",
            )
        return name.strip()

    def start_urls(self, raw: Any, scope: Scope, where: str) -> tuple[str, ...]:
        start_urls = [raw] if isinstance(raw, str) else raw
        if not isinstance(start_urls, list) or not start_urls:
            raise self.fail(where, "no start URL", 'e.g. start_urls = ["http://www.example.gov.cn/"]')
        for url in start_urls:
            if (
                not isinstance(url, str)
                or urlsplit(url).scheme not in DEFAULT_PORTS
                or not urlsplit(url).hostname
            ):
                raise self.fail(where, f"{url!r} is not an http(s) URL", 'e.g. "http://www.example.gov.cn/"')
            if not scope.contains(url):
                raise self.fail(
                    where,
                    f"{url} is outside the site's scope {scope}",
                    "fix the URL, or add its host to [sites.scope] as also = [{ host = ... }]",
                )
        return tuple(start_urls)

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
                    hostname = url_parts(f"http://{part.host}/").hostname
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
            if (problem := owner_name_problem(name)) is not None:
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
