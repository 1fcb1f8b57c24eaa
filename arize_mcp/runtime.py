"""What the tools share for the server's lifetime: settings, one HTTP pool, the run feeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2
from mcp.server.mcpserver import Context, MCPServer

from arize_mcp.api.client import ArizeClient
from arize_mcp.config import Settings
from arize_mcp.tools.feeds import RunFeeds


@dataclass
class Runtime:
    settings: Settings
    http: httpx2.AsyncClient
    feeds: RunFeeds
    tasks: anyio.abc.TaskGroup

    def client(self) -> ArizeClient:
        return ArizeClient(self.http, self.settings.base_url, self.settings.api_key, retry=self.settings.retry)


def lifespan_for(settings: Settings):  # noqa: ANN201 - the SDK's lifespan factory shape
    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[Runtime]:
        timeout = httpx2.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
        async with httpx2.AsyncClient(timeout=timeout, follow_redirects=False) as http:
            async with anyio.create_task_group() as tasks:
                yield Runtime(settings=settings, http=http, feeds=RunFeeds(tasks, settings.poll), tasks=tasks)
                tasks.cancel_scope.cancel()

    return lifespan


def runtime_of(ctx: Context[Any, Any]) -> Runtime:
    return ctx.request_context.lifespan_context
