"""One stateless request, served in the task that received it.

In stateless mode the SDK builds, for every POST at a handshake-era protocol version, a Streamable
HTTP transport with its memory streams, a JSON-RPC dispatcher, and a task to run them, then tears
it all down: about 110 kB of memory while the request is open, and a good share of the CPU of a
short tool call. Every piece exists to route messages between requests of one session, and a
stateless request has no session. Requests at a 2026-era version (no handshake) go to a leaner SDK
entry, which still parses the body again and runs each request in a task of its own that hands
its messages over a memory stream.

The common case is served here instead: one JSON-RPC request (not `initialize` nor
`subscriptions/listen`), with the Content-Type and Accept headers the SDK asks for, that the SDK's
own checks accept. It runs through the SDK's single-request driver (server/seams.py
`SingleRequests`) on the connection the SDK's entry for its era would build, so the handler chain
and request context are the SDK's. Its answer, and the notifications its handler sends first, are
written byte for byte as that entry writes them:
- handshake era: an SSE stream opened at once, one `event: message` per JSON-RPC message (or one
  JSON body with `--json-response`, where notifications have no place and are dropped);
- 2026 era: one JSON body (with the HTTP status the SDK maps a JSON-RPC error to) unless the
  handler sends a notification, or stays silent for PING_SECONDS, before it answers; then an SSE
  stream from that moment.
An open SSE stream gets a keep-alive comment after PING_SECONDS of quiet, and a client that goes
away cancels the handler.

Everything else (other methods, notifications, responses, GET and DELETE, and every request the
SDK would refuse) goes to the SDK's app unchanged, and the SDK answers it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio
import pydantic_core
from mcp.server.connection import Connection
from mcp.server.mcpserver import MCPServer
from mcp.server.runner import modern_error_data
from mcp.shared.dispatcher import CallOptions
from mcp.shared.exceptions import NoBackChannelError
from mcp.shared.inbound import (
    ERROR_CODE_HTTP_STATUS,
    MCP_PARAM_HEADER_PREFIX,
    InboundModernRoute,
    classify_inbound_request,
    find_duplicated_routing_header,
    validate_mcp_param_headers,
)
from mcp.shared.jsonrpc_dispatcher import handler_exception_to_error_data, progress_token_from_params
from mcp.shared.message import ServerMessageMetadata
from mcp.shared.transport_context import TransportContext
from mcp.types import INTERNAL_ERROR, ErrorData, JSONRPCError, JSONRPCRequest, ProgressToken, RequestId
from mcp_types import DEFAULT_NEGOTIATED_VERSION
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from arize_mcp.server.jsonrpc import Screened
from arize_mcp.server.seams import SingleRequests

log = logging.getLogger(__name__)

PING_SECONDS = 15.0
# `initialize` commits a connection's state, and a `subscriptions/listen` stream is long-lived:
# neither gains from the shortcut.
_LEFT_TO_THE_SDK = frozenset({"initialize", "subscriptions/listen"})
_PARAM_HEADERS = MCP_PARAM_HEADER_PREFIX.lower()
_PING = b": ping\r\n\r\n"


def _compact_ascii(message: Mapping[str, Any]) -> bytes:
    """A message as the SDK's 2026-era entry serializes it (`json.dumps`, compact, ASCII only)."""
    return json.dumps(message, separators=(",", ":"), default=pydantic_core.to_jsonable_python).encode()


@dataclass(frozen=True)
class _Era:
    """How the SDK's entry for one protocol era answers."""

    sse_headers: list[tuple[bytes, bytes]]
    serialize: Callable[[Mapping[str, Any]], bytes]
    # The 2026-era entry answers with JSON until the handler sends a notification or stays silent
    # for PING_SECONDS; the handshake-era one opens its SSE stream at once.
    defers_the_stream: bool


_HANDSHAKE = _Era(
    [
        (b"cache-control", b"no-cache, no-transform"),
        (b"connection", b"keep-alive"),
        (b"content-type", b"text/event-stream"),
        (b"x-accel-buffering", b"no"),
    ],
    pydantic_core.to_json,
    defers_the_stream=False,
)
_MODERN = _Era(
    [
        (b"content-type", b"text/event-stream"),
        (b"cache-control", b"no-cache, no-transform"),
        (b"connection", b"keep-alive"),
        (b"x-accel-buffering", b"no"),
    ],
    _compact_ascii,
    defers_the_stream=True,
)


class Exchange:
    """Serves the stateless requests it `takes` (see the module docstring) without the SDK's
    per-request machinery."""

    def __init__(self, server: MCPServer[Any], path: str, json_response: bool) -> None:
        self._requests = SingleRequests(server)
        self._path = path
        self._json_response = json_response

    def takes(self, scope: Scope, headers: Mapping[str, str], screened: Screened) -> ASGIApp | None:
        """The ASGI app that serves this POST here, or None to leave it to the SDK. `headers` are
        the request's, by lowercase name with their first value, as the SDK reads them."""
        request = screened.message
        if (
            not isinstance(request, JSONRPCRequest)
            or request.method in _LEFT_TO_THE_SDK
            or scope["path"] != self._path
            or headers.get("content-type", "").partition(";")[0].strip() != "application/json"
        ):
            return None
        accepted = {part.partition(";")[0].strip().lower() for part in headers.get("accept", "").split(",")}
        if "application/json" not in accepted or not (self._json_response or "text/event-stream" in accepted):
            return None
        version = headers.get("mcp-protocol-version")
        if version is None or version in HANDSHAKE_PROTOCOL_VERSIONS:
            connection = Connection.from_envelope(version or DEFAULT_NEGOTIATED_VERSION, None, None)
            return partial(self._exchange, request=request, connection=connection, era=_HANDSHAKE)
        route = self._modern_route(scope, headers, screened.decoded, request)
        if route is None:
            return None
        connection = Connection.from_envelope(route.protocol_version, route.client_info, route.client_capabilities)
        return partial(self._exchange, request=request, connection=connection, era=_MODERN)

    def _modern_route(
        self, scope: Scope, headers: Mapping[str, str], decoded: Any, request: JSONRPCRequest
    ) -> InboundModernRoute | None:
        """The SDK's verdict on a 2026-era request when it accepts it as it is; None when it would
        refuse it (or skip a check that cannot be made here), so that the SDK answers."""
        raw = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
        if find_duplicated_routing_header(raw) is not None:
            return None
        route = classify_inbound_request(decoded, headers=dict(headers))
        if not isinstance(route, InboundModernRoute):
            return None
        if request.method != "tools/call":
            return route
        params = request.params or {}
        name, arguments = params.get("name"), params.get("arguments")
        if not isinstance(name, str) or not isinstance(arguments, Mapping | None):
            return route
        if not arguments and not any(header.startswith(_PARAM_HEADERS) for header in headers):
            return route
        try:
            schema = self._requests.tool_input_schema(name)
        except Exception:  # the SDK's entry logs it and skips the check
            return None
        if schema is not None and validate_mcp_param_headers(schema, arguments or {}, headers) is not None:
            return None
        return route

    async def _exchange(
        self, scope: Scope, receive: Receive, send: Send, *, request: JSONRPCRequest, connection: Connection, era: _Era
    ) -> None:
        http_request = Request(scope, receive)
        stream = None if self._json_response else _EventStream(send, era)
        context = _RequestContext(
            transport=TransportContext(
                kind="streamable-http",
                can_send_request=False,
                headers=http_request.headers if era is _MODERN else None,
            ),
            request_id=request.id,
            message_metadata=ServerMessageMetadata(request_context=http_request),
            progress_token=progress_token_from_params(request.params),
            stream=stream,
        )
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch, receive, stream, tasks.cancel_scope)
            if stream is not None and not era.defers_the_stream:
                await stream.open()
            status, answer = await self._answer(context, request, connection, era)
            if stream is not None and stream.opened:
                await stream.close_with(answer)
            else:
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": answer})
            tasks.cancel_scope.cancel()

    async def _answer(
        self, context: _RequestContext, request: JSONRPCRequest, connection: Connection, era: _Era
    ) -> tuple[int, bytes]:
        """The HTTP status and JSON-RPC response for `request`, as the SDK's entry for `era` gives them."""
        try:
            result = await self._requests.serve(context, request.method, request.params, connection)
        except Exception as exc:
            if era is _HANDSHAKE:
                reply = JSONRPCError(jsonrpc="2.0", id=request.id, error=_handshake_error_data(request, exc))
                return 200, reply.model_dump_json(by_alias=True, exclude_unset=True).encode()
            # The 2026-era entry maps a JSON-RPC error to an HTTP status (used if the answer is JSON).
            error = modern_error_data(exc)
            reply = JSONRPCError(jsonrpc="2.0", id=request.id, error=error)
            serialized = era.serialize(reply.model_dump(mode="json", by_alias=True, exclude_none=True))
            return ERROR_CODE_HTTP_STATUS.get(error.code, 200), serialized
        return 200, era.serialize({"jsonrpc": "2.0", "id": request.id, "result": result})


