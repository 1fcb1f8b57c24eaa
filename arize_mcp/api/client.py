"""Async client for the Arize v2 Tasks API: URLs, auth, retries, Problem Details → typed errors.

Knows nothing of MCP. Retry rules:
- reads (GET, and idempotent POSTs such as cancel) are retried on 429, 502/503/504 and on any
  transport failure, with capped exponential backoff and jitter; a 429's Retry-After is honoured
  up to a cap; all sleeps share a budget (retry.py) so no call outlives its caller's patience;
- a trigger creates a run, so it is retried only when the server provably did not act on it:
  a 429 or a connection that was never established. After a 5xx, a timeout or a dropped
  connection it fails, saying a run may exist; after a 2xx whose body does not give the run's id,
  it fails saying a run does exist (`RunIdUnreadableError`).

Every request is bounded: a total deadline per attempt (not per socket read, so a trickling
server cannot hold a call), and at most `max_response_bytes` of body after decompression.
Each request is one OpenTelemetry span named by its route template (never an id or the key);
without a configured tracer provider that costs nothing.
"""

from __future__ import annotations

import functools
import hashlib
import json as jsonlib
import logging
import re
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx2
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel, SecretStr, ValidationError

from arize_mcp import __version__
from arize_mcp.api.errors import (
    ConfigurationError,
    InvalidRequestError,
    MissingApiKeyError,
    ResponseTooLargeError,
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
from arize_mcp.api.retry import RetryPolicy, SleepBudget, parse_retry_after, sleep_budget_for

log = logging.getLogger(__name__)
tracer = trace.get_tracer("arize_mcp.api")

ModelT = TypeVar("ModelT", bound=BaseModel)

DEFAULT_DEADLINE_SECONDS = 30.0
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
_RETRYABLE_STATUSES = frozenset({502, 503, 504})
# Failures where the request provably never reached the server, so even a trigger may be resent.
_NOT_SENT = (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout)
# Only encodings the client decodes itself, with a bound on the output.
_ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
# The route templates spans are named by: an id segment follows each of these collections.
_ID_NAMES = {"tasks": "{task_id}", "task-runs": "{run_id}"}
# A run id in a body that is not a TaskRun: the `"id"` member, never `"task_id"`.
_ID_MEMBER = re.compile(rb'(?<![\w])"id"\s*:\s*"([^"\\]{1,512})"')


def encode_segment(value: str) -> str:
    """Percent-encode an id as exactly one path segment: `/`, `?`, `#` and `%` can never redirect
    the request to another route (all-dot ids, which a proxy may normalise, are refused earlier)."""
    return quote(value, safe="")


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
        deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        config_problem: str | None = None,
    ) -> None:
        """`config_problem`: why the endpoint settings cannot work; every call then raises it."""
        self._http = http
        self._config_problem = config_problem
        self._base_url = base_url.rstrip("/")
        self._host = _host_of(self._base_url)
        self._api_key = api_key
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._deadline_seconds = deadline_seconds
        self._max_response_bytes = max_response_bytes

    def __repr__(self) -> str:
        return f"ArizeClient(base_url={self._base_url!r})"

    @property
    def identity(self) -> str:
        """Who this client acts as, without revealing the key: equal for the same host and key."""
        key = self._api_key.get_secret_value() if self._api_key else ""
        return hashlib.sha256(f"{self._base_url}\0{key}".encode()).hexdigest()[:32]

    @functools.cached_property
    def _headers(self) -> httpx2.Headers:
        """The headers of every request, built on first use: normalising them again for each request
        cost more than the rest of its setup."""
        key = self._api_key.get_secret_value() if self._api_key else ""
        return httpx2.Headers(
            {
                "Authorization": f"Bearer {key}",
                "Accept": "application/json",
                "Accept-Encoding": _ACCEPT_ENCODING,
                "User-Agent": f"arize-mcp/{__version__}",
            }
        )

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
        return await self._call(
            "POST",
            ["tasks", task_id, "trigger"],
            TaskRun,
            json=request.body(),
            creates_resource=True,
            known={"task_id": task_id},
        )

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
        json: Any = None,
        creates_resource: bool = False,
        retry_rate_limits: bool = True,
        known: Mapping[str, str] | None = None,
    ) -> ModelT:
        """`known`: values the request itself tells (the id asked for, the task triggered), used where
        the answer leaves them out, as the official SDK's lenient models allow it to."""
        path = "/v2/" + "/".join(_segment(s) for s in segments)
        template = "/v2/" + "/".join(_ID_NAMES[segments[i - 1]] if i % 2 else s for i, s in enumerate(segments))
        with self._span(method, template) as span:
            status, raw = await self._send(
                method,
                path,
                span,
                params=params,
                json=json,
                creates_resource=creates_resource,
                retry_rate_limits=retry_rate_limits,
            )
            created = creates_resource and 200 <= status < 300
            return self._parse(model, method, path, status, raw, created=created, known=known or {})

    def _span(self, method: str, template: str) -> AbstractContextManager[trace.Span]:
        """The request's span; with no tracer provider installed, none is started (it would record nothing)."""
        if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
            return nullcontext(trace.INVALID_SPAN)
        return tracer.start_as_current_span(
            f"{method} {template}",
            kind=SpanKind.CLIENT,
            attributes={"http.request.method": method, "url.template": template, "server.address": self._host},
        )

    def _parse(
        self,
        model: type[ModelT],
        method: str,
        path: str,
        status: int,
        raw: bytes | None,
        *,
        created: bool,
        known: Mapping[str, str],
    ) -> ModelT:
        """The answer as `model`. `created`: a trigger's 2xx, so a run exists even when its id cannot be read."""
        task_id = known.get("task_id") if created else None
        if raw is None:
            if created:
                raise RunIdUnreadableError(
                    status, problem=f"a body over {self._max_response_bytes:,} bytes", task_id=task_id
                )
            raise ResponseTooLargeError(
                f"{method} {path} returned {status} with a body over the {self._max_response_bytes:,} bytes "
                "this server reads",
                limit_bytes=self._max_response_bytes,
            )
        if not created:
            # Parsed and validated in one pass, when the body is a valid `model` as it stands: this
            # is nearly every read. Anything else takes the path below, which fills in what the
            # request knows and words every failure.
            try:
                parsed = model.model_validate_json(raw)
            except ValidationError:
                pass
            else:
                if all(getattr(parsed, name, None) is not None for name in known):
                    return parsed
        try:
            body = _parse_json(raw)
        except ValueError:
            if created:
                run_id = _ID_MEMBER.search(raw[:65536])
                problem = "an HTML page" if raw.lstrip()[:1] == b"<" else "a body that is not JSON"
                raise RunIdUnreadableError(
                    status,
                    run_id.group(1).decode("utf-8", "replace") if run_id else None,
                    problem=problem,
                    task_id=task_id,
                ) from None
            raise UnexpectedResponseError(f"{method} {path} returned {status} with a non-JSON body") from None
        found = body.get("id") if isinstance(body, dict) else None
        if created and not (isinstance(found, str) and found.strip()):
            # A run exists but this answer cannot name it; nothing the request knows can either.
            raise RunIdUnreadableError(status, problem="a body without a run id", task_id=task_id)
        if isinstance(body, dict) and known:
            body = {**body, **{name: value for name, value in known.items() if body.get(name) is None}}
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in err["loc"]) or "(body)" for err in exc.errors()})
            if created:
                raise RunIdUnreadableError(
                    status,
                    found,
                    problem=f"a body that is not a TaskRun (problem with: {', '.join(fields)})",
                    task_id=task_id,
                ) from None
            raise UnexpectedResponseError(
                f"{method} {path} returned a body that does not match the documented {model.__name__} "
                f"(problem with: {', '.join(fields)})"
            ) from None

    async def _send(
        self,
        method: str,
        path: str,
        span: trace.Span,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        creates_resource: bool,
        retry_rate_limits: bool,
    ) -> tuple[int, bytes | None]:
        """The status and body of the first answer that is not retried (None: the body was too large)."""
        if self._config_problem is not None:
            raise ConfigurationError(self._config_problem)
        if self._api_key is None:
            raise MissingApiKeyError("no Arize API key is configured")
        headers = self._headers
        # None rather than {}: an empty mapping still makes httpx2 rebuild and reparse the URL.
        query = {k: str(v) for k, v in (params or {}).items() if v is not None} or None
        url = self._base_url + path
        budget = sleep_budget_for(self._retry)
        attempt = 0
        while True:
            attempt += 1
            span.set_attribute("arize_mcp.retries", attempt - 1)
            last = attempt >= self._retry.max_attempts
            started = time.monotonic()
            try:
                with anyio.fail_after(self._deadline_seconds):
                    async with self._http.stream(method, url, params=query, json=json, headers=headers) as response:
                        status = response.status_code
                        try:
                            raw = await _read_body(response, self._max_response_bytes)
                        except UnexpectedResponseError as exc:
                            if creates_resource and 200 <= status < 300:
                                raise RunIdUnreadableError(status, problem=str(exc), task_id=None) from None
                            raise
            except _NOT_SENT as exc:
                failure = TransportError(
                    f"could not connect to {self._base_url} ({_describe(exc)})", may_have_reached_server=False
                )
                await self._retry_or_raise(failure, last, budget, self._retry.delay(attempt, None), method, path)
                continue
            except (httpx2.TransportError, TimeoutError) as exc:
                reason = _describe(exc) if isinstance(exc, httpx2.TransportError) else "no complete answer"
                failure = TransportError(
                    f"{method} {path} to {self._base_url} failed ({reason} within {self._deadline_seconds:g} s)"
                    if isinstance(exc, TimeoutError)
                    else f"{method} {path} to {self._base_url} failed ({reason})",
                    may_have_reached_server=True,
                )
                await self._retry_or_raise(
                    failure, last or creates_resource, budget, self._retry.delay(attempt, None), method, path
                )
                continue
            elapsed_ms = (time.monotonic() - started) * 1000
            log.debug("%s %s -> %d in %.0f ms", method, path, status, elapsed_ms)
            span.set_attribute("http.response.status_code", status)
            if status < 400:
                return status, raw
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            error = _api_error(status, response.reason_phrase, raw, method, path, retry_after)
            retryable = (status == 429 and retry_rate_limits) or (
                status in _RETRYABLE_STATUSES and not creates_resource
            )
            await self._retry_or_raise(
                error, last or not retryable, budget, self._retry.delay(attempt, retry_after), method, path
            )

    async def _retry_or_raise(
        self, failure: Exception, final: bool, budget: SleepBudget, delay: float, method: str, path: str
    ) -> None:
        """Sleep before the next attempt, or raise `failure` when there is to be none: the last attempt,
        a failure that must not be retried, or a sleep the budget cannot pay for."""
        if final or not budget.take(delay):
            span = trace.get_current_span()
            span.set_attribute("error.type", type(failure).__name__)
            span.set_status(StatusCode.ERROR, str(failure))
            raise failure
        log.info("%s %s: %s, retrying in %.1f s", method, path, type(failure).__name__, delay)
        await self._sleep(delay)


