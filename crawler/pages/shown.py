"""Text as a browser shows it: whitespace collapsed, no style or script source, but the text a script
writes with `document.write(...)` (often `unescape`d) and the `alt` text of an image standing for words.

Footers are read so: 网站标识码 written by `document.write("网站标识码：...")`, a filing number drawn as an
image with the number as its alt text, are what a person sees at the foot of the page.
"""

from __future__ import annotations

import re
from typing import Any

# document.write("...") or document.write(unescape('...')): the written markup, still escaped.
DOCUMENT_WRITE_RE = re.compile(r"document\.write(?:ln)?\s*\(\s*(?:unescape\s*\(\s*)?([\"'])(.*?)\1", re.S)
TAG_RE = re.compile(r"<[^>]*>")
WHITESPACE_RE = re.compile(r"\s+")
HIDDEN = frozenset({"style", "noscript", "template", "head", "title"})


def clean(text: str | None) -> str:
    return WHITESPACE_RE.sub(" ", text or "").strip()


def shown_text(node: Any) -> str:
    """An element's text as a browser shows it (see the module docstring)."""
    texts: list[str] = []
    _walk(node, texts)
    return clean(" ".join(texts))


def _walk(node: Any, texts: list[str]) -> None:
    tag = node.tag.lower() if isinstance(node.tag, str) else ""
    if tag == "script":
        texts.extend(written_text(node.text or ""))
    elif tag == "img":
        texts.append(node.get("alt") or "")
    elif tag and tag not in HIDDEN:
        texts.append(node.text or "")
        for child in node:
            _walk(child, texts)
    if node.tail:
        texts.append(node.tail)


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
