"""Async client for the Arize v2 Tasks API: URLs, auth, retries, Problem Details → typed errors.

Knows nothing of MCP. Retry rules:
- reads (GET, and idempotent POSTs such as cancel) are retried on 429, 502/503/504 and on any
  transport failure, with capped exponential backoff and jitter; a 429's Retry-After is honoured
  up to a cap;
- a trigger creates a run, so it is retried only when the server provably did not act on it:
  a 429 or a connection that was never established. After a 5xx, a timeout or a dropped
  connection it fails, saying a run may exist.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx2
from pydantic import BaseModel, SecretStr, ValidationError

from arize_mcp import __version__
from arize_mcp.api.errors import (
    ConfigurationError,
    InvalidRequestError,
    MissingApiKeyError,
    RunIdUnreadableError,
    TransportError,
    UnexpectedResponseError,
    api_error_class,
)
from arize_mcp.api.models import (
    ListTaskRunsResponse,
    ListTasksResponse,
    ProblemDetails,
    RunStatus,
    Task,
    TaskRun,
    TaskType,
    TriggerRunRequest,
    wire_enum,
)
from arize_mcp.api.retry import RetryPolicy, parse_retry_after

log = logging.getLogger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

_RETRYABLE_STATUSES = frozenset({502, 503, 504})
# Failures where the request provably never reached the server, so even a trigger may be resent.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)


def encode_segment(value: str) -> str:
    """Percent-encode an id as exactly one path segment: `/`, `?`, `#`, `%` and dot-segments
    can never redirect the request to another route."""
    encoded = quote(value, safe="")
    if encoded.strip(".") == "":
        encoded = encoded.replace(".", "%2E")
    return encoded


class ArizeClient:
    """One configured view of the API. Cheap to create; the `httpx2.AsyncClient` is shared."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        base_url: str,
        api_key: SecretStr | None,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        config_problem: str | None = None,
    ) -> None:
        """`config_problem`: why the endpoint settings cannot work; every call then raises it."""
        self._http = http
        self._config_problem = config_problem
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._retry = retry or RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ArizeClient(base_url={self._base_url!r})"

    @property
    def identity(self) -> str:
        """Who this client acts as, without revealing the key: equal for the same host and key."""
        key = self._api_key.get_secret_value() if self._api_key else ""
        return hashlib.sha256(f"{self._base_url}\0{key}".encode()).hexdigest()[:32]

    async def list_tasks(
        self,
        *,
        name: str | None = None,
        space_id: str | None = None,
        space_name: str | None = None,
        project_id: str | None = None,
        dataset_id: str | None = None,
        task_type: TaskType | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> ListTasksResponse:
        params = {
            "name": name,
            "space_id": space_id,
            "space_name": space_name,
            "project_id": project_id,
            "dataset_id": dataset_id,
            "type": wire_enum(task_type),
            "limit": limit,
            "cursor": cursor,
        }
        return await self._call("GET", ["tasks"], ListTasksResponse, params=params)

    async def get_task(self, task_id: str) -> Task:
        return await self._call("GET", ["tasks", task_id], Task, known={"id": task_id})

    async def list_task_runs(
        self, task_id: str, *, status: RunStatus | None = None, limit: int | None = None, cursor: str | None = None
    ) -> ListTaskRunsResponse:
        params = {"status": wire_enum(status), "limit": limit, "cursor": cursor}
        page = await self._call("GET", ["tasks", task_id, "runs"], ListTaskRunsResponse, params=params)
        for run in page.task_runs:
            if run.task_id is None:
                run.task_id = task_id
        return page

    async def trigger_task(self, task_id: str, request: TriggerRunRequest) -> TaskRun:
        path = _path(["tasks", task_id, "trigger"])
        status, body = await self._send(
            "POST", path, params=None, json=request.body(), creates_resource=True, retry_rate_limits=True
        )
        found_id = body.get("id") if isinstance(body, dict) else None
        if not (isinstance(found_id, str) and found_id.strip()):
            run_status = body.get("status") if isinstance(body, dict) else None
            raise RunIdUnreadableError(task_id=task_id, http_status=status, found_id=found_id, run_status=run_status)
        return _parse("POST", path, TaskRun, body, known={"task_id": task_id})

    async def get_task_run(self, run_id: str, *, retry_rate_limits: bool = True) -> TaskRun:
        """`retry_rate_limits=False` hands a 429 straight back, for callers that pace themselves."""
        return await self._call(
            "GET", ["task-runs", run_id], TaskRun, retry_rate_limits=retry_rate_limits, known={"id": run_id}
        )

    async def cancel_task_run(self, run_id: str) -> TaskRun:
        # Cancelling twice has the same effect as once, so it may be retried like a read.
        return await self._call("POST", ["task-runs", run_id, "cancel"], TaskRun, known={"id": run_id})

    async def _call(
        self,
        method: str,
        segments: Sequence[str],
        model: type[ModelT],
        *,
        params: Mapping[str, Any] | None = None,
        retry_rate_limits: bool = True,
        known: Mapping[str, str] | None = None,
    ) -> ModelT:
        """`known`: values the request itself tells (the id asked for), used where the answer leaves them out."""
        path = _path(segments)
        _, body = await self._send(
            method, path, params=params, json=None, creates_resource=False, retry_rate_limits=retry_rate_limits
        )
        return _parse(method, path, model, body, known=known)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        creates_resource: bool,
        retry_rate_limits: bool,
    ) -> tuple[int, Any]:
        """The status and decoded JSON body of a successful answer; errors are raised typed."""
        if self._config_problem is not None:
            raise ConfigurationError(self._config_problem)
        if self._api_key is None:
            raise MissingApiKeyError("no Arize API key is configured")
        headers = {
            "Authorization": f"Bearer {self._api_key.get_secret_value()}",
            "Accept": "application/json",
            "User-Agent": f"arize-mcp/{__version__}",
        }
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        url = self._base_url + path
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self._retry.max_attempts
            started = time.monotonic()
            try:
                response = await self._http.request(method, url, params=query, json=json, headers=headers)
            except _NOT_SENT as exc:
                if last:
                    raise TransportError(
                        f"could not connect to {self._base_url} ({_describe(exc)})", may_have_reached_server=False
                    ) from None
                log.info("%s %s: connection failed (%s), retrying", method, path, _describe(exc))
                await self._sleep(self._retry.delay(attempt, None))
                continue
            except httpx2.TransportError as exc:
                if creates_resource or last:
                    raise TransportError(
                        f"{method} {path} to {self._base_url} failed ({_describe(exc)})",
                        may_have_reached_server=True,
                    ) from None
                log.info("%s %s: %s, retrying", method, path, _describe(exc))
                await self._sleep(self._retry.delay(attempt, None))
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            log.debug("%s %s -> %d in %.0f ms", method, path, response.status_code, elapsed_ms)
            status = response.status_code
            if status < 400:
                try:
                    return status, response.json()
                except ValueError:
                    raise UnexpectedResponseError(f"{method} {path} returned {status} with a non-JSON body") from None
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            retryable = (status == 429 and retry_rate_limits) or (
                status in _RETRYABLE_STATUSES and not creates_resource
            )
            if retryable and not last:
                delay = self._retry.delay(attempt, retry_after)
                log.info("%s %s -> %d, retrying in %.1f s", method, path, status, delay)
                await self._sleep(delay)
                continue
            raise _api_error(response, method, path, retry_after)


