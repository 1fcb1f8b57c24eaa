"""build_server(settings) -> MCPServer: the chosen tools, resources, prompts and completions,
with instructions that match them; the lifespan owns the HTTP pool and the run feeds."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus

from arize_mcp import __version__
from arize_mcp.config import ConfigError, Settings
from arize_mcp.redaction import register_secret
from arize_mcp.server.completions import register_completions
from arize_mcp.server.instructions import instructions_for
from arize_mcp.server.prompts import register_prompts
from arize_mcp.server.resources import register_resources
from arize_mcp.server.runtime import Drain, Runtime, lifespan_for
from arize_mcp.server.seams import wrap_every_request
from arize_mcp.server.secrecy import mask_secrets
from arize_mcp.server.tools import TOOLS, ToolSpec

TOOLSETS: dict[str, str] = {
    "tasks": "find and read tasks",
    "runs": "trigger, read, wait for and cancel runs",
}


def build_server(settings: Settings, *, drain: Drain | None = None) -> MCPServer[Runtime]:
    tools = selected_tools(settings)
    names = {spec.name for spec in tools}
    if settings.api_key is not None:
        register_secret(settings.api_key.get_secret_value())
    # The bus subscriptions/listen delivers from; run watches publish their changes on it.
    bus = InMemorySubscriptionBus()
    server: MCPServer[Runtime] = MCPServer(
        name="arize-mcp",
        title="Arize Tasks",
        description="Trigger Arize evaluation and experiment task runs and follow them to completion.",
        version=__version__,
        instructions=instructions_for(names),
        website_url="https://arize.com/docs/ax",
        lifespan=lifespan_for(settings, drain),
        subscriptions=bus,
    )
    for spec in tools:
        spec.register(server)
    register_resources(server, bus)
    register_prompts(server, available_tools=names)
    register_completions(server)
    wrap_every_request(server, mask_secrets)
    return server


def selected_tools(settings: Settings) -> list[ToolSpec]:
    """The tools of the chosen toolsets; in read-only mode only those that change nothing upstream."""
    chosen = settings.toolsets or frozenset(TOOLSETS)
    unknown = sorted(chosen - set(TOOLSETS))
    if unknown:
        known = "; ".join(f"{name}: {what}" for name, what in TOOLSETS.items())
        raise ConfigError(f"unknown toolset(s) {', '.join(unknown)}. Known toolsets: {known}")
    return [spec for spec in TOOLS if spec.toolset in chosen and (spec.read_only or not settings.read_only)]
