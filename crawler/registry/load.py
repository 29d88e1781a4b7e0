"""Reading a registry file: `load_registry(path)` returns a `Registry` or raises `RegistryError`, naming the
place of the first problem.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.registry.content import parse_content
from crawler.registry.model import Limits, Registry, RegistryError, Site
from crawler.registry.sites import SiteParser

if TYPE_CHECKING:
    from crawler.registry.alerts import AlertChannel


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


class _Parser(SiteParser):
    """The whole file: every table in order, then the checks across sites."""

    def registry(self, data: dict[str, Any]) -> Registry:
        self.unknown(
            data,
            {"defaults", "network", "sites", "schedule", "mail", "storage", "report", "content", "alerts"},
            "top level",
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
            report=self.report(data.get("report", {})),
            content=parse_content(data.get("content", {}), self.fail),
            alerts=self.alerts(data.get("alerts", [])),
        )

    def alerts(self, raw: Any) -> tuple[AlertChannel, ...]:
        from crawler.registry.alerts import parse_channels

        return parse_channels(raw, self.fail)
