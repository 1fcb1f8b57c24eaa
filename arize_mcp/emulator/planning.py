"""The rules a trigger must pass, and the run it creates when it does.

Body shape was checked by `trigger_body`; these rules need the stored task, its dataset and its
earlier runs. Each violation raises the Problem Details status the API documents for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from arize_mcp.api.models import MAX_DATA_WINDOW, Task, TaskType
from arize_mcp.emulator.lifecycle import Counts, Outcome, RunPlan
from arize_mcp.emulator.problems import BadRequest, Conflict, NotFound
from arize_mcp.emulator.records import Dataset, Experiment, TaskRecord
from arize_mcp.emulator.trigger_body import TriggerFields
from arize_mcp.emulator.wire import format_datetime

DEFAULT_MAX_SPANS = 10_000
# Traffic of the emulated projects: one span a minute, on the minute (60 an hour). Spans being
# discrete matters: a window that differs from a labelled one by a few seconds adds no new span.
SPAN_INTERVAL = timedelta(minutes=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_RELABEL_HINT = "Re-trigger with override_evaluations=true to re-evaluate them."

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Timing:
    run_seconds: float
    pending_fraction: float


@dataclass(frozen=True)
class PlannedRun:
    plan: RunPlan
    last_run_at: datetime
    data_start_time: datetime | None = None
    data_end_time: datetime | None = None
    evaluated_experiment_ids: tuple[str, ...] = ()
    created_experiment: Experiment | None = None
    dataset_id: str | None = None


def plan_project_evaluation(
    record: TaskRecord,
    fields: TriggerFields,
    labelled_windows: Sequence[Window],
    now: datetime,
    timing: Timing,
) -> PlannedRun:
    """`labelled_windows`: data windows of this task's earlier runs that did not fail or cancel."""
    task = record.task
    if fields.experiment_ids is not None:
        raise BadRequest(
            f"experiment_ids only applies to dataset-based evaluation tasks; task '{task.name}' "
            f"evaluates spans of project {task.project_id}."
        )
    start = fields.data_start_time or task.last_run_at
    if start is None:
        raise BadRequest(
            f"data_start_time is required: task '{task.name}' has never run, so there is no "
            "previous run time to start the data window from."
        )
    end = fields.data_end_time or now
    if start >= end:
        raise BadRequest(
            f"data_start_time ({format_datetime(start)}) must be before data_end_time ({format_datetime(end)})."
        )
    if end - start > MAX_DATA_WINDOW:
        days = (end - start).total_seconds() / 86400
        raise BadRequest(f"The data window spans {days:.1f} days; at most 30 days are allowed.")
    total = max(1, min(fields.max_spans or DEFAULT_MAX_SPANS, span_count(start, end)))
    labelled = not fields.override_evaluations and _all_spans_labelled((start, end), labelled_windows)
    reason = (
        f"All spans between {format_datetime(start)} and {format_datetime(end)} already have "
        f"evaluation labels from earlier runs of this task, so there was nothing to evaluate. {_RELABEL_HINT}"
    )
    plan = _plan(record, total, reason if labelled else None, now, timing)
    return PlannedRun(plan, last_run_at=end, data_start_time=start, data_end_time=end)


def plan_dataset_evaluation(
    record: TaskRecord,
    dataset: Dataset,
    fields: TriggerFields,
    experiments: Mapping[str, Experiment],
    labelled_experiment_ids: Set[str],
    now: datetime,
    timing: Timing,
) -> PlannedRun:
    """`experiments`: the dataset's experiments by id; `labelled_experiment_ids`: those that
    earlier runs of this task evaluated without failing or being cancelled."""
    task = record.task
    window_fields = sorted({"data_start_time", "data_end_time"} & fields.sent)
    if window_fields:
        raise BadRequest(
            f"{' and '.join(window_fields)} not applicable: task '{task.name}' is dataset-based "
            f"(dataset '{dataset.name}'); choose what to evaluate with experiment_ids instead."
        )
    experiment_ids = fields.experiment_ids if fields.experiment_ids is not None else tuple(task.experiment_ids or ())
    if not experiment_ids:
        raise BadRequest("experiment_ids must name at least one experiment of the task's dataset.")
    missing = [experiment_id for experiment_id in experiment_ids if experiment_id not in experiments]
    if missing:
        raise NotFound(f"Experiment '{missing[0]}' was not found in dataset '{dataset.name}'.")
    examples = sum(experiments[experiment_id].example_count for experiment_id in experiment_ids)
    total = max(1, min(fields.max_spans or DEFAULT_MAX_SPANS, examples))
    labelled = not fields.override_evaluations and set(experiment_ids) <= labelled_experiment_ids
    names = ", ".join(f"'{experiments[experiment_id].name}'" for experiment_id in experiment_ids)
    reason = (
        f"All runs of the selected experiments ({names}) already have evaluation labels from earlier "
        f"runs of this task, so there was nothing to evaluate. {_RELABEL_HINT}"
    )
    plan = _plan(record, total, reason if labelled else None, now, timing)
    return PlannedRun(plan, last_run_at=now, evaluated_experiment_ids=experiment_ids, dataset_id=dataset.id)


