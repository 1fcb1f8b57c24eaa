"""One upstream poller per run, shared by everyone following it (single-flight).

Waits (`RunWaiter`), trigger-and-wait and resource subscriptions (`RunWatch`) all follow runs. When
several follow the same run with the same credentials, one poller reads it and every follower
sees each snapshot, so N followers cost Arize what one does. The poller's interval starts fast
and grows to a cap (a 429's Retry-After stretches it); it stops the moment its last follower
leaves, so a cancelled call sends nothing more upstream.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError, RateLimitError
from arize_mcp.api.models import TaskRun
from arize_mcp.follow.schedule import PollSchedule

log = logging.getLogger(__name__)

Fetch = Callable[[], Awaitable[TaskRun]]


@dataclass(eq=False)
class RunFeed:
    """The latest snapshot of one run, and the poller that refreshes it."""

    key: tuple[str, str]
    latest: TaskRun | None = None
    version: int = 0
    error: ArizeError | None = None
    finished: bool = False
    followers: int = 0
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    _changed: anyio.Event = field(default_factory=anyio.Event)

    def publish(self, run: TaskRun) -> None:
        self.latest, self.error = run, None
        self.version += 1
        self.wake()

    def fail(self, error: ArizeError, *, final: bool) -> None:
        self.error = error
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

    @property
    def latest(self) -> TaskRun | None:
        return self._feed.latest

    @property
    def error(self) -> ArizeError | None:
        return self._feed.error

    async def next(self) -> TaskRun:
        """The next snapshot; raises the poller's error if it stopped without one."""
        feed = self._feed
        while True:
            if feed.version > self._seen and feed.latest is not None:
                self._seen = feed.version
                return feed.latest
            if feed.finished:
                raise feed.error or ArizeError("polling of this run stopped")
            await feed.changed()


class RunFeeds:
    """The registry of live feeds, keyed by (credential identity, run id)."""

    def __init__(
        self,
        task_group: TaskGroup,
        poll: PollSchedule,
        *,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._task_group = task_group
        self._poll = poll
        self._sleep = sleep
        self._feeds: dict[tuple[str, str], RunFeed] = {}

    def follow_run(self, client: ArizeClient, run_id: str) -> AbstractAsyncContextManager[RunCursor]:
        """Follow a run as `client` sees it: one poller per (credential, run), whoever asks."""
        # The poller paces itself and honours Retry-After, so the client must not also wait out a 429.
        fetch = functools.partial(client.get_task_run, run_id, retry_rate_limits=False)
        return self.follow(client.identity, run_id, fetch)

    @asynccontextmanager
    async def follow(self, identity: str, run_id: str, fetch: Fetch) -> AsyncIterator[RunCursor]:
        """Follow the run keyed by (identity, run_id); `fetch` reads it if no poller runs yet."""
        key = (identity, run_id)
        feed = self._feeds.get(key)
        if feed is None:
            feed = self._feeds[key] = RunFeed(key)
            self._task_group.start_soon(self._poll_run, feed, fetch)
        feed.followers += 1
        try:
            yield RunCursor(feed)
        finally:
            feed.followers -= 1
            if feed.followers == 0:
                feed.scope.cancel()
                if self._feeds.get(key) is feed:
                    del self._feeds[key]

    async def _poll_run(self, feed: RunFeed, fetch: Fetch) -> None:
        polls = 0
        with feed.scope:
            try:
                while True:
                    delay = 0.0
                    try:
                        run = await fetch()
                    except RateLimitError as exc:
                        feed.fail(exc, final=False)
                        delay = exc.retry_after if exc.retry_after is not None else self._poll.interval(polls + 1)
                    except ArizeError as exc:
                        feed.fail(exc, final=True)
                        return
                    except Exception:
                        # A bug here must fail this run's followers, not the server's task group.
                        log.exception("polling run %s failed", feed.key[1])
                        feed.fail(ArizeError("unexpected error while polling the run"), final=True)
                        return
                    else:
                        polls += 1
                        feed.publish(run)
                        if run.is_terminal:
                            return
                    await self._sleep(max(delay, self._poll.interval(polls)))
            finally:
                # A finished run stays readable by its followers; a new follower starts afresh.
                feed.finished = True
                if self._feeds.get(feed.key) is feed:
                    del self._feeds[feed.key]
                feed.wake()
