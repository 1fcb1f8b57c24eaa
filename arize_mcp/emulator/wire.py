"""JSON encoding of responses the way the API writes them.

Objects go through the shared wire models, then get the API's surface details: datetimes as
"2026-03-07T10:30:00.000Z", `status`/`type` UPPERCASE (lowercase only in the robustness test
mode), and one undocumented field per object so clients prove they tolerate additions to these
beta endpoints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from arize_mcp.api.models import ListTaskRunsResponse, ListTasksResponse, Task, TaskRun


def to_millis(value: datetime) -> datetime:
    """The precision the API exposes; stored times are cut to it so echoed values compare equal."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_datetime(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


class WireEncoder:
    def __init__(self, organization_id: str, *, lowercase_enums: bool = False) -> None:
        self._lowercase_enums = lowercase_enums
        self._organization_id = organization_id

    def task(self, task: Task) -> dict[str, Any]:
        return {**self._encode(task.model_dump()), "organization_id": self._organization_id}

    def run(self, run: TaskRun, space_id: str) -> dict[str, Any]:
        return {**self._encode(run.model_dump()), "space_id": space_id}

    def task_list(self, response: ListTasksResponse) -> dict[str, Any]:
        return {"tasks": [self.task(task) for task in response.tasks], "pagination": _pagination(response)}

    def run_list(self, response: ListTaskRunsResponse, space_id: str) -> dict[str, Any]:
        # Every run in a list belongs to the same task, hence to one space.
        return {
            "task_runs": [self.run(run, space_id) for run in response.task_runs],
            "pagination": _pagination(response),
        }

    def _encode(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return format_datetime(value)
        if isinstance(value, StrEnum):
            return value.value.lower() if self._lowercase_enums else value.value.upper()
        if isinstance(value, dict):
            return {key: self._encode(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._encode(item) for item in value]
        return value


def _pagination(response: ListTasksResponse | ListTaskRunsResponse) -> dict[str, Any]:
    # next_cursor is present only when there is a next page.
    return response.pagination.model_dump(exclude_none=True)
