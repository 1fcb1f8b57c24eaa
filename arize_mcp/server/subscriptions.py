"""Subscriptions to task-run resources, in both protocol eras.

Handshake era (2025-06-18, 2025-11-25): `resources/subscribe` and `resources/unsubscribe`. Each
subscription is a RunWatch in the server's task group, owned by the client's connection: it sends
`notifications/resources/updated` on that connection's standalone channel and ends when the run
ends, on unsubscribe, or when the connection closes.

2026-07-28: `subscriptions/listen`. While a listen stream is open, each task-run URI it names is
watched; one watch per URI, however many streams name it, publishes `ResourceUpdated` on the
server's subscription bus, and the SDK's ListenHandler delivers it to every stream that asked.

Either way the upstream polling is the shared feed's (follow/feeds.py): it stops when no
subscriber, waiter or listener follows the run any more. The SDK seams used here are seams.py's.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import ResourceUpdated, SubscriptionBus
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    EmptyResult,
    SubscribeRequestParams,
    SubscriptionsListenRequestParams,
    UnsubscribeRequestParams,
)
from pydantic import ValidationError

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError, InvalidRequestError, NotFoundError
from arize_mcp.follow.watch import RunWatch
from arize_mcp.server.errors import describe_error
from arize_mcp.server.runtime import Runtime, request_headers
from arize_mcp.server.seams import add_request_handler, connection_of, serves, wrap_method
from arize_mcp.server.uris import RUN_TEMPLATE, run_id_of

log = logging.getLogger(__name__)

# Each watched run is polled upstream; this keeps one client from making the server poll thousands.
MAX_WATCHED_RUNS = 100

_CONNECTION_STATE_KEY = "arize_mcp.run_watches"

RequestContext = ServerRequestContext[Runtime, Any]


def _watch_error(uri: str, exc: ArizeError) -> MCPError:
    """The protocol error for a run that cannot be watched, coded as a resource read would be."""
    code = INVALID_PARAMS if isinstance(exc, NotFoundError | InvalidRequestError) else INTERNAL_ERROR
    return MCPError(code=code, message=describe_error(exc), data={"uri": uri})


def _not_a_run(uri: str) -> MCPError:
    return MCPError(
        code=INVALID_PARAMS,
        message=f"{uri} is not a task run: only {RUN_TEMPLATE} resources can be subscribed to "
        "(percent-encode the id, '/' as %2F).",
        data={"uri": uri},
    )


def _too_many() -> MCPError:
    return MCPError(
        code=INVALID_PARAMS,
        message=f"At most {MAX_WATCHED_RUNS} task runs can be watched at once; stop following runs "
        "you no longer need first.",
    )


def _no_channel(uri: str) -> MCPError:
    return MCPError(
        code=INVALID_PARAMS,
        message="This connection cannot carry notifications (stateless HTTP has no standalone stream), "
        "so a subscription would never report. Use subscriptions/listen (protocol 2026-07-28), or follow "
        "the run with wait_for_task_run.",
        data={"uri": uri},
    )


class ConnectionWatches:
    """The runs one client connection subscribed to (handshake era), each with its RunWatch."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._watches: dict[str, RunWatch] = {}

    @classmethod
    def of(cls, connection: Connection) -> ConnectionWatches:
        watches = connection.state.get(_CONNECTION_STATE_KEY)
        if watches is None:
            watches = connection.state[_CONNECTION_STATE_KEY] = cls(connection)
            # Unwound when the connection closes, so a client that leaves stops its watches.
            connection.exit_stack.callback(watches.close)
        return watches

    @property
    def can_notify(self) -> bool:
        return self._connection.has_standalone_channel

    async def subscribe(self, runtime: Runtime, client: ArizeClient, uri: str, run_id: str) -> None:
        """Watch the run; returns once it has been read, raising if it cannot be."""
        watch = self._watches.get(uri)
        created = watch is None
        if watch is None:
            if len(self._watches) >= MAX_WATCHED_RUNS:
                raise _too_many()
            # Connection.notify is best-effort (a closed channel drops the notification), so a
            # client that vanished mid-watch cannot make the watch fail.
            notify = functools.partial(self._connection.send_resource_updated, uri)
            watch = self._watches[uri] = RunWatch(runtime.feeds, client, run_id, notify)
            runtime.tasks.start_soon(self._run, uri, watch)
        try:
            await watch.baseline.wait()
        except anyio.get_cancelled_exc_class():
            # The client gave up on this subscribe: it does not count as subscribed.
            if created:
                self._stop(uri, watch)
            raise
        if watch.error is not None:
            raise _watch_error(uri, watch.error)

    def unsubscribe(self, uri: str) -> None:
        watch = self._watches.get(uri)
        if watch is not None:
            self._stop(uri, watch)

    def close(self) -> None:
        for watch in self._watches.values():
            watch.scope.cancel()
        self._watches.clear()

    async def _run(self, uri: str, watch: RunWatch) -> None:
        try:
            await watch.run()
        finally:
            self._forget(uri, watch)

    def _stop(self, uri: str, watch: RunWatch) -> None:
        watch.scope.cancel()
        self._forget(uri, watch)

    def _forget(self, uri: str, watch: RunWatch) -> None:
        if self._watches.get(uri) is watch:
            del self._watches[uri]


