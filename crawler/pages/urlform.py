"""The one form of a URL that is fetched and stored, for links, pages and start URLs alike: a link value
resolved against its page and percent-encoded as Scrapy encodes a request.

crawler/pages/extract.py applies it to every link of a page and re-exports these names, which the spider
(start URLs, column hints), crawler/pages/lists.py and the page view call through it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "sms:", "about:", "#")
# A URL that percent-encoding leaves as it is: ASCII letters, digits and the characters RFC 3986 allows.
PLAIN_URL_RE = re.compile(r"[A-Za-z0-9\-._~:/?#&=%+,;!$'()*@]*")


def normalize_url(url: str, encoding: str = "utf-8") -> str:
    """The one form of a URL that is fetched and stored, for links, pages and start URLs alike.

    Percent-encoded as Scrapy encodes a request (w3lib's `safe_url_string`: the path as UTF-8, the query
    in the encoding of the page the link is on, as browsers do), so a link written with a raw Chinese
    path or a space matches the row of the page fetched for it. No fragment, lower-case scheme and host,
    '/' for an empty path. Raises ValueError for a URL that cannot be requested (a malformed host or port).
    """
    url = url.strip()
    if not PLAIN_URL_RE.fullmatch(url):  # most URLs are plain ASCII already: safe_url_string costs 6 µs
        url = safe_url_string(url, encoding or "utf-8")
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError on a malformed port
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def resolve(base_url: str, raw: str, encoding: str = "utf-8") -> str | None:
    """An absolute http(s) URL for a link value in the canonical form of `normalize_url` (`encoding`: the
    page's), or None for mailto:, javascript:, same-page anchors and values that are no usable URL."""
    url = resolve_or_error(base_url, raw, encoding)
    return None if isinstance(url, ValueError) else url


@lru_cache(maxsize=1 << 12)
def resolve_or_error(base_url: str, raw: str, encoding: str = "utf-8") -> str | ValueError | None:
    """As `resolve`, but a value that looks like a URL and is malformed (a full-width '／' in the host,
    'http://[', a port that is no number) gives its ValueError: the caller counts it. Returned, not
    raised, so that it is cached like any other answer."""
    value = raw.strip()
    if not value or value.lower().startswith(SKIPPED_SCHEMES):
        return None
    try:
        absolute = urljoin(base_url, value)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        return normalize_url(absolute, encoding)
    except LookupError as error:  # an encoding Python does not know: the page's fault, not the link's
        return ValueError(f"unknown encoding {encoding!r}: {error}")
    except ValueError as error:  # UnicodeError (a host IDNA cannot encode) is a ValueError too
        return error
