"""The words an agent (and the person behind it) reads when something fails.

Typed errors come from the API client (api/errors.py) and from argument checks here; each becomes
one `ErrorReport`: a kind an agent or orchestrator can branch on without parsing prose, a message
saying what happened, and a hint saying what to do next. Tool results carry it as structured
content (`{error, message, hint, candidates?, run_id?, retry_after_seconds?}`) beside the text; resource reads and
subscriptions word their failures with the same text. Every report has its secrets masked
(redaction.py): upstream messages may quote a key.

Kinds: invalid_argument, unknown_tool, missing_api_key, invalid_api_key, misconfigured, authentication_failed,
permission_denied, not_found, ambiguous_name, conflict, already_ended, rate_limited,
upstream_unavailable, may_have_started, run_id_unreadable, follow_failed, response_too_large,
unexpected_response, upstream_error.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from arize_mcp.api.errors import (
    ApiError,
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
from arize_mcp.config import SECRET_RULE
from arize_mcp.redaction import redact

API_TEXT_LIMIT = 2000


def clip(value: str, limit: int) -> str:
    """`value`, or its first `limit` characters and a visible mark saying how much was cut. Free text
    from Arize goes through this before an agent reads it; structured content keeps the whole value."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… [{len(value) - limit:,} more characters cut]"


