"""Point reads of a run from the shared run poller, for clients that ask again and again.

Task-handle clients poll `tasks/get` one request at a time, so a plain follow of the feed would
start and stop a poller on every request and read Arize once per request. Instead a read keeps the
run followed for a while after it (`linger`): further reads of that run, from any number of
clients with the same credential, are answered from the poller's latest snapshot, which it
refreshes on its own schedule. When nobody has asked for `linger` seconds the follow ends and
polling stops. This is a cache only: a process that has none answers by starting one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskGroup

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError
from arize_mcp.api.models import TaskRun
from arize_mcp.follow.feeds import RunCursor, RunFeeds


@dataclass(eq=False)
class _Held:
    until: float
    ready: anyio.Event = field(default_factory=anyio.Event)
    cursor: RunCursor | None = None
    first_error: ArizeError | None = None


class RunReads:
    def __init__(self, feeds: RunFeeds, task_group: TaskGroup, *, linger_seconds: float) -> None:
        self._feeds = feeds
        self._task_group = task_group
        self._linger = linger_seconds
        self._held: dict[tuple[str, str], _Held] = {}

    async def latest(self, client: ArizeClient, run_id: str) -> TaskRun:
        """The run's latest snapshot (the first read is made now); raises what reading it raised."""
        key = (client.identity, run_id)
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = _Held(until=time.monotonic() + self._linger)
            self._task_group.start_soon(self._hold, key, held, client, run_id)
        else:
            held.until = time.monotonic() + self._linger
        await held.ready.wait()
        if held.first_error is not None:
            raise held.first_error
        assert held.cursor is not None  # set before `ready` whenever there was no error
        if held.cursor.latest is None:
            raise held.cursor.error or ArizeError("polling of this run stopped")
        if (next_read_in := held.cursor.next_read_in) is not None:
            # A client told to come back after the next read must find the run still followed.
            held.until = max(held.until, time.monotonic() + next_read_in + self._linger)
        return held.cursor.latest

    def next_read_in(self, client: ArizeClient, run_id: str) -> float | None:
        """Seconds until the poller of a run read with `latest` reads it again, if it has planned that."""
        held = self._held.get((client.identity, run_id))
        return None if held is None or held.cursor is None else held.cursor.next_read_in

    async def _hold(self, key: tuple[str, str], held: _Held, client: ArizeClient, run_id: str) -> None:
        try:
            async with self._feeds.follow_run(client, run_id) as cursor:
                try:
                    await cursor.next()
                except ArizeError as exc:
                    held.first_error = exc
                    return
                held.cursor = cursor
                held.ready.set()
                # Keep the poller alive while someone keeps asking (a terminal run is polled no more).
                while (left := held.until - time.monotonic()) > 0:
                    await anyio.sleep(left)
        finally:
            held.ready.set()
            if self._held.get(key) is held:
                del self._held[key]
