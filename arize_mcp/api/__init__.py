"""The Arize v2 Tasks API: wire models, typed errors and an async client. Knows nothing of MCP."""

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import (
    ApiError,
    ArizeError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InvalidApiKeyError,
    InvalidRequestError,
    MissingApiKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    RunIdUnreadableError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)
from arize_mcp.api.models import RunStatus, Task, TaskRun, TaskType, TriggerRunRequest
from arize_mcp.api.retry import RetryPolicy

__all__ = [
    "ApiError",
    "ArizeClient",
    "ArizeError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InvalidApiKeyError",
    "InvalidRequestError",
    "MissingApiKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RunIdUnreadableError",
    "RunStatus",
    "ServerError",
    "Task",
    "TaskRun",
    "TaskType",
    "TransportError",
    "TriggerRunRequest",
    "UnexpectedResponseError",
]
