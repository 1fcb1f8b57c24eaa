"""The full toolset through a real MCP client: names, reads, runs lists, cancel, trigger-and-wait,
annotations, instructions, toolsets and read-only mode."""

from __future__ import annotations

import subprocess
import sys

import pytest
from mcp import Client

from arize_mcp.config import ConfigError
from arize_mcp.emulator import CODE_EVAL, DATA_SPACE, EXPERIMENT, HALLUCINATION, SUPPORT_SPACE
from arize_mcp.server import build_server
from tests.conftest import ALL_TOOLS, Upstream, stdio_params
from tests.helpers import assert_run_shape, error, ok, text_of

pytestmark = pytest.mark.anyio

READ_TOOLS = {"list_tasks", "get_task", "get_task_run", "list_task_runs", "wait_for_task_run"}


async def test_get_task_by_id_or_by_name(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    by_id = await mcp_client.call_tool("get_task", {"task_id": task_id})
    task = ok(by_id)
    assert task["id"] == task_id and task["type"] == "template_evaluation" and task["project_id"]
    assert task["evaluators"] and HALLUCINATION in text_of(by_id)
    by_name = ok(await mcp_client.call_tool("get_task", {"task_name": "  HALLUCINATION CHECK "}))
    assert by_name["id"] == task_id


async def test_task_name_works_for_trigger_and_runs(mcp_client: Client, upstream: Upstream) -> None:
    run = ok(await mcp_client.call_tool("trigger_task", {"task_name": "hallucination check"}))["run"]
    assert run["task_id"] == upstream.emulator.task_id(HALLUCINATION)
    runs = ok(await mcp_client.call_tool("list_task_runs", {"task_name": "Hallucination Check"}))
    assert run["id"] in [r["id"] for r in runs["task_runs"]]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, "exactly one of task_id or task_name"),
        ({"task_id": "a", "task_name": "b"}, "exactly one of task_id or task_name"),
        ({"task_id": "a", "space_name": "b"}, "narrow a task_name lookup"),
        ({"task_name": "a", "space_id": "b", "space_name": "c"}, "space_id or space_name, not both"),
    ],
)
async def test_task_choice_arguments_are_checked_first(
    mcp_client: Client, upstream: Upstream, arguments: dict, expected: str
) -> None:
    before = upstream.count()
    for tool in ("get_task", "trigger_task", "list_task_runs"):
        assert expected in error(await mcp_client.call_tool(tool, arguments))
    assert upstream.count() == before


async def test_unknown_and_ambiguous_names_list_candidates(mcp_client: Client, upstream: Upstream) -> None:
    partial = error(await mcp_client.call_tool("get_task", {"task_name": "hallucination"}))
    assert "no task is named exactly 'hallucination'" in partial
    assert f"id={upstream.emulator.task_id(HALLUCINATION)}" in partial and "type=template_evaluation" in partial

    none = error(await mcp_client.call_tool("trigger_task", {"task_name": "nothing like this"}))
    assert "no task is named 'nothing like this'" in none and "list_tasks" in none
    assert upstream.count(route="trigger") == 0

    twin = upstream.emulator.add_task(CODE_EVAL.upper())  # same name, other space, other case
    ambiguous = error(await mcp_client.call_tool("trigger_task", {"task_name": CODE_EVAL}))
    assert "2 tasks are named" in ambiguous
    assert twin in ambiguous and upstream.emulator.task_id(CODE_EVAL) in ambiguous and "space=" in ambiguous
    assert upstream.count(route="trigger") == 0
    narrowed = ok(await mcp_client.call_tool("get_task", {"task_name": CODE_EVAL, "space_name": DATA_SPACE}))
    assert narrowed["id"] == upstream.emulator.task_id(CODE_EVAL)
    other = ok(await mcp_client.call_tool("get_task", {"task_name": CODE_EVAL, "space_name": SUPPORT_SPACE}))
    assert other["id"] == twin


