"""RunFeeds on injected time: one poller per (identity, run), its schedule, 429s, errors, stopping.

No network and no real sleeping: `FakeTime.sleep` records each pause the poller asks for and
blocks until the test lets it elapse, and `Script` stands in for the upstream read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel
import pytest

from arize_mcp.api.errors import (
    ApiError,
    ArizeError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
)
from arize_mcp.api.models import RunStatus, TaskRun
from arize_mcp.follow.feeds import RunCursor, RunFeeds
from arize_mcp.follow.schedule import PollSchedule

pytestmark = pytest.mark.anyio

RUN_ID = "VGFza1J1bjox"
OTHER_RUN_ID = "VGFza1J1bjoy"
SCHEDULE = PollSchedule(initial_seconds=1.0, growth=2.0, max_seconds=5.0)  # pauses 1, 2, 4, 5, 5, …
BOUND = 5  # seconds of real time any test may take


# --- test doubles ---------------------------------------------------------------------------


def snapshot(status: str = "running", successes: int = 0, *, run_id: str = RUN_ID) -> TaskRun:
    """A TaskRun as the API sends it; `successes` tells snapshots of one run apart."""
    state = RunStatus(status)
    return TaskRun.model_validate(
        {
            "id": run_id,
            "task_id": "VGFzazox",
            "status": status.upper(),
            "run_started_at": None if state is RunStatus.PENDING else "2025-01-01T00:00:01Z",
            "run_finished_at": "2025-01-01T00:01:00Z" if state.is_terminal else None,
            "data_start_time": "2024-12-31T00:00:00Z",
            "data_end_time": "2025-01-01T00:00:00Z",
            "num_successes": successes,
            "num_errors": 0,
            "num_skipped": 0,
            "created_at": "2025-01-01T00:00:00Z",
            "created_by_user_id": "user-1",
        }
    )


def rate_limited(retry_after: float | None) -> RateLimitError:
    return RateLimitError(
        429, "Too Many Requests", method="GET", path=f"/v2/task-runs/{RUN_ID}", retry_after=retry_after
    )


def api_error(cls: type[ApiError], status: int) -> ApiError:
    return cls(status, "error", "scripted", method="GET", path=f"/v2/task-runs/{RUN_ID}")


async def until(predicate: Callable[[], object], what: str) -> None:
    """Yield to the other tasks until `predicate` holds (no clock involved); fail after BOUND seconds."""
    try:
        with anyio.fail_after(BOUND):
            while not predicate():
                await anyio.lowlevel.checkpoint()
    except TimeoutError:
        pytest.fail(f"timed out waiting until {what}")


@dataclass
class Pause:
    seconds: float
    elapsed: anyio.Event = field(default_factory=anyio.Event)


class FakeTime:
    """An injected clock and sleep: each pause is recorded and lasts until the test ends it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.requested: list[float] = []  # every pause asked for, in order
        self.cancelled: list[float] = []  # pauses cut short by cancellation
        self.pending: list[Pause] = []  # pauses asked for that the test has not taken yet

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        pause = Pause(seconds)
        self.requested.append(seconds)
        self.pending.append(pause)
        try:
            await pause.elapsed.wait()
        except anyio.get_cancelled_exc_class():
            self.cancelled.append(seconds)
            raise

    async def next_pause(self) -> Pause:
        await until(lambda: self.pending, "the poller asks for a pause")
        return self.pending.pop(0)

    async def elapse(self) -> float:
        """Wait for the next pause, move the clock past it and end it; returns its length."""
        pause = await self.next_pause()
        self.now += pause.seconds
        pause.elapsed.set()
        return pause.seconds


