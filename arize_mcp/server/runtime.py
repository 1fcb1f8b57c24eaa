"""What handlers share for the server's lifetime: settings, one HTTP pool, the run feeds, the drain.

Over HTTP a caller may bring its own Arize key in `X-Arize-Api-Key`; it is used for that
request only and never stored, so one deployment serves many users with their own permissions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import anyio
import httpx2
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from pydantic import SecretStr

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.errors import InvalidApiKeyError
from arize_mcp.api.http import new_http_client
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


@dataclass
class Runtime:
    """The lifespan state: built when the server starts, closed when it stops."""

    settings: Settings
    http: httpx2.AsyncClient
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
            self.http,
            connection.base_url,
            key,
            retry=self.settings.retry,
            deadline_seconds=self.settings.timeout_seconds,
            config_problem=connection.problem,
        )


def lifespan_for(settings: Settings, drain: Drain | None = None):  # noqa: ANN201 - the SDK's lifespan factory shape
    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[Runtime]:
        connection = settings.connection
        http = new_http_client(
            timeout_seconds=settings.timeout_seconds,
            proxy_url=connection.proxy_url,
            ca_bundle=connection.ca_bundle,
            verify_tls=connection.verify_tls,
        )
        async with http:
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
