"""An OpenAI Agents SDK agent that runs Arize tasks through `arize-mcp` (MCPServerStdio).

    python3 -m venv .venv-agents
    .venv-agents/bin/pip install -r examples/requirements-openai-agents.txt
    export OPENAI_API_KEY=...           # for the model; also ARIZE_API_KEY, unless --sandbox
    .venv-agents/bin/python examples/openai_agents.py --sandbox \\
        "Run the hallucination check over the last two hours and tell me how it went."

`--server-command` gives the path of arize-mcp when it is not on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence

from agents import Agent, Runner
from agents.mcp import MCPServerStdio

INSTRUCTIONS = (
    "You run Arize evaluation and experiment tasks. Find the task with list_tasks, start a run with "
    "trigger_task, call wait_for_task_run until the run is terminal, then report its status and counts."
)
# wait_for_task_run waits up to 45 s by default; the SDK's 5 s default would cut every wait short.
TOOL_CALL_TIMEOUT_SECONDS = 60.0


def arize_server(command: str = "arize-mcp", *, sandbox: bool = False) -> MCPServerStdio:
    """The server over stdio; enter it with `async with` to start it.

    The MCP SDK hands a server only a few variables of ours (PATH, HOME, …), so the Arize settings
    (ARIZE_API_KEY, ARIZE_REGION, …) are passed on explicitly.
    """
    env = {name: value for name, value in os.environ.items() if name.startswith("ARIZE_")}
    return MCPServerStdio(
        params={"command": command, "args": ["--sandbox"] if sandbox else [], "env": env},
        name="arize",
        cache_tools_list=True,  # the tool list is fixed for the life of the server
        client_session_timeout_seconds=TOOL_CALL_TIMEOUT_SECONDS,
    )


def build_agent(server: MCPServerStdio, model: str | None = None) -> Agent:
    """An agent that calls the Arize tools; `model` defaults to the SDK's default model."""
    return Agent(name="Arize task runner", instructions=INSTRUCTIONS, mcp_servers=[server], model=model)


async def ask(question: str, server: MCPServerStdio, model: str | None) -> str:
    async with server:
        result = await Runner.run(build_agent(server, model), question)
    return str(result.final_output)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ask an OpenAI Agents SDK agent with the Arize tools a question.")
    parser.add_argument("question")
    parser.add_argument("--model", default=None, help="model name (default: the SDK's default)")
    parser.add_argument("--sandbox", action="store_true", help="use arize-mcp's built-in emulator; no Arize key")
    parser.add_argument("--server-command", default="arize-mcp", help="the arize-mcp command (default: arize-mcp)")
    args = parser.parse_args(argv)
    print(asyncio.run(ask(args.question, arize_server(args.server_command, sandbox=args.sandbox), args.model)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
