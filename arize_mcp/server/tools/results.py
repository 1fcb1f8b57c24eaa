"""Tool results: structured data plus a short text, or an `isError` result a person can act on.

Errors are values at this edge: every `ArizeError` and every rejected argument becomes a
`CallToolResult(isError=True)` worded by server/errors.py; nothing escapes as a traceback or a
protocol error. A rate limit that outlasts the call also says when to retry, as data.

One tool call is one budget of retry sleeps (api/retry.py), whatever number of requests it makes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError

from arize_mcp.api.errors import ArizeError, RateLimitError
from arize_mcp.api.retry import shared_sleep_budget
from arize_mcp.server.errors import ActionableError, ArgumentError, describe_error

log = logging.getLogger(__name__)

P = ParamSpec("P")


def success(data: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=data.model_dump(mode="json"),
    )


def failure(text: str, data: dict[str, object] | None = None) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data, is_error=True)


def rate_limited(exc: RateLimitError) -> CallToolResult:
    text = describe_error(exc)
    return failure(text, {"error": "rate_limited", "message": text, "retry_after_seconds": exc.retry_after})


def reports_errors(
    handler: Callable[P, Awaitable[CallToolResult]],
) -> Callable[P, Awaitable[CallToolResult]]:
    """Turn the handler's anticipated failures into `isError` results."""

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> CallToolResult:
        try:
            with shared_sleep_budget():
                return await handler(*args, **kwargs)
        except RateLimitError as exc:
            log.info("%s failed: %s", handler.__name__, type(exc).__name__)
            return rate_limited(exc)
        except (ArizeError, ArgumentError, ActionableError, ValidationError) as exc:
            log.info("%s failed: %s", handler.__name__, type(exc).__name__)
            return failure(describe_error(exc))

    return wrapper
