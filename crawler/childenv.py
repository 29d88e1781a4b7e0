"""The environment of the processes duwang starts: no SMTP credentials or other secrets reach them.

`duwang serve` holds DUWANG_SMTP_PASSWORD for the mail it sends; the crawl it starts, the crawl's own
children, Playwright's Node driver and Chromium need none of it, and a renderer that runs a hostile page's
script is the last place a password should sit. Children get `scrubbed_env()`; Chromium gets
`browser_env()`, a short allow-list of what it needs to start (paths, locale, time zone).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

# Names that carry credentials by convention, wherever they come from.
SECRET_RE = re.compile(
    r"^DUWANG_SMTP_|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)API_?KEY|_KEY($|_)|^AWS_|^AZURE_|^GCP_"
    r"|^GOOGLE_APPLICATION_CREDENTIALS$|^SSH_AUTH_SOCK$|^DBUS_SESSION_BUS_ADDRESS$",
    re.I,
)
BROWSER_KEEP = frozenset(
    {"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "FONTCONFIG_PATH", "FONTCONFIG_FILE"}
)
BROWSER_KEEP_PREFIXES = ("LC_", "XDG_")


def scrubbed_env(environ: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """`environ` (default: this process's) without secrets, plus `extra`."""
    source = os.environ if environ is None else environ
    env = {name: value for name, value in source.items() if not SECRET_RE.search(name)}
    env.update(extra)
    return env


def browser_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The few variables Chromium needs, taken from the scrubbed environment."""
    return {
        name: value
        for name, value in scrubbed_env(environ).items()
        if name in BROWSER_KEEP or name.startswith(BROWSER_KEEP_PREFIXES)
    }


def scrub_process_env() -> None:
    """Remove the secrets from this process's own environment (a crawl process never sends mail), so that
    every process it starts, including the ones a library starts with a copy of os.environ, goes without."""
    for name in [name for name in os.environ if SECRET_RE.search(name)]:
        del os.environ[name]
