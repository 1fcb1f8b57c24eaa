"""Stateless requests served without the SDK's per-request transport (service/exchange.py), over
real HTTP to uvicorn on loopback: the same bytes on the wire as the SDK's own stateless path, for
results, errors, progress and JSON responses; a client that goes away cancels its handler; a quiet
stream is kept alive; what the shortcut leaves to the SDK still reaches it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server import streamable_http, streamable_http_manager
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import jsonrpc_message_adapter
from pydantic import BaseModel

from arize_mcp.server import Drain
from arize_mcp.server.jsonrpc import Screened
from arize_mcp.service import exchange as exchange_module
from arize_mcp.service.exchange import Exchange
from arize_mcp.service.guard import Guard
from arize_mcp.service.options import HttpOptions
from tests.loopback import serving

pytestmark = pytest.mark.anyio

SSE = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LEGACY = {**SSE, "MCP-Protocol-Version": "2025-11-25"}
MODERN_VERSION = "2026-07-28"


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


@contextmanager
def counting_sdk_entries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every request the SDK's own entries serve while the block runs: a Streamable HTTP transport
    built (handshake era) or a call of its 2026-era entry."""
    served: list[object] = []
    original_init = streamable_http.StreamableHTTPServerTransport.__init__
    original_modern = streamable_http_manager.handle_modern_request

    def counted_init(self: object, *args: Any, **kwargs: Any) -> None:
        served.append(self)
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]

    async def counted_modern(*args: Any) -> None:
        served.append(args)
        await original_modern(*args)

    monkeypatch.setattr(streamable_http.StreamableHTTPServerTransport, "__init__", counted_init)
    monkeypatch.setattr(streamable_http_manager, "handle_modern_request", counted_modern)
    yield served


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
ENVELOPE = {
    "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def as_sent(body: dict[str, Any], era: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A request as a client of `era` sends it: at the 2026 version with its envelope in `_meta` and
    its method (and tool name) in headers."""
    if era == "handshake":
        return body, LEGACY
    params = dict(body.get("params", {}))
    params["_meta"] = {**params.get("_meta", {}), **ENVELOPE}
    headers = {**SSE, "MCP-Protocol-Version": MODERN_VERSION, "Mcp-Method": body["method"]}
    if isinstance(params.get("name"), str):
        headers["Mcp-Name"] = params["name"]
    return {**body, "params": params}, headers


def wire(response: httpx2.Response) -> tuple[int, list[tuple[str, str]], str]:
    headers = sorted(
        (name, value) for name, value in response.headers.items() if name not in ("date", "content-length")
    )
    return response.status_code, headers, response.text


async def answers_of(
    requests: list[tuple[dict[str, Any], dict[str, str]]], monkeypatch: pytest.MonkeyPatch, **service_args: Any
) -> dict[bool, list[tuple[int, list[tuple[str, str]], str]]]:
    """What each request gets with the shortcut and without it; asserts which served them."""
    answers = {}
    for shortcut in (True, False):
        with counting_sdk_entries(monkeypatch) as by_the_sdk:
            async with serving(service(Probe(), shortcut=shortcut, **service_args)) as url:
                async with httpx2.AsyncClient(timeout=10) as http:
                    answers[shortcut] = [
                        wire(await http.post(url, json=body, headers=headers)) for body, headers in requests
                    ]
        if not shortcut:
            assert len(by_the_sdk) == len(requests)
        answers[f"{shortcut} by the SDK"] = len(by_the_sdk)
    return answers


@pytest.mark.parametrize("era", ["handshake", "2026"])
@pytest.mark.parametrize("json_response", [False, True], ids=["sse", "json"])
async def test_the_wire_is_the_sdks_own(era: str, json_response: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = await answers_of([as_sent(body, era) for body in REQUESTS], monkeypatch, json_response=json_response)
    assert answers["True by the SDK"] == 0
    assert answers[True] == answers[False]
    statuses = [status for status, _, _ in answers[True]]
    progress = answers[True][8]
    if json_response:
        assert "notifications/progress" not in progress[2]
    else:
        assert progress[2].count("notifications/progress") == 3 and '"progressToken":"tok-1"' in progress[2]
        assert progress[2].index("step 3") < progress[2].index('"id":8')
    if era == "2026":
        # JSON unless a notification came first; an unknown method is a 404 there.
        assert statuses[2] == 404 and ("text/event-stream" in str(progress[1])) != json_response
        assert ("content-type", "application/json") in answers[True][4][1]
    else:
        assert set(statuses) == {200}


@pytest.mark.parametrize(("mode", "by_the_sdk"), [("legacy", 2), ("auto", 0)])
async def test_an_sdk_client_gets_results_and_progress(
    mode: str, by_the_sdk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    with counting_sdk_entries(monkeypatch) as built:
        async with serving(service(Probe(), shortcut=True)) as url:
            async with Client(streamable_http_client(url), mode=mode) as client:
                echoed = await client.call_tool("echo", {"text": "hi"})
                stepped = await client.call_tool("steps", {"count": 2}, progress_callback=on_progress)
                with pytest.raises(MCPError, match="no back-channel"):
                    await client.call_tool("ask", {})
    assert echoed.structured_content == {"text": "hi"}
    assert stepped.content[0].text == "done"  # type: ignore[union-attr]
    assert seen == [(1, "step 1"), (2, "step 2")]
    # With the handshake, `initialize` and its notification went to the SDK; nothing else did.
    assert len(built) == by_the_sdk


@pytest.mark.parametrize("era", ["handshake", "2026"])
async def test_a_client_that_goes_away_cancels_its_handler(era: str) -> None:
    probe = Probe()
    body, headers = as_sent(call(1, "forever"), era)
    async with serving(service(probe, shortcut=True)) as url:
        async with httpx2.AsyncClient(timeout=10) as http, anyio.create_task_group() as tasks:
            tasks.start_soon(partial(http.post, url, json=body, headers=headers))
            with anyio.fail_after(10):
                await probe.started.wait()
            tasks.cancel_scope.cancel()  # the client gives up: its connection closes
        with anyio.fail_after(10):
            await probe.cancelled.wait()


@pytest.mark.parametrize("era", ["handshake", "2026"])
async def test_a_quiet_stream_is_kept_alive(era: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange_module, "PING_SECONDS", 0.2)
    body, headers = as_sent(call(1, "nap", {"seconds": 1.0}), era)
    async with serving(service(Probe(), shortcut=True)) as url:
        async with httpx2.AsyncClient(timeout=10) as http:
            response = await http.post(url, json=body, headers=headers)
    # The 2026 era answers a silent handler with JSON only within PING_SECONDS: past it, SSE.
    assert response.headers["content-type"] == "text/event-stream"
    pings = re.findall(r"^: ping\r$", response.text, re.MULTILINE)
    assert 2 <= len(pings) <= 6
    assert response.text.endswith("\r\n\r\n") and "rested" in response.text.rsplit(": ping", 1)[1]


MISMATCHED = as_sent(call(1, "echo", {"text": "x"}), "2026")
NO_ENVELOPE = as_sent({"jsonrpc": "2.0", "id": 1, "method": "ping"}, "2026")
NO_ENVELOPE[0]["params"] = {}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}, LEGACY),
        ({"jsonrpc": "2.0", "method": "notifications/initialized"}, LEGACY),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping"}, {**LEGACY, "Accept": "application/json"}),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping"}, {**LEGACY, "Content-Type": "application/json-seq"}),
        ({"jsonrpc": "2.0", "id": 1, "method": "ping"}, {**LEGACY, "MCP-Protocol-Version": "1999-01-01"}),
        (MISMATCHED[0], {**MISMATCHED[1], "Mcp-Name": "steps"}),
        NO_ENVELOPE,
        as_sent({"jsonrpc": "2.0", "id": 1, "method": "subscriptions/listen", "params": {}}, "2026"),
    ],
    ids=[
        "initialize",
        "notification",
        "accept-json-only",
        "other-content-type",
        "unknown-version",
        "2026-header-mismatch",
        "2026-no-envelope",
        "2026-listen",
    ],
)
async def test_what_the_shortcut_does_not_take_reaches_the_sdk(
    body: dict[str, Any], headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if body["method"] == "subscriptions/listen":
        # A listen stream stays open: only which side serves it is compared.
        lowercase = {name.lower(): value for name, value in headers.items()}
        message = jsonrpc_message_adapter.validate_python(body)
        assert (
            Exchange(tiny_server(Probe()), "/mcp", False).takes(
                {"path": "/mcp", "headers": []}, lowercase, Screened(message, decoded=body)
            )
            is None
        )
        return
    answers = await answers_of([(body, headers)], monkeypatch)
    assert answers["True by the SDK"] == 1
    assert answers[True] == answers[False]
    assert answers[True][0][0] >= 400 or body["method"] != "ping"


async def test_a_duplicated_routing_header_reaches_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    body, headers = as_sent(call(1, "echo", {"text": "x"}), "2026")
    raw = [*headers.items(), ("Mcp-Method", "tools/call")]
    answers = {}
    for shortcut in (True, False):
        with counting_sdk_entries(monkeypatch) as by_the_sdk:
            async with serving(service(Probe(), shortcut=shortcut)) as url:
                async with httpx2.AsyncClient(timeout=10) as http:
                    answers[shortcut] = wire(await http.post(url, json=body, headers=raw))
        assert len(by_the_sdk) == 1
    assert answers[True] == answers[False] and answers[True][0] == 400
