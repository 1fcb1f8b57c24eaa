"""Task handles over real HTTP: stateless replicas sharing ARIZE_MCP_TASK_SECRET answer for each
other's tasks, through a replica restart; a task is bound to the Arize key it was made with; task
notifications on a raw subscriptions/listen stream."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx2
import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, CallToolResult

from arize_mcp.server.task_handles.negotiation import TASKS_EXTENSION
from tests.conftest import API_KEY, READ_ONLY_KEY, Upstream
from tests.helpers import ok
from tests.service.conftest import http_server
from tests.service.test_http import mcp_session
from tests.task_requester import CreatedTask, TasksRequester, call, cancel, follow, get, update

pytestmark = pytest.mark.anyio

SECRET = "replicas-share-this-secret-7d1e"
MODERN = "2026-07-28"


async def test_replicas_answer_for_each_others_tasks_and_a_restart_loses_nothing(upper_upstream: Upstream) -> None:
    env = upper_upstream.env(ARIZE_MCP_TASK_SECRET=SECRET)
    with http_server(env, "--stateless") as one, http_server(env, "--stateless") as two:
        async with mcp_session(one.url, extensions=[TasksRequester()]) as first:
            upper_upstream.emulator.config.run_seconds = 3.0
            created = await call(first, "trigger_task", {"task_name": "Hallucination check", "wait": True})
            upper_upstream.emulator.config.run_seconds = 600.0  # runs until cancelled
            doomed = await call(first, "trigger_task", {"task_name": "Hallucination check", "wait": True})
        assert isinstance(created, CreatedTask) and isinstance(doomed, CreatedTask)
        one.process.kill()
        one.process.wait(10)
        async with mcp_session(two.url, extensions=[TasksRequester()]) as second:
            assert (await get(second, created.task_id)).status in ("working", "completed")
            assert (await get(second, doomed.task_id)).status == "working"
            await cancel(second, doomed.task_id)
        with http_server(env, "--stateless") as restarted:
            async with mcp_session(restarted.url, extensions=[TasksRequester()]) as third:
                done = await follow(third, created.task_id)
                cancelled = await follow(third, doomed.task_id)
    assert ok(CallToolResult.model_validate(done.result))["run"]["status"] == "completed"
    assert ok(CallToolResult.model_validate(cancelled.result))["run"]["status"] == "cancelled"


async def test_without_a_shared_secret_a_task_is_unknown_elsewhere(upper_upstream: Upstream) -> None:
    env = upper_upstream.env()
    with http_server(env, "--stateless") as one, http_server(env, "--stateless") as two:
        async with (
            mcp_session(one.url, extensions=[TasksRequester()]) as first,
            mcp_session(two.url, extensions=[TasksRequester()]) as second,
        ):
            created = await call(first, "trigger_task", {"task_name": "Hallucination check", "wait": True})
            assert isinstance(created, CreatedTask)
            with pytest.raises(MCPError) as raised:
                await get(second, created.task_id)
            assert raised.value.error.code == INVALID_PARAMS


async def test_a_task_made_with_one_key_is_unknown_to_another(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 30.0
    env = upper_upstream.env(ARIZE_MCP_TASK_SECRET=SECRET)
    del env["ARIZE_API_KEY"]
    with http_server(env, "--stateless") as server:
        async with (
            mcp_session(server.url, headers={"X-Arize-Api-Key": API_KEY}, extensions=[TasksRequester()]) as owner,
            mcp_session(server.url, headers={"X-Arize-Api-Key": READ_ONLY_KEY}, extensions=[TasksRequester()]) as other,
        ):
            created = await call(owner, "trigger_task", {"task_name": "Hallucination check", "wait": True})
            assert isinstance(created, CreatedTask)
            before = len(upper_upstream.emulator.requests)
            for send in (get, cancel, update):
                with pytest.raises(MCPError) as raised:
                    await send(other, created.task_id)
                assert raised.value.error.code == INVALID_PARAMS
                assert raised.value.error.message == "Failed to retrieve task: Task not found"
            assert len(upper_upstream.emulator.requests) == before
            async with httpx2.AsyncClient(timeout=10) as http:
                ack, _ = await listen(http, server.url, READ_ONLY_KEY, [created.task_id], frames=1)
            assert ack["params"]["notifications"]["taskIds"] == []
            assert (await get(owner, created.task_id)).status == "working"
            await cancel(owner, created.task_id)


async def test_task_notifications_on_a_raw_listen_stream(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 1.5
    env = upper_upstream.env(ARIZE_MCP_TASK_SECRET=SECRET)
    with http_server(env, "--stateless") as server:
        async with mcp_session(server.url, extensions=[TasksRequester()]) as client:
            created = await call(client, "trigger_task", {"task_name": "Hallucination check", "wait": True})
        assert isinstance(created, CreatedTask)
        async with httpx2.AsyncClient(timeout=10) as http:
            # The spec's routing header for task methods is accepted (there is nothing to route).
            polled = await post(
                http, server.url, API_KEY, "tasks/get", {"taskId": created.task_id}, name=created.task_id
            )
            assert polled["result"]["status"] == "working" and polled["result"]["resultType"] == "complete"
            ack, notices = await listen(http, server.url, API_KEY, [created.task_id, "forged.id"], until="completed")
    assert ack["params"]["notifications"]["taskIds"] == [created.task_id]
    assert all(notice["method"] == "notifications/tasks" for notice in notices)
    final = notices[-1]["params"]
    assert final["taskId"] == created.task_id and final["ttlMs"] is None
    assert final["result"]["structuredContent"]["run"]["status"] == "completed"


def envelope(params: dict[str, Any]) -> dict[str, Any]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {TASKS_EXTENSION: {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw-test", "version": "0"},
    }
    return {**params, "_meta": meta}


def headers_for(method: str, key: str, name: str | None = None) -> dict[str, str]:
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": method,
        "X-Arize-Api-Key": key,
    }
    return {**headers, "Mcp-Name": name} if name else headers


async def post(
    http: httpx2.AsyncClient, url: str, key: str, method: str, params: dict[str, Any], *, name: str | None = None
) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": envelope(params)}
    response = await http.post(url, json=body, headers=headers_for(method, key, name))
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/json"):
        return response.json()
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")][-1]


async def listen(
    http: httpx2.AsyncClient, url: str, key: str, task_ids: list[str], *, frames: int = 100, until: str = ""
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The acknowledgement and the task notifications of a subscriptions/listen stream, read until
    `frames` frames came or a notification with status `until`."""
    method = "subscriptions/listen"
    body = {
        "jsonrpc": "2.0",
        "id": "listen-1",
        "method": method,
        "params": envelope({"notifications": {"taskIds": task_ids}}),
    }
    received: list[dict[str, Any]] = []
    with anyio.fail_after(15):
        async with http.stream("POST", url, json=body, headers=headers_for(method, key)) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                received.append(json.loads(line[5:]))
                if len(received) >= frames or received[-1].get("params", {}).get("status") == until:
                    break
    return received[0], received[1:]
