"""completion/complete: suggest task ids, task names and run ids as a person fills in a resource
URI or a prompt argument.

Suggestions are read from the API on each request, so they show what the key can see now,
including runs started elsewhere (the Arize UI, the SDK, another replica of this server). Each
request is bounded: at most 1 + RECENT_TASKS upstream reads, TIMEOUT_SECONDS and MAX_VALUES
values. A failure gives no suggestions, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import anyio
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.types import CompleteRequestParams, CompleteResult, Completion, ResourceTemplateReference

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import ArizeError
from arize_mcp.api.models import Task, TaskRun, TaskType
from arize_mcp.server.prompts import EVALUATE_PROMPT, EXPERIMENT_PROMPT, WINDOW_EXAMPLES
from arize_mcp.server.runtime import Runtime, request_headers
from arize_mcp.server.seams import add_request_handler
from arize_mcp.server.uris import RUN_TEMPLATE, TASK_TEMPLATE

log = logging.getLogger(__name__)

MAX_VALUES = 100  # the protocol's cap on one completion response, and the API's page size cap
TIMEOUT_SECONDS = 5.0  # a suggestion that comes later than this is no use to someone typing
RECENT_TASKS = 5  # run ids are those of the tasks run most recently…
RUNS_PER_TASK = 20  # …newest first, this many each

Suggest = Callable[[ArizeClient, str], Awaitable[list[str]]]


async def task_ids(client: ArizeClient, typed: str) -> list[str]:
    """Ids of the tasks whose name contains what was typed, or, failing that, whose id starts with it."""
    named = await _tasks_named(client, typed)
    if named or not typed:
        return [task.id for task in named]
    page = await client.list_tasks(limit=MAX_VALUES)
    return [task.id for task in page.tasks if task.id.startswith(typed)]


async def evaluation_task_names(client: ArizeClient, typed: str) -> list[str]:
    """Names of the project-based evaluation tasks: those that evaluate a window of data."""
    tasks = await _tasks_named(client, typed)
    return _names(task for task in tasks if task.type is not TaskType.RUN_EXPERIMENT and task.dataset_id is None)


async def experiment_task_names(client: ArizeClient, typed: str) -> list[str]:
    return _names(await _tasks_named(client, typed, TaskType.RUN_EXPERIMENT))


async def run_ids(client: ArizeClient, typed: str) -> list[str]:
    """Ids of the newest runs of the most recently run tasks that start with what was typed."""
    page = await client.list_tasks(limit=MAX_VALUES)
    ran = sorted(((task.last_run_at, task.id) for task in page.tasks if task.last_run_at), reverse=True)
    runs: list[TaskRun] = []

    async def collect(task_id: str) -> None:
        try:
            runs.extend((await client.list_task_runs(task_id, limit=RUNS_PER_TASK)).task_runs)
        except ArizeError as exc:  # the other tasks' runs are still worth suggesting
            log.info("no run suggestions from task %s: %s", task_id, type(exc).__name__)

    async with anyio.create_task_group() as group:
        for _, task_id in ran[:RECENT_TASKS]:
            group.start_soon(collect, task_id)
    runs.sort(key=lambda run: run.created_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return [run.id for run in runs if run.id.startswith(typed)]


async def windows(_: ArizeClient, typed: str) -> list[str]:
    return [window for window in WINDOW_EXAMPLES if window.startswith(typed.strip().lower())]


async def flags(_: ArizeClient, typed: str) -> list[str]:
    return [flag for flag in ("false", "true") if flag.startswith(typed.strip().lower())]


async def _tasks_named(client: ArizeClient, typed: str, task_type: TaskType | None = None) -> list[Task]:
    """Tasks whose name contains `typed` (the API matches case-insensitively); names that start
    with it first."""
    wanted = typed.strip()
    page = await client.list_tasks(name=wanted or None, task_type=task_type, limit=MAX_VALUES)
    prefix = wanted.casefold()
    return sorted(
        page.tasks, key=lambda task: (not (task.name or "").casefold().startswith(prefix), (task.name or "").casefold())
    )


def _names(tasks: Iterable[Task]) -> list[str]:
    # The same name may exist in several spaces; one suggestion is enough.
    return list(dict.fromkeys(task.name for task in tasks if task.name))


# (resource template or prompt name, argument name) -> how to suggest its values
SUGGESTERS: dict[tuple[str, str], Suggest] = {
    (TASK_TEMPLATE, "task_id"): task_ids,
    (RUN_TEMPLATE, "run_id"): run_ids,
    (EVALUATE_PROMPT, "task_name"): evaluation_task_names,
    (EVALUATE_PROMPT, "window"): windows,
    (EVALUATE_PROMPT, "override_evaluations"): flags,
    (EXPERIMENT_PROMPT, "task_name"): experiment_task_names,
}


async def complete(ctx: ServerRequestContext[Runtime, Any], params: CompleteRequestParams) -> CompleteResult:
    ref = params.ref
    target = ref.uri if isinstance(ref, ResourceTemplateReference) else ref.name
    suggest = SUGGESTERS.get((target, params.argument.name))
    values: list[str] = []
    if suggest is not None:
        with anyio.move_on_after(TIMEOUT_SECONDS):
            try:
                values = await suggest(ctx.lifespan_context.client(request_headers(ctx)), params.argument.value)
            except ArizeError as exc:
                log.info("no suggestions for %s: %s", params.argument.name, type(exc).__name__)
    return CompleteResult(
        completion=Completion(values=values[:MAX_VALUES], total=len(values), has_more=len(values) > MAX_VALUES)
    )


def register_completions(server: MCPServer[Runtime]) -> None:
    """Serve completion/complete for the resource templates' ids and the prompts' arguments."""
    # MCPServer.completion() calls its handler without the request context that carries the
    # lifespan's Runtime (the HTTP pool and the credentials); a lowlevel handler receives it.
    add_request_handler(server, "completion/complete", CompleteRequestParams, complete)
