"""The MCP surface: tools, resources, subscriptions, prompts and completions over the Arize API.

Imports `follow/` and `api/` below it (and config); `service/` and the CLI build on it. Every use
of the `mcp` SDK beyond its public API is in seams.py.
"""

from arize_mcp.server.build import TOOLSETS, build_server, selected_tools
from arize_mcp.server.runtime import Drain, Runtime
from arize_mcp.server.tools import TOOLS, ToolSpec

__all__ = ["TOOLS", "TOOLSETS", "Drain", "Runtime", "ToolSpec", "build_server", "selected_tools"]
