"""Drives examples/langchain_agent.py with no LLM and prints what it saw, as JSON, for test_langchain.py.

It runs inside the LangChain environment (v1 MCP SDK), so it imports nothing from this project:

    python langchain_check.py <arize-mcp command>
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "langchain_agent.py"
MAX_WAITS = 10  # each wait is bounded by the server; this bounds how many


class ScriptedModel(GenericFakeChatModel):
    """Replies with scripted messages in turn; tool binding is a no-op because the script is fixed."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> BaseChatModel:
        return self


async def call(tool: BaseTool, arguments: dict[str, Any]) -> dict[str, Any]:
    """Invoke a tool as an agent's tool node does, and return the server's structured result."""
    message = await tool.ainvoke({"type": "tool_call", "id": f"call-{tool.name}", "name": tool.name, "args": arguments})
    assert isinstance(message, ToolMessage) and message.status == "success", message
    return message.artifact["structured_content"]


async def check(command: str) -> dict[str, Any]:
    example = runpy.run_path(str(EXAMPLE))
    connection = example["arize_connection"](command, sandbox=True)
    async with example["arize_tools"](connection) as tools:
        by_name = {tool.name: tool for tool in tools}
        report: dict[str, Any] = {"schemas": {tool.name: tool.args_schema for tool in tools}}
        tasks = (await call(by_name["list_tasks"], {"name": "Hallucination check"}))["tasks"]
        run = (await call(by_name["trigger_task"], {"task_id": tasks[0]["id"], "data_start_time": "-2h"}))["run"]
        for waits in range(1, MAX_WAITS + 1):  # noqa: B007 - the count is reported after the loop
            waited = await call(by_name["wait_for_task_run"], {"run_id": run["id"], "timeout_seconds": 20})
            if waited["terminal"]:
                break
        report.update(run=waited["run"], waits=waits)

        # The agent graph itself, with a model that asks for list_tasks once and then answers.
        model = ScriptedModel(
            messages=iter(
                [
                    AIMessage("", tool_calls=[{"name": "list_tasks", "args": {"name": "Hallucination"}, "id": "a1"}]),
                    AIMessage("There is a hallucination check."),
                ]
            )
        )
        result = await example["build_agent"](model, tools).ainvoke({"messages": [{"role": "user", "content": "?"}]})
        report["agent"] = [
            {
                "type": message.type,
                "name": getattr(message, "name", None),
                "status": getattr(message, "status", None),
                "text": message.text,
            }
            for message in result["messages"]
        ]
    return report


if __name__ == "__main__":
    print(json.dumps(asyncio.run(check(sys.argv[1]))))
