"""How a tool is declared once: handler, name, title, toolset, annotations and the view that shows its
results (MCP Apps), registered by the server."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

from arize_mcp.server.run_view import view_tool_meta


@dataclass(frozen=True)
class ToolSpec:
    handler: Callable[..., Any]
    name: str
    title: str
    toolset: str
    read_only: bool
    destructive: bool = False
    idempotent: bool = False
    view: str | None = None  # the `ui://` resource that renders this tool's results

    def register(self, server: MCPServer[Any]) -> None:
        server.add_tool(
            self.handler,
            name=self.name,
            title=self.title,
            # Docstrings are written for the calling model; send them without source indentation.
            description=inspect.cleandoc(self.handler.__doc__ or ""),
            annotations=ToolAnnotations(
                title=self.title,
                read_only_hint=self.read_only,
                destructive_hint=self.destructive,
                idempotent_hint=self.idempotent,
                open_world_hint=True,
            ),
            meta=view_tool_meta(self.view) if self.view else None,
        )
