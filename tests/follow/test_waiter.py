"""RunWaiter on injected time: terminal results, the caller's deadline, the server's drain, errors.

The waiter reads through real RunFeeds whose sleep is `FakeTime.sleep`, and its clock is
`FakeTime.clock`, so the test decides when each poll interval elapses. The schedule's pauses are
long (hundreds of fake seconds) and every deadline is far away in real seconds, because the
waiter also bounds each wait with anyio's own clock (`move_on_after`), which is not injected.
"""

from __future__ import annotations

import anyio
import pytest

from arize_mcp.api.errors import ApiError, AuthenticationError, NotFoundError, RateLimitError
from arize_mcp.api.models import ListTaskRunsResponse, Pagination, TaskRun
from arize_mcp.follow.feeds import RunFeeds
from arize_mcp.follow.schedule import PollSchedule
from arize_mcp.follow.waiter import RunWaiter, WaitResult
from tests.follow.test_feeds import BOUND, RUN_ID, FakeTime, Script, api_error, snapshot, until

pytestmark = pytest.mark.anyio

SCHEDULE = PollSchedule(initial_seconds=100.0, growth=2.0, max_seconds=1000.0)  # pauses 100, 200, 400, 800, 1000
HOUR = 3600.0


class FakeClient:
    """Stands in for ArizeClient: an identity and a scripted `get_task_run` that counts its calls."""

    def __init__(self, *outcomes: TaskRun | Exception, time: FakeTime, identity: str = "key-a") -> None:
        self.identity = identity
        self.read = Script(*outcomes, time=time)
        self.requests: list[tuple[str, bool]] = []
        self.history_reads: list[tuple[str, dict[str, object]]] = []

    @property
    def calls(self) -> int:
        return self.read.calls

    async def get_task_run(self, run_id: str, *, retry_rate_limits: bool = True) -> TaskRun:
        self.requests.append((run_id, retry_rate_limits))
        return await self.read()

    async def list_task_runs(self, task_id: str, **query: object) -> ListTaskRunsResponse:
        """A task with no past runs: nothing predicts the run's end, so the schedule paces reads."""
        self.history_reads.append((task_id, query))
        return ListTaskRunsResponse(task_runs=[], pagination=Pagination(has_more=False))


class Polls:
    """An `on_poll` callback that records (status, poll number, elapsed fake seconds)."""

    def __init__(self) -> None:
        self.seen: list[tuple[TaskRun, int, float]] = []

    async def __call__(self, run: TaskRun, polls: int, elapsed: float, expected_in: float | None) -> None:
        self.seen.append((run, polls, elapsed))


class Outcome:
    """Where a background wait leaves its result or its error."""

    def __init__(self) -> None:
        self.result: WaitResult | None = None
        self.error: BaseException | None = None
        self.finished = False

    async def wait(self, waiter: RunWaiter, timeout: float, on_poll: Polls | None = None) -> None:
        try:
            self.result = await waiter.wait(RUN_ID, timeout, on_poll)
        except Exception as exc:
            self.error = exc
        finally:
            self.finished = True


async def test_wait_returns_the_terminal_run_with_every_poll_reported() -> None:
    time = FakeTime()
    runs = [snapshot("pending"), snapshot("running", 1), snapshot("completed", 2)]
    client = FakeClient(*runs, time=time)
    polls, outcome = Polls(), Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, clock=time.clock)
            pollers.start_soon(outcome.wait, waiter, HOUR, polls)
            await until(lambda: len(polls.seen) == 1, "the first poll is reported")
            await time.elapse()
            await until(lambda: len(polls.seen) == 2, "the second poll is reported")
            await time.elapse()
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.terminal is True and outcome.result.run == runs[2]
    assert outcome.result.polls == 3 and outcome.result.waited_seconds == 300.0
    assert polls.seen == [(runs[0], 1, 0.0), (runs[1], 2, 100.0), (runs[2], 3, 300.0)]
    assert client.calls == 3 and time.requested == [100.0, 200.0]
    # The poller paces itself and honours Retry-After, so the client must not also retry 429s.
    assert client.requests == [(RUN_ID, False)] * 3


