"""One upstream poller per run, shared by everyone following it (single-flight).

Waits (`RunWaiter`), trigger-and-wait and resource subscriptions (`RunWatch`) all follow runs. When
several follow the same run with the same credentials, one poller reads it and every follower
sees each snapshot, so N followers cost Arize what one does. The poller reads densely around the
run's predicted end and sparsely before it (pacing.py, from the task's history read once per task,
history.py); with no prediction its interval starts fast and grows to a cap. A 429's Retry-After
stretches a pause, up to the same cap reads honour. Polling stops the moment the last follower
leaves, so a cancelled call sends nothing more upstream.

Weather does not end a feed: through a transient failure (no connection, a 5xx, a 429, an answer
that cannot be read) the poller keeps going, backing off, and tells followers who asked; only a
permanent one (401, 403, 404, a refused id) stops it.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import (
    ApiError,
    ArizeError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from arize_mcp.api.models import RunStatus, TaskRun
from arize_mcp.api.retry import RetryPolicy, shared_sleep_budget
from arize_mcp.follow.history import HISTORY_RUNS, ListRuns, TaskHistories
from arize_mcp.follow.pacing import Pacer
from arize_mcp.follow.schedule import PollSchedule

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[TaskRun]]


def is_transient(exc: ArizeError) -> bool:
    """Upstream weather a follower rides out, as opposed to an answer that will not change."""
    return isinstance(exc, TransportError | ServerError | RateLimitError | UnexpectedResponseError) or (
        isinstance(exc, ApiError) and exc.status == 408
    )


@dataclass(eq=False)
class RunFeed:
    """The latest snapshot of one run, and the poller that refreshes it."""

    key: tuple[str, str]
    latest: TaskRun | None = None
    version: int = 0
    error: ArizeError | None = None
    failures: int = 0  # transient failures so far, so followers can tell a new one from one they saw
    finished: bool = False
    followers: int = 0
    # When the poller expects the run to end (epoch seconds), or None when it cannot tell.
    expected_end: float | None = None
    # When the poller reads the run next (epoch seconds), once it has planned that read.
    next_read: float | None = None
    wall: Callable[[], float] = time.time
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    _changed: anyio.Event = field(default_factory=anyio.Event)

    def publish(self, run: TaskRun) -> None:
        self.latest, self.error = run, None
        self.version += 1
        self.wake()

    def fail(self, error: ArizeError, *, final: bool) -> None:
        self.error = error
        self.failures += not final
        self.finished = self.finished or final
        self.wake()

    def wake(self) -> None:
        self._changed.set()
        self._changed = anyio.Event()

    async def changed(self) -> None:
        await self._changed.wait()


class RunCursor:
    """One follower's position in a feed: each call to `next` returns a snapshot it has not seen."""

    def __init__(self, feed: RunFeed) -> None:
        self._feed = feed
        self._seen = 0
        # A follower that joins late is told of failures from then on, not of those before it came.
        self._seen_failures = feed.failures

    @property
    def latest(self) -> TaskRun | None:
        return self._feed.latest

    @property
    def error(self) -> ArizeError | None:
        return self._feed.error

    @property
    def finished(self) -> bool:
        """Whether the poller has stopped (the run ended, or a permanent error)."""
        return self._feed.finished

    @property
    def exhausted(self) -> bool:
        """Whether the poller has stopped and this follower has seen every snapshot it published."""
        feed = self._feed
        return feed.finished and not (feed.version > self._seen and feed.latest is not None)

    @property
    def expected_end(self) -> float | None:
        """When the run is expected to end (epoch seconds), if the poller can tell."""
        return None if self._feed.finished else self._feed.expected_end

    @property
    def next_read_in(self) -> float | None:
        """Seconds until the poller reads the run again (negative while that read is under way), or
        None once it has stopped or before it has planned a read."""
        feed = self._feed
        return None if feed.finished or feed.next_read is None else feed.next_read - feed.wall()

    async def next(self, *, transient_errors: bool = False) -> TaskRun:
        """The next snapshot; raises the poller's error if it stopped without one. With
        `transient_errors`, also raises each transient failure not seen yet (the poller goes on)."""
        feed = self._feed
        while True:
            if feed.version > self._seen and feed.latest is not None:
                self._seen = feed.version
                return feed.latest
            if feed.finished:
                raise feed.error or ArizeError("polling of this run stopped")
            if transient_errors and feed.error is not None and feed.failures > self._seen_failures:
                self._seen_failures = feed.failures
                raise feed.error
            await feed.changed()


