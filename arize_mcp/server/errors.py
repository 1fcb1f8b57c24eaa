"""The words an agent (and the person behind it) reads when something fails.

Typed errors come from the API client (api/errors.py) and from argument checks here; each kind
gets one wording that says what happened and what to do next. Tool results, resource reads and
subscriptions all word their failures through `describe_error`.
"""

from __future__ import annotations

from pydantic import ValidationError

from arize_mcp.api.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InvalidRequestError,
    MissingApiKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
)

MISSING_KEY_TEXT = (
    "No Arize API key is configured, so nothing was sent. Set ARIZE_API_KEY in this MCP server's "
    "environment (Arize → Settings → API Keys), or start the server with `arize-mcp --sandbox` to "
    "try every tool against the built-in emulator with demo tasks."
)


class ArgumentError(ValueError):
    """A tool argument that cannot be used; reported to the caller and nothing is sent."""


class ActionableError(Exception):
    """A failure whose message already tells the agent what to do; shown as it is."""


def describe_error(exc: Exception) -> str:
    """The text an agent (and the person behind it) reads when a call fails."""
    match exc:
        case MissingApiKeyError():
            return MISSING_KEY_TEXT
        case ConfigurationError():
            return (
                f"This MCP server's Arize settings cannot work, so nothing was sent: {exc}.\n"
                "Fix the variable in the server's environment and restart it; `arize-mcp doctor` checks the "
                "settings and the connection."
            )
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
            wait = f" Retry after {exc.retry_after:.0f} s." if exc.retry_after is not None else ""
            return f"{_api_line(exc)}\nArize is rate-limiting this key and retries did not get through.{wait}"
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
    return f"Arize API error {exc}"


def _validation_message(err: dict[str, object]) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ()))  # type: ignore[union-attr]
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg
