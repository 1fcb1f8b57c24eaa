"""One stateless request, served in the task that received it.

In stateless mode the SDK builds, for every POST, a Streamable HTTP transport with its memory
streams, a JSON-RPC dispatcher, and a task to run them, then tears it all down: about 110 kB of
memory while the request is open, and a good share of the CPU of a short tool call. Every piece
exists to route messages between requests of one session, and a stateless request has no session.

The common case, one JSON-RPC request at a handshake-era protocol version (or none), with the
Content-Type and Accept headers the SDK asks for, is served here instead, with the SDK's own
single-request driver (server/seams.py `single_request_server`), so the handler chain, the
born-ready connection and the request context are the ones the SDK's stateless path builds. Its
answer, and the notifications its handler sends before it, are written as the SDK writes them:
an SSE stream opened at once, one `event: message` per JSON-RPC message, a keep-alive comment
when the stream has been quiet for PING_SECONDS (or one JSON body with `--json-response`, where
notifications have no place and are dropped, as the SDK drops them). A client that goes away
cancels the handler.

Everything else (`initialize`, `subscriptions/listen`, notifications, responses, GET and DELETE,
other protocol versions, and every request the SDK would refuse) goes to the SDK's app unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio
import pydantic_core
from mcp.server.mcpserver import MCPServer
from mcp.shared.dispatcher import CallOptions
from mcp.shared.exceptions import NoBackChannelError
from mcp.shared.jsonrpc_dispatcher import handler_exception_to_error_data, progress_token_from_params
from mcp.shared.message import MessageMetadata, ServerMessageMetadata
from mcp.shared.transport_context import TransportContext
from mcp.types import INTERNAL_ERROR, ErrorData, JSONRPCError, JSONRPCRequest, ProgressToken, RequestId
from mcp_types import DEFAULT_NEGOTIATED_VERSION
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from arize_mcp.server.seams import single_request_server

log = logging.getLogger(__name__)

PING_SECONDS = 15.0
# Methods left to the SDK: `initialize` commits a connection's state, and a `subscriptions/listen`
# stream is long-lived, so neither gains from the shortcut.
_LEFT_TO_THE_SDK = frozenset({"initialize", "subscriptions/listen"})
_SSE_HEADERS = [
    (b"cache-control", b"no-cache, no-transform"),
    (b"connection", b"keep-alive"),
    (b"content-type", b"text/event-stream"),
    (b"x-accel-buffering", b"no"),
]
_JSON_HEADERS = [(b"content-type", b"application/json")]
_PING = b": ping\r\n\r\n"


class Exchange:
    """Serves the stateless requests it `takes` (see the module docstring) without the SDK's
    per-request transport."""

    def __init__(self, server: MCPServer[Any], path: str, json_response: bool) -> None:
        self._serve = single_request_server(server)
        self._path = path
        self._json_response = json_response

    def takes(self, scope: Scope, headers: Mapping[str, str], message: object) -> ASGIApp | None:
        """The ASGI app that serves this POST here, or None to leave it to the SDK. `headers` are
        the request's, by lowercase name with their first value, as the SDK reads them."""
        version = headers.get("mcp-protocol-version", DEFAULT_NEGOTIATED_VERSION)
        if (
            not isinstance(message, JSONRPCRequest)
            or message.method in _LEFT_TO_THE_SDK
            or scope["path"] != self._path
            or version not in HANDSHAKE_PROTOCOL_VERSIONS
            or headers.get("content-type", "").partition(";")[0].strip() != "application/json"
        ):
            return None
        accepted = {part.partition(";")[0].strip().lower() for part in headers.get("accept", "").split(",")}
        if "application/json" not in accepted or not (self._json_response or "text/event-stream" in accepted):
            return None
        return partial(self._exchange, request=message, version=version)

    async def _exchange(
        self, scope: Scope, receive: Receive, send: Send, *, request: JSONRPCRequest, version: str
    ) -> None:
        stream = None if self._json_response else _EventStream(send)
        context = _RequestContext(
            transport=TransportContext(kind="streamable-http", can_send_request=False),
            request_id=request.id,
            message_metadata=ServerMessageMetadata(request_context=Request(scope, receive)),
            progress_token=progress_token_from_params(request.params),
            stream=stream,
        )
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch, receive, stream, tasks.cancel_scope)
            if stream is not None:
                await stream.open()
            answer = await self._answer(context, request, version)
            if stream is None:
                length = (b"content-length", str(len(answer)).encode())
                await send({"type": "http.response.start", "status": 200, "headers": [*_JSON_HEADERS, length]})
                await send({"type": "http.response.body", "body": answer})
            else:
                await stream.close_with(answer)
            tasks.cancel_scope.cancel()

    async def _answer(self, context: _RequestContext, request: JSONRPCRequest, version: str) -> bytes:
        """The JSON-RPC response to `request`, serialized as the SDK's dispatcher writes it."""
        try:
            result = await self._serve(context, request.method, request.params, version)
        except Exception as exc:
            error = handler_exception_to_error_data(exc)
            if error is None:
                log.exception("handler for %s raised", request.method)
                error = ErrorData(code=INTERNAL_ERROR, message="Internal server error")
            reply = JSONRPCError(jsonrpc="2.0", id=request.id, error=error)
            return reply.model_dump_json(by_alias=True, exclude_unset=True).encode()
        return pydantic_core.to_json({"jsonrpc": "2.0", "id": request.id, "result": result})


class _EventStream:
    """The SSE response of one request: headers at once, then one event per message; writes from
    the handler and the keep-alive are serialized."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._lock = anyio.Lock()
        self.quiet_since = anyio.current_time()

    async def open(self) -> None:
        await self._send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})

    async def event(self, message: bytes) -> None:
        await self._write(b"event: message\r\ndata: " + message + b"\r\n\r\n", more=True)

    async def ping(self) -> None:
        await self._write(_PING, more=True)

    async def close_with(self, message: bytes) -> None:
        await self._write(b"event: message\r\ndata: " + message + b"\r\n\r\n", more=False)

    async def _write(self, body: bytes, *, more: bool) -> None:
        async with self._lock:
            await self._send({"type": "http.response.body", "body": body, "more_body": more})
            self.quiet_since = anyio.current_time()


async def _watch(receive: Receive, stream: _EventStream | None, cancel: anyio.CancelScope) -> None:
    """Cancel the request when its client disconnects; keep a quiet SSE stream alive meanwhile."""
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
    stateless path."""

    transport: TransportContext
    request_id: RequestId
    message_metadata: MessageMetadata
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
        await self.stream.event(pydantic_core.to_json(message))

    async def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        if self.progress_token is None:
            return
        params: dict[str, Any] = {"progressToken": self.progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message is not None:
            params["message"] = message
        await self.notify("notifications/progress", params)
