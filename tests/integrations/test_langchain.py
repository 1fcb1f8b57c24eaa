"""langchain-mcp-adapters (v1 MCP SDK, its own environment) loads the tools and runs them, no LLM involved."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integrations.launch import ARIZE_MCP, CORE_TOOLS, published_input_schemas
from tests.integrations.provision import run

pytestmark = pytest.mark.anyio

CHECK = Path(__file__).with_name("langchain_check.py")


async def test_langchain_tools_keep_their_schemas_and_run_to_completion(langchain_python: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ARIZE_")}
    env["ARIZE_MCP_SANDBOX_RUN_SECONDS"] = "1"  # read by `arize-mcp --sandbox`; the example passes ARIZE_* on
    report = json.loads(run([langchain_python, CHECK, ARIZE_MCP], env=env, timeout=180).stdout)

    published = await published_input_schemas()
    assert CORE_TOOLS <= set(report["schemas"])
    assert report["schemas"] == published  # names and argument schemas survived the conversion
    assert report["run"]["status"] == "completed", report["run"]

    # The LangGraph agent called list_tasks through its tool node and got the server's answer.
    steps = [(step["type"], step["name"]) for step in report["agent"]]
    assert steps == [("human", None), ("ai", None), ("tool", "list_tasks"), ("ai", None)]
    tool_step = report["agent"][2]
    assert tool_step["status"] == "success" and "Hallucination check" in tool_step["text"]
