"""Resource templates: one Arize task and one task run, as JSON, addressed by id.

A run resource can also be subscribed to (subscriptions.py); `register_resources` adds both.
The URIs themselves are uris.py's.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.subscriptions import SubscriptionBus
from pydantic import BaseModel

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError, InvalidRequestError, NotFoundError
from arize_mcp.server.errors import describe_error
from arize_mcp.server.runtime import Runtime, client_for
from arize_mcp.server.subscriptions import register_run_subscriptions
from arize_mcp.server.uris import OPAQUE_IDS, RUN_TEMPLATE, TASK_TEMPLATE

JSON = "application/json"

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_task(task_id: str, ctx: Context[Runtime, Any]) -> str:
    """One Arize task as JSON: name, type (template_evaluation, code_evaluation or run_experiment),
    space, project or dataset, evaluators, and last_run_at (where the next evaluation window starts
    by default). Percent-encode the id in the URI ('/' as %2F, '+' as %2B, '=' as %3D); list_tasks
    gives the ids."""
    return await _read(ctx, lambda client: client.get_task(task_id))


async def read_run(run_id: str, ctx: Context[Runtime, Any]) -> str:
    """One Arize task run as JSON, as it is now: status (pending, running, completed, failed or
    cancelled), counts so far (num_successes, num_errors, num_skipped), data window, experiment_id
    and failure_reason. Subscribe to it to be notified of every change until the run ends.
    Percent-encode the id in the URI ('/' as %2F, '+' as %2B, '=' as %3D)."""
    return await _read(ctx, lambda client: client.get_task_run(run_id))


async def _read(ctx: Context[Runtime, Any], get: Callable[[ArizeClient], Awaitable[ModelT]]) -> str:
    # Anticipated failures become resource errors whose message says what to check; the SDK
    # reports ResourceNotFoundError as invalid params and ResourceError as an internal error.
    try:
        item = await get(client_for(ctx))
    except (NotFoundError, InvalidRequestError) as exc:
        raise ResourceNotFoundError(describe_error(exc)) from None
    except ArizeError as exc:
        raise ResourceError(describe_error(exc)) from None
    return item.model_dump_json(indent=2)


def register_resources(server: MCPServer[Runtime], bus: SubscriptionBus, *, subscribe: bool = True) -> None:
    """Add the task and task-run resource templates, and subscriptions to task runs (`subscribe=False`:
    only through subscriptions/listen, for transports with no channel for resources/subscribe)."""
    for template, name, title, read in (
        (TASK_TEMPLATE, "task", "Arize task", read_task),
        (RUN_TEMPLATE, "task_run", "Arize task run", read_run),
    ):
        description = inspect.getdoc(read)
        server.resource(template, name=name, title=title, description=description, mime_type=JSON, security=OPAQUE_IDS)(
            read
        )
    register_run_subscriptions(server, bus, subscribe=subscribe)
