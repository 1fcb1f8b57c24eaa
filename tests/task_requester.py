"""A Python requester of the MCP Tasks extension, built on the `mcp` SDK's client extension seam:
it declares `io.modelcontextprotocol/tasks` on every 2026-07-28 request, takes `resultType: "task"`
results, and sends `tasks/get`, `tasks/update` and `tasks/cancel` as raw requests (the SDK has no
helpers for them). Used by the server and service tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import anyio
from mcp import Client
from mcp.client.extension import ClaimContext, ClientExtension, NotificationBinding, ResultClaim
from mcp.types import CallToolResult, NotificationParams, Request, RequestParams, Result
from pydantic import ConfigDict

from arize_mcp.server.task_handles.negotiation import TASKS_EXTENSION


class CreatedTask(Result):
    model_config = ConfigDict(extra="allow")
    result_type: Literal["task"] = "task"
    task_id: str
    status: str
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None
    poll_interval_ms: int | None = None


class DetailedTask(Result):
    model_config = ConfigDict(extra="allow")
    task_id: str
    status: str
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None
    poll_interval_ms: int | None = None
    result: dict[str, Any] | None = None


class TaskNotice(NotificationParams):
    model_config = ConfigDict(extra="allow")
    task_id: str
    status: str
    ttl_ms: int | None
    result: dict[str, Any] | None = None


class Ack(Result):
    """The empty acknowledgement of tasks/cancel and tasks/update (with its `resultType`)."""

    result_type: str | None = None


class TaskIdParams(RequestParams):
    task_id: str


class UpdateParams(TaskIdParams):
    input_responses: dict[str, Any]


async def _never_resolve(created: CreatedTask, ctx: ClaimContext) -> CallToolResult:
    raise AssertionError("the tests read task handles themselves (allow_claimed=True)")


class TasksRequester(ClientExtension):
    identifier = TASKS_EXTENSION

    def __init__(self, on_notice: Callable[[TaskNotice], Awaitable[None]] | None = None) -> None:
        self._on_notice = on_notice

    def claims(self) -> list[ResultClaim[Any]]:
        return [ResultClaim(result_type="task", model=CreatedTask, resolve=_never_resolve)]

    def notifications(self) -> list[NotificationBinding[Any]]:
        if self._on_notice is None:
            return []
        return [NotificationBinding(method="notifications/tasks", params_type=TaskNotice, handler=self._on_notice)]


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> CallToolResult | CreatedTask:
    result = await client.session.call_tool(tool, arguments, allow_claimed=True)
    assert isinstance(result, CallToolResult | CreatedTask), result
    return result


R = TypeVar("R")


async def _about_task(client: Client, method: str, task_id: str, result_type: type[R]) -> R:
    request = Request[TaskIdParams, str](method=method, params=TaskIdParams(task_id=task_id))
    return await client.session.send_request(request, result_type)


async def get(client: Client, task_id: str) -> DetailedTask:
    return await _about_task(client, "tasks/get", task_id, DetailedTask)


async def cancel(client: Client, task_id: str) -> Ack:
    return await _about_task(client, "tasks/cancel", task_id, Ack)


async def update(client: Client, task_id: str) -> Ack:
    params = UpdateParams(task_id=task_id, input_responses={})
    return await client.session.send_request(Request[UpdateParams, str](method="tasks/update", params=params), Ack)


async def follow(client: Client, task_id: str, *, seconds: float = 20.0) -> DetailedTask:
    """tasks/get at the server's pollIntervalMs until the task ends."""
    with anyio.fail_after(seconds):
        while True:
            task = await get(client, task_id)
            if task.status != "working":
                return task
            await anyio.sleep((task.poll_interval_ms or 100) / 1000)