@dataclass(frozen=True)
class ErrorReport:
    """One failure as an agent reads it."""

    kind: str
    message: str
    hint: str = ""
    candidates: tuple[dict[str, str], ...] = ()
    run_id: str | None = None
    retry_after_seconds: float | None = None

    @property
    def text(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message

    def structured(self) -> dict[str, Any]:
        content: dict[str, Any] = {"error": self.kind, "message": self.message, "hint": self.hint}
        if self.candidates:
            content["candidates"] = list(self.candidates)
        if self.run_id is not None:
            content["run_id"] = self.run_id
        if self.retry_after_seconds is not None:
            content["retry_after_seconds"] = self.retry_after_seconds
        return content


class ArgumentError(ValueError):
    """A tool argument that cannot be used; reported to the caller and nothing is sent."""


class ActionableError(Exception):
    """A failure this server has already worded; reported as it is."""

    def __init__(self, report: ErrorReport) -> None:
        super().__init__(report.text)
        self.report = report


def describe_error(exc: Exception) -> str:
    """The text an agent (and the person behind it) reads when a call fails."""
    return report_error(exc).text


def report_error(exc: Exception) -> ErrorReport:
    """The report of an anticipated failure, secrets masked; anything else is only named, never detailed."""
    report = _report(exc)
    return dataclasses.replace(report, message=redact(report.message), hint=redact(report.hint))


def rate_limit_wait(exc: RateLimitError) -> str:
    """'rate limited, retry after N s' (or without a time when Arize gave none)."""
    return "rate limited" + (f", retry after {exc.retry_after:.0f} s" if exc.retry_after is not None else "")


def _report(exc: Exception) -> ErrorReport:
    match exc:
        case MissingApiKeyError():
            return ErrorReport(
                "missing_api_key",
                "No Arize API key is configured, so nothing was sent.",
                "Set ARIZE_API_KEY in this MCP server's environment (Arize → Settings → API Keys), or start "
                "the server with `arize-mcp --sandbox` to try every tool against the built-in emulator with "
                "demo tasks.",
            )
        case ConfigurationError():
            return ErrorReport(
                "misconfigured",
                f"This MCP server's Arize settings cannot work, so nothing was sent: {exc}.",
                "Fix the variable in the server's environment and restart it; `arize-mcp doctor` checks the "
                "settings and the connection.",
            )
        case InvalidApiKeyError():
            return ErrorReport(
                "invalid_api_key",
                f"Nothing was sent to Arize: the API key in {exc.source} is not a usable key.",
                f"A key {SECRET_RULE}. Send the key exactly as Arize shows it.",
            )
        case RunIdUnreadableError():
            known = f" The answer does name run id {exc.run_id!r}." if exc.run_id else " Its id is not known."
            return ErrorReport(
                "run_id_unreadable",
                f"A run WAS started: Arize accepted the trigger ({exc.status}), but its answer could not be read "
                f"({exc.problem}), so the new run's id is missing.{known}",
                "Do not trigger again, or the task runs twice. "
                + (
                    f"Follow it with wait_for_task_run(run_id={exc.run_id!r})."
                    if exc.run_id
                    else "Find the run with list_task_runs for this task (newest first: it is the latest one), "
                    "then follow it with wait_for_task_run."
                ),
                run_id=exc.run_id,
            )
        case ResponseTooLargeError():
            return ErrorReport(
                "response_too_large",
                f"Arize's answer was not used: {exc}.",
                "Narrow the request (e.g. a smaller limit) and try again.",
            )
        case ActionableError():
            return exc.report
        case ArgumentError() | InvalidRequestError():
            return invalid_argument(str(exc))
        case ValidationError():
            return invalid_argument("; ".join(_validation_message(err) for err in exc.errors()))
        case AuthenticationError():
            return ErrorReport(
                "authentication_failed",
                f"{_api_line(exc)}. Arize rejected the API key.",
                "Check that ARIZE_API_KEY holds a current Arize API key and that it belongs to the configured "
                "host or region (ARIZE_REGION / ARIZE_API_HOST).",
            )
        case PermissionDeniedError():
            return ErrorReport(
                "permission_denied",
                f"{_api_line(exc)}. The API key is valid but lacks permission for this.",
                "Check the key's role and its access to the task's space (a read-only key cannot trigger or "
                "cancel runs).",
            )
        case RateLimitError():
            return ErrorReport(
                "rate_limited",
                f"Arize {rate_limit_wait(exc)}. It is rate-limiting this key and waiting longer would outlast "
                f"this call, so nothing more was tried.\n{_api_line(exc)}",
                "Wait that long, then make the same call again.",
                retry_after_seconds=exc.retry_after,
            )
        case NotFoundError():
            lister = "list_task_runs shows a task's runs" if "/task-runs/" in exc.path else "list_tasks shows the tasks"
            return ErrorReport("not_found", _api_line(exc), f"Check the id; {lister} this key can see.")
        case ServerError() if _is_trigger(exc):
            return may_have_started(
                _api_line(exc), "The trigger was not retried because Arize may already have started a run."
            )
        case ConflictError():
            return ErrorReport("conflict", _api_line(exc), "Change the conflicting value (e.g. a new, unique name).")
        case BadRequestError():
            return ErrorReport("invalid_argument", _api_line(exc), "Fix the arguments Arize names, then call again.")
        case ServerError():
            return ErrorReport("upstream_unavailable", _api_line(exc), "Arize had a problem; try again shortly.")
        case ApiError():
            return ErrorReport("upstream_error", _api_line(exc))
        case TransportError() if exc.may_have_reached_server:
            return ErrorReport(
                "upstream_unavailable",
                f"Network failure talking to Arize: {exc}. The request may have reached Arize.",
                "For a trigger, check the task's recent runs (list_task_runs) before triggering again; "
                "for a read, call again.",
            )
        case TransportError():
            return ErrorReport(
                "upstream_unavailable",
                f"Network failure: {exc}.",
                "Check the network and the configured Arize host, then call again.",
            )
        case UnexpectedResponseError():
            return ErrorReport("unexpected_response", f"Arize sent an unexpected response: {exc}")
        case _:
            return ErrorReport("upstream_error", f"Unexpected error: {type(exc).__name__}")


def invalid_argument(problem: str, hint: str = "") -> ErrorReport:
    return ErrorReport("invalid_argument", f"Invalid arguments, nothing was sent to Arize: {problem}", hint)


def may_have_started(what: str, why: str) -> ErrorReport:
    return ErrorReport(
        "may_have_started",
        f"{what}\n{why}",
        "Check the task's recent runs with list_task_runs (newest first) before triggering again, or you may "
        "run it twice.",
    )


def _is_trigger(exc: ApiError) -> bool:
    return exc.method == "POST" and exc.path.endswith("/trigger")


def _api_line(exc: ApiError) -> str:
    # Problem Details text is Arize's free text: clipped like every other in the agent's text.
    return f"Arize API error {clip(str(exc), API_TEXT_LIMIT)}"


def _validation_message(err: Any) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ()))
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg
