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
  keep the run view out of sight of clients without MCP Apps): `MCPServer.middleware`, public but
  marked provisional;
- task notifications on a `subscriptions/listen` stream (the tasks extension): the SDK's listen
  handler acknowledges only the kinds it knows, so its acknowledgement is amended on the way out
  (it sends it through `ctx.session.send_notification`), and `notifications/tasks` (which must
  carry `ttlMs: null`, dropped by the typed path's `exclude_none`) go out on the request's stream
  through the session's `_request_outbound`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.lowlevel.server import RequestHandler
from mcp.server.mcpserver import MCPServer
from mcp.types import SubscriptionFilter, SubscriptionsAcknowledgedNotification
from pydantic import BaseModel

MethodWrapper = Callable[[ServerRequestContext[Any, Any], CallNext], Awaitable[HandlerResult]]


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
