"""The anchor for per-call figures: a minimal `mcp` server whose one tool makes the same upstream GET.

It is what a hand-written server with no error wording, redaction, run view or argument checks
costs, so `bench` can say how much of a call is ours. Run it as a subprocess:

    python -m bench.minimal stdio URL KEY
    python -m bench.minimal http URL KEY PORT      # Streamable HTTP, stateless, like --stateless
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import quote

import httpx2
from mcp.server.mcpserver import MCPServer


def build(base_url: str, api_key: str) -> MCPServer:
    server = MCPServer("minimal", log_level="WARNING")
    http = httpx2.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"})

    @server.tool()
    async def get_task_run(run_id: str) -> dict[str, Any]:
        """Read one task run."""
        # Ids may hold "/", "+" and "=": a path segment must escape them.
        response = await http.get(f"/v2/task-runs/{quote(run_id, safe='')}")
        response.raise_for_status()
        return response.json()

    return server


def main(argv: list[str]) -> None:
    transport, base_url, api_key, *rest = argv
    server = build(base_url, api_key)
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=int(rest[0]), stateless_http=True)


if __name__ == "__main__":
    main(sys.argv[1:])