async def test_list_task_runs_filters_any_casing_and_pages(mcp_client: Client, upstream: Upstream) -> None:
    task_id = upstream.emulator.task_id(HALLUCINATION)
    first = ok(await mcp_client.call_tool("trigger_task", {"task_id": task_id, "wait": True}))["run"]
    for _ in range(2):
        ok(await mcp_client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-30m"}))["run"]
    everything = await mcp_client.call_tool("list_task_runs", {"task_id": task_id})
    runs = ok(everything)["task_runs"]
    assert len(runs) == 3 and runs[-1]["id"] == first["id"]  # newest first
    for run in runs:
        assert_run_shape(run)
    table = text_of(everything).splitlines()
    assert table[0].startswith("run id | status") and len(table) == 2 + 3
    completed = ok(await mcp_client.call_tool("list_task_runs", {"task_id": task_id, "status": "COMPLETED"}))
    assert [r["id"] for r in completed["task_runs"]] == [first["id"]]
    page = ok(await mcp_client.call_tool("list_task_runs", {"task_id": task_id, "limit": 2}))
    assert len(page["task_runs"]) == 2 and page["next_cursor"]
    rest = ok(await mcp_client.call_tool("list_task_runs", {"task_id": task_id, "cursor": page["next_cursor"]}))
    assert [r["id"] for r in rest["task_runs"]] == [first["id"]]
    assert "status" in error(await mcp_client.call_tool("list_task_runs", {"task_id": task_id, "status": "done"}))


async def test_cancel_a_running_run_and_an_ended_one(upstream: Upstream) -> None:
    upstream.emulator.config.run_seconds = 30.0
    async with Client(build_server(upstream.settings())) as client:
        run = ok(await client.call_tool("trigger_task", {"task_id": upstream.emulator.task_id(HALLUCINATION)}))["run"]
        cancelled = await client.call_tool("cancel_task_run", {"run_id": run["id"]})
        assert ok(cancelled)["status"] == "cancelled" and "Cancelled." in text_of(cancelled)
        again = error(await client.call_tool("cancel_task_run", {"run_id": run["id"]}))
        assert "Nothing to cancel" in again and "already ended with status cancelled" in again
        missing = error(await client.call_tool("cancel_task_run", {"run_id": "no-such-run"}))
        assert "404" in missing


async def test_trigger_with_wait_returns_the_wait_shape_with_progress(mcp_client: Client, upstream: Upstream) -> None:
    notes: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append(progress)

    result = await mcp_client.call_tool(
        "trigger_task",
        {"task_name": HALLUCINATION, "data_start_time": "-2h", "wait": True, "timeout_seconds": 20},
        progress_callback=on_progress,
    )
    outcome = ok(result)
    assert set(outcome) == {"run", "terminal", "waited_seconds", "polls", "last_error"}
    assert outcome["terminal"] and outcome["run"]["status"] == "completed"
    assert notes == sorted(set(notes)) and len(notes) == outcome["polls"]
    assert "Triggered a new run." in text_of(result) and "The run ended." in text_of(result)


async def test_wrong_family_rejection_explains_the_task_type(mcp_client: Client, upstream: Upstream) -> None:
    text = error(await mcp_client.call_tool("trigger_task", {"task_name": EXPERIMENT, "max_spans": 10}))
    assert "400" in text
    assert "is a run_experiment task; it does not take max_spans" in text and "experiment_name" in text
    project = error(await mcp_client.call_tool("trigger_task", {"task_name": HALLUCINATION, "experiment_ids": ["abc"]}))
    assert "is a template_evaluation task; it does not take experiment_ids" in project
    assert "data_start_time" in project


async def test_annotations_tell_the_truth(mcp_client: Client) -> None:
    tools = {tool.name: tool.annotations for tool in (await mcp_client.list_tools()).tools}
    assert set(tools) == ALL_TOOLS
    for name in READ_TOOLS:
        assert tools[name].read_only_hint is True and tools[name].destructive_hint is False
    assert tools["trigger_task"].read_only_hint is False and tools["trigger_task"].idempotent_hint is False
    assert tools["trigger_task"].destructive_hint is False
    cancel = tools["cancel_task_run"]
    assert cancel.read_only_hint is False and cancel.destructive_hint is True and cancel.idempotent_hint is True
    assert all(a.open_world_hint is True and a.title for a in tools.values())


async def test_instructions_teach_the_workflow(mcp_client: Client) -> None:
    instructions = mcp_client.instructions or ""
    for phrase in (
        "list_tasks",
        "trigger_task",
        "wait_for_task_run",
        "terminal=false",
        "failure_reason",
        "override_evaluations",
        "experiment_name",
    ):
        assert phrase in instructions


@pytest.mark.parametrize(
    ("toolsets", "read_only", "expected"),
    [
        (None, False, ALL_TOOLS),
        (None, True, READ_TOOLS),
        (frozenset({"tasks"}), False, {"list_tasks", "get_task"}),
        (frozenset({"runs"}), True, READ_TOOLS - {"list_tasks", "get_task"}),
    ],
)
async def test_toolsets_and_read_only(
    upstream: Upstream, toolsets: frozenset[str] | None, read_only: bool, expected: set[str]
) -> None:
    server = build_server(upstream.settings(toolsets=toolsets, read_only=read_only))
    async with Client(server) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == expected
        if "trigger_task" not in expected:
            assert error(await client.call_tool("trigger_task", {"task_name": HALLUCINATION}))
            assert upstream.count(route="trigger") == 0


def test_unknown_toolset_is_a_startup_error(upstream: Upstream) -> None:
    with pytest.raises(ConfigError, match="unknown toolset"):
        build_server(upstream.settings(toolsets=frozenset({"tasks", "nope"})))
    result = subprocess.run(
        [sys.executable, "-m", "arize_mcp", "--toolsets", "tasks,nope"],
        capture_output=True,
        text=True,
        timeout=30,
        env=upstream.env(),
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "unknown toolset(s) nope" in result.stderr and "tasks:" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "env"),
    [(("--read-only",), {}), ((), {"ARIZE_MCP_READ_ONLY": "1"}), (("--toolsets", "tasks,runs", "--read-only"), {})],
)
async def test_read_only_from_flag_or_environment(
    upper_upstream: Upstream, args: tuple[str, ...], env: dict[str, str]
) -> None:
    async with Client(stdio_params(upper_upstream.env(**env), *args)) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == READ_TOOLS
