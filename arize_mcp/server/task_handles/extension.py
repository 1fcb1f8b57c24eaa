"""The tasks extension: `tools/call` answered with a task handle, and `tasks/get|update|cancel`.

When a client declares the extension on a 2026-07-28 request, `wait_for_task_run` and
`trigger_task` with `wait=true` return at once with a `CreateTaskResult` for the run instead of
waiting. The task is the Arize run itself, so it lives as long as Arize keeps the run (`ttlMs`
null) and `timeout_seconds` does not apply. Its id (ids.py) carries the run, the tool and the
creation time, signed for the caller's credential: any replica sharing the task secret answers
for it after any restart, and no task state is held.

`tasks/get` reads the run through the shared poller (follow/reads.py) and maps it: pending or
running is `working`; a run that ended - completed, failed, or cancelled (upstream or through
`tasks/cancel`) - is a `completed` task whose `result` is the CallToolResult the synchronous
tool would have returned. A cancelled run is reported as `completed` rather than `cancelled`
because only the run's status is known, not who cancelled it, and the answer must not depend on
which replica was asked. Task `failed` is not used: it is for JSON-RPC errors, and reading the
run fails the `tasks/get` request itself.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.shared.exceptions import MCPError
from mcp.types import INTERNAL_ERROR, INVALID_PARAMS, CallToolRequestParams, CallToolResult, EmptyResult, RequestParams
from pydantic import ConfigDict, TypeAdapter, ValidationError

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError, BadRequestError, NotFoundError
from arize_mcp.api.models import TaskRun
from arize_mcp.config import Settings
from arize_mcp.follow.schedule import PollSchedule
from arize_mcp.follow.waiter import WaitResult
from arize_mcp.server.errors import describe_error, report_error
from arize_mcp.server.runtime import Runtime, request_headers
from arize_mcp.server.seams import MethodWrapper, listen_with_amended_ack, notify_on_request_stream
from arize_mcp.server.task_handles.ids import TaskIds, TaskRef
from arize_mcp.server.task_handles.negotiation import (
    TASK_PROTOCOL_VERSIONS,
    TASKS_EXTENSION,
    declares_tasks,
    tasks_not_declared,
)
from arize_mcp.server.tools.results import failure, success
from arize_mcp.server.tools.runs import TriggerResult
from arize_mcp.server.tools.text import progress_message
from arize_mcp.server.tools.waiting import wait_text

log = logging.getLogger(__name__)

RequestContext = ServerRequestContext[Runtime, Any]

# Each listened task is a followed run; this keeps one stream from making the server poll thousands.
MAX_LISTENED_TASKS = 100

# A client told to ask again after the poller's next read arrives this long after it, so that read
# (an upstream GET) has landed; and never asks more often than MIN_CLIENT_POLL_SECONDS.
READ_MARGIN_SECONDS = 0.3
MIN_CLIENT_POLL_SECONDS = 0.25

# The tools that wait for a run, and so may hand the wait over to a task.
WAIT_TOOLS = frozenset({"wait_for_task_run", "trigger_task"})
_WAIT = TypeAdapter(bool | None)


class TaskRequestParams(RequestParams):
    """`tasks/get`, `tasks/update` and `tasks/cancel` params: the task id (and, for update, the
    `inputResponses` this server never asks for, accepted and ignored)."""

    model_config = ConfigDict(extra="allow")
    task_id: str


def unknown_task() -> MCPError:
    # The same answer for a malformed, forged, expired or another caller's id: nothing is revealed.
    return MCPError(code=INVALID_PARAMS, message="Failed to retrieve task: Task not found")


class TaskHandles(Extension):
    identifier = TASKS_EXTENSION

    def __init__(self, settings: Settings) -> None:
        secret = settings.task_secret.get_secret_value().encode() if settings.task_secret else None
        # Without a configured secret, ids are good for this process only (the README says so).
        self.ids = TaskIds(secret or secrets.token_bytes(32))

    def methods(self) -> list[MethodBinding]:
        handlers = {"tasks/get": self._get, "tasks/update": self._update, "tasks/cancel": self._cancel}
        return [
            MethodBinding(method, TaskRequestParams, handler, protocol_versions=TASK_PROTOCOL_VERSIONS)
            for method, handler in handlers.items()
        ]

    async def intercept_tool_call(
        self, params: CallToolRequestParams, ctx: RequestContext, call_next: CallNext
    ) -> HandlerResult:
        if not runs_as_task(ctx, params):
            return await call_next(ctx)
        runtime = ctx.lifespan_context
        client = runtime.client(request_headers(ctx))
        if params.name == "trigger_task":
            # In task mode the tool triggers without waiting (see runs_as_task); its refusals stay as they are.
            started = await call_next(ctx)
            if not isinstance(started, CallToolResult) or started.is_error or not started.structured_content:
                return started
            run = TaskRun.model_validate(started.structured_content["run"])
        else:
            try:
                # Read once before answering: the spec wants tasks/get to resolve as soon as the id is out.
                run = await runtime.reads.latest(client, str((params.arguments or {}).get("run_id")))
            except ArizeError as exc:
                return failure(report_error(exc))
        ref = TaskRef(run_id=run.id, tool=params.name, created_at=datetime.now(UTC))
        task_id = self.ids.issue(ref, client.identity)
        next_read_in = runtime.reads.next_read_in(client, run.id)
        return {"resultType": "task", **task_state(runtime.settings.poll, ref, task_id, run, next_read_in, seed=True)}

    async def _get(self, ctx: RequestContext, params: TaskRequestParams) -> dict[str, Any]:
        ref, client = self._resolve(ctx, params, "tasks/get")
        runtime = ctx.lifespan_context
        try:
            run = await runtime.reads.latest(client, ref.run_id)
        except ArizeError as exc:
            raise _read_failed(exc) from None
        next_read_in = runtime.reads.next_read_in(client, ref.run_id)
        return {"resultType": "complete", **task_state(runtime.settings.poll, ref, params.task_id, run, next_read_in)}

    async def _update(self, ctx: RequestContext, params: TaskRequestParams) -> EmptyResult:
        # No task of this server ever asks for input, so there is nothing outstanding to apply.
        self._resolve(ctx, params, "tasks/update")
        return EmptyResult(result_type="complete")

    async def _cancel(self, ctx: RequestContext, params: TaskRequestParams) -> EmptyResult:
        ref, client = self._resolve(ctx, params, "tasks/cancel")
        if ctx.lifespan_context.settings.read_only:
            # Read-only changes nothing upstream; cancellation is cooperative, so it is acknowledged and
            # the task goes on to the run's own end.
            return EmptyResult(result_type="complete")
        try:
            await client.cancel_task_run(ref.run_id)
        except BadRequestError:
            # Arize refuses to cancel a run that has ended: cancellation is moot, which is an acknowledgement.
            await _ended_or_raise(client, ref.run_id)
        except ArizeError as exc:
            raise _read_failed(exc) from None
        return EmptyResult(result_type="complete")

    def _resolve(self, ctx: RequestContext, params: TaskRequestParams, method: str) -> tuple[TaskRef, ArizeClient]:
        """The task and the caller's client; raises before anything is sent upstream."""
        if not declares_tasks(ctx):
            raise tasks_not_declared(method)
        client = ctx.lifespan_context.client(request_headers(ctx))
        ref = self.ids.read(params.task_id, client.identity)
        if ref is None:
            raise unknown_task()
        return ref, client

    def listen_wrapper(self) -> MethodWrapper:
        """`subscriptions/listen` with `taskIds`: `notifications/tasks` on the stream for each task the
        caller may read (others are left out of the acknowledgement, as unknown), each a complete
        task as tasks/get would answer, sent when the listen starts and whenever the run changes,
        until it ends. The SDK's handler serves everything else on the stream."""

        async def listen(ctx: RequestContext, call_next: CallNext) -> HandlerResult:
            requested = (ctx.params or {}).get("notifications")
            task_ids = requested.get("taskIds") if isinstance(requested, dict) else None
            if not task_ids:
                return await call_next(ctx)
            if not declares_tasks(ctx):
                raise tasks_not_declared("subscriptions/listen with taskIds")
            if not isinstance(task_ids, list) or len(task_ids) > MAX_LISTENED_TASKS:
                raise MCPError(code=INVALID_PARAMS, message=f"taskIds: a list of at most {MAX_LISTENED_TASKS} ids.")
            client = ctx.lifespan_context.client(request_headers(ctx))
            tasks = {task_id: ref for task_id in task_ids if (ref := self.ids.read(task_id, client.identity))}
            acknowledged = anyio.Event()
            async with anyio.create_task_group() as group:
                for task_id, ref in tasks.items():
                    group.start_soon(self._report, ctx, client, task_id, ref, acknowledged)
                try:
                    return await listen_with_amended_ack(ctx, call_next, {"taskIds": list(tasks)}, acknowledged)
                finally:
                    group.cancel_scope.cancel()

        return listen

    async def _report(
        self, ctx: RequestContext, client: ArizeClient, task_id: str, ref: TaskRef, acknowledged: anyio.Event
    ) -> None:
        runtime = ctx.lifespan_context
        await acknowledged.wait()
        last: TaskRun | None = None
        try:
            async with runtime.feeds.follow_run(client, ref.run_id) as cursor:
                while last is None or not last.is_terminal:
                    run = await cursor.next()
                    if run != last:
                        task = task_state(runtime.settings.poll, ref, task_id, run, cursor.next_read_in)
                        await notify_on_request_stream(ctx, "notifications/tasks", task)
                    last = run
        except ArizeError as exc:
            # Nothing to report that tasks/get would not say better: the listener polls to learn why.
            log.info("stopped reporting task for run %s: %s", ref.run_id, type(exc).__name__)


