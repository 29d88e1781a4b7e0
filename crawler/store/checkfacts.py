"""The crawl facts as the checks read them (`checks.facts`: Page, Link, Entry, meta tags, footers and forms),
loaded by column name.

Each SELECT is built from the dataclass's field names (`select_fields`), each column named after its field,
and the cursor's column names are compared with the fields before `kind(*row)` builds an object: a column
added to or moved in a table, or a field added to or moved in a dataclass, cannot shift a value into
another field. Rows stay plain tuples until then, the fastest way SQLite hands them over.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from checks.facts import Entry, Link, Page
from crawler.store.connection import StoreBase


def _field_names(kind: type) -> tuple[str, ...]:
    if is_dataclass(kind):
        return tuple(field.name for field in fields(kind))
    return tuple(getattr(kind, "_fields"))  # noqa: B009 (a NamedTuple: mypy sees only `type`)


def select_fields(kind: type, alias: str, sources: Mapping[str, str] | None = None) -> str:
    """The select list giving `kind`'s fields in order, each named after its field: `sources` holds the
    expression for a field that is not the column of the same name."""
    sources = sources or {}
    return ", ".join(f"{sources.get(name, f'{alias}.{name}')} as {name}" for name in _field_names(kind))


# Each page's rows are those of its facts run (itself, or the run a 304 carried it from); CROSS JOIN makes
# SQLite walk the site's pages and look each one's rows up by index, never the reverse. Rows keep the
# order they were read in, oldest run first.
_SITE_PAGES = (
    "from pages p cross join {table} {alias} on {alias}.run_id = p.facts_run and {alias}.{page} = p.url"
)
_PAGES_SQL = f"select {select_fields(Page, 'p', {'text': 'p.text_excerpt'})} from pages p where p.run_id = ?"
# SQLite's 1 and 0 stand for the booleans.
_BOOLEANS = {"in_scope": "l.in_scope != 0", "fetchable": "l.fetchable != 0"}
_LINKS_SQL = (
    f"select {select_fields(Link, 'l', _BOOLEANS)} "
    + _SITE_PAGES.format(table="links", alias="l", page="source_url")
    + " where p.run_id = ? and p.site_id = ? order by l.run_id, l.id"
)
_ENTRY_SOURCES = {"list_name": "coalesce(i.list_name, '')"}
_ENTRIES_SQL = (
    f"select {select_fields(Entry, 'i', _ENTRY_SOURCES)} "
    + _SITE_PAGES.format(table="list_items", alias="i", page="page_url")
    + " where p.run_id = ? and p.site_id = ? order by i.run_id, i.id"
)
_META = ("page_url", "name", "content")
_META_SQL = (
    f"select {', '.join(f'm.{name} as {name}' for name in _META)} "
    + _SITE_PAGES.format(table="page_meta", alias="m", page="page_url")
    + " where p.run_id = ? and p.site_id = ?"
)
_FOOTERS = ("page_url", "text", "forms")
_FOOTERS_SQL = (
    f"select {', '.join(f'f.{name} as {name}' for name in _FOOTERS)} "
    + _SITE_PAGES.format(table="footers", alias="f", page="page_url")
    + " where p.run_id = ? and p.site_id = ?"
)


@dataclass(frozen=True)
class SiteRows:
    """What one site's pages held in a run, as the checks' types (the stored part of `SiteFacts`)."""

    links: tuple[Link, ...]
    entries: dict[str, tuple[Entry, ...]]  # by page URL
    meta: dict[str, dict[str, str]]  # by page URL
    footers: dict[str, str]  # by page URL
    forms: dict[str, tuple[dict, ...]]  # by page URL


class CheckFactStore(StoreBase):
    """One run's facts for the checks: every URL of the run, then one site's rows at a time."""

    def run_pages(self, run_id: int) -> list[tuple[Any, ...]]:
        """Every URL of a run with what the checks read of it (link targets may belong to any site): tuples
        whose columns are named after the fields of `checks.facts.Page`, in their order."""
        return self._named_rows(_field_names(Page), _PAGES_SQL, [run_id])

    def check_pages(self, run_id: int) -> dict[str, Page]:
        """Every URL of a run as the checks read it, by URL."""
        pages = [Page(*row) for row in self.run_pages(run_id)]
        return {page.url: page for page in pages}

    def site_facts(self, run_id: int, site_id: str) -> dict[str, list[tuple[Any, ...]]]:
        """What one site's pages held in a run, table by table, as tuples: links and entries with columns
        named after the fields of `checks.facts.Link` and `Entry`, meta (page_url, name, content), footers
        (page_url, text, forms). One site at a time: at 25 sites × 2,000 pages the links alone are half
        a million rows, and plain tuples load four times faster than dicts."""
        params = [run_id, site_id]
        return {
            "links": self._named_rows(Link._fields, _LINKS_SQL, params),
            "entries": self._named_rows(_field_names(Entry), _ENTRIES_SQL, params),
            "meta": self._named_rows(_META, _META_SQL, params),
            "footers": self._named_rows(_FOOTERS, _FOOTERS_SQL, params),
        }

    def site_rows(self, run_id: int, site_id: str) -> SiteRows:
        """What one site's pages held in a run, as the checks' types."""
        raw = self.site_facts(run_id, site_id)
        entries: dict[str, list[Entry]] = defaultdict(list)
        for row in raw["entries"]:
            entry = Entry(*row)
            entries[entry.page_url].append(entry)
        meta: dict[str, dict[str, str]] = defaultdict(dict)
        for page_url, name, content in raw["meta"]:  # the columns of _META
            meta[page_url][name] = content
        return SiteRows(
            links=tuple(map(Link._make, raw["links"])),
            entries={url: tuple(items) for url, items in entries.items()},
            meta=dict(meta),
            footers={page_url: text or "" for page_url, text, _ in raw["footers"]},  # the columns of _FOOTERS
            forms={page_url: tuple(json.loads(forms or "[]")) for page_url, _, forms in raw["footers"]},
        )

    def _named_rows(self, names: tuple[str, ...], sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Rows of `sql`, refused unless its columns are `names` in order: only then may a row be read by
        position (`Page(*row)`, unpacking)."""
        cursor = self.db.execute(sql, params)
        columns = tuple(column[0] for column in cursor.description)
        if columns != names:
            raise RuntimeError(f"columns {columns} are not the fields {names} in order")
        return cursor.fetchall()
