"""Short texts a person can read at a glance; the structured content carries the data."""

from __future__ import annotations

from datetime import UTC, datetime

from arize_mcp.api.models import RunStatus, Task, TaskRun
from arize_mcp.tools.datetimes import format_datetime


def counts(run: TaskRun) -> str:
    return f"{run.num_successes:,} evaluated, {run.num_errors:,} errors, {run.num_skipped:,} skipped"


def progress_message(run: TaskRun, waited_seconds: float) -> str:
    """One line per poll, e.g. 'running — 1,204 evaluated, 3 errors, 0 skipped, 42 s'."""
    return f"{run.status.value} — {counts(run)}, {waited_seconds:.0f} s"


def run_summary(run: TaskRun, now: datetime | None = None) -> str:
    line = f"Run {run.id} of task {run.task_id}: {run.status.value} — {counts(run)}"
    duration = run_duration(run, now)
    if duration is not None:
        line += f", {'took' if run.is_terminal else 'running for'} {duration:.0f} s"
    if run.data_start_time and run.data_end_time:
        line += f"\nData window: {format_datetime(run.data_start_time)} → {format_datetime(run.data_end_time)}"
    if run.experiment_id:
        line += f"\nExperiment: {run.experiment_id}"
    if run.failure_reason:
        line += f"\nReason: {run.failure_reason}"
    return line


def run_duration(run: TaskRun, now: datetime | None = None) -> float | None:
    if run.run_started_at is None:
        return None
    end = run.run_finished_at or now or datetime.now(UTC)
    return max(0.0, (end - run.run_started_at).total_seconds())


def next_step(run: TaskRun) -> str:
    match run.status:
        case RunStatus.PENDING | RunStatus.RUNNING:
            return f"Next: call wait_for_task_run with run_id={run.id!r} to follow it to the end."
        case RunStatus.CANCELLED if run.failure_reason and "override_evaluations" in run.failure_reason:
            return "Next: trigger the task again with override_evaluations=true to re-evaluate labelled data."
        case RunStatus.FAILED:
            return "Next: read the reason above; fix the task or its evaluator before triggering again."
        case _:
            return ""


def task_line(task: Task) -> str:
    source = f"project {task.project_id}" if task.project_id else f"dataset {task.dataset_id}"
    last = format_datetime(task.last_run_at) if task.last_run_at else "never"
    return f"{task.name} | {task.type.value} | {task.id} | {source} | last run {last}"
