"""Short texts a person can read at a glance; the structured content carries the data.

Free text from Arize (failure reasons, names, filters) and ids are clipped here with a visible
mark, so one huge field cannot flood an agent's context; the structured content keeps the value.
"""

from __future__ import annotations

from datetime import UTC, datetime

from arize_mcp.api.models import RunStatus, Task, TaskRun, TaskType
from arize_mcp.server.errors import clip
from arize_mcp.server.tools.datetimes import format_datetime

REASON_LIMIT = 2000
NAME_LIMIT = 200
ID_LIMIT = 200


def counts(run: TaskRun) -> str:
    errors = "1 error" if run.num_errors == 1 else f"{run.num_errors:,} errors"
    return f"{run.num_successes:,} evaluated, {errors}, {run.num_skipped:,} skipped"


def progress_message(run: TaskRun, waited_seconds: float, expected_in: float | None = None) -> str:
    """One line per poll, e.g. 'running — 1,204 evaluated, 3 errors, 0 skipped, 42 s; expected to end
    in about 20 s' (the prediction only while the run goes on and one is known)."""
    line = f"{run.status_text} — {counts(run)}, {waited_seconds:.0f} s"
    if expected_in is None or run.is_terminal:
        return line
    return f"{line}; expected to end {'any moment' if expected_in < 1 else f'in about {expected_in:.0f} s'}"


def run_summary(run: TaskRun, now: datetime | None = None) -> str:
    task = clip(run.task_id or "(not reported)", ID_LIMIT)
    line = f"Run {clip(run.id, ID_LIMIT)} of task {task}: {run.status_text} — {counts(run)}"
    duration = run_duration(run, now)
    if duration is not None:
        line += f", {'took' if run.is_terminal else 'running for'} {duration:.0f} s"
    if run.data_start_time and run.data_end_time:
        line += f"\nData window: {format_datetime(run.data_start_time)} → {format_datetime(run.data_end_time)}"
    if run.experiment_id:
        line += f"\nExperiment: {clip(run.experiment_id, ID_LIMIT)}"
    if run.failure_reason:
        line += f"\nReason: {clip(run.failure_reason, REASON_LIMIT)}"
    return line


def run_duration(run: TaskRun, now: datetime | None = None) -> float | None:
    if run.run_started_at is None:
        return None
    end = run.run_finished_at or now or datetime.now(UTC)
    return max(0.0, (end - run.run_started_at).total_seconds())


def next_step(run: TaskRun) -> str:
    match run.status:
        case RunStatus.PENDING | RunStatus.RUNNING | None:
            return f"Next: call wait_for_task_run with run_id={clip(run.id, ID_LIMIT)!r} to follow it to the end."
        case RunStatus.CANCELLED if run.failure_reason and "override_evaluations" in run.failure_reason:
            return "Next: trigger the task again with override_evaluations=true to re-evaluate labelled data."
        case RunStatus.FAILED:
            return "Next: read the reason above; fix the task or its evaluator before triggering again."
        case _:
            return ""


def task_source(task: Task) -> str:
    if task.project_id:
        return f"project {clip(task.project_id, ID_LIMIT)}"
    return f"dataset {clip(task.dataset_id, ID_LIMIT)}" if task.dataset_id else "unknown source"


def task_table(tasks: list[Task]) -> str:
    rows = [
        (
            clip(task.name or "", NAME_LIMIT),
            task.type_text,
            clip(task.id, ID_LIMIT),
            task_source(task),
            _when(task.last_run_at, "never run"),
        )
        for task in tasks
    ]
    return table(("name", "type", "id", "source", "last run"), rows)


def task_details(task: Task) -> str:
    lines = [
        f"Task {clip(task.name or '', NAME_LIMIT)!r} ({task.type_text}), id {clip(task.id, ID_LIMIT)}",
        f"Source: {task_source(task)}" + (f", space {clip(task.space_id, ID_LIMIT)}" if task.space_id else ""),
        f"Last run: {_when(task.last_run_at, 'never (the first trigger needs data_start_time)')}",
    ]
    if task.evaluators:
        names = ", ".join(clip(e.evaluator_name or e.evaluator_id or "unnamed", NAME_LIMIT) for e in task.evaluators)
        lines.append(f"Evaluators: {clip(names, REASON_LIMIT)}")
    if task.query_filter:
        lines.append(f"Filter: {clip(task.query_filter, REASON_LIMIT)}")
    if task.query_filters and task.query_filters.filters:
        named = ", ".join(f"{f.id}: {f.filter}" for f in task.query_filters.filters)
        combined = f" combined as {task.query_filters.expression}" if task.query_filters.expression else ""
        lines.append(clip(f"Filters: {named}{combined}", REASON_LIMIT))
    if task.type is TaskType.RUN_EXPERIMENT:
        lines.append("Trigger with experiment_name (new, unique in the dataset); optional max_examples or example_ids.")
    elif task.dataset_id:
        lines.append("Trigger with optional experiment_ids; no data window (dataset-based).")
    else:
        lines.append(
            "Trigger with a data window (data_start_time/data_end_time) or none to continue from the last run."
        )
    return "\n".join(lines)


def run_table(runs: list[TaskRun], now: datetime | None = None) -> str:
    rows = []
    for run in runs:
        duration = run_duration(run, now)
        rows.append(
            (
                clip(run.id, ID_LIMIT),
                run.status_text,
                f"{run.num_successes:,}/{run.num_errors:,}/{run.num_skipped:,}",
                "-" if duration is None else f"{duration:.0f} s",
                _when(run.created_at, "-"),
            )
        )
    return table(("run id", "status", "ok/errors/skipped", "duration", "created"), rows)


def more_pages(what: str, tool: str, cursor: str | None) -> str:
    """The line after a page that has a next one; empty on the last page."""
    return f"\nMore {what}: call {tool} again with cursor={cursor!r}." if cursor else ""


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    lines.extend(" | ".join(cell.replace("|", "/") for cell in row) for row in rows)
    return "\n".join(lines)


def _when(value: datetime | None, missing: str) -> str:
    return format_datetime(value) if value else missing