def _path(segments: Sequence[str]) -> str:
    return "/v2/" + "/".join(_segment(s) for s in segments)


def _parse(method: str, path: str, model: type[ModelT], body: Any, *, known: Mapping[str, str] | None = None) -> ModelT:
    if isinstance(body, dict) and known:
        body = {**body, **{name: value for name, value in known.items() if body.get(name) is None}}
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in err["loc"]) or "(body)" for err in exc.errors()})
        raise UnexpectedResponseError(
            f"{method} {path} returned a body that does not match the documented {model.__name__} "
            f"(problem with: {', '.join(fields)})"
        ) from None


def _segment(value: str) -> str:
    if not value or not value.strip():
        raise InvalidRequestError("ids must not be empty")
    return encode_segment(value)


def _api_error(response: httpx2.Response, method: str, path: str, retry_after: float | None) -> Exception:
    status = response.status_code
    problem = ProblemDetails()
    try:
        problem = ProblemDetails.model_validate(response.json())
    except (ValueError, ValidationError):
        pass
    title = problem.title or response.reason_phrase or "HTTP error"
    return api_error_class(status)(status, title, problem.detail, method=method, path=path, retry_after=retry_after)


def _describe(exc: httpx2.TransportError) -> str:
    kind = type(exc).__name__
    text = str(exc).strip()
    return f"{kind}: {text}" if text else kind