@functools.lru_cache(maxsize=64)
def _host_of(base_url: str) -> str:
    # Parsed once per base URL: over HTTP a client is made for every request that brings its own key.
    return httpx2.URL(base_url).host


def _segment(value: str) -> str:
    if not value or not value.strip():
        raise InvalidRequestError("ids must not be empty")
    if not value.strip("."):
        # `.` and `..` are dot-segments a proxy may resolve even when percent-encoded; no Arize id is all dots.
        raise InvalidRequestError(f"{value!r} is not an Arize id (ids are opaque base64 strings)")
    return encode_segment(value)


async def _read_body(response: httpx2.Response, limit: int) -> bytes | None:
    """The decompressed body, or None once it would exceed `limit` bytes. Decompression is bounded
    chunk by chunk, so a small compressed body cannot inflate past the limit in memory."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    decompressor = zlib.decompressobj(_WBITS[encoding]) if encoding in _WBITS else None
    if decompressor is None and encoding not in ("", "identity"):
        raise UnexpectedResponseError(f"the response is encoded with {encoding!r}, which this client did not ask for")
    chunks: list[bytes] = []
    size = 0
    async for data in response.aiter_raw():
        while data:
            if decompressor is None:
                piece, data = data, b""
            else:
                try:
                    piece = decompressor.decompress(data, limit - size + 1)
                except zlib.error:
                    raise UnexpectedResponseError(f"the {encoding} response body is corrupt") from None
                data = decompressor.unconsumed_tail
            size += len(piece)
            if size > limit:
                return None
            chunks.append(piece)
    return b"".join(chunks)


def _parse_json(raw: bytes) -> Any:
    try:
        return jsonlib.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _api_error(
    status: int, reason: str, raw: bytes | None, method: str, path: str, retry_after: float | None
) -> Exception:
    problem = ProblemDetails()
    try:
        problem = ProblemDetails.model_validate(_parse_json(raw or b""))
    except (ValueError, ValidationError):
        pass
    title = problem.title or reason or "HTTP error"
    return api_error_class(status)(status, title, problem.detail, method=method, path=path, retry_after=retry_after)


def _describe(exc: httpx2.TransportError) -> str:
    kind = type(exc).__name__
    text = str(exc).strip()
    return f"{kind}: {text}" if text else kind
