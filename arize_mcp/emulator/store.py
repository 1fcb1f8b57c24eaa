"""In-memory state of the emulated API (its demo data set is seed.py's).

The app runs in uvicorn's thread while tests read state from theirs, so every access goes
through one lock. Run state is never stored: it is derived from each run's plan at read time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from arize_mcp.api.models import RunStatus, Task, TaskRun, TaskType
from arize_mcp.emulator.lifecycle import Counts, Outcome, RunPlan, state_at
from arize_mcp.emulator.planning import (
    PlannedRun,
    Timing,
    Window,
    plan_dataset_evaluation,
    plan_experiment_run,
    plan_project_evaluation,
    span_count,
)
from arize_mcp.emulator.problems import BadRequest, NotFound
from arize_mcp.emulator.records import (
    Dataset,
    Experiment,
    Project,
    RunRecord,
    Space,
    TaskRecord,
    opaque_id,
    probing_id,
)
from arize_mcp.emulator.trigger_body import TriggerFields


@dataclass(frozen=True)
class TaskFilter:
    space_id: str | None = None
    space_name: str | None = None
    name: str | None = None
    project_id: str | None = None
    dataset_id: str | None = None
    task_type: TaskType | None = None


class Store:
    """Spaces and projects are fixed at creation; datasets, tasks and runs are added later."""

    def __init__(self, spaces: Sequence[Space], projects: Sequence[Project], user_id: str) -> None:
        self._lock = threading.Lock()
        self._spaces = {space.id: space for space in spaces}
        self._projects = {project.id: project for project in projects}
        self._user_id = user_id
        self._datasets: dict[str, Dataset] = {}
        self._tasks: dict[str, TaskRecord] = {}
        self._runs: dict[str, RunRecord] = {}
        self._numbers: dict[str, int] = {}

    # -- setup -------------------------------------------------------------------------------

    def new_id(self, kind: str) -> str:
        with self._lock:
            return self._new_id(kind)

    def add_dataset(self, dataset: Dataset) -> None:
        with self._lock:
            self._datasets[dataset.id] = dataset

    def add_task(self, task: Task, failure_reason: str | None = None) -> None:
        with self._lock:
            if task.id in self._tasks:
                raise ValueError(f"task id {task.id!r} already exists")
            self._tasks[task.id] = TaskRecord(task, failure_reason)

    def add_project_task(
        self,
        name: str,
        task_type: TaskType,
        last_run_at: datetime | None,
        failure_reason: str | None,
        now: datetime,
        run_seconds: float | None = None,
    ) -> str:
        """A project-based evaluation task in the first space's project; returns its id."""
        if task_type is TaskType.RUN_EXPERIMENT:
            raise ValueError("add_project_task creates evaluation tasks only")
        project = next(iter(self._projects.values()))
        task = Task(
            id=self.new_id("OnlineTask"),
            name=name,
            type=task_type,
            space_id=project.space_id,
            project_id=project.id,
            sampling_rate=1.0,
            is_continuous=False,
            last_run_at=last_run_at,
            created_at=now,
            updated_at=now,
            created_by_user_id=self._user_id,
        )
        self.add_task(task, failure_reason)
        self._tasks[task.id].run_seconds = run_seconds
        return task.id

    def add_past_runs(
        self, task_id: str, durations: Sequence[float], window: timedelta, pending_fraction: float, now: datetime
    ) -> None:
        """Completed runs of a project task, one a day before `now` (the newest first), each over a
        data window of `window` ending when it was created and taking its `durations` entry."""
        if any(seconds <= 0 for seconds in durations) or not timedelta(0) < window <= timedelta(days=1):
            raise ValueError("past runs need positive durations and a window of at most a day")
        with self._lock:
            record = self._task(task_id)
            for days, seconds in enumerate(durations, start=1):
                created = now - timedelta(days=days)
                start = created - window
                plan = RunPlan(
                    created, seconds, pending_fraction, Outcome.COMPLETE, Counts(successes=span_count(start, created))
                )
                run = RunRecord(self._new_id("TaskRun", probing=True), task_id, plan, self._user_id, start, created)
                self._runs[run.id] = run
            if durations:
                last = now - timedelta(days=1)
                record.task = record.task.model_copy(update={"last_run_at": max(last, record.task.last_run_at or last)})

    # -- queries -----------------------------------------------------------------------------

    def task_id_by_name(self, name: str) -> str:
        with self._lock:
            for task_id, record in self._tasks.items():
                if record.task.name == name:
                    return task_id
        raise KeyError(f"no task named {name!r}")

    def list_tasks(self, where: TaskFilter) -> list[Task]:
        with self._lock:
            self._check_filter_targets(where)
            # space_name is a case-insensitive substring of the space's name, as the API documents.
            space_part = where.space_name.casefold() if where.space_name is not None else ""
            space_ids = {space.id for space in self._spaces.values() if space_part in space.name.casefold()}
            needle = where.name.lower() if where.name is not None else None
            return [
                task
                for task in (record.task for record in self._tasks.values())
                if where.space_id in (None, task.space_id)
                and (where.space_name is None or task.space_id in space_ids)
                and (needle is None or needle in task.name.lower())
                and where.project_id in (None, task.project_id)
                and where.dataset_id in (None, task.dataset_id)
                and where.task_type in (None, task.type)
            ]

    def dataset_versions(self, dataset_id: str) -> dict[str, tuple[str, ...]]:
        with self._lock:
            return dict(self._dataset(dataset_id).versions)

    def experiment_ids(self, dataset_id: str, now: datetime) -> dict[str, str]:
        with self._lock:
            experiments = self._experiments(self._dataset(dataset_id), now).values()
            return {experiment.name: experiment.id for experiment in experiments}

    def get_task(self, task_id: str) -> Task:
        with self._lock:
            return self._task(task_id).task

    def space_id_of(self, task_id: str) -> str:
        with self._lock:
            space_id = self._task(task_id).task.space_id
        assert space_id is not None, "every stored task belongs to a space"
        return space_id

    def runs_of(self, task_id: str, now: datetime) -> list[TaskRun]:
        """A task's runs, oldest first."""
        with self._lock:
            self._task(task_id)
            return [self._view(run, now) for run in self._task_runs(task_id)]

    def get_run(self, run_id: str, now: datetime) -> TaskRun:
        with self._lock:
            return self._view(self._run(run_id), now)

    # -- actions -----------------------------------------------------------------------------

    def trigger(self, task_id: str, fields: TriggerFields, now: datetime, timing: Timing) -> TaskRun:
        with self._lock:
            record = self._task(task_id)
            if record.run_seconds is not None:
                timing = Timing(record.run_seconds, timing.pending_fraction)
            planned = self._plan(record, fields, now, timing)
            run = RunRecord(
                id=self._new_id("TaskRun", probing=True),
                task_id=task_id,
                plan=planned.plan,
                created_by_user_id=self._user_id,
                data_start_time=planned.data_start_time,
                data_end_time=planned.data_end_time,
                evaluated_experiment_ids=planned.evaluated_experiment_ids,
                created_experiment=planned.created_experiment,
                dataset_id=planned.dataset_id,
            )
            self._runs[run.id] = run
            record.task = record.task.model_copy(update={"last_run_at": planned.last_run_at})
            return self._view(run, now)

    def cancel(self, run_id: str, now: datetime) -> TaskRun:
        with self._lock:
            run = self._run(run_id)
            status = state_at(run.plan, now, run.cancelled_at).status
            if status.is_terminal:
                raise BadRequest(
                    f"Task run '{run_id}' is {status.value}; only pending or running runs can be cancelled."
                )
            run.cancelled_at = now
            return self._view(run, now)

    # -- internals (callers hold the lock) ---------------------------------------------------

    def _new_id(self, kind: str, *, probing: bool = False) -> str:
        # Numbers start above zero like ids in a long-lived account.
        self._numbers[kind] = self._numbers.get(kind, 100) + 1
        return (probing_id if probing else opaque_id)(kind, self._numbers[kind])

    def _task(self, task_id: str) -> TaskRecord:
        record = self._tasks.get(task_id)
        if record is None:
            raise NotFound(f"The requested task with ID '{task_id}' was not found.")
        return record

    def _run(self, run_id: str) -> RunRecord:
        run = self._runs.get(run_id)
        if run is None:
            raise NotFound(f"The requested task run with ID '{run_id}' was not found.")
        return run

    def _dataset(self, dataset_id: str | None) -> Dataset:
        dataset = self._datasets.get(dataset_id or "")
        if dataset is None:
            raise NotFound(f"The dataset with ID '{dataset_id}' was not found.")
        return dataset

    def _task_runs(self, task_id: str) -> list[RunRecord]:
        # Stable sort: runs created in the same millisecond keep their creation order.
        runs = [run for run in self._runs.values() if run.task_id == task_id]
        return sorted(runs, key=lambda run: run.plan.created_at)

    def _check_filter_targets(self, where: TaskFilter) -> None:
        # Filtering on an id that does not exist is a 404, not an empty page (space_name is a
        # substring match: matching nothing is an empty page).
        if where.space_id is not None and where.space_id not in self._spaces:
            raise NotFound(f"The space with ID '{where.space_id}' was not found.")
        if where.project_id is not None and where.project_id not in self._projects:
            raise NotFound(f"The project with ID '{where.project_id}' was not found.")
        if where.dataset_id is not None:
            self._dataset(where.dataset_id)

    def _plan(self, record: TaskRecord, fields: TriggerFields, now: datetime, timing: Timing) -> PlannedRun:
        task = record.task
        if task.type is TaskType.RUN_EXPERIMENT:
            dataset = self._dataset(task.dataset_id)
            return plan_experiment_run(
                record,
                dataset,
                fields,
                self._taken_experiment_names(dataset, now),
                {task_id: other.task for task_id, other in self._tasks.items()},
                lambda: self._new_id("Experiment"),
                now,
                timing,
            )
        live = [run for run in self._task_runs(task.id) if not _failed_or_cancelled(run, now)]
        if task.dataset_id is not None:
            dataset = self._dataset(task.dataset_id)
            labelled = {experiment_id for run in live for experiment_id in run.evaluated_experiment_ids}
            return plan_dataset_evaluation(
                record, dataset, fields, self._experiments(dataset, now), labelled, now, timing
            )
        windows: list[Window] = [
            (run.data_start_time, run.data_end_time)
            for run in live
            if run.data_start_time is not None and run.data_end_time is not None
        ]
        return plan_project_evaluation(record, fields, windows, now, timing)

    def _experiments(self, dataset: Dataset, now: datetime) -> dict[str, Experiment]:
        # Seeded experiments, plus those run-experiment runs created once they started.
        experiments = {experiment.id: experiment for experiment in dataset.experiments}
        for run in self._runs.values():
            experiment = run.created_experiment
            if experiment is not None and run.dataset_id == dataset.id:
                if state_at(run.plan, now, run.cancelled_at).run_started_at is not None:
                    experiments[experiment.id] = experiment
        return experiments

    def _taken_experiment_names(self, dataset: Dataset, now: datetime) -> dict[str, str]:
        # A pending run already claims its name; one cancelled before it started never created
        # its experiment, so its name is free again.
        taken = {experiment.name: experiment.id for experiment in dataset.experiments}
        for run in self._runs.values():
            experiment = run.created_experiment
            if experiment is None or run.dataset_id != dataset.id:
                continue
            state = state_at(run.plan, now, run.cancelled_at)
            if not (state.status is RunStatus.CANCELLED and state.run_started_at is None):
                taken.setdefault(experiment.name, experiment.id)
        return taken

    def _view(self, run: RunRecord, now: datetime) -> TaskRun:
        state = state_at(run.plan, now, run.cancelled_at)
        experiment = run.created_experiment
        return TaskRun(
            id=run.id,
            task_id=run.task_id,
            status=state.status,
            run_started_at=state.run_started_at,
            run_finished_at=state.run_finished_at,
            data_start_time=run.data_start_time,
            data_end_time=run.data_end_time,
            num_successes=state.counts.successes,
            num_errors=state.counts.errors,
            num_skipped=state.counts.skipped,
            created_at=run.plan.created_at,
            created_by_user_id=run.created_by_user_id,
            # The experiment is provisioned when the run starts.
            experiment_id=experiment.id if experiment and state.run_started_at is not None else None,
            failure_reason=state.failure_reason,
        )


def _failed_or_cancelled(run: RunRecord, now: datetime) -> bool:
    status = state_at(run.plan, now, run.cancelled_at).status
    return status in (RunStatus.FAILED, RunStatus.CANCELLED)
