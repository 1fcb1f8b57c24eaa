"""Argument types shared by several tools: one name, type, bound and description each."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from arize_mcp.api.models import Pagination
from arize_mcp.server.tools.datetimes import DATETIME_HELP

RunId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=512,
        description="Task run id, an opaque base64 string (run.id in the result of trigger_task).",
    ),
]
DataStartTime = Annotated[
    str | None,
    Field(
        max_length=64,
        description="Evaluation tasks on a project: start of the data window. Defaults to the task's last "
        "run time; required on a task's first run. " + DATETIME_HELP,
    ),
]
DataEndTime = Annotated[
    str | None,
    Field(
        max_length=64,
        description="Evaluation tasks on a project: end of the data window (default now). The window may "
        "span at most 30 days. " + DATETIME_HELP,
    ),
]
PageLimit = Annotated[int | None, Field(ge=1, le=100, description="Page size, 1-100 (default 50).")]
NextCursor = Annotated[str | None, Field(description="Pass as `cursor` to get the next page; null on the last page.")]
Cursor = Annotated[
    str | None,
    Field(min_length=1, max_length=2048, description="`next_cursor` from the previous page; omit for the first."),
]
DEFAULT_WAIT_SECONDS = 45.0
WaitTimeout = Annotated[
    float | None,
    Field(
        ge=0,
        le=3600,
        description="Longest time to wait in this call, in seconds (0-3600, default 45: below the 60 s tool "
        "timeout of common clients). Raise it only if your client allows long tool calls.",
    ),
]


def wait_seconds(timeout_seconds: float | None) -> float:
    """The wait a call asked for; null, like an absent argument, means the default."""
    return DEFAULT_WAIT_SECONDS if timeout_seconds is None else timeout_seconds


def next_cursor(pagination: Pagination) -> str | None:
    """The cursor of the next page, or None on the last page (whatever cursor the API sent)."""
    return pagination.next_cursor if pagination.has_more else None
