"""Consultation messages (`messages`): the rows of mailbox list tables and letters' own pages that
crawler/pages/mailbox.py reads, for the 互动回应 check (checks/interaction.py). Written with the other facts
by `FactStore.write_facts`; a page carried over unchanged (304) references the rows of its facts run, so they
are stored once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checks.facts import Message
from crawler.items import PageFact
from crawler.store.checkfacts import select_fields

if TYPE_CHECKING:
    from crawler.store import Store

MESSAGE_COLUMNS = (
    "run_id",
    "site_id",
    "page_url",
    "position",
    "title",
    "url",
    "asked_text",
    "replied_text",
    "state",
    "source",
)
_MESSAGE_SQL = (
    f"select {select_fields(Message, 'g')} from pages p"
    " cross join messages g on g.run_id = p.facts_run and g.page_url = p.url"
    " where p.run_id = ? and p.site_id = ? order by g.run_id, g.id"
)


def message_rows(run_id: int, facts: list[PageFact]) -> list[tuple[Any, ...]]:
    """The rows of `messages` for a batch: pages read now (a carried page references its facts run)."""
    return [
        (run_id, fact.site_id, fact.url, *(getattr(message, name) for name in MESSAGE_COLUMNS[3:]))
        for fact in facts
        if fact.carried_from is None
        for message in fact.messages
    ]


def site_messages(store: Store, run_id: int, site_id: str) -> tuple[Message, ...]:
    """The messages read on one site's pages in a run, in the order they were read (carried pages' from
    their facts run), loaded by column name."""
    names = tuple(Message.__dataclass_fields__)
    return tuple(Message(*row) for row in store._named_rows(names, _MESSAGE_SQL, [run_id, site_id]))
