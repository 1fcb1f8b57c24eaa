"""The emulator as tests and the sandbox hold it: the ASGI app plus handles on its state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from arize_mcp.api.models import TaskRun, TaskType
from arize_mcp.emulator.app import EmulatorApp
from arize_mcp.emulator.config import EmulatorConfig
from arize_mcp.emulator.faults import Faults
from arize_mcp.emulator.recording import RecordedRequest, RequestLog
from arize_mcp.emulator.seed import ORGANIZATION_ID, new_store
from arize_mcp.emulator.wire import WireEncoder, to_millis


def _system_clock() -> datetime:
    return datetime.now(UTC)


class Emulator:
    """A local implementation of the Arize v2 task endpoints.

    `clock` returns the current time (timezone-aware); pass a controllable one to drive run
    lifecycles deterministically.
    """

    def __init__(self, config: EmulatorConfig, *, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self._clock = clock or _system_clock
        self._store = new_store(self.now(), demo_tasks=config.seed)
        self.faults = Faults()
        self._log = RequestLog()
        self.app = EmulatorApp(
            config,
            self._store,
            self.faults,
            self._log,
            self.now,
            WireEncoder(ORGANIZATION_ID, lowercase_enums=config.robustness_lowercase_enums),
        )

    def now(self) -> datetime:
        """The emulator's time, in UTC at the millisecond precision the API exposes."""
        return to_millis(self._clock().astimezone(UTC))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order of arrival (a copy)."""
        return self._log.snapshot()

    def recorded(self, route: str | None = None, method: str | None = None) -> list[RecordedRequest]:
        """The requests received so far to `route` and/or with `method`, in order of arrival."""
        return self._log.snapshot(route, method)

    def task_id(self, name: str) -> str:
        """Id of the task with exactly this name (KeyError if there is none)."""
        return self._store.task_id_by_name(name)

    def runs(self, task_id: str) -> list[TaskRun]:
        """The task's runs as the API would report them now, oldest first."""
        return self._store.runs_of(task_id, self.now())

    def dataset_versions(self, dataset_id: str) -> dict[str, tuple[str, ...]]:
        """Version id -> example ids of a dataset, oldest version first (the datasets API's view)."""
        return self._store.dataset_versions(dataset_id)

    def experiment_ids(self, dataset_id: str) -> dict[str, str]:
        """Experiment name -> id for the experiments that exist in a dataset now."""
        return self._store.experiment_ids(dataset_id, self.now())

    def add_task(
        self,
        name: str,
        task_type: TaskType = TaskType.TEMPLATE_EVALUATION,
        *,
        last_run_at: datetime | None = None,
        failure_reason: str | None = None,
        run_seconds: float | None = None,
    ) -> str:
        """Add a project-based evaluation task; its runs fail with `failure_reason` when set, and
        take `run_seconds` from trigger to end when set (else the emulator's `run_seconds`)."""
        return self._store.add_project_task(name, task_type, last_run_at, failure_reason, self.now(), run_seconds)

    def add_history(self, task_id: str, durations: Sequence[float], *, window: timedelta = timedelta(hours=1)) -> None:
        """Give a project task completed past runs, one a day, newest first, taking `durations`
        seconds each over data windows of `window` (60 spans an hour) that end before today's."""
        self._store.add_past_runs(task_id, durations, window, self.config.pending_fraction, self.now())
