"""Why a fetch failed, as one closed class (`FetchError`) plus the library's own words for the log.

Scrapy wraps Twisted's connection errors in its own exceptions since 2.13; both families are mapped.
"""

from __future__ import annotations

from scrapy import exceptions
from twisted.internet import error as net_error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.vocab import FetchError


class OffAllowList(exceptions.IgnoreRequest):
    """The request's host is not on the network allow-list; it was not sent."""


class RedirectLoop(exceptions.IgnoreRequest):
    """A redirect led back to a URL of its own chain."""


class AlreadyFetched(exceptions.IgnoreRequest):
    """A redirect led to a URL this run has already fetched; its facts are stored under that URL."""


# Failures worth a second look before they are reported: the site may only have been busy.
TRANSIENT = frozenset({FetchError.TIMEOUT, FetchError.REFUSED, FetchError.CONNECTION, FetchError.DNS})


def classify_failure(failure: Failure) -> tuple[FetchError, str]:
    """The closed error class of a failed fetch, and the library's own words for the log."""
    detail = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:300]
    if failure.check(OffAllowList):
        return FetchError.OFFLIST, detail
    if failure.check(RedirectLoop):
        return FetchError.REDIRECT_LOOP, detail
    message = failure.getErrorMessage().lower()
    if failure.check(exceptions.IgnoreRequest):
        if "robots.txt" in message:
            return FetchError.ROBOTS, detail
        if "redirection" in message:
            return FetchError.REDIRECT_LOOP, detail
        return FetchError.OTHER, detail
    if failure.check(exceptions.DownloadTimeoutError, net_error.TimeoutError, net_error.TCPTimedOutError):
        return FetchError.TIMEOUT, detail
    if failure.check(exceptions.DownloadConnectionRefusedError, net_error.ConnectionRefusedError):
        return FetchError.REFUSED, detail
    if failure.check(exceptions.CannotResolveHostError, net_error.DNSLookupError):
        return FetchError.DNS, detail
    if "ssl" in message or "tls" in message or "certificate" in message:
        return FetchError.TLS, detail
    if failure.check(
        exceptions.DownloadFailedError,
        exceptions.ResponseDataLossError,
        net_error.ConnectionLost,
        net_error.ConnectionDone,
        ResponseFailed,
        ResponseNeverReceived,
        net_error.ConnectError,
    ):
        return FetchError.CONNECTION, detail
    return FetchError.OTHER, detail
