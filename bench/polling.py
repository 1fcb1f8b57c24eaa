"""Following runs: arize-mcp's shared adaptive poller vs. fixed-interval polling, side by side.

Fixed 5 s polling is what the official SDK's `wait_for_run` does; each of its callers polls on its
own. Both sides run in this one process against the same emulator, over loopback HTTP, so the
ratios compare like with like. Run: `.venv/bin/python bench/polling.py` (about a minute).
"""

from __future__ import annotations

import time
from datetime import datetime

import anyio
import httpx2
from mcp import Client
from pydantic import SecretStr

from arize_mcp.api.client import ArizeClient
from arize_mcp.config import Settings
from arize_mcp.emulator import HALLUCINATION, Emulator, EmulatorConfig, EmulatorServer
from arize_mcp.logs import configure_logging
from arize_mcp.server import build_server

KEY = "bench-key"
FIXED_INTERVAL = 5.0


async def ours(url: str, task_id: str, waiters: int) -> float:
    """Seconds from the run's end until every waiter has seen it."""
    settings = Settings(base_url=url, api_key=SecretStr(KEY))
    async with Client(build_server(settings)) as client:
        run = (
            await client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-1h"})
        ).structured_content
        assert run is not None
        async with anyio.create_task_group() as group:
            for _ in range(waiters):
                group.start_soon(client.call_tool, "wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 120})
        seen = time.time()
        final = (await client.call_tool("get_task_run", {"run_id": run["id"]})).structured_content
    assert final is not None
    return seen - datetime.fromisoformat(final["run_finished_at"]).timestamp()


async def fixed(url: str, task_id: str, waiters: int) -> float:
    from arize_mcp.api.models import TriggerRunRequest

    async with httpx2.AsyncClient() as http:
        client = ArizeClient(http, url, SecretStr(KEY))
        run = await client.trigger_task(task_id, TriggerRunRequest.model_validate({"max_spans": 1000}))

        async def poll() -> None:
            while not (await client.get_task_run(run.id)).is_terminal:
                await anyio.sleep(FIXED_INTERVAL)

        async with anyio.create_task_group() as group:
            for _ in range(waiters):
                group.start_soon(poll)
        seen = time.time()
        final = await client.get_task_run(run.id)
    assert final.run_finished_at is not None
    return seen - final.run_finished_at.timestamp()


async def main() -> None:
    configure_logging("WARNING")
    print(
        f"{'run length':>10} {'waiters':>7} | {'lag ours':>8} {'lag fixed':>9} | {'reads ours':>10} "
        f"{'reads fixed':>11} {'ratio':>6}"
    )
    for run_seconds, waiters in [(4.0, 1), (12.0, 1), (12.0, 8)]:
        emulator = Emulator(EmulatorConfig(api_keys=frozenset({KEY}), run_seconds=run_seconds))
        with EmulatorServer(emulator) as server:
            task_id = emulator.task_id(HALLUCINATION)
            before = len(emulator.recorded(route="get_run"))
            lag_ours = await ours(server.url, task_id, waiters)
            reads_ours = len(emulator.recorded(route="get_run")) - before - 1  # minus the final check
            before = len(emulator.recorded(route="get_run"))
            lag_fixed = await fixed(server.url, task_id, waiters)
            reads_fixed = len(emulator.recorded(route="get_run")) - before - 1
        print(
            f"{run_seconds:>9.0f}s {waiters:>7} | {lag_ours:>7.1f}s {lag_fixed:>8.1f}s | {reads_ours:>10} "
            f"{reads_fixed:>11} {reads_fixed / max(reads_ours, 1):>5.1f}x"
        )


if __name__ == "__main__":
    anyio.run(main)
