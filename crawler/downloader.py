"""`PoliteDownloader`: Scrapy's downloader with per-host concurrency enforced under the asyncio reactor.

Scrapy 2.19's `Downloader._process_queue` pops queued requests while `slot.free_transfer_slots() > 0`, and
a request only enters `slot.transferring` when its download coroutine starts running. With the asyncio
reactor that coroutine is scheduled as a task (`loop.create_task`), so within one pass of the loop nothing
is counted and every queued request of the host is sent at once: the farm measured 6 requests in flight to
a host limited to 2. Marking the request as transferring when it is popped restores the limit (the later
`add` in `_download` is a no-op on the set). Selected with the DOWNLOADER setting.

It also sends a host's queued requests highest priority first. Scrapy's host queue is first-in first-out,
and the engine moves requests into it as soon as the downloader has room (CONCURRENT_REQUESTS over all
hosts), so without this a request's priority would only count while it waited in the scheduler.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return  # a delayed pass is already scheduled
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = _pop_highest_priority(slot)
            slot.transferring.add(request)  # counted now, not when the scheduled task first runs
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break


def _pop_highest_priority(slot: Slot) -> tuple[Any, Any]:
    """The first queued request of the highest priority (a host queue holds a few dozen at most)."""
    queue = slot.queue
    top = max(request.priority for request, _ in queue)
    index = next(i for i, (request, _) in enumerate(queue) if request.priority == top)
    entry = queue[index]
    del queue[index]
    return entry
