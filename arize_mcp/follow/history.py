"""What a task's past runs say about how long its next run will take.

Repeated evaluations of a task over windows of the same length take similar times and process
similar numbers of items. One `list_task_runs` call per task (its latest completed runs) is read
the first time a run of that task is followed, then kept for the life of the process; each run a
follower sees complete is added to it, so later runs of the task cost no more reads.
"""

from __future__ import annotations

import logging
import statistics
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import anyio

from arize_mcp.api.errors import ArizeError
from arize_mcp.api.models import RunStatus, TaskRun

log = logging.getLogger(__name__)

# Enough runs to see a task's spread; more would only weigh older behaviour.
HISTORY_RUNS = 20
# Tasks whose history is kept; the least recently used is forgotten first.
MAX_TASKS = 1024
# A past run is "like" this one when its data window is within this share of this one's length.
WINDOW_TOLERANCE = 0.25
# Past runs' item counts are a bound for this run only when they agree this closely.
COUNT_TOLERANCE = 0.10


@dataclass(frozen=True)
class PastRun:
    """The parts of a completed run that predict the next: seconds from creation to start and to
    end, the items it processed, and its data window's length (None for dataset tasks)."""

    pending_seconds: float
    total_seconds: float
    items: int
    window_seconds: float | None

    @classmethod
    def of(cls, run: TaskRun) -> PastRun | None:
        """None unless `run` completed with every timestamp a prediction needs."""
        if run.status is not RunStatus.COMPLETED or None in (run.created_at, run.run_started_at, run.run_finished_at):
            return None
        assert run.created_at and run.run_started_at and run.run_finished_at  # narrowed above
        total = (run.run_finished_at - run.created_at).total_seconds()
        pending = (run.run_started_at - run.created_at).total_seconds()
        if total <= 0 or not 0 <= pending <= total:
            return None
        return cls(pending, total, items_of(run), window_of(run))


def items_of(run: TaskRun) -> int:
    return run.num_successes + run.num_errors + run.num_skipped


def window_of(run: TaskRun) -> float | None:
    if run.data_start_time is None or run.data_end_time is None:
        return None
    return (run.data_end_time - run.data_start_time).total_seconds()


@dataclass(frozen=True)
class Expectation:
    """What the history expects of one run: its length from creation (earliest and latest seen)
    and, when past runs agree on it, the number of items it will process."""

    shortest_seconds: float
    longest_seconds: float
    items: int | None


@dataclass
class TaskHistory:
    runs: deque[PastRun] = field(default_factory=lambda: deque(maxlen=HISTORY_RUNS))

    def add(self, past: PastRun) -> None:
        self.runs.appendleft(past)

    def expect(self, run: TaskRun) -> Expectation | None:
        """None when fewer than two past runs are like `run` (same kind of window, similar length)."""
        window = window_of(run)
        alike = [past for past in self.runs if _alike(past.window_seconds, window)]
        if len(alike) < 2:
            return None
        counts = [past.items for past in alike]
        middle = statistics.median(counts)
        agree = middle > 0 and all(abs(count - middle) <= COUNT_TOLERANCE * middle for count in counts)
        return Expectation(
            shortest_seconds=min(past.total_seconds for past in alike),
            longest_seconds=max(past.total_seconds for past in alike),
            items=round(middle) if agree else None,
        )


def _alike(past: float | None, this: float | None) -> bool:
    if past is None or this is None:
        return past is None and this is None
    return abs(past - this) <= WINDOW_TOLERANCE * this


ListRuns = Callable[[str], Awaitable[Iterable[TaskRun]]]


@dataclass(eq=False)
class _Entry:
    ready: anyio.Event = field(default_factory=anyio.Event)
    history: TaskHistory | None = None


class TaskHistories:
    """Each task's history, read once per (credential, task) however many follow its runs."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()

    async def get(self, identity: str, task_id: str, list_runs: ListRuns) -> TaskHistory | None:
        """The task's history, reading it with `list_runs` the first time (concurrent callers wait
        for that one read). None when it could not be read: a prediction is a bonus, never a failure."""
        key = (identity, task_id)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            await entry.ready.wait()
            return entry.history
        entry = self._entries[key] = _Entry()
        if len(self._entries) > MAX_TASKS:
            self._entries.popitem(last=False)
        try:
            history = TaskHistory()
            for run in await list_runs(task_id):
                if (past := PastRun.of(run)) is not None:
                    history.runs.append(past)  # newest first, as the API lists them
            entry.history = history
        except ArizeError as exc:
            log.info("could not read the history of task %s (%s); following without it", task_id, type(exc).__name__)
        except Exception:
            # A bug here must cost the prediction only, not the run's followers.
            log.exception("reading the history of task %s failed; following without it", task_id)
        finally:
            # A read that failed or was cancelled is forgotten, so a later run of the task tries again.
            if entry.history is None and self._entries.get(key) is entry:
                del self._entries[key]
            entry.ready.set()
        return entry.history

    def learn(self, identity: str, run: TaskRun) -> None:
        """Add a run a follower saw complete to its task's history, if that history is kept."""
        entry = self._entries.get((identity, run.task_id or ""))
        past = PastRun.of(run)
        if entry is not None and entry.history is not None and past is not None:
            entry.history.add(past)
