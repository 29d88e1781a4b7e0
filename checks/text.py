"""Looking for the rubric's phrases in a page's title and visible text.

An error page (soft-404) is told from a page that merely mentions the words by how the phrase is used: an
error page *says* it ("抱歉，您访问的页面不存在！"), in its title or as a short sentence of its own on a
short page, while a help page, a FAQ or an article *talks about* it ("打开链接显示页面不存在怎么办？",
"提示“页面不存在”时请刷新", "关于页面不存在问题的说明").
"""

from __future__ import annotations

import re

from checks.facts import Page

SHORT_PAGE = 400  # characters: an error page says little besides its message
MESSAGE_LENGTH = 40  # characters: the sentence that holds an error message is short
MESSAGE_LEAD = 6  # characters before the phrase in its sentence, beyond words that address the visitor
# Words that address the visitor or apologise: an error message speaks to the reader.
ADDRESS = ("抱歉", "对不起", "您", "你访问", "你要", "Sorry", "sorry", "Oops")
# Words of a question, a condition, an explanation: the phrase is talked about, not said.
TALK = (
    "？",
    "?",
    "吗",
    "如何",
    "怎么",
    "怎样",
    "为什么",
    "为何",
    "如果",
    "若",
    "如遇",
    "遇到",
    "出现",
    "显示",
    "是否",
    "问：",
    "答：",
    "问题",
    "原因",
    "解决",
    "说明",
    "帮助",
    "指南",
    "关于",
)
OPEN_QUOTES = '“「『"‘《【'
# The title of a page that is an error page whatever its text says.
ERROR_TITLE_RE = re.compile(
    r"^(?:(?:error\s*)?40[0-9](?:\s*error|错误)?|错误40[0-9]|错误页面?|页面错误)$", re.IGNORECASE
)
TITLE_SEPARATORS_RE = re.compile(r"\s*[-_|｜—–·]+\s*|\s{2,}")
SENTENCE_END = "。！!？?；;\n"


def mentions(page: Page, phrases: tuple[str, ...]) -> str | None:
    """The first phrase found in the page's visible text, or None."""
    text = page.text or ""
    return next((phrase for phrase in phrases if phrase in text), None)


def is_error_page(page: Page, phrases: tuple[str, ...]) -> bool:
    """A soft-404: its title is an error message (or just "404"), or the page says one of `phrases` as
    its own message: in a short sentence that is neither a question, a condition nor a quotation, on a
    short page, or anywhere when the sentence addresses the visitor ("抱歉，您访问的页面不存在")."""
    if any(_title_is_error(segment, phrases) for segment in TITLE_SEPARATORS_RE.split(page.title or "")):
        return True
    text = page.text or ""
    short = len(text) <= SHORT_PAGE
    for phrase in phrases:
        start = text.find(phrase)
        while start >= 0:
            sentence, lead = _sentence(text, start, len(phrase))
            if _is_message(sentence, lead) and (short or _addresses(lead)):
                return True
            start = text.find(phrase, start + len(phrase))
    return False


def _title_is_error(segment: str, phrases: tuple[str, ...]) -> bool:
    segment = segment.strip()
    if ERROR_TITLE_RE.match(segment):
        return True
    return any(
        phrase in segment and len(segment) <= len(phrase) + 12 and not _talks(segment) for phrase in phrases
    )


def _sentence(text: str, start: int, length: int) -> tuple[str, str]:
    """The sentence around text[start:start + length] (its end mark kept: a question keeps its '？'), and
    the part of it before the phrase. Text nodes were joined with spaces, so a space ends a sentence."""
    begin = start
    while begin > 0 and text[begin - 1] not in SENTENCE_END and text[begin - 1] != " ":
        begin -= 1
    end = start + length
    while end < len(text) and text[end] not in SENTENCE_END and text[end] != " ":
        end += 1
    return text[begin : end + 1], text[begin:start]


def _is_message(sentence: str, lead: str) -> bool:
    if len(sentence) > MESSAGE_LENGTH or _talks(sentence):
        return False
    if lead.endswith(tuple(OPEN_QUOTES)):
        return False  # quoted: the words are cited, not said
    return len(lead) <= MESSAGE_LEAD or _addresses(lead)


def _talks(text: str) -> bool:
    return any(word in text for word in TALK)


def _addresses(text: str) -> bool:
    return any(word in text for word in ADDRESS)
