"""The key areas' synonym table (checks/data/keyareas.toml), read once: each area's name, the freshness class
its newest item is held to and the words a column name of the area contains, and the words of a year's
budget and final accounts. Read by the key-area check (checks/keyareas.py) and by the rubric's validation of
[key_areas] (checks/rules.py), which names the known areas.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "keyareas.toml"


@dataclass(frozen=True)
class Area:
    name: str
    freshness: str  # the class whose limit in [freshness] the area's newest item is held to
    words: tuple[str, ...]

    def names(self, text: str) -> bool:
        return any(word in text for word in self.words)


@dataclass(frozen=True)
class FiscalWords:
    budget: tuple[str, ...]
    final_accounts: tuple[str, ...]
    not_budget: tuple[str, ...]


@lru_cache(maxsize=1)
def _data() -> tuple[tuple[Area, ...], FiscalWords]:
    raw = tomllib.loads(DATA.read_text(encoding="utf-8"))
    areas = tuple(Area(a["name"], a["freshness"], tuple(a["words"])) for a in raw["areas"])
    fiscal = raw["fiscal"]
    words = FiscalWords(tuple(fiscal["budget"]), tuple(fiscal["final_accounts"]), tuple(fiscal["not_budget"]))
    return areas, words


def areas() -> tuple[Area, ...]:
    """The shipped synonym table."""
    return _data()[0]


def area_names() -> tuple[str, ...]:
    return tuple(area.name for area in areas())


def fiscal_words() -> FiscalWords:
    """The words that make a title the year's budget or final accounts."""
    return _data()[1]
