"""wait_for_task_run: a long poll that streams progress until the run ends or the call times out.

The waiting itself is follow/'s RunWaiter over the shared run feeds; this module turns each
snapshot into a progress notification and the outcome into a tool result.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult

from arize_mcp.api.errors import ArizeError
from arize_mcp.api.models import TaskRun
from arize_mcp.follow.waiter import RunWaiter, WaitResult, trouble_summary
from arize_mcp.redaction import redact
from arize_mcp.server.run_view import RUN_VIEW_URI, with_run_view
from arize_mcp.server.runtime import client_for, runtime_of
from arize_mcp.server.tools.params import RunId, WaitTimeout, wait_seconds
from arize_mcp.server.tools.registry import ToolSpec
from arize_mcp.server.tools.results import reports_errors, success
from arize_mcp.server.tools.text import next_step, progress_message, run_summary


async def follow_run(ctx: Context[Any, Any], run_id: str, timeout_seconds: float | None) -> WaitResult:
    """Wait for a run (the default time when `timeout_seconds` is None), reporting each snapshot (and
    the latest again while reads are far apart), and each upstream failure it rides out, as a
    progress notification (progress counts notifications, so it rises with every one)."""
    runtime = runtime_of(ctx)
    waiter = RunWaiter(runtime.feeds, client_for(ctx), stop=runtime.drain.event)
    sent = 0

    async def notify(message: str) -> None:
        nonlocal sent
        sent += 1
        await ctx.report_progress(sent, None, redact(message))

    async def report(run: TaskRun, polls: int, waited: float, expected_in: float | None) -> None:
        await notify(progress_message(run, waited, expected_in))

    async def report_trouble(exc: ArizeError, waited: float) -> None:
        await notify(f"{trouble_summary(exc)}, retrying — {waited:.0f} s")

    return await waiter.wait(run_id, wait_seconds(timeout_seconds), report, report_trouble)


def wait_text(outcome: WaitResult) -> str:
    run = outcome.run
    head = f"Waited {outcome.waited_seconds:.0f} s ({outcome.polls} poll{'s' if outcome.polls != 1 else ''})."
    if outcome.terminal:
        return "\n".join(part for part in (f"{head} The run ended.", run_summary(run), next_step(run)) if part)
    trouble = (
        f"The last reads failed ({outcome.last_error}); this is the run as last read, and polling went on "
        "until this call's timeout.\n"
        if outcome.last_error
        else ""
    )
    return (
        f"{head} The run is still {run.status_text}; it goes on upstream.\n{trouble}{run_summary(run)}\n"
        f"Next: call wait_for_task_run again with run_id={run.id!r} to keep waiting."
    )


@reports_errors
async def wait_for_task_run(
    ctx: Context, run_id: RunId, timeout_seconds: WaitTimeout = None
) -> Annotated[CallToolResult, WaitResult]:
    """Wait for a task run to finish, polling Arize and streaming progress, then return it.

    Use this right after trigger_task. Returns {run, terminal, waited_seconds, polls, last_error}.
    If `terminal` is false, the timeout came first and the run is still going: call this tool again
    with the same run_id. Brief Arize outages, 5xx answers and rate limits are ridden out until the
    timeout; `last_error` then says what kept the latest reads from succeeding. When the run ends,
    read run.status (completed, failed or cancelled), the counts, and run.failure_reason.
    """
    outcome = await follow_run(ctx, run_id, timeout_seconds)
    return with_run_view(ctx, success(outcome, wait_text(outcome)), outcome.run)


TOOLS = [
    ToolSpec(
        wait_for_task_run,
        "wait_for_task_run",
        "Wait for an Arize task run",
        toolset="runs",
        read_only=True,
        idempotent=True,
        view=RUN_VIEW_URI,
    ),
]
