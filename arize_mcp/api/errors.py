"""Typed errors raised by the Arize client. They carry data; the server layer words them.

ArizeError
├── MissingApiKeyError        no key configured: nothing was sent
├── ConfigurationError        the endpoint settings cannot work: nothing was sent
├── InvalidApiKeyError        a key that cannot be sent in a header: nothing was sent
├── InvalidRequestError       rejected locally: nothing was sent
├── ApiError                  the API answered with an error status (status, title, detail)
│   ├── BadRequestError           400
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   ├── NotFoundError             404
│   ├── ConflictError             409
│   ├── RateLimitError            429 (retry_after)
│   └── ServerError               5xx
├── TransportError            no HTTP answer (may_have_reached_server)
├── UnexpectedResponseError   a success status with a body that is not what the API documents
├── RunIdUnreadableError      a trigger answered 2xx (a run exists) but its id could not be read
└── ResponseTooLargeError     a response body beyond the size the client reads
"""

from __future__ import annotations


class ArizeError(Exception):
    """Base of every error the client raises."""


class MissingApiKeyError(ArizeError):
    """No API key is configured, so no request can be made."""


class ConfigurationError(ArizeError):
    """The settings that say where and how to reach Arize cannot work; the message names them."""


class InvalidRequestError(ArizeError):
    """Rejected locally before anything was sent upstream."""


class ApiError(ArizeError):
    """The API answered with an error status (a Problem Details body when it sent one)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        method: str,
        path: str,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.method = method
        self.path = path
        self.retry_after = retry_after
        super().__init__(f"{status} {title}" + (f": {detail}" if detail else ""))


class BadRequestError(ApiError):
    """400: the API rejected the parameters."""


class AuthenticationError(ApiError):
    """401: missing, malformed or unknown API key."""


class PermissionDeniedError(ApiError):
    """403: the key is valid but not allowed to do this."""


class NotFoundError(ApiError):
    """404: no such task or run (or not visible to this key)."""


class ConflictError(ApiError):
    """409: e.g. an experiment name that already exists in the dataset."""


class RateLimitError(ApiError):
    """429: too many requests; `retry_after` says when to come back."""


class ServerError(ApiError):
    """5xx from the API."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def api_error_class(status: int) -> type[ApiError]:
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


class TransportError(ArizeError):
    """The HTTP exchange itself failed (DNS, connect, timeout, dropped connection)."""

    def __init__(self, message: str, *, may_have_reached_server: bool) -> None:
        self.may_have_reached_server = may_have_reached_server
        super().__init__(message)


class UnexpectedResponseError(ArizeError):
    """A success status whose body is not what the API documents."""


class RunIdUnreadableError(ArizeError):
    """A trigger was answered with a 2xx status, so a run was started, but the body did not give its id
    (no id, not JSON, HTML, not a TaskRun, or too large). `run_id` is an `id` found in the body anyway,
    if any; `task_id` the task that was triggered, when known."""

    def __init__(self, status: int, run_id: str | None = None, *, problem: str, task_id: str | None = None) -> None:
        self.status = status
        self.run_id = run_id
        self.problem = problem
        self.task_id = task_id
        task = f" of task {task_id}" if task_id else ""
        super().__init__(
            f"the trigger{task} was answered {status} with {problem}: a run was started, but its id could not be read"
        )


class ResponseTooLargeError(ArizeError):
    """A response whose body, decompressed, is larger than `limit_bytes`; it was not read further."""

    def __init__(self, message: str, *, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(message)


class InvalidApiKeyError(ArizeError):
    """A key (from `source`, e.g. a header name) that no HTTP header can carry; nothing was sent.
    The message names where the key came from, never the key."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(f"the API key in {source} is not usable")
