"""The run view: an MCP App (`io.modelcontextprotocol/ui`) that shows a task run live beside the call.

trigger_task, get_task_run and wait_for_task_run name one view, `ui://arize-mcp/run.html`, in their
`_meta.ui.resourceUri`. A host that speaks MCP Apps renders it in a sandboxed iframe and hands it
the tool's result; the view then reads the run again through the host (get_task_run) at the
interval the result's `_meta` plans, until the run ends. It never reaches Arize itself and holds no
key. What the view needs that a TaskRun does not carry travels in the result's `_meta` under
`arize-mcp/run-view`.

Apps is an extension a client opts into, so it must degrade to nothing: a client that did not
negotiate it sees the tools, the resources and every result exactly as a server without the view
would show them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any

from mcp.server.apps import Apps, ResourceCsp, client_supports_apps
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import CallToolResult
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from arize_mcp.api.models import Task, TaskRun, TaskType, TriggerRunRequest
from arize_mcp.server.runtime import runtime_of
from arize_mcp.server.seams import wrap_method

RUN_VIEW_URI = "ui://arize-mcp/run.html"
RESULT_META_KEY = "arize-mcp/run-view"
# Hosts that predate `_meta.ui` read the flat key; the ext-apps reference server helper sets both.
LEGACY_RESOURCE_URI_KEY = "ui/resourceUri"
UI_SCHEME = "ui://"


class _ViewModel(BaseModel):
    # camelCase on the wire, like the rest of MCP's `_meta`.
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RunBound(_ViewModel):
    """How many items the run can process, when the trigger said: exactly (example_ids) or at most."""

    count: int = Field(ge=1)
    exact: bool = Field(description="True: the run processes exactly `count` items; false: up to `count`.")


class TaskLabel(_ViewModel):
    id: str
    name: str
    type: TaskType


class RunViewMeta(_ViewModel):
    """The result `_meta` entry the view reads beside the structured TaskRun."""

    poll_seconds: float | None = Field(description="When to read the run again; null once it has ended.")
    read_only: bool = Field(description="The server offers no cancel_task_run, so the view offers no Cancel.")
    task: TaskLabel | None = None
    bound: RunBound | None = None


def view_tool_meta(resource_uri: str) -> dict[str, Any]:
    """The `_meta` of a tool whose results the view at `resource_uri` shows."""
    return {"ui": {"resourceUri": resource_uri}, LEGACY_RESOURCE_URI_KEY: resource_uri}


def run_view_html() -> str:
    """The built view (see view/build.py): one document, inline CSS and JS, its own strict CSP."""
    return resources.files("arize_mcp.server.view").joinpath("run.html").read_text(encoding="utf-8")


def hide_run_view_from_plain_clients(server: MCPServer[Any]) -> None:
    """Clients that did not negotiate Apps list the tools without `_meta.ui` and no `ui://` resource."""
    wrap_method(server, "tools/list", _plain_tools)
    wrap_method(server, "resources/list", _plain_resources)


def run_view_extension() -> Apps:
    apps = Apps()
    apps.add_html_resource(
        RUN_VIEW_URI,
        run_view_html(),
        name="run-view",
        title="Arize task run",
        description="Live view of one Arize task run: status, progress, counts, timing, failure reason, Cancel.",
        # No domains at all: the view reaches nothing but its host.
        csp=ResourceCsp(),
        prefers_border=True,
    )
    return apps


def with_run_view(
    ctx: Context[Any, Any],
    result: CallToolResult,
    run: TaskRun,
    *,
    task: Task | None = None,
    bound: RunBound | None = None,
) -> CallToolResult:
    """`result` with what the view needs in its `_meta`, for a client that negotiated Apps."""
    if result.is_error or not client_supports_apps(ctx):
        return result
    settings = runtime_of(ctx).settings
    meta = RunViewMeta(
        poll_seconds=None if run.is_terminal else settings.poll.interval_after(_age_seconds(run)),
        read_only=settings.read_only,
        task=TaskLabel(id=task.id, name=task.name, type=task.type) if task else None,
        bound=bound,
    )
    entry = meta.model_dump(mode="json", by_alias=True)
    return result.model_copy(update={"meta": {**(result.meta or {}), RESULT_META_KEY: entry}})


def bound_of(request: TriggerRunRequest) -> RunBound | None:
    """The item count a trigger fixed: exact for example_ids, a cap for max_examples or max_spans."""
    if request.example_ids is not None:
        return RunBound(count=len(request.example_ids), exact=True)
    cap = request.max_examples or request.max_spans
    return RunBound(count=cap, exact=False) if cap else None


def _age_seconds(run: TaskRun) -> float:
    return (datetime.now(UTC) - (run.run_started_at or run.created_at)).total_seconds()


async def _plain_tools(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    listed = await call_next(ctx)
    if client_supports_apps(ctx):
        return listed
    wire = _wire(listed)
    return {**wire, "tools": [_without_view(tool) for tool in wire.get("tools", [])]}


async def _plain_resources(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    listed = await call_next(ctx)
    if client_supports_apps(ctx):
        return listed
    wire = _wire(listed)
    shown = [resource for resource in wire.get("resources", []) if not str(resource.get("uri")).startswith(UI_SCHEME)]
    return {**wire, "resources": shown}


def _wire(result: HandlerResult) -> dict[str, Any]:
    """A handler's result as the runner sends it (handlers may return a model or its dump)."""
    if isinstance(result, BaseModel):
        return result.model_dump(by_alias=True, mode="json", exclude_none=True)
    return dict(result or {})


def _without_view(tool: dict[str, Any]) -> dict[str, Any]:
    meta = {key: value for key, value in tool.get("_meta", {}).items() if key not in ("ui", LEGACY_RESOURCE_URI_KEY)}
    plain = {key: value for key, value in tool.items() if key != "_meta"}
    return {**plain, "_meta": meta} if meta else plain