class RunFeeds:
    """The registry of live feeds, keyed by (credential identity, run id)."""

    def __init__(
        self,
        task_group: TaskGroup,
        poll: PollSchedule,
        *,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        wall: Callable[[], float] = time.time,
        max_retry_after_seconds: float = RetryPolicy.max_retry_after_seconds,
    ) -> None:
        self._task_group = task_group
        self._poll = poll
        self._sleep = sleep
        self._wall = wall
        self._max_retry_after = max_retry_after_seconds
        self._feeds: dict[tuple[str, str], RunFeed] = {}
        self.histories = TaskHistories()

    def follow_run(self, client: ArizeClient, run_id: str) -> AbstractAsyncContextManager[RunCursor]:
        """Follow a run as `client` sees it: one poller per (credential, run), whoever asks."""
        # The poller paces itself and honours Retry-After, so the client must not also wait out a 429.
        fetch = functools.partial(client.get_task_run, run_id, retry_rate_limits=False)

        async def completed_runs(task_id: str) -> Iterable[TaskRun]:
            page = await client.list_task_runs(task_id, status=RunStatus.COMPLETED, limit=HISTORY_RUNS)
            return page.task_runs

        return self.follow(client.identity, run_id, fetch, completed_runs)

    @asynccontextmanager
    async def follow(
        self, identity: str, run_id: str, fetch: Fetch, list_runs: ListRuns | None = None
    ) -> AsyncIterator[RunCursor]:
        """Follow the run keyed by (identity, run_id); `fetch` reads it if no poller runs yet, and
        `list_runs` reads its task's past completed runs, newest first, to predict its end."""
        key = (identity, run_id)
        feed = self._feeds.get(key)
        if feed is None:
            feed = self._feeds[key] = RunFeed(key, wall=self._wall)
            self._task_group.start_soon(self._poll_run, feed, fetch, list_runs)
        feed.followers += 1
        try:
            yield RunCursor(feed)
        finally:
            feed.followers -= 1
            if feed.followers == 0:
                feed.scope.cancel()
                if self._feeds.get(key) is feed:
                    del self._feeds[key]

    async def _poll_run(self, feed: RunFeed, fetch: Fetch, list_runs: ListRuns | None) -> None:
        polls = failures = 0
        pacer = Pacer(self._poll, wall=self._wall)
        identity = feed.key[0]
        with feed.scope:
            try:
                while True:
                    try:
                        # Each read has its own retry budget: the poller outlives the call that started it.
                        with shared_sleep_budget():
                            run = await fetch()
                    except ArizeError as exc:
                        if not is_transient(exc):
                            feed.fail(exc, final=True)
                            return
                        failures += 1
                        feed.fail(exc, final=False)
                        log.info("polling run %s: %s, polling on", feed.key[1], type(exc).__name__)
                        delay = self._poll.interval(polls + failures)
                        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                            delay = max(delay, min(exc.retry_after, self._max_retry_after))
                    except Exception:
                        # A bug here must fail this run's followers, not the server's task group.
                        log.exception("polling run %s failed", feed.key[1])
                        feed.fail(ArizeError("unexpected error while polling the run"), final=True)
                        return
                    else:
                        polls, failures = polls + 1, 0
                        feed.publish(run)
                        if run.is_terminal:
                            self.histories.learn(identity, run)
                            return
                        if polls == 1 and list_runs is not None and run.task_id:
                            with shared_sleep_budget():
                                history = await self.histories.get(identity, run.task_id, list_runs)
                            pacer.use_history(history, run)
                        delay = pacer.next_delay(run)
                        feed.expected_end = pacer.window.likely if pacer.window else None
                    feed.next_read = self._wall() + delay
                    await self._sleep(delay)
            finally:
                # A finished run stays readable by its followers; a new follower starts afresh.
                feed.finished = True
                if self._feeds.get(feed.key) is feed:
                    del self._feeds[feed.key]
                feed.wake()
