"""Assertions shared by the test modules: reading tool results as a client sees them."""

from __future__ import annotations

from datetime import datetime

from mcp.types import CallToolResult

RUN_FIELDS = {
    "id",
    "task_id",
    "status",
    "run_started_at",
    "run_finished_at",
    "data_start_time",
    "data_end_time",
    "num_successes",
    "num_errors",
    "num_skipped",
    "created_at",
    "created_by_user_id",
    "experiment_id",
    "failure_reason",
}
STATUSES = {"pending", "running", "completed", "failed", "cancelled"}


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def ok(result: CallToolResult) -> dict:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


ERROR_KINDS = {
    "invalid_argument",
    "unknown_tool",
    "missing_api_key",
    "invalid_api_key",
    "run_id_unreadable",
    "response_too_large",
    "misconfigured",
    "authentication_failed",
    "permission_denied",
    "not_found",
    "ambiguous_name",
    "conflict",
    "already_ended",
    "rate_limited",
    "upstream_unavailable",
    "may_have_started",
    "follow_failed",
    "unexpected_response",
    "upstream_error",
}


def error(result: CallToolResult, kind: str | None = None) -> str:
    """The text of an error result, after checking its structured report (and its kind, if given)."""
    assert result.is_error, result
    report = result.structured_content
    assert report is not None and {"error", "message", "hint"} <= set(report), report
    assert report["error"] in ERROR_KINDS, report
    assert kind in (None, report["error"]), report
    text = text_of(result)
    assert text == (f"{report['message']}\n{report['hint']}" if report["hint"] else report["message"])
    assert "pydantic" not in text and "https://errors" not in text
    return text


def assert_run_shape(run: dict) -> None:
    assert set(run) == RUN_FIELDS
    assert run["status"] in STATUSES
    for name in ("created_at", "run_started_at", "run_finished_at", "data_start_time", "data_end_time"):
        if run[name] is not None:
            assert datetime.fromisoformat(run[name]).tzinfo is not None, (name, run[name])
