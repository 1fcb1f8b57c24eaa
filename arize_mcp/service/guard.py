"""The gate in front of the MCP endpoint, and the access log of every request.

Checks run in this order, each before anything behind it runs: Origin (403: a browser page from
another site), Host (421: DNS rebinding), draining (503), bearer token (401), body size (413), a
body that is not one valid JSON-RPC message or nests too deeply (400, with the JSON-RPC error of
server/jsonrpc.py), and, for a request that would open a session, room in the session table
(429 or 503, see sessions.py). Secrets a request carries are masked in all it produces. In
stateless mode a request the exchange takes (exchange.py) is served by it instead of the SDK's app.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Mapping

import anyio
from mcp.types import JSONRPCRequest
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from arize_mcp.asgi import read_body, replaying
from arize_mcp.redaction import add_request_secrets
from arize_mcp.server import Drain
from arize_mcp.server.jsonrpc import screen
from arize_mcp.server.runtime import API_KEY_HEADER
from arize_mcp.service.exchange import Exchange
from arize_mcp.service.options import HttpOptions
from arize_mcp.service.sessions import SESSION_HEADER, SessionGate

access_log = logging.getLogger("arize_mcp.access")

_NAME = re.compile(r"^[A-Za-z0-9_.\-/]{1,64}$")


class Guard:
    """ASGI middleware in front of the SDK's Streamable HTTP app: refuses what must not reach it
    (see the module docstring for the order), counts the MCP requests in flight for the drain,
    bounds each request's time, and writes one access-log line per request."""

    def __init__(
        self,
        app: ASGIApp,
        options: HttpOptions,
        drain: Drain,
        sessions: SessionGate | None = None,
        exchange: Exchange | None = None,
    ) -> None:
        self._app = app
        self._exchange = exchange
        self._options = options
        self._drain = drain
        self._sessions = sessions
        self._hosts = options.host_patterns()
        self._origins = options.origin_patterns()
        # With several workers, each line names the process that answered (built after the fork).
        self._worker = f" worker={os.getpid()}" if options.workers > 1 else ""
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.monotonic()
        status = 0
        label: str | None = None

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            path = scope["path"]
            if path != self._options.path and not path.startswith(self._options.path + "/"):
                await self._app(scope, receive, send_recording)
                return
            headers = first_values(scope)
            add_request_secrets([headers.get(API_KEY_HEADER, "").strip(), _bearer(headers)])
            rejection = self._reject(headers)
            if rejection is not None:
                await rejection(scope, receive, send_recording)
                return
            initialize = False
            if scope["method"] == "POST":
                body = await read_body(receive, self._options.max_body_bytes)
                if body is None:
                    await _problem(413, "Request body too large")(scope, receive, send_recording)
                    return
                screened = screen(body.decode("utf-8", "replace"))
                if screened.answer is not None:
                    answer = screened.answer.model_dump(mode="json", by_alias=True, exclude_unset=True)
                    await JSONResponse(answer, status_code=400)(scope, receive, send_recording)
                    return
                receive = replaying(body, receive)
                label = request_label(screened.message)
                served_here = self._exchange.takes(scope, headers, screened) if self._exchange else None
                if served_here is not None:
                    await self._forward(scope, receive, send_recording, served_here)
                    return
                initialize = isinstance(screened.message, JSONRPCRequest) and screened.message.method == "initialize"
            session_id = headers.get(SESSION_HEADER)
            if self._sessions is not None and session_id is not None:
                self._sessions.used(session_id)
            elif self._sessions is not None and initialize:
                await self._open_session(scope, receive, send_recording, self._sessions)
                return
            await self._forward(scope, receive, send_recording)
        finally:
            access_log.info(
                "%s %s %d %.0fms%s%s",
                scope["method"],
                scope["path"],
                status,
                (time.monotonic() - started) * 1000,
                label or "",
                self._worker,
            )

    async def _open_session(
        self, scope: Scope, receive: Receive, send: Callable[[Message], Awaitable[None]], sessions: SessionGate
    ) -> None:
        """Forward a request that may open a session, once the session table has room for it."""
        client = sessions.client_of(scope, Headers(scope=scope))
        refusal = await sessions.admit(client)
        if refusal is not None:
            status, title = refusal
            await _problem(status, title, {"Retry-After": "60"})(scope, receive, send)
            return
        opened: str | None = None

        async def send_noting_session(message: Message) -> None:
            nonlocal opened
            if message["type"] == "http.response.start" and message["status"] < 400:
                opened = Headers(raw=message.get("headers", [])).get(SESSION_HEADER)
            await send(message)

        await self._forward(scope, receive, send_noting_session)
        if opened is not None:
            sessions.opened(opened, client)

    async def _forward(
        self, scope: Scope, receive: Receive, send: Callable[[Message], Awaitable[None]], app: ASGIApp | None = None
    ) -> None:
        """Run `app` (the SDK's, unless given) for the request, counted in flight and bounded in time."""
        app = app or self._app
        counted = scope["method"] == "POST"
        self.in_flight += counted
        started_response = False

        async def send_tracking(message: Message) -> None:
            nonlocal started_response
            started_response = started_response or message["type"] == "http.response.start"
            await send(message)

        try:
            with anyio.move_on_after(self._options.request_timeout_seconds) as scope_timeout:
                await app(scope, receive, send_tracking)
            if scope_timeout.cancelled_caught and not started_response:
                await _problem(504, "The request took too long")(scope, receive, send)
        finally:
            self.in_flight -= counted

    def _reject(self, headers: Mapping[str, str]) -> Response | None:
        origin = headers.get("origin")
        if origin and not _allowed(origin, self._origins):
            return _problem(403, "Origin not allowed")
        if not _allowed(headers.get("host", ""), self._hosts):
            return _problem(421, "Host not allowed")
        if self._drain.started:
            return _problem(503, "Shutting down", {"Retry-After": "1", "Connection": "close"})
        token = self._options.auth_token
        if token is not None:
            scheme, _, supplied = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                supplied.strip().encode("utf-8", "replace"), token.get_secret_value().encode()
            ):
                return _problem(
                    401, "Missing or invalid bearer token", {"WWW-Authenticate": 'Bearer realm="arize-mcp"'}
                )
        return None


def first_values(scope: Scope) -> dict[str, str]:
    """The request's headers by lowercase name, each with its first value, as Starlette's `Headers.get`
    reads them; built in one pass, as the guard looks up several."""
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _bearer(headers: Mapping[str, str]) -> str:
    scheme, _, supplied = headers.get("authorization", "").partition(" ")
    return supplied.strip() if scheme.lower() == "bearer" else ""


def request_label(message: object) -> str | None:
    """What the access log says of a request: ` tool=<name>` for a `tools/call`, ` method=<method>`
    for any other request, when the name is safe to log."""
    if not isinstance(message, JSONRPCRequest):
        return None
    if message.method == "tools/call":
        name = (message.params or {}).get("name")
        return f" tool={name}" if isinstance(name, str) and _NAME.match(name) else None
    return f" method={message.method}" if _NAME.match(message.method) else None


def _allowed(value: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern == "*" or value == pattern:
            return True
        if pattern.endswith(":*") and value.startswith(pattern[:-1]) and value[len(pattern) - 1 :].isdigit():
            return True
    return False


def _problem(status: int, title: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"status": status, "title": title}, status_code=status, headers=headers, media_type="application/problem+json"
    )
