"""RunWatch: follow one run in the background and say when it changes, until it ends.

It is what a resource subscription runs. It reads the run through the shared feeds, exactly as a
RunWaiter does, so a subscriber and a waiter on the same run cost Arize one poller, and
cancelling the watch's scope is all it takes to stop polling for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import anyio

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError
from arize_mcp.follow.feeds import RunCursor, RunFeeds

log = logging.getLogger(__name__)

OnChange = Callable[[], Awaitable[None]]


class RunWatch:
    """Calls `on_change` each time the run differs from the snapshot before, until it is terminal.

    The first snapshot is the baseline: the subscriber reads the resource itself. An error before
    the baseline is kept in `error` for the subscriber to report; an error after it ends the watch
    with one last `on_change`, so the subscriber reads the resource again and sees the error.
    `scope` cancels the watch; `baseline` is set once the first read has an outcome.
    """

    def __init__(self, feeds: RunFeeds, client: ArizeClient, run_id: str, on_change: OnChange) -> None:
        self.run_id = run_id
        self.scope = anyio.CancelScope()
        self.baseline = anyio.Event()
        self.error: ArizeError | None = None
        self._feeds = feeds
        self._client = client
        self._on_change = on_change

    async def run(self) -> None:
        """Run until the run ends or the scope is cancelled; never raises (it runs in the server's
        task group, which one failed watch must not bring down)."""
        try:
            with self.scope:
                async with self._feeds.follow_run(self._client, self.run_id) as cursor:
                    await self._follow(cursor)
        except Exception:
            log.exception("watching run %s failed", self.run_id)
        finally:
            self.baseline.set()

    async def _follow(self, cursor: RunCursor) -> None:
        try:
            # The subscriber waits for this first outcome, so a failure of the first read is reported;
            # after it, the feed rides out transient failures and only a permanent one ends the watch.
            last = await cursor.next(transient_errors=True)
        except ArizeError as exc:
            self.error = exc
            return
        self.baseline.set()
        while not last.is_terminal:
            try:
                run = await cursor.next()
            except ArizeError as exc:
                log.info("stopped watching run %s: %s", self.run_id, type(exc).__name__)
                await self._on_change()
                return
            if run != last:
                await self._on_change()
            last = run
