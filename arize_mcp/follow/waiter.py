"""RunWaiter: follow one run until it ends, this caller's time is up, or the server drains.

Polling itself is the shared feed's (feeds.py): the first read is immediate, then reads follow
the run's predicted end (pacing.py), stretched by a 429's Retry-After. Between reads, which may be
far apart while the end is far, the caller still hears of the run at least every
`heartbeat_seconds`, from the latest snapshot. Leaving the wait (timeout, cancellation) ends this
caller's follow; with no follower left, polling stops at once.

A wait rides out upstream weather (Arize unreachable, 5xx, 429) until its own timeout, telling
`on_trouble` of each failure; at the timeout it returns the last run it read and what went wrong
since. Only a permanent error (401, 403, 404) ends it early.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
from pydantic import BaseModel, Field

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ApiError, ArizeError, RateLimitError, TransportError
from arize_mcp.api.models import TaskRun
from arize_mcp.follow.feeds import RunCursor, RunFeeds

# A read that started before the deadline may finish a little after it.
POLL_GRACE_SECONDS = 5.0
# Longest silence towards a waiting caller: clients show progress notifications as signs of life.
HEARTBEAT_SECONDS = 8.0

# (run, snapshots so far, seconds waited, seconds until the run's predicted end or None)
OnPoll = Callable[[TaskRun, int, float, float | None], Awaitable[None]]
OnTrouble = Callable[[ArizeError, float], Awaitable[None]]


def trouble_summary(exc: ArizeError) -> str:
    """A failure a wait rides out, in a few words: 'Arize unreachable', 'Arize answered 503', …"""
    match exc:
        case TransportError():
            return "Arize unreachable"
        case RateLimitError():
            return "rate limited by Arize"
        case ApiError():
            return f"Arize answered {exc.status}"
        case _:
            return "Arize's answer could not be read"


class WaitResult(BaseModel):
    run: TaskRun = Field(description="The run as of the last poll.")
    terminal: bool = Field(
        description="True when the run ended (completed, failed or cancelled). False when this call's "
        "timeout came first: the run goes on upstream; call wait_for_task_run again."
    )
    waited_seconds: float = Field(ge=0, description="Time spent in this call.")
    polls: int = Field(ge=1, description="Snapshots of the run this call received.")
    last_error: str | None = Field(
        default=None,
        description="Set when the latest reads failed (e.g. 'Arize unreachable'): `run` is the last one read "
        "and may be behind. Null when the last read succeeded.",
    )


class RunWaiter:
    """Follows runs through the shared feeds. `stop` (the server's drain) ends a wait early with
    the latest snapshot; `clock` and `wall` (the time of day, to compare with the run's predicted
    end) are injectable for tests."""

    def __init__(
        self,
        feeds: RunFeeds,
        client: ArizeClient,
        *,
        stop: anyio.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        self._feeds = feeds
        self._client = client
        self._stop = stop
        self._clock = clock
        self._wall = wall
        self._heartbeat = heartbeat_seconds

    async def wait(
        self,
        run_id: str,
        timeout_seconds: float,
        on_poll: OnPoll | None = None,
        on_trouble: OnTrouble | None = None,
    ) -> WaitResult:
        """The run once it is terminal, or its latest snapshot when the time is up; `on_poll` sees
        every snapshot, and the latest again after `heartbeat_seconds` without a new one;
        `on_trouble` sees every transient failure. Raises a permanent error, or the last failure
        when not even one snapshot could be read in time."""
        started = self._clock()
        deadline = started + timeout_seconds
        run: TaskRun | None = None
        trouble: ArizeError | None = None
        polls = 0
        async with self._feeds.follow_run(self._client, run_id) as cursor:
            while run is None or not run.is_terminal:
                remaining = deadline - self._clock()
                # Until some read has an outcome, the first one may finish a little after the deadline.
                answered = run is not None or trouble is not None
                budget = remaining if answered else max(0.0, remaining) + POLL_GRACE_SECONDS
                if budget <= 0:
                    break
                # Once there is a run to report, wake up in time to report it again.
                stretch = budget if run is None else min(budget, self._heartbeat)
                try:
                    fresh = await self._next(cursor, stretch, stoppable=run is not None)
                except ArizeError as exc:
                    trouble = exc
                    # A transient error seen late may be followed by a snapshot that ended the run;
                    # once the feed has stopped with nothing unseen, nothing more will come.
                    if cursor.exhausted:
                        if cursor.error is exc or run is None:
                            raise
                        break
                    if on_trouble is not None:
                        await on_trouble(exc, self._clock() - started)
                    continue
                if fresh is None:
                    if run is not None and stretch < budget and not (self._stop and self._stop.is_set()):
                        if on_poll is not None:
                            await on_poll(run, polls, self._clock() - started, self._expected_in(cursor))
                        continue
                    break
                run, polls, trouble = fresh, polls + 1, None
                if on_poll is not None:
                    await on_poll(run, polls, self._clock() - started, self._expected_in(cursor))
            if run is None:
                raise (
                    trouble
                    or cursor.error
                    or TransportError(
                        f"Arize did not answer within {timeout_seconds + POLL_GRACE_SECONDS:.0f} s",
                        may_have_reached_server=True,
                    )
                )
        return WaitResult(
            run=run,
            terminal=run.is_terminal,
            waited_seconds=self._clock() - started,
            polls=polls,
            last_error=None if trouble is None else f"{trouble_summary(trouble)}: {trouble}",
        )

    def _expected_in(self, cursor: RunCursor) -> float | None:
        end = cursor.expected_end
        return None if end is None else end - self._wall()

    async def _next(self, cursor: RunCursor, budget: float, *, stoppable: bool) -> TaskRun | None:
        """The next snapshot, or None when the budget runs out or (once we have a run) a stop is asked."""
        stop = self._stop if stoppable else None
        if stop is not None and stop.is_set():
            return None
        fresh: TaskRun | None = None
        failure: ArizeError | None = None
        with anyio.move_on_after(budget):
            async with anyio.create_task_group() as group:
                if stop is not None:

                    async def cancel_on_stop() -> None:
                        await stop.wait()
                        group.cancel_scope.cancel()

                    group.start_soon(cancel_on_stop)
                try:
                    fresh = await cursor.next(transient_errors=True)
                except ArizeError as exc:
                    # Raised outside the group, so callers see the error itself, not a group of one.
                    failure = exc
                group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        return fresh
