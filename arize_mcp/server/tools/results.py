"""Tool results: structured data plus a short text, or an `isError` result a person can act on.

Errors are values at this edge: every `ArizeError` and every rejected argument becomes a
`CallToolResult(isError=True)` whose text and structured content are server/errors.py's report;
nothing escapes as a traceback or a protocol error. (Clients validate structured content against
the output schema only on success, so an error's `{error, message, hint}` is not held to it.) A
rate limit that outlasts the call also says when to retry, as data (`retry_after_seconds`).

One tool call is one budget of retry sleeps (api/retry.py), whatever number of requests it makes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError

from arize_mcp.api.errors import ArizeError
from arize_mcp.api.retry import shared_sleep_budget
from arize_mcp.server.errors import ActionableError, ArgumentError, ErrorReport, report_error

log = logging.getLogger(__name__)

P = ParamSpec("P")


def success(data: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=data.model_dump(mode="json"),
    )


def failure(report: ErrorReport) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=report.text)], structured_content=report.structured(), is_error=True
    )


def reports_errors(
    handler: Callable[P, Awaitable[CallToolResult]],
) -> Callable[P, Awaitable[CallToolResult]]:
    """Turn the handler's anticipated failures into `isError` results."""

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        try:
            with shared_sleep_budget():
                return await handler(*args, **kwargs)
        except (ArizeError, ArgumentError, ActionableError, ValidationError) as exc:
            log.info("%s failed: %s", handler.__name__, type(exc).__name__)
            return failure(report_error(exc))

    return wrapper
