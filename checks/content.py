"""严重表述错误 and 错别字: each page's stored text (title and main body) matched against the names and
titles of state and local leaders, wrong formulations, common typos and sensitive words
(checks/contentdata.py).

One Aho-Corasick automaton (pyahocorasick) holds every pattern, so a page is read in one pass whatever the
number of words; context rules then run on the few hits only:

- a leader's name misspelt: a homophone one character off (same toneless pinyin, via pypinyin) counts
  only next to one of that leader's own titles (国务院总理李墙, 习近萍总书记), or followed by 同志 for names
  of three characters or more: 李茜同志 is a colleague, not a misspelt 李希;
- a correct name with a wrong title: the name next to a title that only other leaders hold (总书记李强). A
  title between two names is read as the one it belongs to (习近平总书记李强总理), and 副委员长 is not 委员长;
- formulations, typos and sensitive words: exact patterns.

Every finding is a warning awaiting a person's confirmation (`duwang confirm`): a page may quote a wrong form
on purpose, and nothing here vetoes on its own. Each carries the sentence around the match, the suggested
correct form, the page and its title. The same sentence on several pages (a title on its list page and its
article) is one finding, the others listed in its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import ahocorasick
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

from checks.contentdata import ContentLists, Vocabulary, vocabulary
from checks.facts import SiteFacts
from checks.findings import CheckId, Finding, Severity

COMRADE = "同志"
VICE = "副"
GAP = " \u3000\xa0"  # one space may stand between a name and its title
SENTENCE_ENDS = "。！？!?；;\n"
KEY_ENDS = SENTENCE_ENDS + "_|｜"  # a page title's site suffix is no part of the sentence it repeats
CONTEXT = 60  # characters of a sentence kept on each side of the match
KEY_CONTEXT = 8
COMRADE_MIN = 3  # shorter names are too common among ordinary people to read 同志 as a reference
KIND_ORDER = {"article": 0, "static": 1, "list": 2, "navigation": 3}

NAME, TITLE, WORD, COMRADE_MARK = range(4)

NAMES = {
    CheckId.LEADER_NAME: "领导人姓名错误",
    CheckId.LEADER_TITLE: "领导人职务错误",
    CheckId.WRONG_FORMULATION: "严重表述错误",
    CheckId.TYPO: "错别字",
    CheckId.SENSITIVE_WORD: "敏感词",
}


class Hit(NamedTuple):
    check: CheckId
    start: int
    end: int  # exclusive
    matched: str  # the text as the page writes it (with the title, for a name's context)
    right: str  # the correct form; "" for a sensitive word


@lru_cache(maxsize=1 << 14)
def readings(char: str) -> frozenset[str]:
    """The toneless pinyin of a character, every reading of a heteronym."""
    return frozenset(to_normal(r) for r in pinyin_dict.get(ord(char), "").split(",") if r)


def homophone(one: str, other: str) -> bool:
    return one != other and bool(readings(one) & readings(other))


class Matcher:
    """Every pattern of a `Vocabulary` in one automaton; `scan` gives a text's hits, context rules applied.

    Misspelt names are not patterns (a leader's homophones would be thousands, and a root with thousands of
    branches slows every character): the few characters beside each title and 同志 found are looked up
    in `masked`, every leader's name with one character hidden, and kept when the hidden one sounds alike.
    """

    def __init__(self, vocab: Vocabulary) -> None:
        entries: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        owners: dict[str, set[str]] = defaultdict(set)
        self.masked: dict[str, list[str]] = defaultdict(list)
        for leader in vocab.leaders:
            entries[leader.name].append((NAME, leader.name))
            for title in leader.titles:
                owners[title].add(leader.name)
            for index in range(len(leader.name)):
                self.masked[_mask(leader.name, index)].append(leader.name)
        for title, holders in owners.items():
            entries[title].append((TITLE, frozenset(holders)))
        entries[COMRADE].append((COMRADE_MARK,))
        for check, corrections in (
            (CheckId.WRONG_FORMULATION, vocab.formulations),
            (CheckId.TYPO, vocab.typos),
        ):
            entries.update({c.wrong: [*entries[c.wrong], (WORD, check, c.right)] for c in corrections})
        entries.update({w: [*entries[w], (WORD, CheckId.SENSITIVE_WORD, "")] for w in vocab.sensitive})
        self.automaton = ahocorasick.Automaton()
        for key, payloads in entries.items():
            self.automaton.add_word(key, (key, tuple(payloads)))
        self.automaton.make_automaton()
        self.titles = {leader.name: leader.titles for leader in vocab.leaders}
        self.lengths = sorted({len(leader.name) for leader in vocab.leaders})

    def scan(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        names: list[tuple[int, int, str, bool]] = []  # start, end, leader, misspelt
        ending: dict[int, list[tuple[int, str, frozenset[str]]]] = defaultdict(list)
        starting: dict[int, list[tuple[int, str, frozenset[str]]]] = defaultdict(list)
        places: set[tuple[int, int]] = set()  # where a misspelt name may stand: beside a title, before 同志
        for last, (key, payloads) in self.automaton.iter(text):
            start, end = last - len(key) + 1, last + 1
            for payload in payloads:
                if payload[0] == WORD:
                    hits.append(Hit(payload[1], start, end, key, payload[2]))
                elif payload[0] == TITLE:
                    if key[0] != VICE and start > 0 and text[start - 1] == VICE:
                        continue  # 副委员长 is not 委员长
                    ending[end].append((start, key, payload[1]))
                    starting[start].append((end, key, payload[1]))
                    places |= self._beside(text, start, end)
                elif payload[0] == COMRADE_MARK:
                    places |= {(start - size, start) for size in self.lengths if size >= COMRADE_MIN}
                else:
                    names.append((start, end, payload[1], False))
        names += self._misspelt(text, places)
        context = _Context(text, names, ending, starting)
        hits = _outermost(hits)
        hits += [hit for found in names if (hit := context.judge(*found, self.titles)) is not None]
        return sorted(hits, key=lambda hit: hit.start)

    def _beside(self, text: str, start: int, end: int) -> set[tuple[int, int]]:
        """The places of a name of each length just before and just after a title (one space allowed)."""
        before = start - 1 if start and text[start - 1] in GAP else start
        after = end + 1 if end < len(text) and text[end] in GAP else end
        return {(before - size, before) for size in self.lengths} | {
            (after, after + size) for size in self.lengths
        }

    def _misspelt(self, text: str, places: set[tuple[int, int]]) -> list[tuple[int, int, str, bool]]:
        found = []
        for start, end in sorted(places):
            written = text[max(start, 0) : end]
            if start < 0 or len(written) != end - start or written in self.titles:
                continue
            for index, char in enumerate(written):
                leader = next(
                    (
                        name
                        for name in self.masked.get(_mask(written, index), ())
                        if homophone(char, name[index])
                    ),
                    None,
                )
                if leader is not None:
                    found.append((start, end, leader, True))
                    break
        return found


def _mask(name: str, index: int) -> str:
    return f"{name[:index]}\0{name[index + 1 :]}"


def _outermost(hits: list[Hit]) -> list[Hit]:
    """The hits not inside a longer one: a wrong slogan holding a wrong phrase is one error, not two."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda hit: (hit.start, -hit.end)):
        if not kept or hit.end > kept[-1].end:
            kept.append(hit)
    return kept