async def test_wait_returns_the_latest_snapshot_when_its_deadline_passes() -> None:
    time = FakeTime()
    runs = [snapshot("pending"), snapshot("running", 1), snapshot("running", 2), snapshot("completed", 3)]
    client = FakeClient(*runs, time=time)
    polls, outcome = Polls(), Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, clock=time.clock)
            pollers.start_soon(outcome.wait, waiter, 250.0, polls)
            await time.elapse()  # t = 100: still before the deadline
            await until(lambda: len(polls.seen) == 2, "the second poll is reported")
            assert not outcome.finished
            await time.elapse()  # t = 300: past the deadline
            await until(lambda: outcome.finished, "the wait returns")
            # The waiter was the only follower: its leaving cuts the poller's next pause short.
            await until(lambda: time.cancelled, "the poller stops")
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.terminal is False and outcome.result.run == runs[2]
    assert outcome.result.polls == 3 and outcome.result.waited_seconds == 300.0
    assert [n for _, n, _ in polls.seen] == [1, 2, 3]
    assert client.calls == 3 and time.cancelled == [400.0]


async def test_zero_timeout_still_returns_one_snapshot() -> None:
    time = FakeTime()
    first = snapshot("running", 1)
    client = FakeClient(first, time=time)
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, clock=time.clock)
            result = await waiter.wait(RUN_ID, 0.0)
    assert result.run == first and result.terminal is False and result.polls == 1
    assert client.calls == 1 and time.cancelled == [100.0]


async def test_a_wait_reports_the_latest_run_again_while_no_new_snapshot_comes() -> None:
    # The next read is 100 fake seconds away and fake time stands still; the heartbeat (real time,
    # shortened here) still tells the caller about the run it has, without counting a new poll.
    time = FakeTime()
    first = snapshot("running", 1)
    client = FakeClient(first, snapshot("completed", 2), time=time)
    polls, outcome = Polls(), Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            waiter = RunWaiter(feeds, client, clock=time.clock, heartbeat_seconds=0.01)
            pollers.start_soon(outcome.wait, waiter, HOUR, polls)
            await until(lambda: len(polls.seen) >= 4, "the run is reported again and again")
            assert client.calls == 1 and not outcome.finished
            await time.elapse()
            await until(lambda: outcome.finished, "the wait returns")
    assert all(seen == (first, 1, 0.0) for seen in polls.seen[:4])
    assert outcome.result is not None and outcome.result.polls == 2 and outcome.result.terminal


async def test_a_poller_that_stops_without_a_word_ends_the_wait_instead_of_spinning() -> None:
    # Whatever stops a poller without an error (here its scope, cancelled from outside), the wait
    # must not ask the stopped feed again and again until its deadline (fake time never gets there).
    time = FakeTime()
    first = snapshot("running", 1)
    client = FakeClient(first, time=time)
    polls, outcome = Polls(), Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            pollers.start_soon(outcome.wait, RunWaiter(feeds, client, clock=time.clock), HOUR, polls)
            await until(lambda: len(polls.seen) == 1, "the first poll is reported")
            (feed,) = feeds._feeds.values()
            feed.scope.cancel()
            await until(lambda: outcome.finished, "the wait returns")
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.run == first and outcome.result.terminal is False
    assert outcome.result.last_error is not None and "polling of this run stopped" in outcome.result.last_error


async def test_drain_ends_a_wait_at_once_with_the_latest_snapshot() -> None:
    time = FakeTime()
    runs = [snapshot("pending"), snapshot("running", 1), snapshot("completed", 2)]
    client = FakeClient(*runs, time=time)
    stop = anyio.Event()
    polls, outcome = Polls(), Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, stop=stop, clock=time.clock)
            pollers.start_soon(outcome.wait, waiter, HOUR, polls)
            await time.elapse()
            await until(lambda: len(polls.seen) == 2, "the second poll is reported")
            assert not outcome.finished
            stop.set()  # no time passes: the drain alone ends the wait
            await until(lambda: outcome.finished, "the wait returns")
            await until(lambda: time.cancelled, "the poller stops")
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.terminal is False and outcome.result.run == runs[1]
    assert outcome.result.polls == 2 and outcome.result.waited_seconds == 100.0
    assert client.calls == 2 and time.cancelled == [200.0]


