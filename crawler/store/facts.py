"""Crawl facts: what each page of a run showed (`pages`, `links`, `list_items`, `page_meta`, `footers`),
written in batches by the crawl and read back by the next crawl (validators, carried-over pages) and the
reports. The checks load them through `crawler.store.checkfacts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from crawler.items import LinkFact, PageFact
from crawler.store.checkfacts import select_fields
from crawler.store.connection import StoreBase
from crawler.store.messages import MESSAGE_COLUMNS, message_rows
from crawler.store.texts import PAGE_TEXT_COLUMNS, page_text_rows

# PageFact's attributes stored as `pages` columns of the same name.
_PAGE_COLUMNS = (
    "url",
    "site_id",
    "role",
    "depth",
    "referer",
    "status",
    "final_url",
    "content_type",
    "size",
    "elapsed",
    "title",
    "content_hash",
    "fetched_at",
    "error",
    "error_detail",
    "encoding",
    "text_excerpt",
    "script_count",
    "render_state",
    "reprobe_status",
    "reprobe_error",
    "etag",
    "last_modified",
    "revalidated",
    "kind",
    "kind_evidence",
    "extract_errors",
)
_LINK_COLUMNS = (
    "run_id",
    "site_id",
    "source_url",
    "target_url",
    "tag",
    "attr",
    "kind",
    "anchor_text",
    "in_scope",
    "fetchable",
)
_LIST_ITEM_COLUMNS = (
    "run_id",
    "site_id",
    "page_url",
    "container",
    "position",
    "title",
    "url",
    "date_text",
    "list_name",
)


class FactStore(StoreBase):
    """Pages and what was seen on them: written by the crawl, read by the crawl, the checks and reports."""

    def write_facts(self, run_id: int, facts: list[PageFact]) -> None:
        """Store a batch of page facts and everything seen on them, in one transaction."""
        pages: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        metas: list[tuple[Any, ...]] = []
        footers: list[tuple[Any, ...]] = []
        for fact in facts:
            # A carried page references the rows of the run that read it; only a page read now adds rows.
            facts_run = run_id if fact.carried_from is None else fact.carried_from
            pages.append((run_id, *(getattr(fact, name) for name in _PAGE_COLUMNS), facts_run))
            if fact.carried_from is not None:
                continue
            links.extend(_link_rows(run_id, fact))
            items.extend(_list_item_rows(run_id, fact))
            metas.extend((run_id, fact.url, name, content) for name, content in fact.meta.items())
            if fact.footer is not None or fact.forms:
                forms = json.dumps(fact.forms or [], ensure_ascii=False)
                footers.append((run_id, fact.site_id, fact.url, fact.footer, forms))
        with self.transaction():
            # replace: a URL is stored once per run; a later, fuller fact (e.g. after a retry) wins.
            self._insert_rows("pages", ("run_id", *_PAGE_COLUMNS, "facts_run"), pages, replace=True)
            self._insert_rows("links", _LINK_COLUMNS, links)
            self._insert_rows("list_items", _LIST_ITEM_COLUMNS, items)
            self._insert_rows("page_meta", ("run_id", "page_url", "name", "content"), metas, replace=True)
            self._insert_rows(
                "footers", ("run_id", "site_id", "page_url", "text", "forms"), footers, replace=True
            )
            self._insert_rows("page_texts", PAGE_TEXT_COLUMNS, page_text_rows(run_id, facts), replace=True)
            self._insert_rows("messages", MESSAGE_COLUMNS, message_rows(run_id, facts))

    def _insert_rows(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], replace: bool = False
    ) -> None:
        # The crawl's hot path: plain executemany over tuples, each insert naming its columns. sqlite-utils'
        # insert_all inspects and converts every value of every row, which cost a tenth of the crawl's CPU.
        verb = "insert or replace" if replace else "insert"
        placeholders = ", ".join("?" * len(columns))
        sql = f"{verb} into [{table}] ({', '.join(columns)}) values ({placeholders})"
        self.db.conn.executemany(sql, rows)

    # -- read by the crawl ------------------------------------------------------------------------------

    def validators(self, run_id: int) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified of the pages a run crawled, for conditional requests in the next run."""
        rows = self.db.query(
            "select url, etag, last_modified from pages where run_id = ? and role = 'page' and status = 200"
            " and (etag is not null or last_modified is not null)"
            # A URL answered through redirects holds the landing page's validators: asking the URL with
            # them gets a 304 for a page stored under another name. Such URLs are fetched afresh.
            " and (final_url is null or final_url = url)"
            # A page filled by script can change while its HTML does not: it is always read again.
            " and render_state is null",
            [run_id],
        )
        return {row["url"]: (row["etag"], row["last_modified"]) for row in rows}

    def trouble_paths(self, run_id: int, errors: Iterable[str]) -> set[str]:
        """URLs of a run that failed in a way that may pass (`errors`, or a 5xx), with every page on the
        referer chain from a start page to each of them."""
        codes = sorted(str(error) for error in errors)
        marks = ", ".join("?" * len(codes))
        rows = self.db.query(
            "with recursive chain(url) as ("
            f" select url from pages where run_id = ? and (error in ({marks}) or status >= 500)"
            " union"
            " select p.referer from pages p join chain c on p.url = c.url"
            " where p.run_id = ? and p.referer is not null"
            ") select url from chain",
            [run_id, *codes, run_id],
        )
        return {row["url"] for row in rows}

    def carried_fact(self, run_id: int, url: str) -> PageFact | None:
        """An unchanged page's fact to carry over from a run: its row and its links (for the spider to
        follow); the rest is copied by `write_facts` in SQL."""
        row = self.page(run_id, url)
        if row is None:
            return None
        fact = PageFact(**{name: row[name] for name in _PAGE_COLUMNS})
        # The run holding its rows: `run_id` itself, or the earlier run `run_id` carried the page from.
        fact.carried_from = row["facts_run"] if row["facts_run"] is not None else run_id
        fact.links = [
            LinkFact(**{**link, "in_scope": bool(link["in_scope"]), "fetchable": bool(link["fetchable"])})
            for link in self.db.query(
                f"select {select_fields(LinkFact, 'links')} from links"
                " where run_id = ? and source_url = ? order by id",
                [fact.carried_from, url],
            )
        ]
        return fact

    def run_urls(self, run_id: int) -> set[str]:
        """Every URL a run fetched, or reached by redirect."""
        rows = self.db.query("select url, final_url from pages where run_id = ?", [run_id])
        return {url for row in rows for url in (row["url"], row["final_url"]) if url}

    def unfetched_link_targets(self, run_id: int) -> list[tuple[str, str, str, str, int]]:
        """Link targets on the allow-list that no row of the run answers for (neither as its URL nor as
        where a redirect landed): (target, linking site, one linking page, its kinds joined by ',', depth).

        After a crawl spread over processes these are links into a site another process crawled, which
        that process never reached (a deep page, an image only other sites use), plus pages left out by a
        site's page budget.
        """
        return self.db.execute(
            "with missing as ("
            " select l.target_url, min(s.site_id) as site_id, min(l.source_url) as source_url,"
            " group_concat(distinct l.kind) as kinds from pages s"
            " cross join links l on l.run_id = s.facts_run and l.source_url = s.url"
            " where s.run_id = ? and l.fetchable = 1"
            " and not exists (select 1 from pages p where p.run_id = s.run_id and p.url = l.target_url)"
            " group by l.target_url"
            ") select m.target_url, m.site_id, m.source_url, m.kinds, coalesce(p.depth, 0) + 1 from missing m"
            " left join pages p on p.run_id = ? and p.url = m.source_url"
            " where not exists (select 1 from pages f where f.run_id = ? and f.final_url = m.target_url)"
            " order by m.target_url",
            [run_id, run_id, run_id],
        ).fetchall()

    # -- read by reports -------------------------------------------------------------------

    def page(self, run_id: int, url: str) -> dict[str, Any] | None:
        # A plain query: `carried_fact` asks once per unchanged page; Table.get reads the schema every time.
        rows = list(self.db.query("select * from pages where run_id = ? and url = ?", [run_id, url]))
        return rows[0] if rows else None

    def pages(self, run_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        where, params = "run_id = ?", list[Any]([run_id])
        if site_id is not None:
            where, params = where + " and site_id = ?", [*params, site_id]
        return list(self.db.table("pages").rows_where(where, params, order_by="rowid"))

    def links(self, run_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        """Every link on the run's pages (those its pages carried over included), as rows of `links` with
        the run's id and the linking page's site."""
        sql = (
            "select l.id, p.run_id, p.site_id, l.source_url, l.target_url, l.tag, l.attr, l.kind,"
            " l.anchor_text, l.in_scope, l.fetchable"
            " from pages p cross join links l on l.run_id = p.facts_run and l.source_url = p.url"
            " where p.run_id = ?"
        )
        params: list[Any] = [run_id]
        if site_id is not None:
            sql, params = sql + " and p.site_id = ?", [*params, site_id]
        return list(self.db.query(sql + " order by l.run_id, l.id", params))

    def list_items(self, run_id: int, page_url: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from list_items where run_id = ? and page_url = ? order by container, position",
                [self.facts_run(run_id, page_url), page_url],
            )
        )

    def page_meta(self, run_id: int, page_url: str) -> dict[str, str]:
        rows = self.db.query(
            "select name, content from page_meta where run_id = ? and page_url = ?",
            [self.facts_run(run_id, page_url), page_url],
        )
        return {row["name"]: row["content"] for row in rows}

    def footers(self, run_id: int, site_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select p.run_id, p.site_id, f.page_url, f.text, f.forms from pages p"
                " cross join footers f on f.run_id = p.facts_run and f.page_url = p.url"
                " where p.run_id = ? and p.site_id = ?",
                [run_id, site_id],
            )
        )

    def facts_run(self, run_id: int, page_url: str) -> int:
        """The run whose rows hold what the page showed in `run_id` (an earlier run when carried over)."""
        rows = list(
            self.db.query("select facts_run from pages where run_id = ? and url = ?", [run_id, page_url])
        )
        return rows[0]["facts_run"] if rows and rows[0]["facts_run"] is not None else run_id


def _link_rows(run_id: int, fact: PageFact) -> Iterable[tuple[Any, ...]]:
    """`links` rows of a page, in the order of `_LINK_COLUMNS`."""
    return (
        (
            run_id,
            fact.site_id,
            fact.url,
            link.target_url,
            link.tag,
            link.attr,
            link.kind,
            link.anchor_text,
            int(link.in_scope),
            int(link.fetchable),
        )
        for link in fact.links
    )


def _list_item_rows(run_id: int, fact: PageFact) -> Iterable[tuple[Any, ...]]:
    """`list_items` rows of a page, in the order of `_LIST_ITEM_COLUMNS`."""
    return (
        (
            run_id,
            fact.site_id,
            fact.url,
            item.container,
            item.position,
            item.title,
            item.url,
            item.date_text,
            item.list_name,
        )
        for item in fact.list_items
    )
