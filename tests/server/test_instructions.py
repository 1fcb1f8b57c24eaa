"""Server instructions follow the registered tools: an agent is never told to call a tool it lacks."""

from __future__ import annotations

import re

import pytest
from mcp import Client

from arize_mcp.server import TOOLS, build_server
from tests.conftest import Upstream

pytestmark = pytest.mark.anyio

ALL = {spec.name for spec in TOOLS}


def named_tools(text: str) -> set[str]:
    return {name for name in ALL if re.search(rf"\b{name}\b", text)}


@pytest.mark.parametrize(
    ("overrides", "tools"),
    [
        ({}, ALL),
        ({"read_only": True}, {"list_tasks", "get_task", "get_task_run", "list_task_runs", "wait_for_task_run"}),
        ({"toolsets": frozenset({"tasks"})}, {"list_tasks", "get_task"}),
        ({"toolsets": frozenset({"tasks"}), "read_only": True}, {"list_tasks", "get_task"}),
        ({"toolsets": frozenset({"runs"}), "read_only": True}, {"get_task_run", "list_task_runs", "wait_for_task_run"}),
    ],
)
async def test_instructions_name_only_registered_tools(upstream: Upstream, overrides: dict, tools: set[str]) -> None:
    async with Client(build_server(upstream.settings(**overrides)), mode="legacy") as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        instructions = client.instructions
    assert listed == tools
    assert instructions and instructions.startswith("Run Arize evaluation")
    assert named_tools(instructions) == tools
