"""The registry's [[alerts]] tables: the duty group's chat robots (企业微信, 钉钉, 飞书 and any other Apprise
channel), validated when the registry is read.

A channel is a name, an Apprise URL such as "wecombot://${DUWANG_WECOM_KEY}", the events wanted and how many
failed homepage probes in a row make an outage worth its `unreachable` alert (`outage_after`). `${NAME}`
is replaced by the environment variable NAME only when a message is sent (`AlertChannel.resolve`): a robot's
key lives in the service's environment, never in the registry, the database or a log line. Sending is
crawler/app/alerts.py's; what the messages say, reports/alerts.py's.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

EVENTS = ("unreachable", "veto", "inspection_done")  # what an [[alerts]] channel may ask for
FIELDS = ("events", "name", "outage_after", "url")
# One slow answer or one 503 at night is no outage: the duty group hears of it from the second failed probe
# in a row (about half an hour to an hour at the default schedule).
OUTAGE_AFTER = 2
MAX_OUTAGE_AFTER = 48  # a day of probes at the default schedule: more would alert no outage worth the name
# Robots whose URL holds nothing but the key: written literally it would sit in the registry file.
ROBOT_SCHEMES = frozenset({"wecombot", "dingtalk", "feishu", "lark"})
PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://\S+$")


class AlertConfigError(Exception):
    """A channel that cannot be used as configured (e.g. its environment variable is not set)."""


@dataclass(frozen=True)
class AlertChannel:
    """One [[alerts]] table: where to send (an Apprise URL with ${ENV} placeholders) and which events."""

    name: str  # how logs, `alert_log` and `duwang alert` name the channel
    url: str  # as written in the registry: placeholders unexpanded
    events: frozenset[str]
    outage_after: int = OUTAGE_AFTER  # failed homepage probes in a row before `unreachable` is sent

    def resolve(self, environ: Mapping[str, str]) -> tuple[str, list[str]]:
        """The URL to send to, and the secret values put into it (to strip from any error text)."""
        missing = [name for name in PLACEHOLDER_RE.findall(self.url) if not environ.get(name)]
        if missing:
            raise AlertConfigError(
                f"告警通道“{self.name}”：环境变量 {', '.join(missing)} 未设置 not set "
                "(set it in the service's environment, e.g. the systemd unit's EnvironmentFile)"
            )
        secrets = [environ[name] for name in PLACEHOLDER_RE.findall(self.url)]
        return PLACEHOLDER_RE.sub(lambda match: environ[match[1]], self.url), secrets


def parse_channels(raw: Any, fail: Callable[[str, str, str], Exception]) -> tuple[AlertChannel, ...]:
    """The registry's [[alerts]] tables, validated; `fail(where, problem, fix)` makes the error to raise."""
    if not isinstance(raw, list):
        raise fail("[[alerts]]", "must be a list of tables", "write each channel as an [[alerts]] table")
    channels: list[AlertChannel] = []
    for index, table in enumerate(raw):
        where = f"alerts[{index}]"
        if not isinstance(table, dict):
            raise fail(where, "must be a table", 'e.g. url = "wecombot://${DUWANG_WECOM_KEY}"')
        for key in table:
            if key not in FIELDS:
                raise fail(f"{where}, field {key!r}", "unknown field", f"known fields: {', '.join(FIELDS)}")
        scheme = _checked_url(table.get("url"), f"{where}, field 'url'", fail)
        name = table.get("name", f"alerts[{index}] {scheme}")
        if not isinstance(name, str) or not name.strip() or not name.isprintable():
            raise fail(f"{where}, field 'name'", f"{name!r} is not a one-line text", 'e.g. name = "值班群"')
        if name.strip() in {channel.name for channel in channels}:
            raise fail(f"{where}, field 'name'", f"{name!r} is used twice", "give every channel its own name")
        events = table.get("events", list(EVENTS))
        if not isinstance(events, list) or not events or not set(events) <= set(EVENTS):
            raise fail(
                f"{where}, field 'events'",
                f"{events!r} is not a list of alert events",
                f"choose from {', '.join(EVENTS)}",
            )
        outage_after = _checked_outage_after(table.get("outage_after", OUTAGE_AFTER), where, fail)
        channels.append(AlertChannel(name.strip(), table["url"], frozenset(events), outage_after))
    return tuple(channels)


def _checked_outage_after(value: Any, where: str, fail: Callable[[str, str, str], Exception]) -> int:
    """A valid `outage_after`: a whole number of probes (TOML's true is no number)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OUTAGE_AFTER:
        raise fail(
            f"{where}, field 'outage_after'",
            f"{value!r} is not a whole number of probes from 1 to {MAX_OUTAGE_AFTER}",
            f"e.g. outage_after = {OUTAGE_AFTER}: alert when {OUTAGE_AFTER} homepage probes in a row failed; "
            "1 alerts on the first failure",
        )
    return value


def _checked_url(url: Any, where: str, fail: Callable[[str, str, str], Exception]) -> str:
    """The scheme of a valid channel URL."""
    example = 'e.g. url = "wecombot://${DUWANG_WECOM_KEY}", "dingtalk://${DUWANG_DINGTALK_TOKEN}/"'
    match = SCHEME_RE.match(url) if isinstance(url, str) else None
    if match is None:
        raise fail(where, f"{url!r} is not a notification URL", example)
    if "$" in PLACEHOLDER_RE.sub("", url):
        raise fail(where, f"{url!r} has a '$' outside ${{NAME}}", "write environment variables as ${NAME}")
    scheme = match[1].lower()
    if scheme not in apprise_schemes():
        raise fail(
            where,
            f"{scheme}:// is not a channel Apprise knows",
            "企业微信 wecombot://, 钉钉 dingtalk://, 飞书 feishu://, Lark lark://; see https://appriseit.com/services/",
        )
    if scheme in ROBOT_SCHEMES and not PLACEHOLDER_RE.search(url):
        raise fail(
            where,
            "the robot's key is written in the registry file",
            f'write url = "{scheme}://${{DUWANG_{scheme.upper()}_KEY}}" and set that variable in the '
            "service's environment",
        )
    return scheme


@functools.cache
def apprise_schemes() -> frozenset[str]:
    """The schemes of Apprise's plugins, loaded once here: its e-mail plugin imports the deprecated imghdr,
    a warning for Apprise to fix, not for an operator to read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from apprise.manager_plugins import NotificationManager

        return frozenset(str(scheme) for scheme in NotificationManager().schemas())
