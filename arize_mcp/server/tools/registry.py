"""How a tool is declared once: handler, name, title, toolset, annotations and the view that shows its
results (MCP Apps), built for the server."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.types import ToolAnnotations

from arize_mcp.server.run_view import view_tool_meta
from arize_mcp.server.seams import without_result_revalidation
from arize_mcp.server.tools.schema import portable_schema


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

    def tool(self) -> Tool:
        """The tool as the server publishes it: its argument and output schemas in the portable form."""
        built = Tool.from_function(
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
        built = without_result_revalidation(built)
        output = built.fn_metadata.output_schema
        return built.model_copy(
            update={
                "parameters": portable_schema(built.parameters),
                "fn_metadata": built.fn_metadata.model_copy(
                    update={"output_schema": None if output is None else portable_schema(output)}
                ),
            }
        )
