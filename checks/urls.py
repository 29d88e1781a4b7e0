"""One column, one key: the URL forms under which real sites serve the same list page, folded together.

A column is reached as `/tzgg/`, `/tzgg/index.html`, `/tzgg/index.shtml` or `/tzgg/default.htm`; its further
pages as `index_2.html` (TRS), `list_3.shtml`, `index.html?uid=…&pageNum=3` (Hanweb) or `?page=2`. The
crawler fetches and link-checks each address as it is written; the column checks read them as one column
(`column_key`), so the same list is not taken for navigation "seen on two pages", and page 3 of a column is
not reported as a column of its own whose older items are stale.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# A default document (index.html, default.htm, list.shtml), and one with a page number (index_2.html).
DEFAULT_DOCUMENT_RE = re.compile(r"/(?:index|default|list)\.s?html?$", re.I)
PAGED_DOCUMENT_RE = re.compile(r"/(?:index|default|list)_\d+\.s?html?$", re.I)
# Query parameters that page through a list (Hanweb's list widget `uid` goes with them).
PAGER_PARAMS = frozenset({"page", "pageno", "pagenum", "pageindex", "currentpage", "curpage", "pn", "uid"})


@lru_cache(maxsize=1 << 14)  # asked for every link of a site, which mostly repeat the same targets
def canonical(url: str) -> str:
    """A list URL without its default document: /gzdt/index.html and /gzdt/ are one page."""
    parts = urlsplit(url)
    path = parts.path
    match = DEFAULT_DOCUMENT_RE.search(path)
    if match:
        path = path[: match.start()] + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@lru_cache(maxsize=1 << 14)
def column_key(url: str) -> str:
    """The column a list page belongs to: its canonical URL without pagination (see the module docstring)."""
    parts = urlsplit(canonical(url))
    path = parts.path
    match = PAGED_DOCUMENT_RE.search(path)
    if match:
        path = path[: match.start()] + "/"
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    paging = [name for name, _ in query if name.lower() in PAGER_PARAMS]
    if paging and any(name.lower() != "uid" for name in paging):
        query = [(name, value) for name, value in query if name.lower() not in PAGER_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))