def task_state(
    poll: PollSchedule,
    ref: TaskRef,
    task_id: str,
    run: TaskRun,
    next_read_in: float | None = None,
    *,
    seed: bool = False,
) -> dict[str, Any]:
    """The task as of `run`: the seed of a CreateTaskResult (always `working`: the client learns the
    end from tasks/get), else the detailed task that tasks/get and notifications/tasks carry.
    `next_read_in`: when the shared poller reads the run next, if it has planned that read."""
    now = datetime.now(UTC)
    elapsed = max(0.0, (now - ref.created_at).total_seconds())
    task: dict[str, Any] = {
        "taskId": task_id,
        "status": "working",
        "statusMessage": progress_message(run, elapsed),
        "createdAt": _iso(ref.created_at),
        "lastUpdatedAt": _iso((run.run_finished_at or now) if run.is_terminal else now),
        "ttlMs": None,
    }
    if seed or not run.is_terminal:
        age = (now - (run.run_started_at or run.created_at or ref.created_at)).total_seconds()
        task["pollIntervalMs"] = round(client_poll_seconds(poll, age, next_read_in) * 1000)
        return task
    result = completed_result(ref, run, elapsed).model_dump(mode="json", by_alias=True, exclude_none=True)
    return {**task, "status": "completed", "result": result}


