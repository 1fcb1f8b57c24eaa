"""Every upstream fault × every tool (and the resources and completions): each call ends in a result
a person can act on, never a crash or an unworded error; no key in any output; a trigger that may
have started a run says so; a fault that passes is ridden out and a permanent one reported."""

from __future__ import annotations

import io
import json

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, ResourceTemplateReference

from arize_mcp.emulator import HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.uris import RUN_TEMPLATE, run_uri, task_uri
from tests.conftest import Upstream
from tests.helpers import ok, text_of
from tests.reliability.conftest import canary_settings
from tests.reliability.upstream_faults import CANARY, FAULTS, RUN_MAY_EXIST, UpstreamFault

pytestmark = pytest.mark.anyio

UNWORDED = ("Unexpected error", "Error executing tool", "Traceback")


def check_result(tool: str, fault: UpstreamFault, result: CallToolResult) -> None:
    dumped = json.dumps(result.model_dump(mode="json"))
    text = text_of(result)
    assert CANARY not in dumped, (tool, fault.name)
    assert text.strip() and not any(mark in text for mark in UNWORDED), (tool, fault.name, text)
    if fault.recovers and (fault.trigger_resent or tool != "trigger_task"):
        ok(result)
    if fault.permanent:
        assert result.is_error, (tool, fault.name, text)


def check_trigger(fault: UpstreamFault, result: CallToolResult, new_runs: list[str]) -> None:
    """No duplicate, and no run the agent is not told of: its id, or a warning that one may exist."""
    assert len(new_runs) <= 1, (fault.name, new_runs)
    if not new_runs:
        return
    if not result.is_error:
        data = ok(result)
        assert data.get("id", data.get("run", {}).get("id")) == new_runs[0]  # the run, or the wait's run
        return
    text = text_of(result)
    assert new_runs[0] in text or any(phrase in text for phrase in RUN_MAY_EXIST), (fault.name, text)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
async def test_every_fault_on_every_tool(canary_upstream: Upstream, logs: io.StringIO, fault: UpstreamFault) -> None:
    emulator = canary_upstream.emulator
    task_id = emulator.task_id(HALLUCINATION)
    async with Client(build_server(canary_settings(canary_upstream, fault.deadline_seconds))) as client:
        run_id = ok(await client.call_tool("trigger_task", {"task_id": task_id}))["run"]["id"]
        calls = [
            ("list_tasks", {}),
            ("get_task", {"task_id": task_id}),
            ("get_task", {"task_name": HALLUCINATION}),
            ("list_task_runs", {"task_id": task_id}),
            ("get_task_run", {"run_id": run_id}),
            ("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 1}),
            ("trigger_task", {"task_id": task_id}),
            ("trigger_task", {"task_id": task_id, "wait": True, "timeout_seconds": 1}),
            ("cancel_task_run", {"run_id": run_id}),
        ]
        fault.inject(emulator)
        if fault.unreachable:
            canary_upstream.server.stop()
        with anyio.fail_after(60):
            for tool, arguments in calls:
                before = {run.id for run in emulator.runs(task_id)}
                result = await client.call_tool(tool, arguments)
                check_result(tool, fault, result)
                if tool == "trigger_task":
                    check_trigger(fault, result, [run.id for run in emulator.runs(task_id) if run.id not in before])
            for uri in (task_uri(task_id), run_uri(run_id)):
                try:
                    contents = (await client.read_resource(uri)).contents
                    assert not fault.permanent and CANARY not in contents[0].model_dump_json()
                except MCPError as exc:
                    assert not fault.recovers and CANARY not in exc.error.model_dump_json()
            completion = await client.complete(
                ResourceTemplateReference(uri=RUN_TEMPLATE), {"name": "run_id", "value": ""}
            )
            assert CANARY not in completion.model_dump_json()
    assert CANARY not in logs.getvalue()
