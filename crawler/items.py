"""The facts a crawl records, as plain dataclasses (Scrapy items through itemadapter).

One `PageFact` is yielded per fetched (or deliberately not fetched) URL; it carries what was seen on it:
its links, the dated list entries, the meta tags and, for a site's start pages, the footer and forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LinkFact:
    target_url: str
    tag: str  # a, img, link, script, iframe, ... or "script" for pagination written by createPageHTML()
    attr: str  # href, src, or the script function that produced it
    kind: str  # crawler.vocab.LinkKind
    anchor_text: str = ""
    in_scope: bool = False  # inside the linking page's own site
    fetchable: bool = True  # on the network allow-list


@dataclass
class ListItemFact:
    container: str  # the list's container as a short path plus its number on the page: "div.list>ul#2"
    position: int
    title: str
    url: str | None
    date_text: str | None
    list_name: str = ""  # the heading or tab label the page shows for the list


@dataclass
class MessageFact:
    """One message of a consultation column (crawler/pages/mailbox.py): a list table's row, or a message's
    page."""

    position: int
    title: str
    url: str | None  # the message's own page: the key that joins a list row with that page
    asked_text: str | None  # raw 留言时间
    replied_text: str | None  # raw 回复时间; None: not shown (unanswered, or the list does not say)
    state: str | None  # 已回复, 未回复, 办理中, ... as written
    source: str  # list | page


@dataclass
class PageFact:
    url: str
    site_id: str | None  # the site whose scope holds the URL, else the site whose page linked it first
    role: str  # crawler.vocab.FetchRole
    depth: int
    referer: str | None = None
    status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    size: int | None = None
    elapsed: float | None = None
    title: str | None = None
    content_hash: str | None = None
    fetched_at: str | None = None
    error: str | None = None  # crawler.vocab.FetchError when no HTTP status was obtained
    error_detail: str | None = None
    encoding: str | None = None
    text_excerpt: str | None = None  # the first visible text: error pages, 暂无信息 notes
    kind: str | None = (
        None  # article | list | navigation | static (crawler/pages/pagekind.py); None: not read
    )
    kind_evidence: str | None = None  # JSON: the signals that decided `kind`
    script_count: int = 0
    render_state: str | None = None  # rendered | needs_render (no browser) | pending; None: not needed
    reprobe_status: int | None = None  # the second probe of a transient failure, after the crawl
    reprobe_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    revalidated: bool = False  # answered 304: the facts are the previous run's, carried over
    # What could not be read on the page (one line per malformed attribute or failed part): left out,
    # the page itself stored as any other.
    extract_errors: str | None = None
    # The run whose links, list entries, meta tags and footer this page carries over (a 304): the store
    # copies them in SQL; `links` then holds them only for the spider to follow.
    carried_from: int | None = None
    links: list[LinkFact] = field(default_factory=list)
    list_items: list[ListItemFact] = field(default_factory=list)
    messages: list[MessageFact] = field(
        default_factory=list
    )  # consultation messages (crawler/pages/mailbox.py)
    meta: dict[str, str] = field(default_factory=dict)
    footer: str | None = None
    forms: list[dict] | None = None
    body_text: str | None = None  # the main text for the content check (crawler/pages/pagetext.py)
