"""The pacer's decisions on an injected clock: history and progress predict a run's end, a wrong
prediction falls back to dense reads and then to the backoff, and no history means the backoff.

Runs are the emulator's own lifecycle model (`state_at`), read at the instants the pacer asks for;
nothing sleeps, so every figure below is exact and the same on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from arize_mcp.api.errors import ServerError
from arize_mcp.api.models import RunStatus, TaskRun
from arize_mcp.emulator.lifecycle import Counts, Outcome, RunPlan, state_at
from arize_mcp.follow.history import PastRun, TaskHistories, TaskHistory
from arize_mcp.follow.pacing import Pacer
from arize_mcp.follow.schedule import PollSchedule

CREATED = datetime(2026, 11, 30, 9, tzinfo=UTC)
HOUR_WINDOW = 3600.0
SCHEDULE = PollSchedule(initial_seconds=1.0, growth=1.5, max_seconds=5.0)
PENDING_SHARE = 0.15
SPANS = 60  # an hour of the emulated project's traffic


def snapshot(plan: RunPlan, at: float) -> TaskRun:
    state = state_at(plan, datetime.fromtimestamp(at, UTC))
    return TaskRun(
        id="run",
        task_id="task",
        status=state.status,
        run_started_at=state.run_started_at,
        run_finished_at=state.run_finished_at,
        data_start_time=CREATED - timedelta(seconds=HOUR_WINDOW),
        data_end_time=CREATED,
        num_successes=state.counts.successes,
        created_at=plan.created_at,
        created_by_user_id="user",
        experiment_id=None,
        failure_reason=None,
    )


def history(seconds: Sequence[float], items: Sequence[int] | int = SPANS) -> TaskHistory:
    counts = [items] * len(seconds) if isinstance(items, int) else items
    past = TaskHistory()
    for total, count in zip(seconds, counts, strict=True):
        past.add(PastRun(total * PENDING_SHARE, total, count, HOUR_WINDOW))
    return past


@dataclass
class Followed:
    reads: list[float]  # seconds after creation of every read, the first at 0
    delays: list[float]
    lag: float  # from the run's end to the read that saw it


def follow(seconds: float, past: TaskHistory | None, *, items: int = SPANS, grows: bool = True) -> Followed:
    """Read a run of `seconds` (processing `items`, its counts growing or not) as a feed does:
    once at creation, then after each pause the pacer asks for."""
    plan = RunPlan(CREATED, seconds, PENDING_SHARE, Outcome.COMPLETE, Counts(items))
    start = CREATED.timestamp()
    now = start
    pacer = Pacer(SCHEDULE, wall=lambda: now)
    run = snapshot(plan, now)
    pacer.use_history(past, run)
    reads, delays = [0.0], []
    while not run.is_terminal:
        assert len(reads) < 500, "the pacer never saw the run end"
        delays.append(pacer.next_delay(run))
        now += delays[-1]
        reads.append(now - start)
        run = snapshot(plan, now)
        if not grows and run.status is RunStatus.RUNNING:
            run = run.model_copy(update={"num_successes": 0})
    return Followed(reads, delays, now - plan.ends_at.timestamp())


def fixed_reads(seconds: float, interval: float) -> int:
    """Reads of the official SDK's wait_for_run: one at once, then one every `interval`."""
    return int(seconds // interval) + 2 if seconds % interval else int(seconds // interval) + 1


@pytest.mark.parametrize("seconds", [2.0, 11.0, 37.0, 123.0, 301.0])
def test_history_and_progress_put_the_reads_at_the_end(seconds: float) -> None:
    past = history([seconds * share for share in (0.7, 0.85, 1.05, 1.2, 1.3)])
    followed = follow(seconds, past)
    assert followed.lag <= 0.5
    # Before the end is near, pauses are long; the dense ones come only at the end.
    dense = [delay for delay in followed.delays if delay < 1.0]
    assert sum(dense) <= max(3.0, 0.05 * seconds)


def test_the_issues_workload_meets_its_goal_against_fixed_five_second_polling() -> None:
    # bench/workload.toml on the model: runs of 2-301 s, each task with 5 past runs scattered
    # around it; a history read per task counts as a read. Goal: lag <= 0.5x at <= 1.2x the reads.
    runs = (2.0, 11.0, 37.0, 123.0, 301.0)
    ours = [follow(seconds, history([seconds * (1 + s) for s in (-0.3, -0.15, 0.05, 0.2, 0.3)])) for seconds in runs]
    ours_reads = sum(len(followed.reads) + 1 for followed in ours)
    ours_lag = sum(followed.lag for followed in ours) / len(runs)
    fixed_lag = sum(-seconds % 5.0 for seconds in runs) / len(runs)
    assert ours_reads <= 1.2 * sum(fixed_reads(seconds, 5.0) for seconds in runs)
    assert ours_lag <= 0.5 * fixed_lag
    # With no history (the list read still counts): no later than fixed 5 s, at <= 1.2x the reads.
    first = [follow(seconds, None) for seconds in runs]
    assert sum(followed.lag for followed in first) / len(runs) <= fixed_lag
    assert sum(len(followed.reads) + 1 for followed in first) <= 1.2 * sum(fixed_reads(s, 5.0) for s in runs)


def test_pauses_before_the_window_halve_the_time_left_and_never_exceed_the_approach_cap() -> None:
    followed = follow(301.0, history([301.0 * share for share in (0.7, 0.85, 1.05, 1.2, 1.3)]))
    assert followed.delays[0] == 30.0  # 190 s ahead: capped
    assert max(followed.delays) == 30.0


def test_history_alone_bounds_the_reads_when_counts_do_not_move() -> None:
    # Past runs processed different numbers of items, so counts predict nothing: the history's
    # shortest and longest runs bound the window, which is read at a tenth of its width.
    past = history([80.0, 90.0, 100.0, 110.0, 120.0], items=[40, 60, 80, 100, 120])
    followed = follow(100.0, past, grows=False)
    inside = [read for read in followed.reads if read >= 80.0 * 0.9]
    assert followed.lag <= (120.0 * 1.1 - 72.0) / 10
    assert len(inside) <= 8
    assert all(read < 72.0 or delay <= 6.0 for read, delay in zip(followed.reads[:-1], followed.delays, strict=True))


def test_a_run_longer_than_its_history_falls_back_to_dense_reads_then_the_backoff() -> None:
    # Every past run took 20 s and counts do not move; this one takes 100 s.
    followed = follow(100.0, history([20.0] * 5), grows=False)
    window_end = 20.0 * 1.1
    after = [delay for read, delay in zip(followed.reads[:-1], followed.delays, strict=True) if read > window_end]
    # Past the window: the backoff from its start, 1, 1.5, 2.25, 3.375, then its 5 s cap.
    assert after[:5] == [1.0, 1.5, 2.25, 3.375, 5.0]
    assert set(after[5:]) == {5.0}
    assert followed.lag <= 5.0


def test_a_run_with_more_items_than_its_history_backs_off_once_its_counts_pass_the_bound() -> None:
    # The count reaches the 60 items past runs had halfway through: the pacer reads densely for a
    # while (a run wrapping up), then, the count and the history both proven wrong, backs off.
    followed = follow(60.0, history([30.0] * 5), items=120)
    backoff_from = followed.delays.index(1.0)
    # Dense while the run seemed to be wrapping up, then the backoff from its start.
    assert max(followed.delays[backoff_from - 5 : backoff_from]) < 0.5
    assert followed.delays[backoff_from:] == [
        SCHEDULE.interval(n) for n in range(1, len(followed.delays) - backoff_from + 1)
    ]
    assert followed.lag <= 5.0


@pytest.mark.parametrize("seconds", [2.0, 37.0, 301.0])
def test_no_history_paces_reads_exactly_like_the_backoff(seconds: float) -> None:
    followed = follow(seconds, None)
    assert followed.delays == [SCHEDULE.interval(n) for n in range(1, len(followed.delays) + 1)]
    assert followed.lag <= SCHEDULE.max_seconds


def test_a_history_of_one_run_or_of_other_windows_predicts_nothing() -> None:
    one = history([30.0])
    other_windows = TaskHistory()
    for total in (30.0, 31.0, 29.0):
        other_windows.add(PastRun(total * PENDING_SHARE, total, SPANS, 4 * HOUR_WINDOW))
    for past in (one, other_windows):
        followed = follow(30.0, past)
        assert followed.delays == [SCHEDULE.interval(n) for n in range(1, len(followed.delays) + 1)]


def test_the_pacer_says_when_it_expects_the_end() -> None:
    plan = RunPlan(CREATED, 100.0, PENDING_SHARE, Outcome.COMPLETE, Counts(SPANS))
    now = CREATED.timestamp() + 60.0
    pacer = Pacer(SCHEDULE, wall=lambda: now)
    run = snapshot(plan, now)
    pacer.use_history(history([90.0, 100.0, 110.0]), run)
    pacer.next_delay(run)
    assert pacer.window is not None and pacer.window.from_progress
    assert abs(pacer.window.likely - plan.ends_at.timestamp()) < 3.0


def test_past_runs_that_did_not_complete_are_not_history() -> None:
    plan = RunPlan(CREATED, 10.0, PENDING_SHARE, Outcome.FAIL, Counts(5))
    failed = snapshot(plan, CREATED.timestamp() + 20.0)
    assert failed.status is RunStatus.FAILED and PastRun.of(failed) is None
    done = snapshot(RunPlan(CREATED, 10.0, PENDING_SHARE, Outcome.COMPLETE, Counts(5)), CREATED.timestamp() + 20.0)
    assert PastRun.of(done) == PastRun(1.5, 10.0, 5, HOUR_WINDOW)


@pytest.mark.anyio
async def test_a_task_history_is_read_once_by_concurrent_followers_and_then_learns() -> None:
    histories = TaskHistories()
    reads: list[str] = []
    released = anyio.Event()
    done = snapshot(RunPlan(CREATED, 10.0, PENDING_SHARE, Outcome.COMPLETE, Counts(5)), CREATED.timestamp() + 20.0)

    async def list_runs(task_id: str) -> list[TaskRun]:
        reads.append(task_id)
        await released.wait()
        return [done, done]

    seen: list[TaskHistory | None] = []

    async def get() -> None:
        seen.append(await histories.get("key", "task", list_runs))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(get)
            await anyio.wait_all_tasks_blocked()
            released.set()
    assert reads == ["task"]
    assert len(seen) == 3 and seen[0] is seen[1] is seen[2] and seen[0] is not None
    histories.learn("key", done)
    assert len(seen[0].runs) == 3
    # Another credential has its own history (it may not see the same tasks).
    assert await histories.get("other-key", "task", list_runs) is not None and reads == ["task", "task"]


@pytest.mark.anyio
async def test_a_history_that_cannot_be_read_is_no_prediction_and_is_tried_again_later() -> None:
    histories = TaskHistories()
    calls = 0

    async def failing(task_id: str) -> list[TaskRun]:
        nonlocal calls
        calls += 1
        raise ServerError("Arize answered 503", status=503)

    assert await histories.get("key", "task", failing) is None
    assert await histories.get("key", "task", failing) is None
    assert calls == 2