class Script:
    """A fake upstream read: returns or raises the scripted outcomes in order, and counts calls.

    With `hold`, each read blocks until `answer()` so the test can act while it is in flight."""

    def __init__(self, *outcomes: TaskRun | Exception, time: FakeTime, hold: bool = False) -> None:
        self.outcomes = list(outcomes)
        self.time = time
        self.calls = 0
        self.called_at: list[float] = []  # fake time of each read
        self.pauses_before: list[int] = []  # how many pauses had been asked for before each read
        self.cancelled = 0
        self.hold = hold
        self._answer = anyio.Event()

    def answer(self) -> None:
        self._answer.set()

    async def __call__(self) -> TaskRun:
        self.calls += 1
        self.called_at.append(self.time.now)
        self.pauses_before.append(len(self.time.requested))
        if self.hold:
            try:
                await self._answer.wait()
            except anyio.get_cancelled_exc_class():
                self.cancelled += 1
                raise
            self._answer = anyio.Event()
        if not self.outcomes:
            raise AssertionError(f"read #{self.calls} is past the end of the script")
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@dataclass
class Follower:
    """What one follower saw; `reads` snapshots (None: until terminal) before it leaves."""

    reads: int | None = None
    seen: list[TaskRun] = field(default_factory=list)
    error: ArizeError | None = None
    cursor: RunCursor | None = None
    done: bool = False

    async def follow(self, feeds: RunFeeds, identity: str, run_id: str, fetch: Script) -> None:
        async with feeds.follow(identity, run_id, fetch) as cursor:
            self.cursor = cursor
            try:
                while self.reads is None or len(self.seen) < self.reads:
                    run = await cursor.next()
                    self.seen.append(run)
                    if run.is_terminal:
                        break
            except ArizeError as exc:
                self.error = exc
        self.done = True


# --- sharing --------------------------------------------------------------------------------


async def test_followers_of_one_run_share_one_poller_and_see_every_snapshot() -> None:
    time = FakeTime()
    runs = [snapshot("pending"), snapshot("running", 1), snapshot("running", 2), snapshot("completed", 3)]
    fetch = Script(*runs, time=time)
    followers = [Follower() for _ in range(50)]
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            async with anyio.create_task_group() as group:
                for follower in followers:
                    group.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
                for k in range(1, len(runs) + 1):
                    await until(lambda k=k: all(len(f.seen) == k for f in followers), f"all saw snapshot {k}")
                    assert fetch.calls == k
                    if k < len(runs):
                        await time.elapse()
        # Leaving the poller group waits for every poller: one still polling would hang here.
    assert fetch.calls == len(runs)  # one read per interval, not one per follower
    assert all(f.seen == runs and f.error is None for f in followers)
    assert time.requested == [1.0, 2.0, 4.0] and not time.pending


async def test_each_identity_and_each_run_gets_its_own_poller() -> None:
    time = FakeTime()
    keys = [("key-a", RUN_ID), ("key-b", RUN_ID), ("key-a", OTHER_RUN_ID)]
    # Each key's upstream answers differently, so a follower that got another key's snapshot shows.
    fetches = {key: Script(snapshot("running", n), time=time) for n, key in enumerate(keys)}
    followers = {key: [Follower(reads=1) for _ in range(3)] for key in keys}
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            async with anyio.create_task_group() as group:
                for key in keys:
                    for follower in followers[key]:
                        group.start_soon(follower.follow, feeds, *key, fetches[key])
            await until(lambda: len(time.cancelled) == len(keys), "every poller is stopped")
    for n, key in enumerate(keys):
        assert fetches[key].calls == 1, key
        assert [f.seen for f in followers[key]] == [[snapshot("running", n)]] * 3, key
    assert time.requested == [1.0, 1.0, 1.0]  # three pollers, each in its first pause


# --- schedule -------------------------------------------------------------------------------


