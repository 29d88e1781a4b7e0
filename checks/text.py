"""Looking for the rubric's phrases in a page's title and visible text."""

from __future__ import annotations

from checks.facts import Page

SHORT_PAGE = 400  # characters: an error page says little besides its message


def mentions(page: Page, phrases: tuple[str, ...]) -> str | None:
    """The first phrase found in the page's visible text, or None."""
    text = page.text or ""
    return next((phrase for phrase in phrases if phrase in text), None)


def is_error_page(page: Page, phrases: tuple[str, ...]) -> bool:
    """A soft-404: the title says so, or a short page does (a long article may quote the words)."""
    title = page.title or ""
    if any(phrase in title for phrase in phrases):
        return True
    return len(page.text or "") <= SHORT_PAGE and mentions(page, phrases) is not None
