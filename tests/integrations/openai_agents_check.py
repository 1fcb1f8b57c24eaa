"""Drives examples/openai_agents.py with no LLM and prints what it saw, as JSON, for test_openai_agents.py.

It runs inside the OpenAI Agents SDK environment, so it imports nothing from this project:

    python openai_agents_check.py <arize-mcp command>
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
from pathlib import Path
from typing import Any

from agents import FunctionTool, RunContextWrapper
from agents.mcp import MCPServerStdio
from agents.tool_context import ToolContext

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "openai_agents.py"
MAX_WAITS = 10  # each wait is bounded by the server; this bounds how many


async def call(server: MCPServerStdio, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await server.call_tool(tool, arguments)
    assert not result.is_error, result
    return result.structured_content


async def check(command: str) -> dict[str, Any]:
    example = runpy.run_path(str(EXAMPLE))
    async with example["arize_server"](command, sandbox=True) as server:
        report: dict[str, Any] = {"schemas": {tool.name: tool.input_schema for tool in await server.list_tools()}}
        tasks = (await call(server, "list_tasks", {"name": "Hallucination check"}))["tasks"]
        run = (await call(server, "trigger_task", {"task_id": tasks[0]["id"], "data_start_time": "-2h"}))["run"]
        for waits in range(1, MAX_WAITS + 1):  # noqa: B007 - the count is reported after the loop
            waited = await call(server, "wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 20})
            if waited["terminal"]:
                break
        report.update(run=waited["run"], waits=waits)

        # What a Runner does when the model calls a tool: the agent's function tools, invoked with JSON.
        agent = example["build_agent"](server)
        tools = {tool.name: tool for tool in await agent.get_all_tools(RunContextWrapper(context=None))}
        assert all(isinstance(tool, FunctionTool) for tool in tools.values())
        report["function_schemas"] = {name: tool.params_json_schema for name, tool in tools.items()}
        arguments = json.dumps({"run_id": run["id"]})
        context = ToolContext(context=None, tool_name="get_task_run", tool_call_id="c1", tool_arguments=arguments)
        report["function_output"] = await tools["get_task_run"].on_invoke_tool(context, arguments)
    return report


if __name__ == "__main__":
    print(json.dumps(asyncio.run(check(sys.argv[1])), default=str))
