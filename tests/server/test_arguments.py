"""Argument mistakes get short, specific, structured answers, and nothing is sent upstream."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import CallToolResult

from arize_mcp.emulator import CODE_EVAL, EXPERIMENT, HALLUCINATION
from arize_mcp.server import build_server
from tests.conftest import Upstream
from tests.helpers import error, ok

pytestmark = pytest.mark.anyio


def report(result: CallToolResult) -> dict:
    error(result)
    assert result.structured_content is not None
    return result.structured_content


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("get_task_run", {}, ["missing required argument 'run_id'"]),
        ("get_task_run", {"run_id": ""}, ["run_id must be 1–512 characters long"]),
        ("list_tasks", {"task_type": "evaluation"}, ["template_evaluation, code_evaluation, run_experiment"]),
        ("list_task_runs", {"task_name": HALLUCINATION, "status": "done"}, ["pending, running, completed"]),
        ("wait_for_task_run", {"run_id": "x", "timeout_seconds": 4000}, ["timeout_seconds=4000", "0–3600"]),
        ("trigger_task", {"task_name": HALLUCINATION, "max_spans": "many"}, ["max_spans must be a whole number"]),
        ("trigger_task", {"task_name": HALLUCINATION, "wait": "maybe"}, ["wait must be true or false"]),
        ("list_tasks", {"limit": 0}, ["limit=0 is out of range: give 1–100"]),
        (
            "trigger_task",
            {"task_name": EXPERIMENT, "tracing_metadata": [{"key": "a"}]},
            ["tracing_metadata.0.value"],
        ),
        ("trigger_task", {"task_name": HALLUCINATION, "start_time": "-1h"}, ["did you mean 'data_start_time'?"]),
        ("get_task_run", {"run_id": "x", "id": "y"}, ["unknown argument 'id'"]),
        ("list_tasks", {"names": "x"}, ["did you mean 'name'?"]),
    ],
)
async def test_argument_mistakes_are_explained_and_nothing_is_sent(
    upper_upstream: Upstream, tool: str, arguments: dict, says: list[str]
) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        before = upper_upstream.count()
        result = report(await client.call_tool(tool, arguments))
    assert upper_upstream.count() == before
    assert result["error"] == "invalid_argument"
    assert result["message"].startswith("Invalid arguments, nothing was sent to Arize: ")
    for phrase in says:
        assert phrase in result["message"], result
    assert "validation error" not in result["message"] and "errors.pydantic.dev" not in result["message"]


async def test_an_argument_error_points_at_the_argument_documentation(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        result = report(await client.call_tool("trigger_task", {"task_name": HALLUCINATION, "max_spans": 0}))
    assert "max_spans: Evaluation tasks: most spans to evaluate" in result["hint"]


async def test_unknown_arguments_list_the_valid_ones(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        result = report(await client.call_tool("trigger_task", {"task_name": HALLUCINATION, "window": "24h"}))
    assert "unknown argument 'window'" in result["message"]
    assert "data_start_time" in result["hint"] and "experiment_name" in result["hint"]


async def test_null_is_the_same_as_absent(upper_upstream: Upstream) -> None:
    """Strict-mode clients send every argument, null for those not wanted."""
    nulls = {
        "task_id": None,
        "space_id": None,
        "space_name": None,
        "data_start_time": None,
        "data_end_time": None,
        "max_spans": None,
        "override_evaluations": None,
        "experiment_ids": None,
        "experiment_name": None,
        "dataset_version_id": None,
        "max_examples": None,
        "example_ids": None,
        "tracing_metadata": None,
        "evaluation_task_ids": None,
        "wait": None,
        "timeout_seconds": None,
    }
    async with Client(build_server(upper_upstream.settings())) as client:
        started = ok(await client.call_tool("trigger_task", {**nulls, "task_name": HALLUCINATION}))
        assert started["run"]["status"] == "pending" and started["polls"] == 0 and started["terminal"] is False
        # Mutually exclusive arguments: a null one does not count.
        experiment = {**nulls, "task_name": EXPERIMENT, "experiment_name": "nulls-are-absent", "max_examples": 2}
        assert ok(await client.call_tool("trigger_task", experiment))["run"]["status"] == "pending"
        listed = ok(
            await client.call_tool(
                "list_tasks",
                {
                    "name": None,
                    "space_id": None,
                    "project_id": None,
                    "dataset_id": None,
                    "task_type": None,
                    "limit": None,
                    "cursor": None,
                },
            )
        )
        assert listed["tasks"]
        waited = ok(
            await client.call_tool("wait_for_task_run", {"run_id": started["run"]["id"], "timeout_seconds": None})
        )
        assert waited["terminal"] is True


async def test_unknown_tools_name_the_close_one(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings(read_only=True))) as client:
        result = report(await client.call_tool("get_taskrun", {"run_id": "x"}))
        assert result["error"] == "unknown_tool" and "did you mean 'get_task_run'?" in result["message"]
        hidden = report(await client.call_tool("trigger_task", {"task_name": HALLUCINATION}))
        assert hidden["error"] == "unknown_tool" and "Read-only mode" in hidden["hint"]
    assert upper_upstream.count(route="trigger") == 0


async def test_duplicate_metadata_keys_are_refused(upper_upstream: Upstream) -> None:
    pairs = [{"key": "team", "value": "a"}, {"key": "team", "value": "b"}]
    async with Client(build_server(upper_upstream.settings())) as client:
        result = report(
            await client.call_tool(
                "trigger_task", {"task_name": EXPERIMENT, "experiment_name": "x", "tracing_metadata": pairs}
            )
        )
    assert result["error"] == "invalid_argument" and "'team' more than once" in result["message"]
    assert upper_upstream.count(route="trigger") == 0


async def test_error_kinds_for_upstream_failures(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    async with Client(build_server(upper_upstream.settings())) as client:
        missing = report(await client.call_tool("get_task_run", {"run_id": "VGFza1J1bjo5OTk5OTk="}))
        assert missing["error"] == "not_found" and "list_task_runs" in missing["hint"]
        missing_task = report(await client.call_tool("get_task", {"task_id": "VGFzazo5OTk5OTk="}))
        assert missing_task["error"] == "not_found" and "list_tasks" in missing_task["hint"]

        emulator.add_task(CODE_EVAL.upper())  # same name, other case
        ambiguous = report(await client.call_tool("trigger_task", {"task_name": CODE_EVAL}))
        assert ambiguous["error"] == "ambiguous_name"
        assert {c["name"].casefold() for c in ambiguous["candidates"]} == {CODE_EVAL.casefold()}
        assert len(ambiguous["candidates"]) == 2
        assert all(set(c) == {"id", "name", "type", "space_id"} for c in ambiguous["candidates"])

        emulator.faults.inject(route="trigger", status=500, after_handling=True)
        started = report(await client.call_tool("trigger_task", {"task_name": HALLUCINATION, "data_start_time": "-1h"}))
        assert started["error"] == "may_have_started" and "list_task_runs" in started["hint"]

        emulator.faults.inject(route="get_task", status=429, times=10, retry_after=0)
        limited = report(await client.call_tool("get_task", {"task_id": emulator.task_id(HALLUCINATION)}))
        assert limited["error"] == "rate_limited"

        conflict = report(
            await client.call_tool("trigger_task", {"task_name": EXPERIMENT, "experiment_name": "baseline"})
        )
        assert conflict["error"] == "conflict"

        run = ok(
            await client.call_tool("trigger_task", {"task_name": HALLUCINATION, "wait": True, "timeout_seconds": 20})
        )
        ended = report(await client.call_tool("cancel_task_run", {"run_id": run["run"]["id"]}))
        assert ended["error"] == "already_ended"


async def test_missing_key_kind(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings(api_key=None))) as client:
        assert report(await client.call_tool("list_tasks", {}))["error"] == "missing_api_key"