@dataclass
class _Context:
    """The titles and names found in one text, by position, for the name rules."""

    text: str
    names: list[tuple[int, int, str, bool]]
    ending: dict[int, list[tuple[int, str, frozenset[str]]]]
    starting: dict[int, list[tuple[int, str, frozenset[str]]]]

    def __post_init__(self) -> None:
        self.name_ends = {end: name for _, end, name, misspelt in self.names if not misspelt}
        self.name_starts = {start: name for start, _, name, misspelt in self.names if not misspelt}

    def before(self, start: int) -> tuple[int, str, frozenset[str]] | None:
        """The longest title ending just before `start` (one space allowed), if any."""
        found = self.ending.get(start) or (
            self.ending.get(start - 1) if start and self.text[start - 1] in GAP else None
        )
        return max(found, key=lambda t: len(t[1])) if found else None

    def after(self, end: int) -> tuple[int, str, frozenset[str]] | None:
        found = self.starting.get(end) or (
            self.starting.get(end + 1) if end < len(self.text) and self.text[end] in GAP else None
        )
        return max(found, key=lambda t: len(t[1])) if found else None

    def judge(
        self, start: int, end: int, leader: str, misspelt: bool, titles: dict[str, tuple[str, ...]]
    ) -> Hit | None:
        before, after = self.before(start), self.after(end)
        written = self.text[start:end]
        if misspelt:
            for title in (before, after):
                if title is not None and leader in title[2]:
                    return Hit(CheckId.LEADER_NAME, start, end, written, leader)
            comrade = self.text[end : end + len(COMRADE)] == COMRADE
            if comrade and len(leader) >= COMRADE_MIN:
                return Hit(CheckId.LEADER_NAME, start, end, written, leader)
            return None
        right = f"{leader}（{titles[leader][0]}）" if titles[leader] else leader
        if before is not None and leader not in before[2] and self.name_ends.get(before[0]) not in before[2]:
            return Hit(CheckId.LEADER_TITLE, before[0], end, self.text[before[0] : end], right)
        if after is not None and leader not in after[2] and self.name_starts.get(after[0]) not in after[2]:
            return Hit(CheckId.LEADER_TITLE, start, after[0], self.text[start : after[0]], right)
        return None