async def test_first_read_is_immediate_then_pauses_follow_the_schedule() -> None:
    time = FakeTime()
    runs = [snapshot("running", n) for n in range(6)] + [snapshot("completed", 6)]
    fetch = Script(*runs, time=time)
    follower = Follower()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            pollers.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
            for _ in range(len(runs) - 1):
                await time.elapse()
    assert time.requested == [SCHEDULE.interval(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert fetch.pauses_before == [0, 1, 2, 3, 4, 5, 6]  # the first read comes before any pause
    assert fetch.called_at == [0.0, 1.0, 3.0, 7.0, 12.0, 17.0, 22.0]
    assert follower.seen[-1] == runs[-1] and follower.done


# --- stopping -------------------------------------------------------------------------------


async def test_last_follower_leaving_stops_polling_and_a_new_follower_starts_afresh() -> None:
    time = FakeTime()
    runs = [snapshot("running", 1), snapshot("running", 2), snapshot("running", 3)]
    fetch = Script(*runs, time=time)
    first, second = Follower(reads=1), Follower(reads=2)
    fresh_run = snapshot("running", 10)
    fresh_fetch = Script(fresh_run, time=time)
    newcomer = Follower(reads=1)
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            pollers.start_soon(first.follow, feeds, "key-a", RUN_ID, fetch)
            pollers.start_soon(second.follow, feeds, "key-a", RUN_ID, fetch)
            await until(lambda: first.done, "the first follower leaves")
            # One follower is left, so polling goes on.
            await time.elapse()
            await until(lambda: second.done, "the last follower leaves")
            await until(lambda: time.cancelled, "the poller's pause is cut short")
            assert time.cancelled == [2.0] and fetch.calls == 2
            assert time.pending and not any(pause.elapsed.is_set() for pause in time.pending)
            time.pending.pop().elapsed.set()  # the cancelled pause "elapsing" must not bring a read
            for _ in range(10):
                await anyio.lowlevel.checkpoint()
            assert fetch.calls == 2
            # The feed is gone: a new follower gets a new poller, not the stale snapshot.
            pollers.start_soon(newcomer.follow, feeds, "key-a", RUN_ID, fresh_fetch)
            await until(lambda: newcomer.done, "the newcomer leaves")
            await until(lambda: len(time.cancelled) == 2, "the newcomer's poller stops")
    assert first.seen == runs[:1] and second.seen == runs[:2]
    assert fetch.calls == 2 and fetch.outcomes == runs[2:]
    assert fresh_fetch.calls == 1 and newcomer.seen == [fresh_run]


async def test_follower_arriving_right_after_the_last_one_left_does_not_join_the_dying_feed() -> None:
    time = FakeTime()
    stale, fresh = snapshot("running", 1), snapshot("running", 2)
    fetch, fresh_fetch = Script(stale, time=time), Script(fresh, time=time)
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            async with feeds.follow("key-a", RUN_ID, fetch) as cursor:
                assert await cursor.next() == stale
            # No checkpoint since the last follower left: the old poller has not even seen its cancellation.
            assert time.cancelled == []
            async with feeds.follow("key-a", RUN_ID, fresh_fetch) as cursor:
                assert await cursor.next() == fresh
    assert fetch.calls == 1 and fresh_fetch.calls == 1 and time.cancelled == [1.0, 1.0]


async def test_leaving_while_a_read_is_in_flight_cancels_the_read() -> None:
    time = FakeTime()
    fetch = Script(snapshot("running"), time=time, hold=True)
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            with anyio.CancelScope() as caller:  # the caller's request being cancelled
                async with feeds.follow("key-a", RUN_ID, fetch) as cursor:
                    await until(lambda: fetch.calls == 1, "the read is in flight")
                    caller.cancel()
                    await cursor.next()
            await until(lambda: fetch.cancelled == 1, "the read is cancelled")
    assert fetch.calls == 1 and time.requested == []


async def test_poller_stops_by_itself_once_the_run_is_terminal() -> None:
    time = FakeTime()
    done = snapshot("failed", 4)
    fetch = Script(snapshot("running", 1), done, time=time)
    late = Follower()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            async with feeds.follow("key-a", RUN_ID, fetch) as cursor:
                assert await cursor.next() == snapshot("running", 1)
                await time.elapse()
                assert await cursor.next() == done
                # The poller ended with the terminal snapshot, though a follower is still here.
                with pytest.raises(ArizeError, match="polling of this run stopped"):
                    await cursor.next()
                assert cursor.latest == done
            # A terminal run's feed is not kept: a later follower reads afresh.
            again = Script(done, time=time)
            await late.follow(feeds, "key-a", RUN_ID, again)
    assert fetch.calls == 2 and time.requested == [1.0] and again.calls == 1 and late.seen == [done]


# --- 429 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "pause"),
    [
        (7.5, 7.5),  # Retry-After longer than the schedule: honoured
        (None, 2.0),  # no Retry-After: the next step of the schedule
        (0.25, 2.0),  # Retry-After shorter than the schedule: never faster than it (a failed read moves it on)
    ],
)
async def test_rate_limit_stretches_the_next_pause_then_polling_resumes(
    retry_after: float | None, pause: float
) -> None:
    time = FakeTime()
    limited = rate_limited(retry_after)
    runs = [snapshot("pending"), snapshot("running", 1), snapshot("completed", 2)]
    fetch = Script(runs[0], limited, runs[1], runs[2], time=time)
    follower = Follower()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            pollers.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
            assert await time.elapse() == 1.0
            assert await time.elapse() == pause
            # During the 429 pause the followers can see why, but are not failed by it.
            assert follower.cursor is not None and follower.cursor.error is limited
            assert not follower.done and follower.error is None
            await time.elapse()
    assert time.requested == [1.0, pause, 2.0]
    assert fetch.called_at == [0.0, 1.0, 1.0 + pause, 3.0 + pause]
    assert follower.seen == runs and follower.error is None
    assert follower.cursor.error is None  # cleared by the next snapshot


async def test_rate_limit_on_the_first_read_waits_retry_after_without_failing_followers() -> None:
    time = FakeTime()
    done = snapshot("completed", 5)
    fetch = Script(rate_limited(3.0), done, time=time)
    followers = [Follower() for _ in range(3)]
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            for follower in followers:
                pollers.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
            assert await time.elapse() == 3.0
    assert fetch.calls == 2 and fetch.called_at == [0.0, 3.0]
    assert all(f.seen == [done] and f.error is None for f in followers)


# --- permanent errors -----------------------------------------------------------------------


@pytest.mark.parametrize("error", [api_error(AuthenticationError, 401), api_error(NotFoundError, 404)])
async def test_permanent_error_before_any_snapshot_reaches_every_follower_and_stops_polling(error: ApiError) -> None:
    time = FakeTime()
    fetch = Script(error, time=time, hold=True)
    followers = [Follower() for _ in range(5)]
    done = snapshot("completed", 1)
    again = Script(done, time=time)
    late = Follower()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            for follower in followers:
                pollers.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
            await until(lambda: all(f.cursor is not None for f in followers), "everyone follows")
            fetch.answer()
            await until(lambda: all(f.done for f in followers), "every follower gives up")
            # The failed feed is gone: a new follower starts a new poller.
            await late.follow(feeds, "key-a", RUN_ID, again)
    assert all(f.error is error and f.seen == [] for f in followers)
    assert fetch.calls == 1 and time.requested == []
    assert again.calls == 1 and late.seen == [done]


async def test_permanent_error_after_a_snapshot_ends_the_feed_with_the_latest_kept() -> None:
    time = FakeTime()
    first = snapshot("running", 1)
    gone = api_error(NotFoundError, 404)
    fetch = Script(first, gone, time=time)
    follower = Follower()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            pollers.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
            await time.elapse()
    assert follower.seen == [first] and follower.error is gone
    assert follower.cursor is not None and follower.cursor.latest == first
    assert fetch.calls == 2 and time.requested == [1.0]


async def test_unexpected_exception_in_a_read_fails_followers_not_the_task_group() -> None:
    time = FakeTime()
    fetch = Script(RuntimeError("bug"), time=time)
    follower = Follower()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            pollers.start_soon(follower.follow, feeds, "key-a", RUN_ID, fetch)
    assert type(follower.error) is ArizeError and "unexpected error" in str(follower.error)
    assert fetch.calls == 1 and time.requested == []
