"""What the registry's parsers share: where in the file a problem is, the one-line error naming it, the
check for unknown fields, and what a valid id, address, host name or display name looks like.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from crawler.registry.model import RegistryError

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# An address as it may stand in an SMTP envelope and a header, whole (fullmatch: `$` would let a trailing
# newline through): no white space, no control characters, nothing that delimits or comments an address.
_ADDRESS_CHAR = r"[^@\s<>()\[\]\\,;:\"\x00-\x1f\x7f]"
EMAIL_RE = re.compile(rf"{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+")
# Characters that let a display name pose as, or smuggle in, an address of its own.
OWNER_NAME_FORBIDDEN = "<>@\"'"
HOSTNAME_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class TableParser:
    """Turns the parsed TOML into dataclasses, keeping track of where in the file each site is.

    The tables themselves are read by the subclasses: settings.py, sites.py, and load.py, which puts the
    registry together.
    """

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.site_lines = [
            number
            for number, line in enumerate(text.splitlines(), start=1)
            if re.match(r"^\s*\[\[\s*sites\s*\]\]", line)
        ]

    def fail(self, where: str, problem: str, fix: str) -> RegistryError:
        return RegistryError(f"{self.path}: {where}: {problem} ({fix})")

    def where(self, index: int, site_id: Any, name: str, needle: str | None = None) -> str:
        """The place of a site's field: the line of its [[sites]] table, or of `needle` within that table."""
        number = self.site_lines[index] if index < len(self.site_lines) else None
        if number is not None and needle:
            end = self.site_lines[index + 1] if index + 1 < len(self.site_lines) else len(self.lines) + 1
            number = next(
                (n for n in range(number, end) if needle.lower() in self.lines[n - 1].lower()), number
            )
        line = f"line {number}, " if number is not None else ""
        label = f"site {site_id!r}" if isinstance(site_id, str) and site_id else f"sites[{index}]"
        return f"{line}{label}, field {name!r}"

    def unknown(self, table: dict[str, Any], known: set[str], where: str) -> None:
        for key in table:
            if key not in known:
                raise self.fail(
                    f"{where}, field {key!r}", "unknown field", f"known fields: {', '.join(sorted(known))}"
                )


def control_character(text: str) -> str | None:
    """The first control, format or line-separator character in `text` (none may reach a header or a log)."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            return char
    return None


def owner_name_problem(name: str) -> str | None:
    """Why `name` cannot be a mail display name, or None: it must name the owner and nothing else."""
    if (char := control_character(name)) is not None:
        return f"holds the control character {char!r}"
    if smuggled := sorted({char for char in name if char in OWNER_NAME_FORBIDDEN}):
        return f"holds {' '.join(smuggled)}, which could pass an address off as the owner's"
    return None
