"""The team service under abuse: nothing names the software, oversized nesting is a parse error,
a flood of sessions or of silent connections leaves room for real clients, and a key that no
header can carry is refused without being shown."""

from __future__ import annotations

import json
import selectors
import socket
import time

import anyio
import httpx2
import pytest

from tests.conftest import Upstream
from tests.helpers import error, ok
from tests.service.conftest import http_server
from tests.service.test_http import INIT, MCP_HEADERS, mcp_session

pytestmark = pytest.mark.anyio

CANARY = "canary-key-0f3b7d"


async def test_no_response_names_the_server_software(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env()) as server:
        answers = [
            httpx2.get(f"{server.base}/healthz", timeout=10),
            httpx2.get(f"{server.base}/readyz", timeout=10),
            httpx2.get(f"{server.base}/no-such-page", timeout=10),
            httpx2.post(server.url, json=INIT, headers=MCP_HEADERS, timeout=10),
        ]
    for answer in answers:
        assert "server" not in answer.headers, (answer.request.url, answer.headers)


async def test_deep_nesting_is_a_parse_error_not_a_crash(upper_upstream: Upstream) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = '{"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "list_tasks", "arguments": {"x": '
    with http_server(upper_upstream.env(), "--stateless") as server:
        answer = httpx2.post(server.url, content=body + deep + "}}}", headers=MCP_HEADERS, timeout=10)
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == -32700 and answer.json()["id"] == 5
        odd_id = {**INIT, "id": 1.5}
        answer = httpx2.post(server.url, json=odd_id, headers=MCP_HEADERS, timeout=10)
        assert answer.status_code == 400 and answer.json() == {
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": -32600, "message": "Invalid Request: id must be a string or an integer"},
        }
        async with mcp_session(server.url) as client:
            assert ok(await client.call_tool("list_tasks", {}))["tasks"]
        assert "Traceback" not in server.stderr()


def _open_session(url: str, key: str) -> httpx2.Response:
    return httpx2.post(url, json=INIT, headers={**MCP_HEADERS, "X-Arize-Api-Key": key}, timeout=10)


async def test_a_session_flood_leaves_room_for_real_clients(upper_upstream: Upstream) -> None:
    env = upper_upstream.env(ARIZE_MCP_MAX_SESSIONS="30", ARIZE_MCP_MAX_SESSIONS_PER_CLIENT="5")
    with http_server(env) as server:
        async with mcp_session(server.url, mode="legacy") as established:
            assert ok(await established.call_tool("list_tasks", {}))["tasks"]
            # One client may not hold more than its share …
            answers = [_open_session(server.url, "one-client-key") for _ in range(6)]
            assert [a.status_code for a in answers] == [200] * 5 + [429]
            # … and many clients that open sessions and never come back are evicted, oldest first.
            flood = [_open_session(server.url, f"flood-{i}") for i in range(100)]
            assert all(a.status_code == 200 for a in flood)
            first = flood[0].headers["mcp-session-id"]
            reuse = httpx2.post(
                server.url,
                json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                headers={**MCP_HEADERS, "mcp-session-id": first, "mcp-protocol-version": "2025-11-25"},
                timeout=10,
            )
            assert reuse.status_code == 404
            # The session that was in use before the flood still works, and a new client gets in.
            assert ok(await established.call_tool("list_tasks", {}))["tasks"]
        async with mcp_session(server.url, mode="legacy") as newcomer:
            assert ok(await newcomer.call_tool("list_tasks", {}))["tasks"]
        logs = server.wait_for_log("session table full")
    assert logs.count("session table full") < 5  # reported once per interval, not per session


def _flood(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


def _answers(held: list[socket.socket], within: float) -> list[bytes]:
    """The first bytes each connection received within `within` seconds (b"" for none)."""
    answers = {sock: b"" for sock in held}
    with selectors.DefaultSelector() as waiting:
        for sock in held:
            sock.setblocking(False)
            waiting.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + within
        while waiting.get_map() and (left := deadline - time.monotonic()) > 0:
            for key, _ in waiting.select(left):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    answers[sock] = sock.recv(200)
                except OSError:
                    pass
                waiting.unregister(sock)
    return [answers[sock] for sock in held]


async def test_silent_connections_cannot_exhaust_descriptors(upper_upstream: Upstream) -> None:
    env = upper_upstream.env(ARIZE_MCP_HEADER_TIMEOUT="1")
    with http_server(env, fd_limit=512) as server:
        held = _flood(server.port, 600)  # far beyond what 512 descriptors allow
        try:
            answers = _answers(held, within=15)
        finally:
            for sock in held:
                sock.close()
        refused = sum(answer.startswith(b"HTTP/1.1 503") for answer in answers)
        timed_out = sum(answer.startswith(b"HTTP/1.1 408") for answer in answers)
        # Every connection got an answer: 503 at once beyond the limit, 408 after the header timeout.
        assert refused + timed_out == len(held) and refused > 0 and timed_out > 0
        with anyio.fail_after(20):
            while True:
                try:
                    if httpx2.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                await anyio.sleep(0.1)
        async with mcp_session(server.url) as client:
            assert ok(await client.call_tool("list_tasks", {}))["tasks"]
        time.sleep(0.2)
        logs = server.stderr()
    assert "Too many open files" not in logs and "out of system resource" not in logs
    assert 1 <= logs.count("connection limit reached") <= 3
    assert 1 <= logs.count("sent no complete request headers") <= 3


@pytest.mark.parametrize("transport", [(), ("--transport", "http")])
def test_a_key_no_header_can_carry_is_refused_by_name(upper_upstream: Upstream, transport: tuple[str, ...]) -> None:
    import subprocess
    import sys

    env = upper_upstream.env(ARIZE_API_KEY=f"{CANARY}\r\nX-Injected: 1")
    done = subprocess.run(
        [sys.executable, "-m", "arize_mcp", *transport], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "ARIZE_API_KEY may hold only visible ASCII" in done.stderr
    assert CANARY not in done.stderr + done.stdout


async def test_a_per_request_key_no_header_can_carry_is_refused(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(), "--stateless") as server:
        async with mcp_session(server.url, headers={"X-Arize-Api-Key": f"{CANARY}\tsecond"}) as client:
            result = await client.call_tool("list_tasks", {})
            text = error(result)
        logs = server.wait_for_log("tool=list_tasks")
    assert "X-Arize-Api-Key header is not a usable key" in text and "Nothing was sent" in text
    assert CANARY not in json.dumps(result.model_dump(mode="json")) + logs
    assert upper_upstream.count() == 0