@dataclass(eq=False)
class _SharedWatch:
    watch: RunWatch
    holders: int = 0


class ListenWatches:
    """One RunWatch per task-run URI named by open listen streams, publishing on the bus (2026-07-28)."""

    def __init__(self, bus: SubscriptionBus) -> None:
        self._bus = bus
        # Keyed by credential identity too: a watch polls with its caller's key, never another's.
        self._shared: dict[tuple[str, str], _SharedWatch] = {}

    @contextmanager
    def hold(self, runtime: Runtime, client: ArizeClient, uri: str, run_id: str) -> Iterator[None]:
        """Keep the run watched while the `with` block lasts."""
        key = (client.identity, uri)
        shared = self._shared.get(key)
        if shared is None:
            watch = RunWatch(runtime.feeds, client, run_id, functools.partial(self._bus.publish, ResourceUpdated(uri)))
            shared = self._shared[key] = _SharedWatch(watch)
            runtime.tasks.start_soon(self._run, key, shared)
        shared.holders += 1
        try:
            yield
        finally:
            shared.holders -= 1
            if shared.holders == 0:
                shared.watch.scope.cancel()
                self._forget(key, shared)

    async def _run(self, key: tuple[str, str], shared: _SharedWatch) -> None:
        try:
            await shared.watch.run()
        finally:
            # An ended watch (the run is terminal) is not reused: a later listener starts afresh.
            self._forget(key, shared)

    def _forget(self, key: tuple[str, str], shared: _SharedWatch) -> None:
        if self._shared.get(key) is shared:
            del self._shared[key]


def _connection_watches(ctx: RequestContext) -> ConnectionWatches:
    # A new ServerSession is made for every request, so a subscription belongs to the Connection
    # underneath, which lives as long as the client stays.
    return ConnectionWatches.of(connection_of(ctx))


async def _subscribe(ctx: RequestContext, params: SubscribeRequestParams) -> EmptyResult:
    run_id = run_id_of(params.uri)
    if run_id is None:
        raise _not_a_run(params.uri)
    watches = _connection_watches(ctx)
    if not watches.can_notify:
        raise _no_channel(params.uri)
    runtime = ctx.lifespan_context
    await watches.subscribe(runtime, runtime.client(request_headers(ctx)), params.uri, run_id)
    return EmptyResult()


async def _unsubscribe(ctx: RequestContext, params: UnsubscribeRequestParams) -> EmptyResult:
    _connection_watches(ctx).unsubscribe(params.uri)
    return EmptyResult()


def _listen_wrapper(watches: ListenWatches):  # noqa: ANN202 - a seams.MethodWrapper
    async def listen(ctx: RequestContext, call_next: CallNext) -> HandlerResult:
        """Watch the task runs among the requested URIs for as long as the SDK's handler serves
        the stream (until the client ends it); other URIs are the SDK's business."""
        try:
            params = SubscriptionsListenRequestParams.model_validate(ctx.params or {})
        except ValidationError:
            return await call_next(ctx)  # the SDK answers malformed params itself
        runs = {
            uri: run_id
            for uri in params.notifications.resource_subscriptions or ()
            if (run_id := run_id_of(uri)) is not None
        }
        if len(runs) > MAX_WATCHED_RUNS:
            raise _too_many()
        runtime = ctx.lifespan_context
        client = runtime.client(request_headers(ctx))
        with ExitStack() as held:
            for uri, run_id in runs.items():
                held.enter_context(watches.hold(runtime, client, uri, run_id))
            # Nothing awaits between here and the SDK handler's bus subscription (made before its
            # first await), so no change to these runs can be published before this stream listens.
            return await call_next(ctx)

    return listen


def register_run_subscriptions(server: MCPServer[Runtime], bus: SubscriptionBus, *, subscribe: bool = True) -> None:
    """Serve resources/subscribe and resources/unsubscribe (unless `subscribe` is False), and watch
    task runs named by subscriptions/listen streams, publishing their changes on `bus` (the one the
    server's listen handler delivers from)."""
    if subscribe:
        add_request_handler(server, "resources/subscribe", SubscribeRequestParams, _subscribe)
        add_request_handler(server, "resources/unsubscribe", UnsubscribeRequestParams, _unsubscribe)
    if serves(server, "subscriptions/listen"):
        wrap_method(server, "subscriptions/listen", _listen_wrapper(ListenWatches(bus)))
