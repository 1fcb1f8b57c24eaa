"""When to read a followed run next: read densely around its predicted end, sparsely before it.

For any fixed polling interval T, the mean lag from a run's end to a reader seeing it is about
T/2 and the reads are about duration/T: lag × reads is a constant, and backoff schedules only
slide along that curve. Doing better on both needs knowing when the run will end:

* **Progress.** A running run's item count grows; with the number of items it will process (when
  its task's past runs over windows of the same length agree on it) the rate predicts the end,
  and every read sharpens the prediction. Counts are whole numbers, so a count `c` of `n` items
  after `t` seconds of running puts the end between `t·n/(c+1)` and `t·n/c` from the start.
* **History.** Before there is progress to read, the task's past runs bound the run's length from
  creation (see history.py).

Before the predicted window, reads approach it by halving the time left (at most `approach_max`
apart, so an early failure is still seen soon); inside it they are dense. A wrong prediction costs
little: past the window, reads fall back to the plain backoff schedule. With no prediction at all
the backoff schedule is all there is, which at its cap reads like a fixed interval.

Times are wall-clock seconds since the epoch, comparable with the run's timestamps: the pacer
assumes the local clock agrees with Arize's to well under a second (NTP-synchronised hosts do); a
clock that is off only makes predictions early or late, and the fallback covers that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from arize_mcp.api.models import RunStatus, TaskRun
from arize_mcp.follow.history import Expectation, TaskHistory, items_of
from arize_mcp.follow.schedule import PollSchedule


@dataclass(frozen=True)
class Window:
    """Where the run is expected to end, in epoch seconds; `from_progress` tells which source."""

    earliest: float
    latest: float
    from_progress: bool

    @property
    def likely(self) -> float:
        return (self.earliest + self.latest) / 2


@dataclass(frozen=True)
class PacingLimits:
    # Reads inside a window are its width / DENSE_READS apart, within these bounds.
    dense_min_seconds: float = 0.25
    dense_max_seconds: float = 5.0
    dense_reads: int = 10
    # Longest pause while approaching a window: the latest an early failure goes unseen.
    approach_max_seconds: float = 30.0
    # Predictions are widened by this share (of the run's length for history, of the time left for
    # progress), for runs less regular than their past.
    margin: float = 0.1


class Pacer:
    """Decides, after each read of one run, how long to wait before the next."""

    def __init__(
        self,
        schedule: PollSchedule,
        *,
        limits: PacingLimits = PacingLimits(),
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._schedule = schedule
        self._limits = limits
        self._wall = wall
        self._expectation: Expectation | None = None
        self._history_spent = False
        self._progress_spent = False
        self._all_in_since: float | None = None
        self._backoff_reads = 0
        self.window: Window | None = None

    def use_history(self, history: TaskHistory | None, run: TaskRun) -> None:
        self._expectation = history.expect(run) if history is not None else None

    def next_delay(self, run: TaskRun) -> float:
        """Seconds from now until the next read, given the snapshot just read."""
        now = self._wall()
        window = self._predict(run, now)
        if window is not None and now > window.latest:
            # The run outlived its prediction: history says nothing more about it.
            self._history_spent = self._history_spent or not window.from_progress
            window = None
        self.window = window
        if window is None:
            self._backoff_reads += 1
            return self._schedule.interval(self._backoff_reads)
        self._backoff_reads = 0
        limits = self._limits
        dense = min(
            limits.dense_max_seconds,
            max(limits.dense_min_seconds, (window.latest - window.earliest) / limits.dense_reads),
        )
        ahead = window.earliest - now
        if ahead <= dense:
            return dense
        if ahead <= 2 * dense:
            return ahead
        return min(limits.approach_max_seconds, ahead / 2)

    def _predict(self, run: TaskRun, now: float) -> Window | None:
        expectation = self._expectation
        if expectation is None:
            return None
        if (
            expectation.items is not None
            and not self._progress_spent
            and run.status is RunStatus.RUNNING
            and run.run_started_at is not None
        ):
            window = self._from_progress(run.run_started_at.timestamp(), items_of(run), expectation.items, now)
            if window is not None:
                return window
        if self._history_spent or run.created_at is None:
            return None
        created, margin = run.created_at.timestamp(), self._limits.margin
        return Window(
            created + expectation.shortest_seconds * (1 - margin),
            created + expectation.longest_seconds * (1 + margin),
            from_progress=False,
        )

    def _from_progress(self, started: float, done: int, items: int, now: float) -> Window | None:
        elapsed = now - started
        if done <= 0 or elapsed <= 0:
            return None
        if done >= items:
            # All expected items are in: the run is wrapping up, or it has more items than its past
            # runs had; in that case the count predicts nothing, and after a while reads back off.
            since = self._all_in_since = self._all_in_since or now
            wrap_up = max(4 * self._limits.dense_min_seconds, 0.1 * (since - started))
            if now > since + wrap_up:
                self._progress_spent = True
                return None
            return Window(since, since + wrap_up, from_progress=True)
        # Each read refreshes this prediction, so its margin is a share of the time left.
        earliest, latest = started + elapsed * items / (done + 1), started + elapsed * items / done
        margin = self._limits.margin
        return Window(
            now + (earliest - now) * (1 - margin) if earliest > now else earliest,
            latest + (latest - now) * margin,
            from_progress=True,
        )
