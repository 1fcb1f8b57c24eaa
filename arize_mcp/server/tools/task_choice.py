"""Choosing a task by id or by name, as people and agents remember tasks by name.

Every tool that acts on one task takes the same four arguments, defined once here: `task_id`, or
`task_name` optionally narrowed by `space_id` or `space_name`. A handler declares a
`task: TaskChoice` parameter and `@takes_task` publishes the four arguments in its place.

A name is matched exactly but case-insensitively across every page of `list_tasks`; none or
several matches is an error listing the candidates so the agent can choose.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import Field

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.models import Task
from arize_mcp.server.errors import ActionableError, ArgumentError, ErrorReport, clip
from arize_mcp.server.tools.text import ID_LIMIT, NAME_LIMIT

HandlerT = TypeVar("HandlerT", bound=Callable[..., Awaitable[Any]])

# 10 pages of 100 cover any realistic space; beyond that, ask for narrowing.
MAX_PAGES = 10
MAX_CANDIDATES_SHOWN = 10

TaskIdOption = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=512,
        description="Task id, an opaque base64 string (from list_tasks). Give task_id or task_name, not both.",
    ),
]
TaskNameOption = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=255,
        description="Task name, matched exactly but case-insensitively; use instead of task_id.",
    ),
]
SpaceIdOption = Annotated[
    str | None,
    Field(min_length=1, max_length=512, description="With task_name: look only in this space (by id)."),
]
SpaceNameOption = Annotated[
    str | None,
    Field(min_length=1, max_length=255, description="With task_name: look only in this space (by name)."),
]


_PARAMETERS = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        ("task_id", TaskIdOption),
        ("task_name", TaskNameOption),
        ("space_id", SpaceIdOption),
        ("space_name", SpaceNameOption),
    )
)


@dataclass(frozen=True)
class TaskChoice:
    """The task a call names, as given: an id, or a name optionally narrowed to a space."""

    task_id: str | None = None
    task_name: str | None = None
    space_id: str | None = None
    space_name: str | None = None

    async def resolve(self, client: ArizeClient) -> tuple[str, Task | None]:
        """The task id to use, and the Task itself when a name lookup fetched it."""
        if (self.task_id is None) == (self.task_name is None):
            raise ArgumentError("give exactly one of task_id or task_name")
        if self.space_id is not None and self.space_name is not None:
            raise ArgumentError("give space_id or space_name, not both")
        if self.task_id is not None:
            if self.space_id is not None or self.space_name is not None:
                raise ArgumentError("space_id and space_name narrow a task_name lookup; with task_id leave them out")
            return self.task_id, None
        assert self.task_name is not None
        task = await find_task_by_name(client, self.task_name, space_id=self.space_id, space_name=self.space_name)
        return task.id, task


def takes_task(handler: HandlerT) -> HandlerT:
    """Publish the four task arguments in place of the handler's `task: TaskChoice` parameter.

    The tool's schema is its signature: the wrapper's signature is the handler's with `task`
    replaced by task_id, task_name, space_id and space_name, and each call hands the handler the
    TaskChoice they make."""
    signature = inspect.signature(handler, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "task":
            parameters.extend(_PARAMETERS)
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) if parameters else parameter)
    if len(parameters) == len(signature.parameters):
        raise TypeError(f"{handler.__name__} has no `task: TaskChoice` parameter")

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        choice = TaskChoice(**{p.name: kwargs.pop(p.name, None) for p in _PARAMETERS})
        return await handler(*args, task=choice, **kwargs)

    published = signature.replace(parameters=parameters)
    wrapper.__signature__ = published  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": published.return_annotation}
    return wrapper  # type: ignore[return-value]


async def find_task_by_name(
    client: ArizeClient, name: str, *, space_id: str | None = None, space_name: str | None = None
) -> Task:
    wanted = name.strip().casefold()
    if not wanted:
        raise ArgumentError("task_name is empty")
    similar: list[Task] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.list_tasks(
            name=name.strip(), space_id=space_id, space_name=space_name, limit=100, cursor=cursor
        )
        similar.extend(page.tasks)
        if not (page.pagination.has_more and page.pagination.next_cursor):
            break
        cursor = page.pagination.next_cursor
    exact = [task for task in similar if (task.name or "").strip().casefold() == wanted]
    where = f" in space {space_id or space_name}" if space_id or space_name else ""
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise _lookup_error(
            "ambiguous_name",
            f"Could not choose a task: {len(exact)} tasks are named {name!r}{where}.",
            "Call again with one task_id (or narrow with space_id/space_name):",
            exact,
        )
    if similar:
        raise _lookup_error(
            "not_found",
            f"Could not choose a task: no task is named exactly {name!r}{where}.",
            "Names containing it:",
            similar,
        )
    raise _lookup_error(
        "not_found",
        f"Could not choose a task: no task is named {name!r}{where}.",
        "list_tasks shows the tasks this key can see.",
    )


def _lookup_error(kind: str, message: str, hint: str, tasks: Sequence[Task] = ()) -> ActionableError:
    shown = tasks[:MAX_CANDIDATES_SHOWN]
    return ActionableError(
        ErrorReport(
            kind,
            message,
            f"{hint}\n{candidates(tasks)}" if tasks else hint,
            candidates=tuple(
                {"id": task.id, "name": task.name, "type": task.type.value, "space_id": task.space_id or ""}
                for task in shown
            ),
        )
    )


def candidates(tasks: Sequence[Task]) -> str:
    lines = [
        f"- id={clip(task.id, ID_LIMIT)} | name={clip(task.name or '', NAME_LIMIT)} | type={task.type_text} "
        f"| space={clip(task.space_id or 'unknown', ID_LIMIT)}"
        for task in tasks[:MAX_CANDIDATES_SHOWN]
    ]
    if len(tasks) > MAX_CANDIDATES_SHOWN:
        lines.append(f"- … and {len(tasks) - MAX_CANDIDATES_SHOWN} more")
    return "\n".join(lines)
