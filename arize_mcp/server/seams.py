"""Every place this server relies on the `mcp` SDK beyond its stable public API, in one module.

`mcp` 2.3 has no public route for some things the server needs; each is wrapped here, named,
and checked by tests/server/test_seams.py, so an SDK upgrade that moves one fails in one place:

- registering request handlers `MCPServer` has no decorator for (`resources/subscribe`,
  `resources/unsubscribe`) or whose decorator hides the request context (`completion/complete`
  handlers registered with `MCPServer.completion()` never see the lifespan state or the HTTP
  headers): the lowlevel server's `add_request_handler`, reached through `_lowlevel_server`;
- the client's `Connection` (the standalone channel a subscription notifies on, and the per-client
  state that outlives one request): lowlevel handlers get a per-request `ServerSession`, which
  keeps it as `_connection`;
- wrapping one method's handler (`subscriptions/listen`; `tools/list` and `resources/list`, which
  keep the run view out of sight of clients without MCP Apps), or every request's (secret masking):
  `MCPServer.middleware`, public but marked provisional;
- publishing a tool's output schema without the SDK validating every result against it again
  (our results are dumps of the very model the schema comes from): `FuncMetadata.output_model`,
  which the SDK validates results against only when it is set;
- running the server over streams we built (the screened stdio transport): the lowlevel server's
  `run`, reached through `_lowlevel_server`;
- serving one stateless HTTP request without the SDK's per-request transport (service/exchange.py):
  the SDK's single-request driver `serve_one` (public in `mcp.server.runner`, which the SDK calls
  internal), the lowlevel server, and the lifespan state the session manager entered
  (`_lifespan_state`);
- the Streamable HTTP session table, to close sessions that never came back (the session cap):
  the session manager's `_server_instances` and `_discard_session`;
- uvicorn's HTTP protocol class, wrapped to gate connections before any request arrives: its
  constructor's keyword arguments (`config`, `server_state`, `app_state`, `_loop`);
- task notifications on a `subscriptions/listen` stream (the tasks extension): the SDK's listen
  handler acknowledges only the kinds it knows, so its acknowledgement is amended on the way out
  (it sends it through `ctx.session.send_notification`), and `notifications/tasks` (which must
  carry `ttlMs: null`, dropped by the typed path's `exclude_none`) go out on the request's stream
  through the session's `_request_outbound`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, cast

import anyio
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import RequestHandler
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.runner import serve_one
from mcp.shared._stream_protocols import ReadStream, WriteStream
from mcp.shared.dispatcher import DispatchContext
from mcp.shared.message import SessionMessage
from mcp.shared.transport_context import TransportContext
from mcp.types import SubscriptionFilter, SubscriptionsAcknowledgedNotification
from pydantic import BaseModel

MethodWrapper = Callable[[ServerRequestContext[Any, Any], CallNext], Awaitable[HandlerResult]]


def without_result_revalidation(tool: Tool) -> Tool:
    """`tool` with the same output schema, minus the SDK's validation of each of its results against it.

    Every result of ours is a `CallToolResult` whose structured content is `model_dump(mode="json")`
    of the model the output schema is generated from (tools/results.py `success`): validating it
    again costs a full pydantic validation per call and can find nothing. Clients still validate
    it against the published schema, as the tests' SDK client does on every call."""
    return tool.model_copy(update={"fn_metadata": tool.fn_metadata.model_copy(update={"output_model": None})})


def add_request_handler(
    server: MCPServer[Any], method: str, params_type: type[BaseModel], handler: RequestHandler[Any, Any]
) -> None:
    """Serve `method` with a lowlevel handler, which receives the full request context."""
    server._lowlevel_server.add_request_handler(method, params_type, handler)  # noqa: SLF001


def serves(server: MCPServer[Any], method: str) -> bool:
    """Whether the server has a handler for `method`."""
    return server._lowlevel_server.get_request_handler(method) is not None  # noqa: SLF001


def connection_of(ctx: ServerRequestContext[Any, Any]) -> Connection:
    """The connection a lowlevel handler's request arrived on; it lives as long as the client stays."""
    return ctx.session._connection  # noqa: SLF001


def wrap_method(server: MCPServer[Any], method: str, wrapper: MethodWrapper) -> None:
    """Run `wrapper(ctx, call_next)` around every request for `method` (params not yet validated)."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != method or ctx.request_id is None:
            return await call_next(ctx)
        return await wrapper(ctx, call_next)

    server.middleware.append(middleware)


def wrap_every_request(server: MCPServer[Any], wrapper: MethodWrapper) -> None:
    """Run `wrapper(ctx, call_next)` around every request (not notifications), inside the SDK's tracing."""

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.request_id is None:
            return await call_next(ctx)
        return await wrapper(ctx, call_next)

    server.middleware.append(middleware)


async def serve_streams(
    server: MCPServer[Any],
    read_stream: ReadStream[SessionMessage | Exception],
    write_stream: WriteStream[SessionMessage],
) -> None:
    """Serve one connection over streams we built, as `MCPServer.run_stdio_async` does over its own."""
    lowlevel = server._lowlevel_server  # noqa: SLF001
    await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())


