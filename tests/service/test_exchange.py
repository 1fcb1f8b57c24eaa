"""Stateless requests served without the SDK's per-request transport (service/exchange.py), over
real HTTP to uvicorn on loopback: the same bytes on the wire as the SDK's own stateless path, for
results, errors, progress and JSON responses; a client that goes away cancels its handler; a quiet
stream is kept alive; what the shortcut leaves to the SDK still reaches it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server import streamable_http
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import jsonrpc_message_adapter
from pydantic import BaseModel

from arize_mcp.server import Drain
from arize_mcp.service import exchange as exchange_module
from arize_mcp.service.exchange import Exchange
from arize_mcp.service.guard import Guard
from arize_mcp.service.options import HttpOptions
from tests.service.conftest import free_port

pytestmark = pytest.mark.anyio

SSE = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LEGACY = {**SSE, "MCP-Protocol-Version": "2025-11-25"}
LOWER_LEGACY = {name.lower(): value for name, value in LEGACY.items()}
PING = jsonrpc_message_adapter.validate_python({"jsonrpc": "2.0", "id": 1, "method": "ping"})


class Echo(BaseModel):
    text: str


class Probe:
    """What the test server's tools saw."""

    def __init__(self) -> None:
        self.started = anyio.Event()
        self.cancelled = anyio.Event()


def tiny_server(probe: Probe) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer("tiny")

    @server.tool()
    async def echo(text: str) -> Echo:
        """Echo."""
        return Echo(text=text)

    @server.tool()
    async def steps(count: int, ctx: Context) -> str:
        """Report `count` progress steps, then answer."""
        for step in range(count):
            await ctx.report_progress(step + 1, count, f"step {step + 1}")
        return "done"

    @server.tool()
    async def broken() -> str:
        """Fail."""
        raise RuntimeError("internal detail")

    @server.tool()
    async def nap(seconds: float) -> str:
        """Sleep quietly."""
        await anyio.sleep(seconds)
        return "rested"

    @server.tool()
    async def forever() -> str:
        """Never answer."""
        probe.started.set()
        try:
            await anyio.sleep_forever()
        finally:
            probe.cancelled.set()
        return "unreachable"

    @server.tool()
    async def ask(ctx: Context) -> str:
        """Ask the client something (there is no channel back on stateless HTTP)."""
        await ctx.elicit("Sure?", Echo)
        return "asked"

    return server


def service(probe: Probe, *, shortcut: bool, json_response: bool = False) -> Guard:
    server = tiny_server(probe)
    app = server.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=json_response)
    options = HttpOptions(stateless=True, json_response=json_response)
    return Guard(app, options, Drain(), exchange=Exchange(server, "/mcp", json_response) if shortcut else None)


@asynccontextmanager
async def serving(app: Guard) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:
                await anyio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            server.should_exit = True


