"""Page texts: each page's main text (title and body, or a list's entry titles), zlib-compressed, for the
content check (checks/content.py). Written with the other facts by `FactStore.write_facts`; a page carried
over unchanged (304) references the text of its facts run, so it is stored once.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from crawler.items import PageFact

if TYPE_CHECKING:
    from crawler.store import Store

PAGE_TEXT_COLUMNS = ("run_id", "page_url", "text")


def page_text_rows(run_id: int, facts: list[PageFact]) -> list[tuple[int, str, bytes]]:
    """The rows of `page_texts` for a batch: pages read now (a carried page references its facts run)."""
    return [
        (run_id, fact.url, zlib.compress(fact.body_text.encode("utf-8"), 6))
        for fact in facts
        if fact.carried_from is None and fact.body_text
    ]


def page_texts(store: Store, run_id: int, site_id: str) -> dict[str, str]:
    """The main text of each page of one site in a run, by URL (carried pages read from their facts run)."""
    rows = store.db.execute(
        "select t.page_url, t.text from pages p"
        " cross join page_texts t on t.run_id = p.facts_run and t.page_url = p.url"
        " where p.run_id = ? and p.site_id = ?",
        [run_id, site_id],
    )
    return {url: zlib.decompress(blob).decode("utf-8") for url, blob in rows}
