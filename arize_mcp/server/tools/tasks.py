"""The `tasks` toolset: list_tasks (find tasks and their ids) and get_task (one task's definition)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from arize_mcp.api.models import AnyCase, Task, TaskType
from arize_mcp.server.runtime import client_for
from arize_mcp.server.tools.params import Cursor, NextCursor, PageLimit, next_cursor
from arize_mcp.server.tools.registry import ToolSpec
from arize_mcp.server.tools.results import reports_errors, success
from arize_mcp.server.tools.task_choice import TaskChoice, takes_task
from arize_mcp.server.tools.text import more_pages, task_details, task_table


def _filter_id(what: str) -> FieldInfo:
    return Field(min_length=1, max_length=512, description=f"Only tasks in this {what} (its id).")


class TaskList(BaseModel):
    tasks: list[Task] = Field(description="Tasks on this page.")
    next_cursor: NextCursor


@reports_errors
async def list_tasks(
    ctx: Context,
    name: Annotated[
        str | None, Field(min_length=1, max_length=255, description="Case-insensitive substring of the task name.")
    ] = None,
    space_id: Annotated[str | None, _filter_id("space")] = None,
    project_id: Annotated[str | None, _filter_id("project")] = None,
    dataset_id: Annotated[str | None, _filter_id("dataset")] = None,
    task_type: Annotated[TaskType | None, AnyCase, Field(description="Only tasks of this type.")] = None,
    limit: PageLimit = None,
    cursor: Cursor = None,
) -> Annotated[CallToolResult, TaskList]:
    """Find Arize tasks (evaluation and run-experiment tasks) and their ids.

    Use this first when you know a task by name but not by id, or to see which tasks exist. Each
    task has a type: template_evaluation and code_evaluation evaluate spans (project-based) or
    experiments (dataset-based); run_experiment runs a dataset through a prompt or model.
    Next: trigger_task with the chosen task's id.
    """
    page = await client_for(ctx).list_tasks(
        name=name,
        space_id=space_id,
        project_id=project_id,
        dataset_id=dataset_id,
        task_type=task_type,
        limit=limit,
        cursor=cursor,
    )
    result = TaskList(tasks=page.tasks, next_cursor=next_cursor(page.pagination))
    if not result.tasks:
        return success(result, "No tasks match.")
    return success(result, task_table(result.tasks) + more_pages("tasks", "list_tasks", result.next_cursor))


@reports_errors
@takes_task
async def get_task(ctx: Context, task: TaskChoice) -> Annotated[CallToolResult, Task]:
    """Read one task: its type, data source (project or dataset), evaluators and last run time.

    Use this before trigger_task to learn which trigger fields the task takes (its type) and
    whether it has run before (a project task's first run needs data_start_time). Give task_id, or
    task_name (exact, case-insensitive) optionally narrowed by space_id or space_name.
    """
    client = client_for(ctx)
    resolved_id, found = await task.resolve(client)
    detail = found or await client.get_task(resolved_id)
    return success(detail, task_details(detail))


TOOLS = [
    ToolSpec(list_tasks, "list_tasks", "List Arize tasks", toolset="tasks", read_only=True, idempotent=True),
    ToolSpec(get_task, "get_task", "Get an Arize task", toolset="tasks", read_only=True, idempotent=True),
]
