"""A LangGraph agent that runs Arize tasks through `arize-mcp`, its tools loaded by langchain-mcp-adapters.

Use an environment of its own: langchain-mcp-adapters needs the v1 MCP SDK, while arize-mcp, which
this script starts as a separate command, needs v2.

    python3 -m venv .venv-langchain
    .venv-langchain/bin/pip install -r examples/requirements-langchain.txt langchain-anthropic
    export ANTHROPIC_API_KEY=...        # for the model; also ARIZE_API_KEY, unless --sandbox
    .venv-langchain/bin/python examples/langchain_agent.py --sandbox --model anthropic:claude-sonnet-4-5 \\
        "Run the hallucination check over the last two hours and tell me how it went."

`--model` is any `provider:model` that LangChain's init_chat_model knows, with that provider's
package installed. `--server-command` gives the path of arize-mcp when it is not on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool
from langchain_mcp_adapters.client import MultiServerMCPClient
from langchain_mcp_adapters.sessions import StdioConnection
from langchain_mcp_adapters.tools import load_mcp_tools
from langgraph.graph.state import CompiledStateGraph

SYSTEM_PROMPT = (
    "You run Arize evaluation and experiment tasks. Find the task with list_tasks, start a run with "
    "trigger_task, call wait_for_task_run until the run is terminal, then report its status and counts."
)


def arize_connection(command: str = "arize-mcp", *, sandbox: bool = False) -> StdioConnection:
    """How to start the server over stdio.

    The MCP SDK hands a server only a few variables of ours (PATH, HOME, …), so the Arize settings
    (ARIZE_API_KEY, ARIZE_REGION, …) are passed on explicitly.
    """
    env = {name: value for name, value in os.environ.items() if name.startswith("ARIZE_")}
    return {"transport": "stdio", "command": command, "args": ["--sandbox"] if sandbox else [], "env": env}


@asynccontextmanager
async def arize_tools(connection: StdioConnection) -> AsyncIterator[list[BaseTool]]:
    """The server's tools as LangChain tools, all served by one server process.

    Without a session, MultiServerMCPClient starts a new server for every tool call; one session
    costs less and keeps the sandbox's emulator, where a triggered run lives, for the whole agent run.
    """
    client = MultiServerMCPClient({"arize": connection})
    async with client.session("arize") as session:
        yield await load_mcp_tools(session)


def build_agent(model: str | BaseChatModel, tools: Sequence[BaseTool]) -> CompiledStateGraph:
    """A LangGraph agent (LangChain's create_agent) that calls the Arize tools in a loop."""
    return create_agent(model, list(tools), system_prompt=SYSTEM_PROMPT)


async def ask(question: str, model: str, connection: StdioConnection) -> str:
    async with arize_tools(connection) as tools:
        result = await build_agent(model, tools).ainvoke({"messages": [{"role": "user", "content": question}]})
    return result["messages"][-1].text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ask a LangGraph agent with the Arize tools a question.")
    parser.add_argument("question")
    parser.add_argument("--model", required=True, help="provider:model, e.g. anthropic:claude-sonnet-4-5")
    parser.add_argument("--sandbox", action="store_true", help="use arize-mcp's built-in emulator; no Arize key")
    parser.add_argument("--server-command", default="arize-mcp", help="the arize-mcp command (default: arize-mcp)")
    args = parser.parse_args(argv)
    print(asyncio.run(ask(args.question, args.model, arize_connection(args.server_command, sandbox=args.sandbox))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
