"""Prompts through a real MCP client: listed, rendered with the exact tool calls, those calls run
as written against the emulator, arguments checked, and hidden when trigger_task is not offered."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, TextContent

from arize_mcp.emulator import EXPERIMENT, HALLUCINATION
from arize_mcp.server import build_server
from arize_mcp.server.prompts import EVALUATE_PROMPT, EXPERIMENT_PROMPT
from tests.conftest import Upstream
from tests.helpers import ok

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])
TOOL_CALL = re.compile(r"^\s*(?P<tool>[a-z_]+) (?P<arguments>\{.*\})$", re.MULTILINE)


async def render(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    [message] = result.messages
    assert message.role == "user" and isinstance(message.content, TextContent)
    return message.content.text


def tool_calls(text: str) -> list[tuple[str, dict]]:
    return [(match["tool"], json.loads(match["arguments"])) for match in TOOL_CALL.finditer(text)]


@MODES
async def test_prompts_are_listed(upper_upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        prompts = {prompt.name: prompt for prompt in (await client.list_prompts()).prompts}
    assert set(prompts) == {EVALUATE_PROMPT, EXPERIMENT_PROMPT}
    required = {name: {a.name: a.required for a in prompt.arguments or ()} for name, prompt in prompts.items()}
    assert required[EVALUATE_PROMPT] == {"task_name": True, "window": False, "override_evaluations": False}
    assert required[EXPERIMENT_PROMPT] == {"task_name": True, "experiment_name": True, "max_examples": False}
    for prompt in prompts.values():
        assert prompt.title and prompt.description and "\n    " not in prompt.description
        assert all(argument.description for argument in prompt.arguments or ())


@MODES
async def test_prompt_calls_name_real_tools_and_their_arguments(upper_upstream: Upstream, mode: str) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        texts = [
            await render(client, EVALUATE_PROMPT, {"task_name": HALLUCINATION}),
            await render(client, EVALUATE_PROMPT, {"task_name": HALLUCINATION, "override_evaluations": "yes"}),
            await render(client, EXPERIMENT_PROMPT, {"task_name": EXPERIMENT, "experiment_name": "v3"}),
        ]
    for text in texts:
        calls = tool_calls(text)
        assert {tool for tool, _ in calls} == {"trigger_task", "wait_for_task_run", "list_task_runs"}
        for tool, arguments in calls:
            assert set(arguments) <= set(tools[tool].input_schema["properties"]), (tool, arguments)


async def test_evaluation_prompt_calls_work_as_written(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        text = await render(client, EVALUATE_PROMPT, {"task_name": HALLUCINATION, "window": " 6H "})
        assert f'Evaluate the last 6h of data with the Arize evaluation task "{HALLUCINATION}"' in text
        [trigger, *_] = tool_calls(text)
        assert trigger == (
            "trigger_task",
            {"task_name": HALLUCINATION, "data_start_time": "-6h", "data_end_time": "now", "wait": True},
        )
        assert "override_evaluations" in text and "failure_reason" in text and '"terminal": false' in text
        outcome = ok(await client.call_tool(*trigger))
    assert outcome["terminal"] and outcome["run"]["status"] == "completed"
    assert outcome["run"]["data_start_time"] and outcome["run"]["num_successes"] > 0


async def test_evaluation_prompt_with_override(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        text = await render(client, EVALUATE_PROMPT, {"task_name": HALLUCINATION, "override_evaluations": "TRUE"})
    [trigger, *_] = tool_calls(text)
    assert trigger[1] == {
        "task_name": HALLUCINATION,
        "data_start_time": "-24h",
        "data_end_time": "now",
        "override_evaluations": True,
        "wait": True,
    }


async def test_experiment_prompt_calls_work_as_written(upper_upstream: Upstream) -> None:
    async with Client(build_server(upper_upstream.settings())) as client:
        text = await render(
            client, EXPERIMENT_PROMPT, {"task_name": EXPERIMENT, "experiment_name": "prompt-v3", "max_examples": "4"}
        )
        assert 'new experiment named "prompt-v3" on at most 4 dataset examples' in text
        [trigger, *_] = tool_calls(text)
        assert trigger == (
            "trigger_task",
            {"task_name": EXPERIMENT, "experiment_name": "prompt-v3", "max_examples": 4, "wait": True},
        )
        assert "409" in text and "experiment_id" in text
        outcome = ok(await client.call_tool(*trigger))
    run = outcome["run"]
    assert outcome["terminal"] and run["status"] == "completed" and run["experiment_id"]
    assert run["num_successes"] + run["num_errors"] + run["num_skipped"] == 4


@MODES
@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        (EVALUATE_PROMPT, {"task_name": "x", "window": "3 days"}, "window='3 days' is not a duration"),
        (EVALUATE_PROMPT, {"task_name": "x", "window": "5w"}, "longer than the 30 days"),
        (EVALUATE_PROMPT, {"task_name": "x", "window": "0h"}, "window='0h' is empty"),
        (EVALUATE_PROMPT, {"task_name": "x", "override_evaluations": "maybe"}, "not true or false"),
        (EVALUATE_PROMPT, {"task_name": "  "}, "task_name is empty"),
        (EVALUATE_PROMPT, {}, "needs task_name"),
        (EXPERIMENT_PROMPT, {"task_name": "x", "experiment_name": "e", "max_examples": "0"}, "max_examples='0'"),
        (EXPERIMENT_PROMPT, {"task_name": "x", "experiment_name": "e", "max_examples": "ten"}, "whole number"),
        (EXPERIMENT_PROMPT, {"task_name": "x", "experiment_name": " "}, "experiment_name is empty"),
        (EXPERIMENT_PROMPT, {"task_name": "x"}, "needs experiment_name"),
    ],
)
async def test_prompt_arguments_are_checked(
    upper_upstream: Upstream, mode: str, name: str, arguments: dict[str, str], expected: str
) -> None:
    async with Client(build_server(upper_upstream.settings()), mode=mode) as client:
        with pytest.raises(MCPError) as rejected:
            await client.get_prompt(name, arguments)
    assert rejected.value.error.code == INVALID_PARAMS
    assert expected in rejected.value.error.message


@pytest.mark.parametrize("overrides", [{"read_only": True}, {"toolsets": frozenset({"tasks"})}])
async def test_prompts_are_hidden_without_trigger_task(upper_upstream: Upstream, overrides: dict) -> None:
    async with Client(build_server(upper_upstream.settings(**overrides))) as client:
        assert "trigger_task" not in {tool.name for tool in (await client.list_tools()).tools}
        assert (await client.list_prompts()).prompts == []
