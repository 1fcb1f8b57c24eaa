"""Run progression as a pure function of time.

A run's state is never advanced by a background task: it is derived from its plan and the current
time whenever someone looks. That keeps the emulator deterministic under a fake clock and means a
test that reads state from another thread always sees a consistent picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from arize_mcp.api.models import RunStatus

CANCELLED_BY_USER = "Cancelled by user"


class Outcome(Enum):
    """How a run ends if nobody cancels it."""

    COMPLETE = "complete"
    FAIL = "fail"
    # Nothing left to label: the run is cancelled as soon as it starts, with zero counts.
    ALREADY_LABELLED = "already_labelled"


@dataclass(frozen=True)
class Counts:
    successes: int = 0
    errors: int = 0
    skipped: int = 0

    def scaled(self, fraction: float) -> Counts:
        return Counts(int(self.successes * fraction), int(self.errors * fraction), int(self.skipped * fraction))


@dataclass(frozen=True)
class RunPlan:
    """Everything that decides a run's course, fixed when it is triggered."""

    created_at: datetime
    run_seconds: float
    pending_fraction: float
    outcome: Outcome
    # Counts reached at the end: all items for COMPLETE, those processed before the failure for FAIL.
    final_counts: Counts
    failure_reason: str | None = None

    @property
    def started_at(self) -> datetime:
        return self.created_at + timedelta(seconds=self.run_seconds * self.pending_fraction)

    @property
    def ends_at(self) -> datetime:
        return self.created_at + timedelta(seconds=self.run_seconds)


@dataclass(frozen=True)
class RunState:
    status: RunStatus
    run_started_at: datetime | None
    run_finished_at: datetime | None
    counts: Counts
    failure_reason: str | None


def state_at(plan: RunPlan, now: datetime, cancelled_at: datetime | None = None) -> RunState:
    """The run's state at `now`; a cancellation freezes progress at the moment it happened."""
    if cancelled_at is not None and cancelled_at <= now:
        frozen = _natural_state(plan, cancelled_at)
        if not frozen.status.is_terminal:
            return RunState(RunStatus.CANCELLED, frozen.run_started_at, cancelled_at, frozen.counts, CANCELLED_BY_USER)
    return _natural_state(plan, now)


def _natural_state(plan: RunPlan, now: datetime) -> RunState:
    started, ends = plan.started_at, plan.ends_at
    if now < started:
        return RunState(RunStatus.PENDING, None, None, Counts(), None)
    if plan.outcome is Outcome.ALREADY_LABELLED:
        return RunState(RunStatus.CANCELLED, started, started, Counts(), plan.failure_reason)
    if now < ends:
        fraction = (now - started) / (ends - started)
        return RunState(RunStatus.RUNNING, started, None, plan.final_counts.scaled(fraction), None)
    final = RunStatus.FAILED if plan.outcome is Outcome.FAIL else RunStatus.COMPLETED
    return RunState(final, started, ends, plan.final_counts, plan.failure_reason)
