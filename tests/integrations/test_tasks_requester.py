"""The MCP Tasks extension's own TypeScript requester (@modelcontextprotocol/ext-tasks with the SDK
client 2.x, pinned to protocol 2026-07-28) against the server over stdio and stateless HTTP:
wait_for_task_run and trigger_task(wait=true) become tasks that it follows to `completed` and reads
the tool result from; another is cancelled mid-run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from arize_mcp.emulator import HALLUCINATION
from tests.conftest import Upstream
from tests.service.conftest import http_server

SCRIPT = Path(__file__).with_name("tasks_requester.mjs")
SECRET = "requester-test-secret"


@pytest.fixture
def requester(ext_tasks_modules: Path, tmp_path: Path) -> Path:
    """The script beside the cached packages it imports (ES modules resolve from the script's folder)."""
    (tmp_path / "node_modules").symlink_to(ext_tasks_modules, target_is_directory=True)
    return Path(shutil.copy(SCRIPT, tmp_path / SCRIPT.name))


@contextmanager
def target(transport: str, upstream: Upstream) -> Iterator[tuple[list[str], dict[str, str]]]:
    env = upstream.env(ARIZE_MCP_TASK_SECRET=SECRET)
    if transport == "stdio":
        yield ["stdio", sys.executable, "-m", "arize_mcp"], env
        return
    with http_server(env, "--stateless") as server:
        yield ["http", server.url], env


def run_flows(requester: Path, flows: str, where: list[str], env: dict[str, str]) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        ["node", str(requester), flows, *where], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"the requester failed:\n{done.stderr[-4000:]}"
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    by_flow = {report.pop("flow"): report for report in reports}
    assert by_flow.pop("era") == {"era": "modern"}, "the requester did not speak 2026-07-28"
    return by_flow


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_the_requester_follows_tasks_to_the_tool_result(
    requester: Path, upper_upstream: Upstream, transport: str
) -> None:
    upper_upstream.emulator.config.run_seconds = 1.5
    with target(transport, upper_upstream) as (where, env):
        flows = run_flows(requester, "complete", where, env)
    waited, triggered = flows["wait_for_task_run"], flows["trigger_task"]
    for flow in (waited, triggered):
        assert flow["kind"] == "task" and flow["status"] == "completed", flow
        structured = flow["result"]["structuredContent"]
        assert not flow["result"]["isError"]
        assert structured["terminal"] is True and structured["run"]["status"] == "completed"
        assert set(structured) == {"run", "terminal", "waited_seconds", "polls", "last_error"}
        assert "The run ended." in flow["result"]["content"][0]["text"]
    assert waited["seen"][0] == "working" and waited["seen"][-1] == "completed"


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_the_requester_cancels_a_task_mid_run(requester: Path, upper_upstream: Upstream, transport: str) -> None:
    upper_upstream.emulator.config.run_seconds = 600.0
    with target(transport, upper_upstream) as (where, env):
        flows = run_flows(requester, "cancel", where, env)
    assert flows["cancel"]["kind"] == "task" and flows["cancel"]["before"] == "working"
    assert upper_upstream.count("cancel_run") == 1
    runs = upper_upstream.emulator.runs(upper_upstream.emulator.task_id(HALLUCINATION))
    assert [run.status_text for run in runs if run.id][-1:] == ["cancelled"]