class SingleRequests:
    """One request at a time, handled as the SDK's Streamable HTTP entries handle a stateless one
    (the same handler chain, on a connection the caller builds, with the lifespan state the session
    manager entered), without their transport. Use it only while the HTTP app's lifespan runs."""

    def __init__(self, server: MCPServer[Any]) -> None:
        self._server = server
        self._lowlevel = server._lowlevel_server  # noqa: SLF001

    async def serve(
        self,
        context: DispatchContext[TransportContext],
        method: str,
        params: Mapping[str, Any] | None,
        connection: Connection,
    ) -> dict[str, Any]:
        """The result of one request; raises what the handler chain raises."""
        state = self._server.session_manager._lifespan_state  # noqa: SLF001
        return await serve_one(self._lowlevel, context, method, params, connection=connection, lifespan_state=state)

    def tool_input_schema(self, name: str) -> Mapping[str, Any] | None:
        """A tool's input schema, as the SDK looks it up to check `Mcp-Param-*` headers."""
        lookup = self._lowlevel.get_tool_input_schema
        return None if lookup is None else lookup(name)


class ConnectionAdmission(Protocol):
    """What `gated_http_protocol` asks of a gate (service/connections.py's ConnectionGate)."""

    header_timeout_seconds: float

    def enter(self) -> bool: ...

    def leave(self) -> None: ...

    def headers_late(self) -> None: ...


def gated_http_protocol(gate: ConnectionAdmission, refused: bytes, too_slow: bytes) -> type[asyncio.Protocol]:
    """A uvicorn HTTP protocol class (`uvicorn.Config(http=...)`) that asks `gate` before it serves
    a connection (`refused` is written to one it may not), and closes one whose first request
    headers are not complete within the gate's header timeout (writing `too_slow`)."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class GatedHTTPProtocol(asyncio.Protocol):
        def __init__(self, **uvicorn_arguments: Any) -> None:
            # uvicorn builds its protocols with config=, server_state=, app_state= and _loop=.
            self._inner: asyncio.Protocol = AutoHTTPProtocol(**uvicorn_arguments)
            self._admitted = False
            self._transport: asyncio.Transport | None = None
            self._timer: asyncio.TimerHandle | None = None
            self._tail = b""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # A stream transport; uvloop's (when uvicorn picks uvloop) has the same methods without
            # being an asyncio.Transport subclass.
            transport = cast(asyncio.Transport, transport)
            if not gate.enter():
                transport.write(refused)
                transport.close()
                return
            self._admitted, self._transport = True, transport
            self._timer = asyncio.get_running_loop().call_later(gate.header_timeout_seconds, self._headers_late)
            self._inner.connection_made(transport)

        def data_received(self, data: bytes) -> None:
            if not self._admitted:
                return
            if self._timer is not None:
                seen = self._tail + data
                if b"\r\n\r\n" in seen:
                    self._timer.cancel()
                    self._timer = None
                else:
                    self._tail = seen[-3:]
            self._inner.data_received(data)

        def _headers_late(self) -> None:
            self._timer = None
            gate.headers_late()
            if self._transport is not None and not self._transport.is_closing():
                self._transport.write(too_slow)
                self._transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            if not self._admitted:
                return
            self._admitted = False
            if self._timer is not None:
                self._timer.cancel()
            gate.leave()
            self._inner.connection_lost(exc)

        def eof_received(self) -> bool | None:
            return self._inner.eof_received() if self._admitted else None

        def pause_writing(self) -> None:
            if self._admitted:
                self._inner.pause_writing()

        def resume_writing(self) -> None:
            if self._admitted:
                self._inner.resume_writing()

    return GatedHTTPProtocol


def open_session_ids(server: MCPServer[Any]) -> set[str]:
    """The ids of the Streamable HTTP sessions the SDK holds open now (stateful mode)."""
    return set(server.session_manager._server_instances)  # noqa: SLF001


async def close_session(server: MCPServer[Any], session_id: str) -> None:
    """Close one session as the SDK does when a client deletes it: its id answers 404 from now on."""
    manager = server.session_manager
    transport = manager._server_instances.get(session_id)  # noqa: SLF001
    if transport is not None:
        await manager._discard_session(session_id, transport)  # noqa: SLF001


class _AmendedAck:
    """The request's session, with `extra` merged into the listen acknowledgement it sends."""

    def __init__(self, session: Any, extra: Mapping[str, Any], acknowledged: anyio.Event) -> None:
        self._session = session
        self._extra = extra
        self._acknowledged = acknowledged

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def send_notification(self, notification: Any, related_request_id: Any = None) -> None:
        if isinstance(notification, SubscriptionsAcknowledgedNotification) and not self._acknowledged.is_set():
            honored = notification.params.notifications.model_dump(by_alias=True, exclude_none=True)
            amended = SubscriptionFilter.model_validate({**honored, **self._extra})
            notification = notification.model_copy(
                update={"params": notification.params.model_copy(update={"notifications": amended})}
            )
            await self._session.send_notification(notification, related_request_id)
            self._acknowledged.set()
            return
        await self._session.send_notification(notification, related_request_id)


async def listen_with_amended_ack(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext, extra: Mapping[str, Any], acknowledged: anyio.Event
) -> HandlerResult:
    """Serve `subscriptions/listen` with the SDK's handler, `extra` added to the kinds its acknowledgement
    lists; `acknowledged` is set once the acknowledgement (the stream's first frame) is sent."""
    return await call_next(dataclasses.replace(ctx, session=_AmendedAck(ctx.session, extra, acknowledged)))


async def notify_on_request_stream(ctx: ServerRequestContext[Any, Any], method: str, params: Mapping[str, Any]) -> None:
    """Send a notification, its params exactly as given, on the stream of the request `ctx` serves."""
    await ctx.session._request_outbound.notify(method, params)  # noqa: SLF001