def client_poll_seconds(poll: PollSchedule, age: float, next_read_in: float | None) -> float:
    """When a client should ask again: just after the shared poller's next read, which the run's
    predicted end paces (follow/pacing.py), since asking sooner finds nothing new and later finds
    the news late; before that read is planned, the backoff's pause for a run of this age."""
    if next_read_in is None:
        return poll.interval_after(age)
    return max(MIN_CLIENT_POLL_SECONDS, next_read_in + READ_MARGIN_SECONDS)


def runs_as_task(ctx: RequestContext, params: CallToolRequestParams) -> bool:
    """Whether this call is answered with a task handle: a waiting call from a declaring client.
    (trigger_task itself skips its wait under the same condition.)"""
    if params.name not in WAIT_TOOLS or not declares_tasks(ctx):
        return False
    if params.name == "wait_for_task_run":
        return True
    try:
        # Read as the tool reads it (lax: "true" is true), so the two never disagree about waiting.
        return _WAIT.validate_python((params.arguments or {}).get("wait")) is True
    except ValidationError:
        return False  # ArgumentCheck has already refused the call


def completed_result(ref: TaskRef, run: TaskRun, elapsed: float) -> CallToolResult:
    """What the synchronous tool would have returned once the run ended. The wait is the task's
    lifetime; `polls` counts the one snapshot this answer was made from."""
    outcome = WaitResult(run=run, terminal=True, waited_seconds=elapsed, polls=1)
    if ref.tool == "trigger_task":
        return success(TriggerResult(**dict(outcome)), f"Triggered run {run.id}.\n{wait_text(outcome)}")
    return success(outcome, wait_text(outcome))


async def _ended_or_raise(client: ArizeClient, run_id: str) -> None:
    try:
        current = await client.get_task_run(run_id)
    except ArizeError as exc:
        raise _read_failed(exc) from None
    if not current.is_terminal:
        raise MCPError(code=INTERNAL_ERROR, message=f"Arize refused to cancel run {run_id}, which is still running.")


def _read_failed(exc: ArizeError) -> MCPError:
    if isinstance(exc, NotFoundError):
        # The run is gone upstream (or never was visible to this key): the task is gone with it.
        return unknown_task()
    return MCPError(code=INTERNAL_ERROR, message=describe_error(exc))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
