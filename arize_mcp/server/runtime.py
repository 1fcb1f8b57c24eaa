"""What handlers share for the server's lifetime: settings, one HTTP pool, the run feeds, the drain.

Over HTTP a caller may bring its own Arize key in `X-Arize-Api-Key`; it is used for that
request only and never stored, so one deployment serves many users with their own permissions.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import Any

import anyio
import httpx2
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from pydantic import SecretStr

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import InvalidApiKeyError
from arize_mcp.api.http import PreparedTls, http_client_with, tls_verification
from arize_mcp.config import Settings, is_header_safe
from arize_mcp.follow.feeds import RunFeeds
from arize_mcp.follow.reads import RunReads
from arize_mcp.redaction import add_request_secrets

API_KEY_HEADER = "x-arize-api-key"


class Drain:
    """Set when the server is shutting down: long waits return their latest state at once."""

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    @property
    def event(self) -> anyio.Event:
        # Created on first use, inside the event loop.
        if self._event is None:
            self._event = anyio.Event()
        return self._event

    def start(self) -> None:
        self.event.set()

    @property
    def started(self) -> bool:
        return self._event is not None and self._event.is_set()


class HttpPool:
    """The HTTP pool to Arize, built when the first call needs it.

    Building one imports httpx2's transport (tens of milliseconds) that nothing before the first
    call to Arize needs, so a client's `initialize` is answered that much sooner. The TLS
    verification is built before, at start, so a CA bundle that cannot be read still stops the start."""

    def __init__(self, settings: Settings, verify: ssl.SSLContext | bool) -> None:
        self._settings = settings
        self._verify = verify
        self._client: httpx2.AsyncClient | None = None

    @property
    def client(self) -> httpx2.AsyncClient:
        if self._client is None:
            self._client = http_client_with(
                timeout_seconds=self._settings.timeout_seconds,
                proxy_url=self._settings.connection.proxy_url,
                verify=self._verify,
            )
        return self._client

    async def __aenter__(self) -> HttpPool:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.__aexit__(kind, exc, traceback)


@dataclass
class Runtime:
    """The lifespan state: built when the server starts, closed when it stops."""

    settings: Settings
    http: HttpPool
    feeds: RunFeeds
    # Task handles' reads of a run, kept followed between polls (follow/reads.py).
    reads: RunReads
    tasks: anyio.abc.TaskGroup
    drain: Drain

    def client(self, headers: Mapping[str, str] | None = None) -> ArizeClient:
        """A client acting with the caller's own key when the request carries one, else the server's.

        The caller's key is masked in everything this request outputs; one that no header can carry
        is refused here, before it could reach an error message."""
        own = (headers or {}).get(API_KEY_HEADER, "").strip()
        if not own:
            return self.server_client
        add_request_secrets([own])
        if not is_header_safe(own):
            raise InvalidApiKeyError("the X-Arize-Api-Key header")
        return self._client_with(SecretStr(own))

    @cached_property
    def server_client(self) -> ArizeClient:
        """The client acting with the server's own key; built once, as every call without a key of its own uses it."""
        return self._client_with(self.settings.api_key)

    def _client_with(self, key: SecretStr | None) -> ArizeClient:
        connection = self.settings.connection
        return ArizeClient(
            self.http.client,
            connection.base_url,
            key,
            retry=self.settings.retry,
            deadline_seconds=self.settings.timeout_seconds,
            config_problem=connection.problem,
        )


def lifespan_for(settings: Settings, drain: Drain | None = None, tls: PreparedTls | None = None):  # noqa: ANN201 - the SDK's lifespan factory shape
    """`tls`: the connection's TLS verification, when it is already being built (cli.py starts it early)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[Runtime]:
        connection = settings.connection
        if tls is not None:
            verify = tls.verification()
        else:
            verify = tls_verification(connection.ca_bundle, connection.verify_tls)
        async with HttpPool(settings, verify) as http:
            async with anyio.create_task_group() as tasks:
                feeds = RunFeeds(tasks, settings.poll, max_retry_after_seconds=settings.retry.max_retry_after_seconds)
                yield Runtime(
                    settings=settings,
                    http=http,
                    feeds=feeds,
                    # Long enough that a client keeping to pollIntervalMs always finds the run still followed.
                    reads=RunReads(feeds, tasks, linger_seconds=2 * settings.poll.max_seconds),
                    tasks=tasks,
                    drain=drain or Drain(),
                )
                tasks.cancel_scope.cancel()

    return lifespan


def runtime_of(ctx: Context[Any, Any]) -> Runtime:
    return ctx.request_context.lifespan_context


def request_headers(ctx: ServerRequestContext[Any, Any]) -> Mapping[str, str] | None:
    """The HTTP headers of a lowlevel handler's request (None on stdio)."""
    return getattr(ctx.request, "headers", None)


def client_for(ctx: Context[Any, Any]) -> ArizeClient:
    """The Arize client for this request (the caller's own key over HTTP, if it sent one)."""
    return runtime_of(ctx).client(ctx.headers)
