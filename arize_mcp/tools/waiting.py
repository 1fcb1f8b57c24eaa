"""wait_for_task_run: a long poll that streams progress until the run ends or the call times out.

Polling itself is done by the shared run feeds (see feeds.py): the first read is immediate, the
interval then grows to a cap of at most 10 s, and a 429's Retry-After stretches it. Cancelling
the call ends this caller's follow; with no follower left, polling stops at once.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError, TransportError
from arize_mcp.api.models import TaskRun
from arize_mcp.feeds import RunCursor, RunFeeds
from arize_mcp.runtime import client_for, runtime_of
from arize_mcp.tools.params import RunId, WaitTimeout
from arize_mcp.tools.registry import ToolSpec
from arize_mcp.tools.results import reports_errors, success
from arize_mcp.tools.text import next_step, progress_message, run_summary

# A poll that started before the deadline may finish a little after it.
POLL_GRACE_SECONDS = 5.0

OnPoll = Callable[[TaskRun, int, float], Awaitable[None]]


class WaitResult(BaseModel):
    run: TaskRun = Field(description="The run as of the last poll.")
    terminal: bool = Field(
        description="True when the run ended (completed, failed or cancelled). False when this call's "
        "timeout came first: the run goes on upstream; call wait_for_task_run again."
    )
    waited_seconds: float = Field(ge=0, description="Time spent in this call.")
    polls: int = Field(ge=1, description="Reads of the run made in this call.")


class RunWaiter:
    """Follows one run through the shared feeds until it ends or this caller's time is up."""

    def __init__(
        self,
        feeds: RunFeeds,
        client: ArizeClient,
        *,
        stop: anyio.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._feeds = feeds
        self._client = client
        self._stop = stop
        self._clock = clock

    async def wait(self, run_id: str, timeout_seconds: float, on_poll: OnPoll | None = None) -> WaitResult:
        started = self._clock()
        deadline = started + timeout_seconds
        run: TaskRun | None = None
        polls = 0
        fetch = functools.partial(self._client.get_task_run, run_id, retry_rate_limits=False)
        async with self._feeds.follow(self._client.identity, run_id, fetch) as cursor:
            while run is None or not run.is_terminal:
                remaining = deadline - self._clock()
                # Without any snapshot yet, the first read may finish a little after the deadline.
                budget = remaining if run is not None else max(0.0, remaining) + POLL_GRACE_SECONDS
                if budget <= 0:
                    break
                fresh = await self._next(cursor, budget, stoppable=run is not None)
                if fresh is None:
                    break
                run, polls = fresh, polls + 1
                if on_poll is not None:
                    await on_poll(run, polls, self._clock() - started)
            if run is None:
                raise cursor.error or TransportError(
                    f"Arize did not answer within {timeout_seconds + POLL_GRACE_SECONDS:.0f} s",
                    may_have_reached_server=True,
                )
        return WaitResult(run=run, terminal=run.is_terminal, waited_seconds=self._clock() - started, polls=polls)

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
                    fresh = await cursor.next()
                except ArizeError as exc:
                    # Raised outside the group, so callers see the error itself, not a group of one.
                    failure = exc
                group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        return fresh


async def follow_run(ctx: Context[Any, Any], run_id: str, timeout_seconds: float) -> WaitResult:
    """Wait for a run, reporting each snapshot as a progress notification."""
    runtime = runtime_of(ctx)
    waiter = RunWaiter(runtime.feeds, client_for(ctx), stop=runtime.drain.event)

    async def report(run: TaskRun, polls: int, waited: float) -> None:
        await ctx.report_progress(polls, None, progress_message(run, waited))

    return await waiter.wait(run_id, timeout_seconds, report)


def wait_text(outcome: WaitResult) -> str:
    run = outcome.run
    head = f"Waited {outcome.waited_seconds:.0f} s ({outcome.polls} poll{'s' if outcome.polls != 1 else ''})."
    if outcome.terminal:
        return "\n".join(part for part in (f"{head} The run ended.", run_summary(run), next_step(run)) if part)
    return (
        f"{head} The run is still {run.status.value}; it goes on upstream.\n{run_summary(run)}\n"
        f"Next: call wait_for_task_run again with run_id={run.id!r} to keep waiting."
    )


@reports_errors
async def wait_for_task_run(
    ctx: Context, run_id: RunId, timeout_seconds: WaitTimeout = 45.0
) -> Annotated[CallToolResult, WaitResult]:
    """Wait for a task run to finish, polling Arize and streaming progress, then return it.

    Use this right after trigger_task. Returns {run, terminal, waited_seconds, polls}. If
    `terminal` is false, the timeout came first and the run is still going: call this tool again
    with the same run_id. When the run ends, read run.status (completed, failed or cancelled),
    the counts, and run.failure_reason.
    """
    outcome = await follow_run(ctx, run_id, timeout_seconds)
    return success(outcome, wait_text(outcome))


TOOLS = [
    ToolSpec(
        wait_for_task_run,
        "wait_for_task_run",
        "Wait for an Arize task run",
        toolset="runs",
        read_only=True,
        idempotent=True,
    ),
]
