"""The ASGI app: authentication, rate limiting, routing on the raw path, faults, handlers.

Order per request, as a real gateway would: 401 (key) -> 429 (rate) -> 404/405 (route) ->
403 (read-only key on a write route) -> injected fault -> handler.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from http import HTTPStatus
from typing import Any, NoReturn, TypeVar, assert_never
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from arize_mcp.api.models import (
    ListTaskRunsResponse,
    ListTasksResponse,
    RunStatus,
    TaskRun,
    TaskType,
    fold_enum_case,
)
from arize_mcp.asgi import read_body
from arize_mcp.emulator.config import EmulatorConfig
from arize_mcp.emulator.faults import ConnectionDropped, Fault, Faults, RateLimiter
from arize_mcp.emulator.paging import paginate, parse_cursor, parse_limit
from arize_mcp.emulator.planning import Timing
from arize_mcp.emulator.problems import ApiProblem, BadRequest, problem_response
from arize_mcp.emulator.recording import NO_RESPONSE_YET, RecordedRequest, RequestLog
from arize_mcp.emulator.routes import WRITE_ROUTES, PathMatch, resolve
from arize_mcp.emulator.store import Store, TaskFilter
from arize_mcp.emulator.trigger_body import InvalidBody, parse_trigger_body
from arize_mcp.emulator.wire import WireEncoder

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class _Request:
    method: str
    raw_path: str
    query: dict[str, str]
    key: str | None
    authorized: bool
    match: PathMatch | None
    receive: Receive


class EmulatorApp:
    def __init__(
        self,
        config: EmulatorConfig,
        store: Store,
        faults: Faults,
        log: RequestLog,
        clock: Callable[[], datetime],
        encoder: WireEncoder,
    ) -> None:
        self._config = config
        self._store = store
        self._faults = faults
        self._log = log
        self._clock = clock
        self._encoder = encoder
        rate = config.rate_limit_per_second
        self._limiter = RateLimiter(rate, config.retry_after_seconds) if rate is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # lifespan is off and there are no websocket routes
        raw_path, key = _raw_path(scope), _bearer_key(scope)
        request = _Request(
            method=scope["method"],
            raw_path=raw_path,
            query=dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)),
            key=key,
            authorized=key is not None and key in self._valid_keys,
            match=resolve(scope["method"], raw_path),
            receive=receive,
        )
        route = request.match.route if request.match else None
        entry = self._log.arrived(
            RecordedRequest(
                request.method,
                route,
                raw_path,
                NO_RESPONSE_YET,
                time.monotonic(),
                request.authorized,
                request.query,
            )
        )

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._log.responded(entry, message["status"])
            await send(message)

        response = await self._respond(request, send_and_record)
        await response(scope, receive, send_and_record)

    @property
    def _valid_keys(self) -> frozenset[str]:
        return frozenset(self._config.api_keys) | self._config.read_only_keys

    async def _respond(self, request: _Request, send: Send) -> Response:
        path, key = request.raw_path, request.key
        if key is None or not request.authorized:
            detail = (
                "Missing API key: send it as 'Authorization: Bearer <key>'."
                if key is None
                else "The API key is not valid."
            )
            return problem_response(401, detail, path, {"WWW-Authenticate": "Bearer"})
        wait = self._limiter.acquire(key) if self._limiter else None
        if wait is not None:
            return _rate_limited(path, wait)
        match = request.match
        if match is None:
            return problem_response(404, f"No endpoint matches {request.method} {path}.", path)
        if match.route is None:
            detail = f"{request.method} is not allowed on {path}; use {match.allowed_method}."
            return problem_response(405, detail, path, {"Allow": match.allowed_method})
        if match.route in WRITE_ROUTES and key in self._config.read_only_keys:
            detail = "This API key is read-only: it does not have permission to trigger or cancel task runs."
            return problem_response(403, detail, path)
        fault = self._faults.take(match.route)
        if fault is None:
            return await self._dispatch(request)
        return await self._with_fault(fault, request, send)

    async def _with_fault(self, fault: Fault, request: _Request, send: Send) -> Response:
        # after_handling: the work is done first, then the delay, drop or error replaces the
        # response; otherwise the fault strikes before the request is looked at.
        # Rewriting the real answer needs one; rewriting the fault's own Problem Details does not.
        rewrites_real_answer = fault.rewrite_body is not None and not fault.replaces_response
        handled = await self._dispatch(request) if fault.after_handling or rewrites_real_answer else None
        await asyncio.sleep(fault.delay)
        if fault.drop_connection:
            await _drop_connection(send, fault.status)
        if fault.replaces_response:
            response = self._fault_problem(fault, request.raw_path)
        else:
            response = handled if handled is not None else await self._dispatch(request)
        return _spoiled(response, fault) if fault.spoils_response else response

    def _fault_problem(self, fault: Fault, path: str) -> Response:
        if fault.body is not None:
            return _json(fault.body, fault.status)
        if fault.status == 429:
            retry_after = fault.retry_after
            return _rate_limited(path, self._config.retry_after_seconds if retry_after is None else retry_after)
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
        return problem_response(fault.status, HTTPStatus(fault.status).description + ".", path, headers)

    async def _dispatch(self, request: _Request) -> Response:
        assert request.match is not None and request.match.route is not None
        route, resource_id = request.match.route, request.match.resource_id or ""
        try:
            match route:
                case "list_tasks":
                    return self._list_tasks(request.query)
                case "get_task":
                    return _json(self._encoder.task(self._store.get_task(resource_id)))
                case "list_runs":
                    return self._list_runs(resource_id, request.query)
                case "trigger":
                    return await self._trigger(resource_id, request.receive)
                case "get_run":
                    return self._run_response(self._store.get_run(resource_id, self._clock()))
                case "cancel_run":
                    return self._run_response(self._store.cancel(resource_id, self._clock()))
                case _:
                    assert_never(route)
        except ApiProblem as problem:
            return problem_response(problem.status, problem.detail, request.raw_path)

    def _list_tasks(self, query: dict[str, str]) -> Response:
        limit, offset = parse_limit(query.get("limit")), parse_cursor(query.get("cursor"))
        task_type = _enum(TaskType, query.get("type"), "type")
        where = TaskFilter(
            space_id=query.get("space_id"),
            space_name=query.get("space_name"),
            name=query.get("name"),
            project_id=query.get("project_id"),
            dataset_id=query.get("dataset_id"),
            task_type=task_type,
        )
        page, pagination = paginate(self._store.list_tasks(where), limit, offset)
        return _json(self._encoder.task_list(ListTasksResponse(tasks=page, pagination=pagination)))

    def _list_runs(self, task_id: str, query: dict[str, str]) -> Response:
        limit, offset = parse_limit(query.get("limit")), parse_cursor(query.get("cursor"))
        status = _enum(RunStatus, query.get("status"), "status")
        newest_first = self._store.runs_of(task_id, self._clock())[::-1]
        matching = [run for run in newest_first if status in (None, run.status)]
        page, pagination = paginate(matching, limit, offset)
        body = self._encoder.run_list(
            ListTaskRunsResponse(task_runs=page, pagination=pagination), self._store.space_id_of(task_id)
        )
        return _json(body)

    async def _trigger(self, task_id: str, receive: Receive) -> Response:
        task = self._store.get_task(task_id)
        try:
            fields = parse_trigger_body(await read_body(receive) or b"", task.type)
        except InvalidBody as invalid:
            raise BadRequest(str(invalid)) from invalid
        # Timing is read per trigger so a test can change the run length of a live emulator.
        timing = Timing(self._config.run_seconds, self._config.pending_fraction)
        run = self._store.trigger(task_id, fields, self._clock(), timing)
        return _json(self._encoder.run(run, self._store.space_id_of(task_id)), status=201)

    def _run_response(self, run: TaskRun) -> Response:
        return _json(self._encoder.run(run, self._store.space_id_of(run.task_id)))


def _json(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def _raw_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    if raw is None:
        return str(scope["path"])
    # Some servers include the query string in raw_path.
    return bytes(raw).partition(b"?")[0].decode("latin-1")


def _bearer_key(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                return key.strip()
            return None
    return None


def _enum(kind: type[E], raw: str | None, name: str) -> E | None:
    if raw is None:
        return None
    try:
        return kind(fold_enum_case(raw))
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise BadRequest(f"{name} must be one of {allowed}, got '{raw}'.") from None


def _spoiled(response: Response, fault: Fault) -> Response:
    body = bytes(response.body)
    if fault.rewrite_body is not None:
        body = fault.rewrite_body(body)
    headers = {"content-type": response.headers.get("content-type", "application/json"), **dict(fault.headers)}
    if fault.trickle_seconds <= 0:
        return Response(body, status_code=response.status_code, headers=headers)

    async def trickle() -> AsyncIterator[bytes]:
        for index in range(len(body)):
            yield body[index : index + 1]
            await asyncio.sleep(fault.trickle_seconds)

    return StreamingResponse(trickle(), status_code=response.status_code, headers=headers)


def _rate_limited(path: str, retry_after: int) -> Response:
    detail = f"Too many requests for this API key; retry after {retry_after} second(s)."
    return problem_response(429, detail, path, {"Retry-After": str(retry_after)})


async def _drop_connection(send: Send, status: int) -> NoReturn:
    # Promise a body, then abort: the client sees the status line and an incomplete response.
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
        }
    )
    raise ConnectionDropped("fault injection: connection dropped mid-response")
