"""Typed errors raised by the Arize client. They carry data; the server layer words them.

ArizeError
├── MissingApiKeyError        no key configured: nothing was sent
├── ConfigurationError        the endpoint settings cannot work: nothing was sent
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
└── UnexpectedResponseError   a success status with a body that is not what the API documents
    └── RunIdUnreadableError      a trigger was accepted but its answer carries no readable run id
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


class RunIdUnreadableError(UnexpectedResponseError):
    """A trigger was accepted (a run was started) but the answer carries no readable run id.

    Carries what the answer did hold, so the run can still be found among the task's runs."""

    def __init__(self, *, task_id: str, http_status: int, found_id: object, run_status: object) -> None:
        self.task_id = task_id
        self.http_status = http_status
        self.found_id = found_id
        self.run_status = run_status
        found = "no id" if found_id is None else f"id {found_id!r}"
        status = "" if run_status is None else f", status {run_status!r}"
        super().__init__(
            f"Arize answered the trigger of task {task_id} with HTTP {http_status}: a run was started, "
            f"but its id could not be read ({found}{status})"
        )
