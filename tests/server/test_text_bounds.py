"""Free text from Arize is clipped, with a visible mark, in what an agent reads; the structured
content keeps the whole value (below the 8 MB cap on any answer)."""

from __future__ import annotations

import pytest
from mcp import Client

from arize_mcp.server import build_server
from tests.conftest import Upstream
from tests.helpers import ok, text_of

pytestmark = pytest.mark.anyio

HUGE = 1_000_000


async def test_a_huge_failure_reason_is_clipped_in_text_only(upper_upstream: Upstream) -> None:
    reason = "model endpoint refused: " + "x" * HUGE
    task_id = upper_upstream.emulator.add_task("Flooding evaluator", failure_reason=reason)
    async with Client(build_server(upper_upstream.settings())) as client:
        run = ok(await client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-1h"}))["run"]
        result = await client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20})
        got = await client.call_tool("get_task_run", {"run_id": run["id"]})
    for answer in (result, got):
        text = text_of(answer)
        assert len(text) < 5000 and "more characters cut]" in text
    assert ok(result)["run"]["failure_reason"] == reason and ok(got)["failure_reason"] == reason


async def test_a_huge_task_name_is_clipped_in_text_only(upper_upstream: Upstream) -> None:
    name = "n" * HUGE
    task_id = upper_upstream.emulator.add_task(name)
    async with Client(build_server(upper_upstream.settings())) as client:
        listed = await client.call_tool("list_tasks", {"limit": 100})
        found = await client.call_tool("get_task", {"task_id": task_id})
    assert len(text_of(listed)) < 20_000 and "more characters cut]" in text_of(listed)
    assert len(text_of(found)) < 5000 and ok(found)["name"] == name
    assert name in {task["name"] for task in ok(listed)["tasks"]}
