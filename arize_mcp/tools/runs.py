"""trigger_task and get_task_run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from arize_mcp.api.models import TaskRun, TriggerRunRequest
from arize_mcp.runtime import runtime_of
from arize_mcp.tools.datetimes import format_datetime, resolve_datetime
from arize_mcp.tools.params import DataEndTime, DataStartTime, RunId, TaskId
from arize_mcp.tools.registry import ToolSpec
from arize_mcp.tools.results import reports_errors, success
from arize_mcp.tools.text import next_step, run_summary

IdList = list[Annotated[str, Field(min_length=1, max_length=512)]]


@reports_errors
async def trigger_task(
    ctx: Context,
    task_id: TaskId,
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
        IdList | None,
        Field(max_length=100, description="Dataset-based evaluation tasks only: experiments to evaluate."),
    ] = None,
    experiment_name: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=256,
            description="Run-experiment tasks: REQUIRED name of the new experiment, unique within the dataset.",
        ),
    ] = None,
    dataset_version_id: Annotated[
        str | None,
        Field(min_length=1, max_length=512, description="Run-experiment tasks: dataset version (default latest)."),
    ] = None,
    max_examples: Annotated[
        int | None,
        Field(ge=1, le=1_000_000, description="Run-experiment tasks: run at most this many examples. "
              "Not with example_ids."),
    ] = None,
    example_ids: Annotated[
        IdList | None,
        Field(max_length=10_000, description="Run-experiment tasks: run only these examples. Not with max_examples."),
    ] = None,
    tracing_metadata: Annotated[
        dict[str, str] | None,
        Field(description="Run-experiment tasks: string key/values that enable tracing for the run."),
    ] = None,
    evaluation_task_ids: Annotated[
        IdList | None,
        Field(max_length=100, description="Run-experiment tasks: evaluation tasks to trigger once it completes."),
    ] = None,
) -> Annotated[CallToolResult, TaskRun]:
    """Start a run of an Arize task and return the new task run (status 'pending').

    Use this to evaluate spans (evaluation tasks: template_evaluation, code_evaluation) or to run
    an experiment on a dataset (run_experiment tasks). Pass only the fields of the task's type:
    evaluation tasks take data_start_time, data_end_time, max_spans, override_evaluations and
    (dataset-based only) experiment_ids; run-experiment tasks take experiment_name (required),
    dataset_version_id, max_examples or example_ids, tracing_metadata, evaluation_task_ids.
    With no fields, an evaluation task evaluates from its last run until now.

    Each call starts a new run. Next, call wait_for_task_run with the returned id.
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
        "tracing_metadata": tracing_metadata,
        "evaluation_task_ids": evaluation_task_ids,
    }
    request = TriggerRunRequest.model_validate(
        {k: v for k, v in fields.items() if v is not None}, context={"now": now}
    )
    run = await runtime_of(ctx).client().trigger_task(task_id, request)
    text = "\n".join(
        part for part in (f"Triggered a new run. {run_summary(run)}", _window_sent(request), next_step(run)) if part
    )
    return success(run, text)


@reports_errors
async def get_task_run(ctx: Context, run_id: RunId) -> Annotated[CallToolResult, TaskRun]:
    """Read one task run as it is now: status, counts so far, data window, failure_reason.

    Use this for a single look; to follow a run until it ends, call wait_for_task_run instead.
    """
    run = await runtime_of(ctx).client().get_task_run(run_id)
    return success(run, "\n".join(part for part in (run_summary(run), next_step(run)) if part))


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
    ToolSpec(trigger_task, "trigger_task", "Trigger an Arize task run", read_only=False),
    ToolSpec(get_task_run, "get_task_run", "Get an Arize task run", read_only=True, idempotent=True),
]
