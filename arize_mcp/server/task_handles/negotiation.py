"""Whether a request may be answered with a task handle: only on protocol 2026-07-28, and only
when the client declared the tasks extension on that very request (the spec's MUST)."""

from __future__ import annotations

from typing import Any

from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import MISSING_REQUIRED_CLIENT_CAPABILITY

TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
# The extension is defined for the per-request-envelope protocol; handshake-era sessions never see it.
TASK_PROTOCOL_VERSIONS = frozenset({"2026-07-28"})


def declares_tasks(ctx: ServerRequestContext[Any, Any]) -> bool:
    if ctx.session.protocol_version not in TASK_PROTOCOL_VERSIONS:
        return False
    # On 2026-07-28 the capabilities are those of this request's envelope, not of an earlier one.
    capabilities = ctx.session.client_capabilities
    return bool(capabilities and capabilities.extensions and TASKS_EXTENSION in capabilities.extensions)


def tasks_not_declared(what: str) -> MCPError:
    return MCPError(
        code=MISSING_REQUIRED_CLIENT_CAPABILITY,
        message=f"Missing required client capability: {what} needs the {TASKS_EXTENSION} extension declared in "
        "this request's client capabilities.",
        data={"requiredCapabilities": {"extensions": {TASKS_EXTENSION: {}}}},
    )
