"""build_server(settings) -> MCPServer: the chosen tools, resources, prompts and completions,
with instructions that match them; the lifespan owns the HTTP pool and the run feeds."""

from __future__ import annotations

from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension
from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp.types import DiscoverResult

from arize_mcp import __version__
from arize_mcp.api.http import PreparedTls
from arize_mcp.config import ConfigError, Settings
from arize_mcp.redaction import register_secret
from arize_mcp.server.completions import register_completions
from arize_mcp.server.instructions import instructions_for
from arize_mcp.server.prompts import register_prompts
from arize_mcp.server.resources import register_resources
from arize_mcp.server.run_view import hide_run_view_from_plain_clients, run_view_extension
from arize_mcp.server.runtime import Drain, Runtime, lifespan_for
from arize_mcp.server.seams import wrap_every_request, wrap_method
from arize_mcp.server.secrecy import mask_secrets
from arize_mcp.server.task_handles.extension import WAIT_TOOLS, TaskHandles
from arize_mcp.server.tools import TOOLS, ToolSpec
from arize_mcp.server.tools.arguments import ArgumentCheck

TOOLSETS: dict[str, str] = {
    "tasks": "find and read tasks",
    "runs": "trigger, read, wait for and cancel runs",
}


def build_server(
    settings: Settings,
    *,
    drain: Drain | None = None,
    standalone_channel: bool = True,
    tls: PreparedTls | None = None,
) -> MCPServer[Runtime]:
    """`standalone_channel=False` for transports that cannot send a notification outside a request
    (stateless HTTP): handshake-era resource subscriptions are then not offered, nor advertised.
    `tls`: the connection's TLS verification, already being built (else it is built at start)."""
    specs = selected_tools(settings)
    names = {spec.name for spec in specs}
    tools = [spec.tool() for spec in specs]
    if settings.api_key is not None:
        register_secret(settings.api_key.get_secret_value())
    # The bus subscriptions/listen delivers from; run watches publish their changes on it.
    bus = InMemorySubscriptionBus()
    # The run view (MCP Apps), when a chosen tool shows its results in it.
    extensions: list[Extension] = [run_view_extension()] if any(spec.view for spec in specs) else []
    # Task handles, when a chosen tool waits for runs.
    handles = TaskHandles(settings) if names & WAIT_TOOLS else None
    if handles is not None:
        extensions.append(handles)
    server: MCPServer[Runtime] = MCPServer(
        name="arize-mcp",
        title="Arize Tasks",
        description="Trigger Arize evaluation and experiment task runs and follow them to completion.",
        version=__version__,
        instructions=instructions_for(names),
        website_url="https://arize.com/docs/ax",
        lifespan=lifespan_for(settings, drain, tls),
        subscriptions=bus,
        tools=tools,
        extensions=extensions,
    )
    # Outermost of ours, so whatever any handler or middleware below answers is masked.
    wrap_every_request(server, mask_secrets)
    hide_run_view_from_plain_clients(server)
    wrap_method(server, "tools/call", ArgumentCheck(tools))
    wrap_method(server, "server/discover", lists_never_change)
    register_resources(server, bus, subscribe=standalone_channel)
    if handles is not None:
        wrap_method(server, "subscriptions/listen", handles.listen_wrapper())
    register_prompts(server, available_tools=names)
    register_completions(server)
    return server


def selected_tools(settings: Settings) -> list[ToolSpec]:
    """The tools of the chosen toolsets; in read-only mode only those that change nothing upstream."""
    chosen = settings.toolsets or frozenset(TOOLSETS)
    unknown = sorted(chosen - set(TOOLSETS))
    if unknown:
        known = "; ".join(f"{name}: {what}" for name, what in TOOLSETS.items())
        raise ConfigError(f"unknown toolset(s) {', '.join(unknown)}. Known toolsets: {known}")
    return [spec for spec in TOOLS if spec.toolset in chosen and (spec.read_only or not settings.read_only)]


async def lists_never_change(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """`server/discover` with `listChanged: false` for tools, prompts and resources, as initialize says.

    The lists are fixed for the server's lifetime. On 2026-07-28 the SDK derives `listChanged` from
    whether `subscriptions/listen` is served (it is, for task-run updates), so it is corrected here."""
    result = await call_next(ctx)
    # The chain hands back the result serialised (a dict); a model is read the same way.
    discovered = result.model_dump(by_alias=True, exclude_none=True) if isinstance(result, DiscoverResult) else result
    if isinstance(discovered, dict):
        for name in ("tools", "prompts", "resources"):
            capability = discovered.get("capabilities", {}).get(name)
            if isinstance(capability, dict) and "listChanged" in capability:
                capability["listChanged"] = False
    return discovered
