"""Text as a browser shows it: whitespace collapsed, no style or script source, but the text a script
writes with `document.write(...)` (often `unescape`d) and the `alt` text of an image standing for words.

Footers are read so: 网站标识码 written by `document.write("网站标识码：...")`, a filing number drawn as an
image with the number as its alt text, are what a person sees at the foot of the page.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

# document.write("...") or document.write(unescape('...')): the written markup, still escaped.
DOCUMENT_WRITE_RE = re.compile(r"document\.write(?:ln)?\s*\(\s*(?:unescape\s*\(\s*)?([\"'])(.*?)\1", re.S)
TAG_RE = re.compile(r"<[^>]*>")
WHITESPACE_RE = re.compile(r"\s+")
# Text nodes and image alt texts in document order; the text of a script is its source (see _shown).
SHOWN = etree.XPath(
    "descendant-or-self::text()[not(ancestor::style or ancestor::noscript or ancestor::template"
    " or ancestor::head)] | descendant-or-self::img/@alt",
    smart_strings=True,  # each text knows the element holding it
)
PLAIN_SHOWN = etree.XPath(
    "descendant-or-self::text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template or ancestor::head)] | descendant-or-self::img/@alt",
    smart_strings=False,
)
LAST_WRITERS = etree.XPath(
    "(descendant-or-self::script[not(@src)][contains(., 'document.write')])[position() > last() - 3]/text()",
    smart_strings=False,
)


def clean(text: str | None) -> str:
    return WHITESPACE_RE.sub(" ", text or "").strip()


def shown_text(node: Any) -> str:
    """An element's text as a browser shows it (see the module docstring)."""
    return clean(" ".join(_shown(text) for text in SHOWN(node)))


def shown_tail(node: Any, chars: int) -> str:
    """The last `chars` characters of an element's shown text, then what its last few writing scripts
    write (a footer's `document.write` stands near the end). Read with plain strings: a whole page's
    texts are too many to follow each to its element."""
    text = clean(" ".join(PLAIN_SHOWN(node)))[-chars:]
    written = [part for script in LAST_WRITERS(node) for part in written_text(script)]
    return clean(" ".join([text, *written]))


def _shown(text: Any) -> str:
    """One text node or alt attribute as shown: a script's own text is what it writes."""
    if text.is_attribute:
        return str(text)
    holder = text.getparent()
    if not text.is_tail and holder is not None and holder.tag == "script":
        return " ".join(written_text(str(text)))
    return str(text)


def written_text(script: str) -> list[str]:
    """The text that `document.write(...)` calls of an inline script put into the page, tags removed."""
    if "document.write" not in script:
        return []
    written = (unescape(call.group(2)) for call in DOCUMENT_WRITE_RE.finditer(script))
    return [text for markup in written if (text := clean(TAG_RE.sub(" ", markup)))]


def unescape(text: str) -> str:
    """JavaScript's unescape(): %XX and %uXXXX escapes (what a CMS hides its badge markup behind)."""
    text = re.sub(r"%u([0-9A-Fa-f]{4})", lambda match: chr(int(match.group(1), 16)), text)
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda match: chr(int(match.group(1), 16)), text)
