"""Waiting rides out upstream weather: outages, 5xx and rate limits until its own timeout, with
progress saying so; only permanent errors end a wait early. Driven through a real MCP client."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client

from arize_mcp.emulator import HALLUCINATION, EmulatorServer
from arize_mcp.server import build_server
from arize_mcp.server.uris import run_uri
from tests.conftest import Upstream
from tests.helpers import error, ok

pytestmark = pytest.mark.anyio


async def _trigger(client: Client, upstream: Upstream) -> str:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    return ok(await client.call_tool("trigger_task", {"task_id": task_id}))["run"]["id"]


async def test_a_wait_rides_out_an_outage(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 1.0
    port = upper_upstream.server.port
    notes: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append(message or "")

    async with Client(build_server(upper_upstream.settings())) as client:
        run_id = await _trigger(client, upper_upstream)
        upper_upstream.server.stop()  # Arize is unreachable: connections are refused
        async with anyio.create_task_group() as group:

            async def come_back() -> None:
                with anyio.fail_after(10):
                    while not any("Arize unreachable, retrying" in note for note in notes):
                        await anyio.sleep(0.05)
                await anyio.sleep(0.5)
                upper_upstream.server = EmulatorServer(upper_upstream.emulator, port=port).start()

            group.start_soon(come_back)
            with anyio.fail_after(30):
                waited = ok(
                    await client.call_tool(
                        "wait_for_task_run", {"run_id": run_id, "timeout_seconds": 20}, progress_callback=on_progress
                    )
                )
    assert waited["terminal"] and waited["run"]["status"] == "completed" and waited["last_error"] is None
    assert any("Arize unreachable, retrying" in note for note in notes)


async def test_a_wait_that_times_out_in_an_outage_returns_the_last_run(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 30
    async with Client(build_server(upper_upstream.settings())) as client:
        run_id = await _trigger(client, upper_upstream)
        ok(await client.call_tool("get_task_run", {"run_id": run_id}))
        upper_upstream.emulator.faults.inject(route="get_run", status=200, times=1)  # the first read succeeds …
        upper_upstream.emulator.faults.inject(route="get_run", status=503, times=100_000)  # … then only 503s
        result = await client.call_tool("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 1.5})
    waited = ok(result)
    assert waited["terminal"] is False and waited["run"]["id"] == run_id
    assert waited["last_error"].startswith("Arize answered 503")
    assert "The last reads failed (Arize answered 503" in result.content[0].text


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_a_permanent_error_ends_a_wait_at_once(upper_upstream: Upstream, status: int) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        run_id = await _trigger(client, upper_upstream)
        upper_upstream.emulator.faults.inject(route="get_run", status=status, times=1000)
        with anyio.fail_after(5):
            text = error(await client.call_tool("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 30}))
    assert str(status) in text
    assert upper_upstream.count(route="get_run") == 1


async def test_the_poller_caps_a_huge_retry_after(upper_upstream: Upstream) -> None:
    # One 429 asking for 99999 s must not park the shared poller past the run's end.
    async with Client(build_server(upper_upstream.settings())) as client:
        run_id = await _trigger(client, upper_upstream)
        upper_upstream.emulator.faults.inject(route="get_run", status=200, times=1)
        upper_upstream.emulator.faults.inject(route="get_run", status=429, times=1, retry_after=99999)
        waited = ok(await client.call_tool("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 8}))
    assert waited["terminal"] and waited["run"]["status"] == "completed"


@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_a_subscription_rides_out_weather_after_its_first_read(upper_upstream: Upstream) -> None:
    updated: list[str] = []

    async def on_message(message: object) -> None:
        uri = getattr(getattr(message, "params", None), "uri", None)
        if uri:
            updated.append(str(uri))

    upper_upstream.emulator.config.run_seconds = 1.0
    async with Client(build_server(upper_upstream.settings()), mode="legacy", message_handler=on_message) as client:
        run_id = await _trigger(client, upper_upstream)
        await client.subscribe_resource(run_uri(run_id))
        # More 503s than one read retries: the watch must poll on through them, not end.
        upper_upstream.emulator.faults.inject(route="get_run", status=503, times=6)
        with anyio.fail_after(15):
            while upper_upstream.emulator.faults.remaining("get_run"):
                await anyio.sleep(0.05)
            seen = len(updated)
            while len(updated) == seen:
                await anyio.sleep(0.05)
