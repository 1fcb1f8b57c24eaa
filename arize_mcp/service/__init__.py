"""MCP over Streamable HTTP for teams: secure defaults, health probes, access log, graceful drain."""

from arize_mcp.service.app import build_http_app
from arize_mcp.service.options import HttpOptions
from arize_mcp.service.runner import serve_http

__all__ = ["HttpOptions", "build_http_app", "serve_http"]
