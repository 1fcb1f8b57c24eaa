"""stdio as desktop and IDE clients run the server: the SDK's transport, fed screened lines.

Every line from stdin passes jsonrpc.py's `screen` before the SDK sees it; a line it refuses is
answered on stdout (through the SDK's own writer, so answers never interleave) and never reaches
the SDK, which would drop it without a word. stdout carries nothing but JSON-RPC messages.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from io import TextIOWrapper
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage

from arize_mcp.server.jsonrpc import screen
from arize_mcp.server.seams import WriteStream, serve_streams


class ScreenedLines:
    """The lines of `source` the SDK may parse; the others are answered on `answers` once it is set."""

    def __init__(self, source: AsyncIterator[str]) -> None:
        self._source = source
        self.answers: WriteStream[SessionMessage] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self._source:
            if not line.strip():
                continue
            screened = screen(line)
            if screened.message is not None:
                yield line
            elif screened.answer is not None:
                assert self.answers is not None, "answers are set before the first line is read"
                await self.answers.send(SessionMessage(screened.answer))


async def serve_stdio(server: MCPServer[Any]) -> None:
    """Serve `server` over this process's stdin and stdout until stdin closes."""
    stdin = anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
    lines = ScreenedLines(stdin)
    async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
        # Set before anything awaits, so before the SDK's reader takes the first line.
        lines.answers = write_stream
        await serve_streams(server, read_stream, write_stream)
