"""Closed vocabularies shared by the crawler, the checks and the reports.

Each is a `StrEnum`, so values are stored in SQLite as plain text and compare equal to it.
"""

from enum import StrEnum


class SiteKind(StrEnum):
    """What kind of government website a registry entry is."""

    PORTAL = "portal"  # 政府门户网站
    SERVICE = "service"  # 政务服务网子站
    DEPARTMENT = "department"  # 部门网站


class FetchRole(StrEnum):
    """Why a URL was fetched in a crawl."""

    PAGE = "page"  # in scope: fetched, parsed and followed
    CHECK = "check"  # a resource or out-of-scope link: fetched to learn its status, never followed


class FetchError(StrEnum):
    """Why a fetch produced no HTTP status (or was not made at all)."""

    TIMEOUT = "timeout"
    REFUSED = "refused"
    DNS = "dns"
    TLS = "tls"
    CONNECTION = "connection"  # reset, lost, or the server closed without answering
    REDIRECT_LOOP = "redirect_loop"
    ROBOTS = "robots"  # not fetched: robots.txt disallows it
    OFFLIST = "offlist"  # not fetched: host outside the network allow-list
    BUDGET = "budget"  # not fetched: the linking site's budget of outside checks was spent
    OTHER = "other"


class LinkKind(StrEnum):
    """What a link points at, judged from its tag, attributes and file extension."""

    PAGE = "page"
    IMAGE = "image"
    ATTACHMENT = "attachment"
    STYLESHEET = "stylesheet"
    SCRIPT = "script"
    FRAME = "frame"
    OTHER = "other"


class RunStatus(StrEnum):
    """The state of one crawl run."""

    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"  # stopped by a signal or the operator
    FAILED = "failed"  # ended by an error inside duwang
    CRASHED = "crashed"  # the process died without closing the run (found on a later start)


class StopReason(StrEnum):
    """Why a crawl ended before its work was done (Scrapy's close reason, `run_sites.stopped_by`)."""

    DEADLINE = "deadline"  # the registry's max_minutes passed: the run completes with what it has
    WRITE_FAILED = "write_failed"  # the database refused a write (disk full, read-only): the run failed
