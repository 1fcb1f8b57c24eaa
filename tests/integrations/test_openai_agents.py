"""The OpenAI Agents SDK's MCPServerStdio lists and calls the tools, no LLM involved."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.integrations.launch import ARIZE_MCP, CORE_TOOLS, published_input_schemas
from tests.integrations.provision import run

pytestmark = pytest.mark.anyio

CHECK = Path(__file__).with_name("openai_agents_check.py")


async def test_openai_agents_lists_and_calls_the_tools(openai_agents_python: Path) -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("ARIZE_", "OPENAI_"))}
    env["ARIZE_MCP_SANDBOX_RUN_SECONDS"] = "1"  # read by `arize-mcp --sandbox`; the example passes ARIZE_* on
    env["OPENAI_AGENTS_DISABLE_TRACING"] = "1"  # no model is called, and traces would be exported to OpenAI
    report = json.loads(run([openai_agents_python, CHECK, ARIZE_MCP], env=env, timeout=180).stdout)

    published = await published_input_schemas()
    assert CORE_TOOLS <= set(report["schemas"])
    assert report["schemas"] == published
    assert report["run"]["status"] == "completed", report["run"]

    # The agent offers every tool to the model with the server's own argument schema ...
    assert report["function_schemas"] == published
    # ... and a call made the way a Runner makes it reaches the server.
    output = report["function_output"]
    assert output["type"] == "text" and report["run"]["id"] in output["text"], output
