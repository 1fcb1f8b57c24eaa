"""Canary keys grepped for in every output: the server's key, a caller's own X-Arize-Api-Key and the
team's bearer token, across the error paths that can echo them (Problem Details quoting the key, a
key no header can carry, 503s during a wait), in tool results, progress notifications, resource
contents, protocol errors, the raw HTTP bytes and the server's DEBUG log."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Callable

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr

from arize_mcp.emulator import HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.uris import run_uri, task_uri
from tests.conftest import Upstream, start_upstream
from tests.helpers import ok, text_of
from tests.reliability.upstream_faults import CANARY
from tests.service.conftest import http_server

pytestmark = pytest.mark.anyio

CALLER_KEY = "caller-canary-key-51e0"
TOKEN = "token-canary-7aa93f"
ROUTES_AND_STATUSES = [("list_tasks", 401), ("get_task", 404), ("trigger", 400), ("get_run", 500), ("cancel_run", 429)]


def quoting(key: str, status: int) -> Callable[[bytes], bytes]:
    def rewrite(_: bytes) -> bytes:
        return json.dumps({"status": status, "title": "Error", "detail": f"rejected 'Bearer {key}'"}).encode()

    return rewrite


class Tee(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, sink: list[bytes]) -> None:
        self._inner, self._sink = inner, sink

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._sink.append(chunk)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class Recording(httpx2.AsyncBaseTransport):
    """Every byte of every response, headers included, as the client received it."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self.received: list[bytes] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        self.received.append(json.dumps(list(response.headers.items())).encode())
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=Tee(response.stream, self.received),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


async def exercise(client: Client, upstream: Upstream, key: str, seen: list[str]) -> None:
    """Every tool, resource and wait through faults whose bodies quote `key`; what came back goes in `seen`."""
    emulator = upstream.emulator
    task_id = emulator.task_id(HALLUCINATION)
    run_id = ok(await client.call_tool("trigger_task", {"task_id": task_id}))["run"]["id"]
    for route, status in ROUTES_AND_STATUSES:
        emulator.faults.inject(route=route, status=status, times=10_000, rewrite_body=quoting(key, status))
    notes: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append(message or "")

    calls = [
        ("list_tasks", {}),
        ("get_task", {"task_id": task_id}),
        ("trigger_task", {"task_id": task_id}),
        ("get_task_run", {"run_id": run_id}),
        ("cancel_task_run", {"run_id": run_id}),
        ("list_task_runs", {"task_id": task_id}),
        ("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 1}),
    ]
    with anyio.fail_after(60):
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments, progress_callback=on_progress)
            seen.append(json.dumps(result.model_dump(mode="json")))
        for uri in (task_uri(task_id), run_uri(run_id)):
            try:
                seen.append((await client.read_resource(uri)).model_dump_json())
            except MCPError as exc:
                seen.append(exc.error.model_dump_json())
    seen.extend(notes)
    assert any("Bearer ********" in text for text in seen)  # the faults did echo the key, masked
    assert any("retrying" in note for note in notes)  # the wait rode out the 500s and said so


async def test_no_key_or_token_in_any_http_output(tmp_path: object) -> None:
    upstream = start_upstream(api_keys=frozenset({CANARY, CALLER_KEY}), read_only_keys=frozenset())
    try:
        env = upstream.env(ARIZE_API_KEY=CANARY, ARIZE_MCP_AUTH_TOKEN=TOKEN, ARIZE_MCP_LOG_LEVEL="DEBUG")
        with http_server(env) as server:
            recording = Recording()
            headers = {"Authorization": f"Bearer {TOKEN}", "X-Arize-Api-Key": CALLER_KEY}
            http = httpx2.AsyncClient(headers=headers, transport=recording, timeout=httpx2.Timeout(30, read=60))
            seen: list[str] = []
            async with http, Client(streamable_http_client(server.url, http_client=http), mode="legacy") as client:
                await exercise(client, upstream, CALLER_KEY, seen)
            logs = server.wait_for_log("tool=wait_for_task_run")
        raw = b"".join(recording.received).decode("utf-8", "replace")
        for secret in (CANARY, CALLER_KEY, TOKEN):
            assert secret not in raw and secret not in logs and not any(secret in text for text in seen), secret
        assert "DEBUG" in logs  # the log was as verbose as it gets
    finally:
        upstream.server.stop()


async def test_a_key_no_header_can_carry_is_masked_in_process(upper_upstream: Upstream, logs: io.StringIO) -> None:
    # Settings made in code skip the environment's check: the client's own error must not leak it.
    settings = upper_upstream.settings(api_key=SecretStr(f"{CANARY}\nX-Injected: 1"))
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("list_tasks", {})
    assert result.is_error and CANARY not in json.dumps(result.model_dump(mode="json"))
    assert "********" in text_of(result) or "Network failure" in text_of(result)
    assert CANARY not in logs.getvalue()
