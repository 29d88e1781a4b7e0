"""The word lists of the content check (checks/content.py): state leaders with their titles, wrong
formulations, typo pairs and sensitive words, read from the shipped data files in checks/data/, plus the
operator's additions from the registry (`ContentLists`, built by crawler/registry/).

Plain frozen data, hashable, so a matcher built from one set of lists is built once per process.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Leader:
    name: str
    titles: tuple[str, ...]


@dataclass(frozen=True)
class Correction:
    wrong: str
    right: str  # "" for a sensitive word: to be removed


@dataclass(frozen=True)
class ContentLists:
    """The operator's additions (registry `[content]`): local leaders and sensitive words."""

    leaders: tuple[Leader, ...] = ()
    sensitive_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """Everything the content check matches, shipped lists and the operator's together."""

    leaders: tuple[Leader, ...]
    formulations: tuple[Correction, ...]
    typos: tuple[Correction, ...]
    sensitive: tuple[str, ...]
    leaders_as_of: str


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def shipped() -> Vocabulary:
    """The lists shipped in checks/data/ (leaders.toml with its as-of date, content.toml)."""
    leaders_file = _read("leaders.toml")
    content = _read("content.toml")
    return Vocabulary(
        leaders=tuple(Leader(raw["name"], tuple(raw["titles"])) for raw in leaders_file["leaders"]),
        formulations=tuple(Correction(raw["wrong"], raw["right"]) for raw in content["formulations"]),
        typos=tuple(Correction(raw["wrong"], raw["right"]) for raw in content["typos"]),
        sensitive=tuple(content["sensitive"]["words"]),
        leaders_as_of=str(leaders_file["as_of"]),
    )


@lru_cache(maxsize=8)
def vocabulary(extra: ContentLists = ContentLists()) -> Vocabulary:
    """The shipped lists with the operator's laid over them: a leader named in both keeps every title."""
    base = shipped()
    titles: dict[str, list[str]] = {}
    for leader in (*base.leaders, *extra.leaders):
        titles.setdefault(leader.name, [])
        titles[leader.name] += [t for t in leader.titles if t not in titles[leader.name]]
    return Vocabulary(
        leaders=tuple(Leader(name, tuple(found)) for name, found in titles.items()),
        formulations=base.formulations,
        typos=base.typos,
        sensitive=tuple(dict.fromkeys((*base.sensitive, *extra.sensitive_words))),
        leaders_as_of=base.leaders_as_of,
    )
