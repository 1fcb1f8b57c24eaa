"""RFC 9457 Problem Details, shaped like the Arize API's error bodies."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from starlette.responses import JSONResponse

from arize_mcp.api.models import ProblemDetails

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://arize.com/docs/ax/rest-reference/errors#"

# Titles the API is documented to send; other statuses (injected 5xx faults, 405) use the
# standard reason phrase.
_TITLES = {
    400: "Invalid request parameters",
    401: "Authentication required",
    403: "Access forbidden",
    404: "Resource not found",
    409: "Resource conflict",
    422: "Unprocessable Entity",
    429: "Rate limit exceeded",
}


class ApiProblem(Exception):
    """A request the emulator refuses; the app renders it as Problem Details."""

    status = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ApiProblem):
    status = 400


class NotFound(ApiProblem):
    status = 404


class Conflict(ApiProblem):
    status = 409


def title_for(status: int) -> str:
    return _TITLES.get(status) or HTTPStatus(status).phrase


def problem_response(status: int, detail: str, instance: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    title = title_for(status)
    body = ProblemDetails(
        type=_TYPE_BASE + title.lower().replace(" ", "-"),
        title=title,
        status=status,
        detail=detail,
        instance=instance,
    )
    return JSONResponse(
        body.model_dump(), status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE
    )