@lru_cache(maxsize=8)
def matcher_for(extra: ContentLists) -> Matcher:
    """One matcher per set of lists: an inspection builds it once, for every site."""
    return Matcher(vocabulary(extra))


def sentence(text: str, start: int, end: int, ends: str = SENTENCE_ENDS, context: int = CONTEXT) -> str:
    """The sentence holding text[start:end], cut to `context` characters on each side."""
    left = max(max(text.rfind(mark, 0, start) for mark in ends) + 1, start - context)
    rights = [found + 1 for mark in ends if (found := text.find(mark, end)) >= 0]  # the mark ends it
    right = min([*rights, end + context, len(text)])
    return text[left:right].strip()


def check_content(facts: SiteFacts) -> list[Finding]:
    """One warning per wrong form and page, the sentence around its first occurrence as evidence."""
    matcher = matcher_for(facts.content)
    found: dict[tuple[str, CheckId, str, str], dict[str, Any]] = {}
    by_sentence: dict[tuple[CheckId, str, str, str], dict[str, Any]] = {}

    def order(url: str) -> tuple[int, str]:
        page = facts.pages.get(url)
        return KIND_ORDER.get((page.kind if page else None) or "", 4), url

    for url in sorted(facts.texts, key=order):
        page = facts.pages.get(url)
        title = (page.title if page else None) or ""
        text = f"{title}\n{facts.texts[url]}"
        for hit in matcher.scan(text):
            near = sentence(text, hit.start, hit.end, KEY_ENDS, KEY_CONTEXT)
            seen = by_sentence.get((hit.check, hit.matched, hit.right, near))
            if seen is not None and seen["url"] != url:
                seen["also_on"] = sorted({*seen.get("also_on", []), url})
                continue
            record = found.get((url, hit.check, hit.matched, hit.right))
            if record is not None:
                record["count"] += 1
                continue
            record = {
                "url": url,
                "title": title,
                "sentence": sentence(text, hit.start, hit.end),
                "matched": hit.matched,
                "suggested": hit.right,
                "count": 1,
                "check": hit.check,
            }
            found[(url, hit.check, hit.matched, hit.right)] = record
            by_sentence[(hit.check, hit.matched, hit.right, near)] = record
    return [_finding(facts.site_id, record) for record in found.values()]


def _finding(site_id: str, record: dict[str, Any]) -> Finding:
    check: CheckId = record.pop("check")
    matched, right = record["matched"], record["suggested"]
    if check is CheckId.SENSITIVE_WORD:
        what = f"页面含敏感词“{matched}”，请核实后删除"
    elif check is CheckId.LEADER_TITLE:
        what = f"疑似领导人职务错误：“{matched}”，应为 {right}"
    else:
        what = f"疑似{NAMES[check]}：“{matched}”应为“{right}”"
    evidence = dict(record)
    if check in (CheckId.LEADER_NAME, CheckId.LEADER_TITLE):
        evidence["leaders_as_of"] = vocabulary().leaders_as_of
    return Finding(
        site_id=site_id,
        check=check,
        severity=Severity.WARNING,
        detail=f"{what}（原句：{record['sentence']}）。待人工确认（duwang confirm）后计入扣分或否决。",
        url=record["url"],
        page=record["url"],
        element=f"{matched}→{right}" if right else matched,
        evidence=evidence,
    )
