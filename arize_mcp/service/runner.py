"""Serving with uvicorn, and SIGTERM as a graceful drain that ends with exit code 0.

On SIGTERM (or Ctrl-C): new MCP requests get 503 and /readyz says draining, so the load balancer
moves on; waiting calls return their latest run with terminal=false; in-flight calls get up to
the grace period to finish; then the server stops. A second signal stops it at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import FrameType

import uvicorn

from arize_mcp.asgi import CleanExitServer
from arize_mcp.config import Settings
from arize_mcp.server import Drain
from arize_mcp.server.seams import gated_http_protocol
from arize_mcp.service.app import build_http_app
from arize_mcp.service.connections import BACKLOG, REFUSED, TOO_SLOW, ConnectionGate, connection_limit
from arize_mcp.service.guard import Guard
from arize_mcp.service.options import HttpOptions

log = logging.getLogger(__name__)


class DrainingServer(CleanExitServer):
    """The first signal drains (see the module docstring); a second stops the server at once."""

    def __init__(self, config: uvicorn.Config, guard: Guard, drain: Drain, grace_seconds: float) -> None:
        super().__init__(config)
        self._guard = guard
        self._drain = drain
        self._grace_seconds = grace_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining = False

    async def serve(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._draining or self._loop is None:
            super().handle_exit(sig, frame)
            return
        self._draining = True
        log.info("shutting down: draining in-flight requests (up to %.0f s)", self._grace_seconds)
        loop = self._loop
        loop.call_soon_threadsafe(lambda: loop.create_task(self._drain_then_exit()))

    async def _drain_then_exit(self) -> None:
        self._drain.start()
        deadline = time.monotonic() + self._grace_seconds
        while self._guard.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self._guard.in_flight:
            log.warning("grace period over with %d request(s) still running", self._guard.in_flight)
        self.should_exit = True


def serve_http(settings: Settings, options: HttpOptions) -> None:
    options.check()
    drain = Drain()
    guard = build_http_app(settings, options, drain)
    gate = ConnectionGate(connection_limit(options.max_connections), options.header_timeout_seconds)
    config = uvicorn.Config(
        guard,
        host=options.host,
        port=options.port,
        log_config=None,
        access_log=False,  # the guard writes one line per request, without header values
        lifespan="on",
        timeout_graceful_shutdown=5,
        http=gated_http_protocol(gate, REFUSED, TOO_SLOW),
        backlog=BACKLOG,
        server_header=False,  # names the software to anyone probing the service
    )
    log.info(
        "serving MCP at http://%s:%d%s (%s%s; at most %d connections)",
        options.host,
        options.port,
        options.path,
        "stateless" if options.stateless else "stateful",
        ", bearer token required" if options.auth_token else "",
        gate.limit,
    )
    DrainingServer(config, guard, drain, options.grace_seconds).run()