async def test_drain_takes_no_further_snapshot_even_one_already_published() -> None:
    time = FakeTime()
    runs = [snapshot("running", 1), snapshot("running", 2)]
    client = FakeClient(*runs, time=time)
    stop = anyio.Event()
    polls = Polls()

    async def drain_during_first_poll(run: TaskRun, n: int, elapsed: float, expected_in: float | None) -> None:
        await polls(run, n, elapsed, expected_in)
        stop.set()
        await time.elapse()  # meanwhile the poller publishes the next snapshot
        await until(lambda: client.calls == 2 and time.pending, "the second snapshot is published")

    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, stop=stop, clock=time.clock)
            result = await waiter.wait(RUN_ID, HOUR, drain_during_first_poll)
    assert result.run == runs[0] and result.polls == 1 and result.terminal is False
    assert [n for _, n, _ in polls.seen] == [1]


async def test_drain_before_the_first_snapshot_still_returns_one() -> None:
    time = FakeTime()
    first = snapshot("pending")
    client = FakeClient(first, time=time)
    stop = anyio.Event()
    stop.set()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, stop=stop, clock=time.clock)
            result = await waiter.wait(RUN_ID, HOUR)
    assert result.run == first and result.terminal is False and result.polls == 1
    assert client.calls == 1


@pytest.mark.parametrize("error", [api_error(AuthenticationError, 401), api_error(NotFoundError, 404)])
async def test_error_before_any_snapshot_is_raised_from_wait(error: ApiError) -> None:
    time = FakeTime()
    client = FakeClient(error, time=time)
    polls = Polls()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, clock=time.clock)
            with pytest.raises(type(error)) as info:
                await waiter.wait(RUN_ID, HOUR, polls)
    assert info.value is error  # the error itself, not an exception group around it
    assert polls.seen == [] and client.calls == 1 and time.requested == []


async def test_error_after_a_snapshot_is_raised_from_wait_too() -> None:
    time = FakeTime()
    gone = api_error(NotFoundError, 404)
    client = FakeClient(snapshot("running", 1), gone, time=time)
    polls, outcome = Polls(), Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            waiter = RunWaiter(RunFeeds(pollers, SCHEDULE, sleep=time.sleep), client, clock=time.clock)
            pollers.start_soon(outcome.wait, waiter, HOUR, polls)
            await time.elapse()
    assert outcome.result is None and outcome.error is gone
    assert [n for _, n, _ in polls.seen] == [1] and client.calls == 2


async def test_rate_limit_during_a_wait_is_waited_out() -> None:
    time = FakeTime()
    done = snapshot("completed", 1)
    limited = RateLimitError(429, "Too Many Requests", method="GET", path="/v2/task-runs/x", retry_after=450.0)
    client = FakeClient(snapshot("running"), limited, done, time=time)
    outcome = Outcome()
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            # A cap above this Retry-After: it is honoured whole (the cap itself: tests/follow/test_weather.py).
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep, max_retry_after_seconds=1000.0)
            waiter = RunWaiter(feeds, client, clock=time.clock)
            pollers.start_soon(outcome.wait, waiter, HOUR)
            await time.elapse()
            assert await time.elapse() == 450.0
    assert outcome.error is None and outcome.result is not None
    assert outcome.result.run == done and outcome.result.terminal is True and outcome.result.polls == 2
    assert outcome.result.waited_seconds == 550.0 and client.calls == 3


async def test_waits_on_one_run_share_a_poller_per_identity() -> None:
    time = FakeTime()
    runs = [snapshot("running", 1), snapshot("completed", 2)]
    client, twin = FakeClient(*runs, time=time), FakeClient(*runs, time=time)
    twin.identity = client.identity  # another client object with the same credential
    other = FakeClient(*runs, time=time, identity="key-b")
    outcomes = [Outcome() for _ in range(3)]
    with anyio.fail_after(BOUND):
        async with anyio.create_task_group() as pollers:
            feeds = RunFeeds(pollers, SCHEDULE, sleep=time.sleep)
            for outcome, who in zip(outcomes, [client, twin, other], strict=True):
                pollers.start_soon(outcome.wait, RunWaiter(feeds, who, clock=time.clock), HOUR)
            await time.elapse()
            await time.elapse()
    for outcome in outcomes:
        assert outcome.error is None and outcome.result is not None
        assert outcome.result.run == runs[1] and outcome.result.terminal is True and outcome.result.polls == 2
    # key-a's two waits cost one read per interval, made by whichever came first; key-b reads on its own.
    assert client.calls + twin.calls == 2 and {client.calls, twin.calls} == {0, 2}
    assert other.calls == 2
    assert time.requested == [100.0, 100.0]