def plan_experiment_run(
    record: TaskRecord,
    dataset: Dataset,
    fields: TriggerFields,
    taken_names: Mapping[str, str],
    tasks: Mapping[str, Task],
    new_experiment_id: Callable[[], str],
    now: datetime,
    timing: Timing,
) -> PlannedRun:
    """`taken_names`: experiment name -> id for every experiment that exists or is being created
    in the dataset; `tasks`: all tasks by id, to check evaluation_task_ids."""
    if fields.experiment_name is None:
        raise BadRequest(f"experiment_name is required to trigger run_experiment task '{record.task.name}'.")
    if fields.example_ids is not None and fields.max_examples is not None:
        raise BadRequest("example_ids and max_examples are mutually exclusive; send one or neither.")
    version_id = fields.dataset_version_id or dataset.latest_version_id
    if version_id not in dataset.versions:
        raise NotFound(f"Dataset version '{version_id}' was not found in dataset '{dataset.name}'.")
    examples = dataset.versions[version_id]
    if fields.example_ids is not None:
        if not fields.example_ids:
            raise BadRequest("example_ids must not be empty; omit it to run every example.")
        unknown = [example_id for example_id in fields.example_ids if example_id not in examples]
        if unknown:
            raise NotFound(
                f"Example(s) {', '.join(repr(example_id) for example_id in unknown)} were not found in "
                f"version '{version_id}' of dataset '{dataset.name}'."
            )
        total = len(fields.example_ids)
    else:
        total = min(fields.max_examples or len(examples), len(examples))
    _check_evaluation_tasks(fields.evaluation_task_ids, tasks)
    existing = taken_names.get(fields.experiment_name)
    if existing is not None:
        raise Conflict(
            f"An experiment named '{fields.experiment_name}' already exists in dataset '{dataset.name}' "
            f"(experiment id {existing}); choose another experiment_name."
        )
    experiment = Experiment(new_experiment_id(), fields.experiment_name, total)
    plan = _plan(record, total, None, now, timing)
    return PlannedRun(plan, last_run_at=now, created_experiment=experiment, dataset_id=dataset.id)


def _check_evaluation_tasks(task_ids: Sequence[str], tasks: Mapping[str, Task]) -> None:
    for task_id in task_ids:
        task = tasks.get(task_id)
        if task is None:
            raise NotFound(f"Evaluation task '{task_id}' in evaluation_task_ids was not found.")
        if task.type is TaskType.RUN_EXPERIMENT:
            raise BadRequest(
                f"evaluation_task_ids may only name evaluation tasks; '{task.name}' ({task_id}) "
                "is a run_experiment task."
            )


def _plan(record: TaskRecord, total: int, already_labelled: str | None, now: datetime, timing: Timing) -> RunPlan:
    if already_labelled is not None:
        outcome, counts, reason = Outcome.ALREADY_LABELLED, Counts(), already_labelled
    elif record.failure_reason is not None:
        # A broken evaluator gets through part of the data, erroring more and more, then gives up.
        processed = max(1, total * 2 // 5)
        errors = max(1, processed // 4)
        outcome, counts, reason = Outcome.FAIL, Counts(processed - errors, errors, 0), record.failure_reason
    else:
        errors, skipped = (total + 50) // 100, (total + 100) // 200  # ~1% and ~0.5%, rounded
        outcome, counts, reason = Outcome.COMPLETE, Counts(total - errors - skipped, errors, skipped), None
    return RunPlan(now, timing.run_seconds, timing.pending_fraction, outcome, counts, reason)


def span_count(start: datetime, end: datetime) -> int:
    """Spans in [start, end): minute marks at or after `start` minus those at or after `end`."""
    return max(0, _marks_before(end) - _marks_before(start))


def _marks_before(moment: datetime) -> int:
    # Minute marks since the epoch strictly before `moment`: ceil((moment - epoch) / interval).
    return -((_EPOCH - moment) // SPAN_INTERVAL)


def _all_spans_labelled(window: Window, labelled_windows: Sequence[Window]) -> bool:
    """Whether earlier windows overlap `window` and leave none of its spans unlabelled.

    Windows are half-open, [start, end). Sweeps the overlapping windows in order; any gap that
    holds a span means there is something new to evaluate.
    """
    start, end = window
    overlapping = sorted((max(s, start), min(e, end)) for s, e in labelled_windows if s < end and e > start)
    if not overlapping:
        return False
    edge = start
    for covered_start, covered_end in overlapping:
        if span_count(edge, covered_start) > 0:
            return False
        edge = max(edge, covered_end)
    return span_count(edge, end) == 0
