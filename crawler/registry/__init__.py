"""The site registry: the TOML file that lists the websites to inspect, read and validated.

`load_registry(path)` returns a `Registry` or raises `RegistryError`, whose message names the file, the line
of the site's table, the site and the field, what is wrong and how to fix it. The format is documented by the
commented example `crawler/sites.example.toml`.

What lives where: model.py holds the data types (`Registry`, `Site`, `Scope`, `Limits`, `AllowList`, the
settings) and the URL parts they match on; load.py reads the file and puts the registry together from the
parsers: sites.py for [[sites]], settings.py for [defaults], [network], [schedule], [mail] and [storage],
and tables.py for what they share (places in the file, error messages, valid ids and addresses).
Every name is imported from here: `from crawler.registry import Registry, load_registry`.
"""

from crawler.registry.load import load_registry
from crawler.registry.model import (
    DEFAULT_PORTS,
    FRESHNESS_CLASSES,
    RENDER_MODES,
    AllowList,
    ColumnHint,
    Limits,
    MailSettings,
    Owner,
    Registry,
    RegistryError,
    ReportSettings,
    Schedule,
    Scope,
    ScopePart,
    Site,
    StorageSettings,
    netloc_of,
)
from crawler.registry.tables import EMAIL_RE, HOSTNAME_RE, ID_RE, OWNER_NAME_FORBIDDEN

__all__ = [
    "DEFAULT_PORTS",
    "EMAIL_RE",
    "FRESHNESS_CLASSES",
    "HOSTNAME_RE",
    "ID_RE",
    "OWNER_NAME_FORBIDDEN",
    "RENDER_MODES",
    "AllowList",
    "ColumnHint",
    "Limits",
    "MailSettings",
    "Owner",
    "Registry",
    "RegistryError",
    "ReportSettings",
    "Schedule",
    "Scope",
    "ScopePart",
    "Site",
    "StorageSettings",
    "load_registry",
    "netloc_of",
]