@contextmanager
def counting_transports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every Streamable HTTP transport the SDK builds while the block runs."""
    built: list[object] = []
    original = streamable_http.StreamableHTTPServerTransport.__init__

    def counted(self: object, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(streamable_http.StreamableHTTPServerTransport, "__init__", counted)
    yield built


def call(request_id: object, name: str, arguments: dict[str, Any] | None = None, **meta: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name, "arguments": arguments or {}}
    if meta:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


REQUESTS = [
    {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    {"jsonrpc": "2.0", "id": "p", "method": "ping"},
    {"jsonrpc": "2.0", "id": 2, "method": "no/such/method"},
    {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"arguments": {}}},
    call(4, "echo", {"text": "héllo"}),
    call(5, "echo", {}),
    call(6, "broken"),
    call(7, "no_such_tool"),
    call(8, "steps", {"count": 3}, progressToken="tok-1"),
    call(9, "steps", {"count": 2}),
    call(10, "ask"),
]


def wire(response: httpx2.Response) -> tuple[int, list[tuple[str, str]], str]:
    headers = sorted(
        (name, value) for name, value in response.headers.items() if name not in ("date", "content-length")
    )
    return response.status_code, headers, response.text


@pytest.mark.parametrize("json_response", [False, True], ids=["sse", "json"])
async def test_the_wire_is_the_sdks_own(json_response: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    answers: dict[bool, list[tuple[int, list[tuple[str, str]], str]]] = {}
    for shortcut in (True, False):
        with counting_transports(monkeypatch) as built:
            async with serving(service(Probe(), shortcut=shortcut, json_response=json_response)) as url:
                async with httpx2.AsyncClient(timeout=10) as http:
                    answers[shortcut] = [wire(await http.post(url, json=body, headers=LEGACY)) for body in REQUESTS]
        assert len(built) == (0 if shortcut else len(REQUESTS))
    assert answers[True] == answers[False]
    progress = answers[True][8][2]
    if json_response:
        assert "notifications/progress" not in progress
    else:
        assert progress.count("notifications/progress") == 3 and '"progressToken":"tok-1"' in progress
        assert progress.index("step 3") < progress.index('"id":8')


async def test_an_sdk_client_on_the_legacy_protocol_gets_results_and_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    with counting_transports(monkeypatch) as built:
        async with serving(service(Probe(), shortcut=True)) as url:
            async with Client(streamable_http_client(url), mode="legacy") as client:
                echoed = await client.call_tool("echo", {"text": "hi"})
                stepped = await client.call_tool("steps", {"count": 2}, progress_callback=on_progress)
                with pytest.raises(MCPError, match="no back-channel"):
                    await client.call_tool("ask", {})
    assert echoed.structured_content == {"text": "hi"}
    assert stepped.content[0].text == "done"  # type: ignore[union-attr]
    assert seen == [(1, "step 1"), (2, "step 2")]
    # `initialize` (and its notification) went to the SDK; the tool calls did not.
    assert len(built) == 2


async def test_a_client_that_goes_away_cancels_its_handler() -> None:
    probe = Probe()
    async with serving(service(probe, shortcut=True)) as url:
        async with httpx2.AsyncClient(timeout=10) as http:
            with anyio.fail_after(10):
                async with http.stream("POST", url, json=call(1, "forever"), headers=LEGACY) as response:
                    assert response.status_code == 200
                    assert response.headers["content-type"] == "text/event-stream"
                    await probe.started.wait()
            with anyio.fail_after(10):
                await probe.cancelled.wait()


async def test_a_quiet_stream_is_kept_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange_module, "PING_SECONDS", 0.2)
    async with serving(service(Probe(), shortcut=True)) as url:
        async with httpx2.AsyncClient(timeout=10) as http:
            response = await http.post(url, json=call(1, "nap", {"seconds": 1.0}), headers=LEGACY)
    pings = re.findall(r"^: ping\r$", response.text, re.MULTILINE)
    assert 2 <= len(pings) <= 6
    assert response.text.endswith("\r\n\r\n") and "rested" in response.text.rsplit(": ping", 1)[1]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (LEGACY, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}),
        (LEGACY, {"jsonrpc": "2.0", "method": "notifications/initialized"}),
        ({**LEGACY, "Accept": "application/json"}, {"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        ({**LEGACY, "Content-Type": "application/json-seq"}, {"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        ({**LEGACY, "MCP-Protocol-Version": "2026-07-28"}, {"jsonrpc": "2.0", "id": 1, "method": "ping"}),
        ({**LEGACY, "MCP-Protocol-Version": "1999-01-01"}, {"jsonrpc": "2.0", "id": 1, "method": "ping"}),
    ],
    ids=["initialize", "notification", "accept-json-only", "other-content-type", "modern", "unknown-version"],
)
async def test_what_the_shortcut_does_not_take_reaches_the_sdk(
    headers: dict[str, str], body: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = []
    for shortcut in (True, False):
        async with serving(service(Probe(), shortcut=shortcut)) as url:
            async with httpx2.AsyncClient(timeout=10) as http:
                answers.append(wire(await http.post(url, json=body, headers=headers)))
    assert answers[0] == answers[1]
    message = jsonrpc_message_adapter.validate_python(body)
    lowercase = {name.lower(): value for name, value in headers.items()}
    assert Exchange(tiny_server(Probe()), "/mcp", False).takes({"path": "/mcp"}, lowercase, message) is None
    assert Exchange(tiny_server(Probe()), "/mcp", False).takes({"path": "/mcp"}, LOWER_LEGACY, PING) is not None
