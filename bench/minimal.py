"""The anchor for per-call figures: a minimal `mcp` server whose one tool makes the same upstream GET.

It is what a hand-written server with no error wording, redaction, run view or argument checks
costs, so `bench` can say how much of a call is ours. Run it as a subprocess:

    python -m bench.minimal stdio URL KEY
    python -m bench.minimal http URL KEY PORT          # Streamable HTTP, stateless, like --stateless
    python -m bench.minimal http URL KEY PORT hold     # also a `wait_for_task_run` that only holds
    python -m bench.minimal stdio URL KEY nothing      # `get_task_run` reads nothing upstream

The `hold` variant is the anchor for many waits in flight: its `wait_for_task_run` reads nothing
upstream and holds the call open for HOLD_SECONDS, reporting progress every PROGRESS_SECONDS, so
what the process holds per call is what the SDK's transport holds per in-flight request.

The `nothing` variant's `get_task_run` answers at once with the id it was given: a call to it is
the MCP round trip alone (the SDK's client and server, and the pipe between them), the floor under
any server's `get_task_run` over stdio.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import quote

import anyio
import httpx2
from mcp.server.mcpserver import Context, MCPServer

HOLD_SECONDS = 30.0  # the middle of the waits' runs (20 to 40 s)
PROGRESS_SECONDS = 5.0


def build(base_url: str, api_key: str, *, hold: bool = False, nothing: bool = False) -> MCPServer:
    server = MCPServer("minimal", log_level="WARNING")
    http = httpx2.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"})

    @server.tool()
    async def get_task_run(run_id: str) -> dict[str, Any]:
        """Read one task run."""
        if nothing:
            return {"id": run_id}
        # Ids may hold "/", "+" and "=": a path segment must escape them.
        response = await http.get(f"/v2/task-runs/{quote(run_id, safe='')}")
        response.raise_for_status()
        return response.json()

    if hold:

        @server.tool()
        async def wait_for_task_run(run_id: str, timeout_seconds: float, ctx: Context) -> dict[str, Any]:
            """Hold the call open, reporting progress, as a wait does (the arguments are a wait's)."""
            for step in range(int(HOLD_SECONDS / PROGRESS_SECONDS)):
                await ctx.report_progress(step, message=f"holding for {run_id}")
                await anyio.sleep(PROGRESS_SECONDS)
            return {"terminal": True}

    return server


def main(argv: list[str]) -> None:
    transport, base_url, api_key, *rest = argv
    server = build(base_url, api_key, hold=rest[1:] == ["hold"], nothing=rest == ["nothing"])
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=int(rest[0]), stateless_http=True)


if __name__ == "__main__":
    main(sys.argv[1:])
