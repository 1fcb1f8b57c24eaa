"""The `runs` toolset's one-call tools: trigger_task (with an optional wait), get_task_run,
list_task_runs and cancel_task_run. wait_for_task_run is waiting.py's."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError, BadRequestError, TransportError
from arize_mcp.api.models import (
    EVALUATION_FIELDS,
    EXPERIMENT_FIELDS,
    EXPERIMENT_NAME_MAX_LENGTH,
    EXPERIMENT_NAME_PATTERN,
    AnyCase,
    RunStatus,
    Task,
    TaskRun,
    TaskType,
    TriggerRunRequest,
)
from arize_mcp.follow.waiter import WaitResult
from arize_mcp.server.errors import (
    ActionableError,
    ArgumentError,
    ErrorReport,
    may_have_started,
    report_error,
)
from arize_mcp.server.run_view import RUN_VIEW_URI, bound_of, with_run_view
from arize_mcp.server.runtime import client_for
from arize_mcp.server.task_handles.negotiation import declares_tasks
from arize_mcp.server.tools.datetimes import format_datetime, resolve_datetime
from arize_mcp.server.tools.params import (
    Cursor,
    DataEndTime,
    DataStartTime,
    NextCursor,
    PageLimit,
    RunId,
    WaitTimeout,
    next_cursor,
)
from arize_mcp.server.tools.registry import ToolSpec
from arize_mcp.server.tools.results import reports_errors, success
from arize_mcp.server.tools.task_choice import TaskChoice, takes_task
from arize_mcp.server.tools.text import more_pages, next_step, run_summary, run_table
from arize_mcp.server.tools.waiting import follow_run, wait_text

Id = Annotated[str, Field(min_length=1, max_length=512)]
# Bounds go on the list, not on `list | None`: pydantic applies them to an explicit null too.
Ids100 = Annotated[list[Id], Field(max_length=100)]


class TriggerResult(WaitResult):
    """The new run; with wait=true, as of the end of the wait. The same shape either way, so every
    client that validates structured content, and every strict schema converter, takes it."""

    polls: int = Field(ge=0, description="Snapshots of the run received while waiting (0 without wait).")


class MetadataEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=256, description="Metadata key.")
    value: str = Field(max_length=4096, description="Its value, a string.")


def _entries_from_map(value: Any) -> Any:
    # The API's own shape, a map of strings, is accepted too (it is not published: strict schema
    # converters cannot express an open map).
    return [{"key": key, "value": item} for key, item in value.items()] if isinstance(value, dict) else value


class TaskRunList(BaseModel):
    task_runs: list[TaskRun] = Field(description="Runs on this page, newest first.")
    next_cursor: NextCursor


@reports_errors
@takes_task
async def trigger_task(
    ctx: Context,
    task: TaskChoice,
    data_start_time: DataStartTime = None,
    data_end_time: DataEndTime = None,
    max_spans: Annotated[
        int | None,
        Field(ge=1, le=1_000_000, description="Evaluation tasks: most spans to evaluate (server default 10000)."),
    ] = None,
    override_evaluations: Annotated[
        bool | None,
        Field(
            description="Evaluation tasks: true re-evaluates data that already has labels from this task. "
            "Without it, a window that is already labelled ends 'cancelled' with zero counts."
        ),
    ] = None,
    experiment_ids: Annotated[
        Ids100 | None,
        Field(description="Dataset-based evaluation tasks only: experiments to evaluate."),
    ] = None,
    experiment_name: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=EXPERIMENT_NAME_MAX_LENGTH,
            pattern=EXPERIMENT_NAME_PATTERN,
            description="Run-experiment tasks: REQUIRED name of the new experiment, unique within the dataset; "
            'no double quotes (") or backslashes (\\).',
        ),
    ] = None,
    dataset_version_id: Annotated[
        str | None,
        Field(min_length=1, max_length=512, description="Run-experiment tasks: dataset version (default latest)."),
    ] = None,
    max_examples: Annotated[
        int | None,
        Field(
            ge=1,
            le=1_000_000,
            description="Run-experiment tasks: run at most this many examples. Not with example_ids.",
        ),
    ] = None,
    example_ids: Annotated[
        Annotated[list[Id], Field(max_length=10_000)] | None,
        Field(description="Run-experiment tasks: run only these examples. Not with max_examples."),
    ] = None,
    query_filter: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=8192,
            description="Run-experiment tasks: run only the dataset examples matching this filter expression; "
            "combines with example_ids (their intersection) or max_examples (caps the filtered set).",
        ),
    ] = None,
    tracing_metadata: Annotated[
        Annotated[list[MetadataEntry], Field(max_length=100)] | None,
        BeforeValidator(_entries_from_map),
        Field(
            description="Run-experiment tasks: key/value pairs of strings that enable tracing for the run, "
            'e.g. [{"key": "team", "value": "search"}].',
        ),
    ] = None,
    evaluation_task_ids: Annotated[
        Ids100 | None,
        Field(description="Run-experiment tasks: evaluation tasks to trigger once it completes."),
    ] = None,
    wait: Annotated[
        bool | None,
        Field(
            description="true: also wait for the run like wait_for_task_run (progress notifications included). "
            "false (default): return the new run at once."
        ),
    ] = None,
    timeout_seconds: WaitTimeout = None,
) -> Annotated[CallToolResult, TriggerResult]:
    """Start a run of an Arize task; returns {run, terminal, waited_seconds, polls} with the new run.

    Use this to evaluate spans (evaluation tasks: template_evaluation, code_evaluation) or to run
    an experiment on a dataset (run_experiment tasks). Pass only the fields of the task's type:
    evaluation tasks take data_start_time, data_end_time, max_spans, override_evaluations and
    (dataset-based only) experiment_ids; run-experiment tasks take experiment_name (required),
    dataset_version_id, max_examples or example_ids, query_filter, tracing_metadata, evaluation_task_ids.
    With no fields, an evaluation task evaluates from its last run until now.

    Choose the task by task_id, or by task_name (exact, case-insensitive; narrow with space_id or
    space_name). Each call starts a new run: after an error, check list_task_runs before calling
    again. Next, call wait_for_task_run with the returned id, or pass wait=true to do both at once.
    """
    # Whole seconds: relative times then read cleanly in the window the result states.
    now = datetime.now(UTC).replace(microsecond=0)
    fields: dict[str, Any] = {
        "data_start_time": _resolve(data_start_time, now, "data_start_time"),
        "data_end_time": _resolve(data_end_time, now, "data_end_time"),
        "max_spans": max_spans,
        "override_evaluations": override_evaluations,
        "experiment_ids": experiment_ids,
        "experiment_name": experiment_name,
        "dataset_version_id": dataset_version_id,
        "max_examples": max_examples,
        "example_ids": example_ids,
        "query_filter": query_filter,
        "tracing_metadata": _metadata_map(tracing_metadata),
        "evaluation_task_ids": evaluation_task_ids,
    }
    request = TriggerRunRequest.model_validate({k: v for k, v in fields.items() if v is not None}, context={"now": now})
    client = client_for(ctx)
    resolved_id, found = await task.resolve(client)
    try:
        run = await client.trigger_task(resolved_id, request)
    except BadRequestError as exc:
        raise ActionableError(await _explain_rejection(client, exc, resolved_id, found, request)) from None
    except TransportError as exc:
        if not exc.may_have_reached_server:
            raise
        raise ActionableError(
            may_have_started(f"Network failure talking to Arize: {exc}.", "The trigger may have reached Arize.")
        ) from None
    started = f"Triggered a new run. {run_summary(run)}"
    # A client that takes task handles gets one for the run instead of this wait (server/task_handles).
    if wait and not declares_tasks(ctx.request_context):
        try:
            outcome = await follow_run(ctx, run.id, timeout_seconds)
        except ArizeError as exc:
            # The run exists: never lose its id, or the agent may trigger a second one.
            failed = report_error(exc)
            raise ActionableError(
                ErrorReport(
                    "follow_failed",
                    f"{started}\nBut following it failed: {failed.message}",
                    f"Call wait_for_task_run with run_id={run.id!r} to keep following it; do not trigger again.",
                    run_id=run.id,
                )
            ) from None
        result = success(TriggerResult(**dict(outcome)), f"{started}\n{wait_text(outcome)}")
        return with_run_view(ctx, result, outcome.run, task=found, bound=bound_of(request))
    started_only = TriggerResult(run=run, terminal=run.is_terminal, waited_seconds=0.0, polls=0)
    text = "\n".join(part for part in (started, _window_sent(request), next_step(run)) if part)
    return with_run_view(ctx, success(started_only, text), run, task=found, bound=bound_of(request))


@reports_errors
async def get_task_run(ctx: Context, run_id: RunId) -> Annotated[CallToolResult, TaskRun]:
    """Read one task run as it is now: status, counts so far, data window, failure_reason.

    Use this for a single look; to follow a run until it ends, call wait_for_task_run instead.
    """
    run = await client_for(ctx).get_task_run(run_id)
    result = success(run, "\n".join(part for part in (run_summary(run), next_step(run)) if part))
    return with_run_view(ctx, result, run)


@reports_errors
@takes_task
async def list_task_runs(
    ctx: Context,
    task: TaskChoice,
    status: Annotated[RunStatus | None, AnyCase, Field(description="Only runs with this status (any casing).")] = None,
    limit: PageLimit = None,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, TaskRunList]:
    """List a task's runs, newest first: status, counts and timing of each.

    Use this to see what ran recently, to find a run id you lost, or to check whether a trigger
    that failed with a network or server error started a run anyway before triggering again.
    """
    client = client_for(ctx)
    resolved_id, _ = await task.resolve(client)
    page = await client.list_task_runs(resolved_id, status=status, limit=limit, cursor=cursor)
    result = TaskRunList(task_runs=page.task_runs, next_cursor=next_cursor(page.pagination))
    if not result.task_runs:
        return success(result, f"Task {resolved_id} has no runs" + (f" with status {status.value}." if status else "."))
    return success(result, run_table(result.task_runs) + more_pages("runs", "list_task_runs", result.next_cursor))


@reports_errors
async def cancel_task_run(ctx: Context, run_id: RunId) -> Annotated[CallToolResult, TaskRun]:
    """Cancel a task run that is pending or running, and return it (status 'cancelled').

    Work already done stays (its counts are kept); the rest is not processed. Cancelling a run that
    has already ended changes nothing and says so.
    """
    client = client_for(ctx)
    try:
        run = await client.cancel_task_run(run_id)
    except BadRequestError as exc:
        try:
            current = await client.get_task_run(run_id)
        except ArizeError:
            raise exc from None
        if not current.is_terminal:
            raise
        raise ActionableError(
            ErrorReport(
                "already_ended",
                f"Nothing to cancel: run {run_id} has already ended with status {current.status_text}.\n"
                f"{run_summary(current)}",
            )
        ) from None
    return success(run, f"Cancelled. {run_summary(run)}")


async def _explain_rejection(
    client: ArizeClient, exc: BadRequestError, task_id: str, task: Task | None, request: TriggerRunRequest
) -> ErrorReport:
    """Arize's 400, plus which fields this task's type takes when that is the likely cause."""
    report = report_error(exc)
    if task is None:
        try:
            task = await client.get_task(task_id)
        except ArizeError:
            return report
    allowed = _trigger_fields(task)
    wrong = sorted(set(request.model_fields_set) - set(allowed))
    if not wrong:
        return report
    return dataclasses.replace(report, hint=_wrong_fields(task, wrong, allowed))


def _wrong_fields(task: Task, wrong: list[str], allowed: tuple[str, ...]) -> str:
    return (
        f"Task {task.name!r} is a {task.type_text} task"
        f"{' on a dataset' if task.dataset_id and task.type is not TaskType.RUN_EXPERIMENT else ''}; "
        f"it does not take {', '.join(wrong)}. It takes: {', '.join(allowed)}.\n"
        f"Evaluation tasks (template_evaluation, code_evaluation) take {', '.join(EVALUATION_FIELDS)} "
        f"(data_start_time/data_end_time on projects, experiment_ids on datasets); run_experiment tasks "
        f"take {', '.join(EXPERIMENT_FIELDS)}."
    )


def _trigger_fields(task: Task) -> tuple[str, ...]:
    if task.type is TaskType.RUN_EXPERIMENT:
        return EXPERIMENT_FIELDS
    if task.dataset_id:
        return ("max_spans", "override_evaluations", "experiment_ids")
    return ("data_start_time", "data_end_time", "max_spans", "override_evaluations")


def _metadata_map(entries: list[MetadataEntry] | None) -> dict[str, str] | None:
    if entries is None:
        return None
    keys = [entry.key for entry in entries]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ArgumentError(f"tracing_metadata has the key(s) {', '.join(map(repr, repeated))} more than once")
    return {entry.key: entry.value for entry in entries}


def _resolve(value: str | None, now: datetime, argument: str) -> datetime | None:
    return None if value is None else resolve_datetime(value, now, argument=argument)


def _window_sent(request: TriggerRunRequest) -> str:
    start, end = request.data_start_time, request.data_end_time
    if start is None and end is None:
        return ""
    start_text = format_datetime(start) if start else "the task's last run time (server default)"
    end_text = format_datetime(end) if end else "now (server default)"
    return f"Window sent: data_start_time={start_text}, data_end_time={end_text}"


TOOLS = [
    ToolSpec(
        trigger_task, "trigger_task", "Trigger an Arize task run", toolset="runs", read_only=False, view=RUN_VIEW_URI
    ),
    ToolSpec(
        get_task_run,
        "get_task_run",
        "Get an Arize task run",
        toolset="runs",
        read_only=True,
        idempotent=True,
        view=RUN_VIEW_URI,
    ),
    ToolSpec(
        list_task_runs, "list_task_runs", "List an Arize task's runs", toolset="runs", read_only=True, idempotent=True
    ),
    ToolSpec(
        cancel_task_run,
        "cancel_task_run",
        "Cancel an Arize task run",
        toolset="runs",
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
]
