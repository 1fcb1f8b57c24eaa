"""The words an agent (and the person behind it) reads when something fails.

Typed errors come from the API client (api/errors.py) and from argument checks here; each kind
gets one wording that says what happened and what to do next. Tool results, resource reads and
subscriptions all word their failures through `describe_error`, and every text it returns has its
secrets masked (redaction.py): upstream messages may quote a key.
"""

from __future__ import annotations

from pydantic import ValidationError

from arize_mcp.api.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
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
from arize_mcp.config import SECRET_RULE
from arize_mcp.redaction import redact

MISSING_KEY_TEXT = (
    "No Arize API key is configured, so nothing was sent. Set ARIZE_API_KEY in this MCP server's "
    "environment (Arize → Settings → API Keys), or start the server with `arize-mcp --sandbox` to "
    "try every tool against the built-in emulator with demo tasks."
)


API_TEXT_LIMIT = 2000


def clip(value: str, limit: int) -> str:
    """`value`, or its first `limit` characters and a visible mark saying how much was cut. Free text
    from Arize goes through this before an agent reads it; structured content keeps the whole value."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… [{len(value) - limit:,} more characters cut]"


class ArgumentError(ValueError):
    """A tool argument that cannot be used; reported to the caller and nothing is sent."""


class ActionableError(Exception):
    """A failure whose message already tells the agent what to do; shown as it is."""


def describe_error(exc: Exception) -> str:
    """The text an agent (and the person behind it) reads when a call fails, secrets masked."""
    return redact(_describe(exc))


def rate_limit_wait(exc: RateLimitError) -> str:
    """'rate limited, retry after N s' (or without a time when Arize gave none)."""
    return "rate limited" + (f", retry after {exc.retry_after:.0f} s" if exc.retry_after is not None else "")


def _describe(exc: Exception) -> str:
    match exc:
        case MissingApiKeyError():
            return MISSING_KEY_TEXT
        case InvalidApiKeyError():
            return (
                f"Nothing was sent to Arize: the API key in {exc.source} is not a usable key. A key {SECRET_RULE}. "
                "Send the key exactly as Arize shows it."
            )
        case RunIdUnreadableError():
            known = (
                f" The answer does name run id {exc.run_id!r}: read it with get_task_run."
                if exc.run_id
                else " Its id is not known."
            )
            return (
                f"A run WAS started: Arize accepted the trigger ({exc.status}), but its answer could not be read "
                f"({exc.problem}), so the new run's id is missing.{known}\n"
                "Do not trigger again, or the task runs twice. Find the run with list_task_runs for this task "
                "(newest first: it is the latest one), then follow it with wait_for_task_run."
            )
        case ResponseTooLargeError():
            return f"Arize's answer was not used: {exc}. Narrow the request (e.g. a smaller limit) and try again."
        case ActionableError():
            return str(exc)
        case ArgumentError() | InvalidRequestError():
            return f"Invalid arguments, nothing was sent to Arize: {exc}"
        case ValidationError():
            return "Invalid arguments, nothing was sent to Arize: " + "; ".join(
                _validation_message(err) for err in exc.errors()
            )
        case AuthenticationError():
            return (
                f"{_api_line(exc)}\nArize rejected the API key. Check that ARIZE_API_KEY holds a current "
                "Arize API key and that it belongs to the configured host or region (ARIZE_REGION / "
                "ARIZE_API_HOST)."
            )
        case PermissionDeniedError():
            return (
                f"{_api_line(exc)}\nThe API key is valid but lacks permission for this. Check the key's "
                "role and its access to the task's space (a read-only key cannot trigger or cancel runs)."
            )
        case RateLimitError():
            return (
                f"Arize {rate_limit_wait(exc)}. It is rate-limiting this key and waiting longer would outlast "
                f"this call, so nothing more was tried.\n{_api_line(exc)}"
            )
        case NotFoundError():
            return f"{_api_line(exc)}\nCheck the id; list_tasks shows the tasks this key can see."
        case ServerError() if exc.method == "POST" and exc.path.endswith("/trigger"):
            return (
                f"{_api_line(exc)}\nThe trigger was not retried because Arize may already have started a "
                "run. Check the task's recent runs before triggering again, or you may run it twice."
            )
        case BadRequestError() | ApiError():
            return _api_line(exc)
        case TransportError() if exc.may_have_reached_server:
            return (
                f"Network failure talking to Arize: {exc}. The request may have reached Arize; for a "
                "trigger, check the task's recent runs before triggering again."
            )
        case TransportError():
            return f"Network failure: {exc}. Check the network and the configured Arize host."
        case UnexpectedResponseError():
            return f"Arize sent an unexpected response: {exc}"
        case _:
            return f"Unexpected error: {type(exc).__name__}"


def _api_line(exc: ApiError) -> str:
    # Problem Details text is Arize's free text: clipped like every other in the agent's text.
    return f"Arize API error {clip(str(exc), API_TEXT_LIMIT)}"


def _validation_message(err: dict[str, object]) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ()))  # type: ignore[union-attr]
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg
