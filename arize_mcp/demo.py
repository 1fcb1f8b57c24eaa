"""`arize-mcp demo`: a real MCP client session against `arize-mcp --sandbox` over stdio."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

DEMO_TASK = "Hallucination check"


class DemoError(RuntimeError):
    pass


async def run_demo(run_seconds: float = 8.0, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    live = out.isatty()
    env = {
        **os.environ,
        "ARIZE_MCP_SANDBOX_RUN_SECONDS": str(run_seconds),
        "ARIZE_MCP_POLL_INITIAL_SECONDS": "0.5",
        "ARIZE_MCP_POLL_MAX_SECONDS": "1.5",
    }
    server = StdioServerParameters(command=sys.executable, args=["-m", "arize_mcp", "--sandbox"], env=env)

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    try:
        async with Client(server) as client:
            info = client.server_info
            say(f"Connected to {info.name if info else 'server'} over stdio (protocol {client.protocol_version}).")
            tools = (await client.list_tools()).tools
            say("Tools: " + ", ".join(tool.name for tool in tools))

            say(f"\n> list_tasks(name={DEMO_TASK!r})")
            listed = _checked(await client.call_tool("list_tasks", {"name": DEMO_TASK}))
            say(_text(listed))
            task_id = listed.structured_content["tasks"][0]["id"]  # type: ignore[index]

            arguments = {"task_id": task_id, "data_start_time": "-6h", "data_end_time": "now"}
            say(f"\n> trigger_task({_args(arguments)})")
            triggered = _checked(await client.call_tool("trigger_task", arguments))
            say(_text(triggered))
            run_id = triggered.structured_content["run"]["id"]  # type: ignore[index]

            say(f"\n> wait_for_task_run(run_id={run_id!r}) with live progress")

            async def show(progress: float, total: float | None, message: str | None) -> None:
                line = f"  [{progress:.0f}] {message}"
                if live:
                    print("\r\033[K" + line, end="", file=out, flush=True)
                else:
                    say(line)

            waited = _checked(
                await client.call_tool(
                    "wait_for_task_run", {"run_id": run_id, "timeout_seconds": 120}, progress_callback=show
                )
            )
            if live:
                say()
            say(_text(waited))
            final = waited.structured_content or {}
            if not final.get("terminal"):
                raise DemoError("the run did not finish in time")
            say(f"\nDone: the run is {final['run']['status']}. Connect your own client with `arize-mcp --sandbox`.")
            return 0
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1


def _checked(result: CallToolResult) -> CallToolResult:
    if result.is_error:
        raise DemoError(_text(result))
    return result


def _text(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def _args(arguments: dict[str, object]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())