def _handshake_error_data(request: JSONRPCRequest, exc: Exception) -> ErrorData:
    error = handler_exception_to_error_data(exc)
    if error is None:
        log.exception("handler for %s raised", request.method)
        error = ErrorData(code=INTERNAL_ERROR, message="Internal server error")
    return error


class _EventStream:
    """The SSE response of one request, opened by its first write (or at once, by `open`); writes
    from the handler and the keep-alive are serialized."""

    def __init__(self, send: Send, era: _Era) -> None:
        self._send = send
        self._era = era
        self._lock = anyio.Lock()
        self.opened = False
        self.quiet_since = anyio.current_time()

    async def open(self) -> None:
        await self._send({"type": "http.response.start", "status": 200, "headers": self._era.sse_headers})
        self.opened = True

    async def event(self, message: Mapping[str, Any]) -> None:
        await self._write(b"event: message\r\ndata: " + self._era.serialize(message) + b"\r\n\r\n", more=True)

    async def ping(self) -> None:
        await self._write(_PING, more=True)

    async def close_with(self, answer: bytes) -> None:
        await self._write(b"event: message\r\ndata: " + answer + b"\r\n\r\n", more=False)

    async def _write(self, body: bytes, *, more: bool) -> None:
        async with self._lock:
            if not self.opened:
                await self.open()
            await self._send({"type": "http.response.body", "body": body, "more_body": more})
            self.quiet_since = anyio.current_time()


async def _watch(receive: Receive, stream: _EventStream | None, cancel: anyio.CancelScope) -> None:
    """Cancel the request when its client disconnects; keep a quiet SSE stream alive meanwhile
    (a deferred one is opened by its first keep-alive)."""
    while True:
        wait = PING_SECONDS if stream is None else stream.quiet_since + PING_SECONDS - anyio.current_time()
        with anyio.move_on_after(wait):
            if (await receive())["type"] == "http.disconnect":
                cancel.cancel()
                return
            continue
        if stream is not None and anyio.current_time() - stream.quiet_since >= PING_SECONDS:
            await stream.ping()


@dataclass
class _RequestContext:
    """The SDK's `DispatchContext` for one request served here: notifications go to its SSE stream
    (or nowhere with JSON responses), and there is no channel back to the client, as on the SDK's
    stateless entries."""

    transport: TransportContext
    request_id: RequestId
    message_metadata: ServerMessageMetadata | None
    progress_token: ProgressToken | None
    stream: _EventStream | None
    cancel_requested: anyio.Event = field(default_factory=anyio.Event)
    can_send_request: bool = False

    async def send_raw_request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> dict[str, Any]:
        raise NoBackChannelError(method)

    async def notify(self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None) -> None:
        if self.stream is None:
            return
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self.stream.event(message)

    async def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        if self.progress_token is None:
            return
        params: dict[str, Any] = {"progressToken": self.progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        await self.notify("notifications/progress", params)
