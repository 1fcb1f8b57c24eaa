"""Serving with uvicorn, and SIGTERM as a graceful drain that ends with exit code 0.

On SIGTERM (or Ctrl-C): new MCP requests get 503 and /readyz says draining, so the load balancer
moves on; waiting calls return their latest run with terminal=false; in-flight calls get up to
the grace period to finish; then the server stops. A second signal stops it at once. With
--workers N, the supervisor passes both on to every worker (workers.py) and exits 0 once all
have drained.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import secrets
import socket
import time
from types import FrameType

import uvicorn
from pydantic import SecretStr

from arize_mcp.api.http import PreparedTls
from arize_mcp.asgi import CleanExitServer
from arize_mcp.config import Settings
from arize_mcp.server import Drain
from arize_mcp.server.seams import gated_http_protocol
from arize_mcp.service.app import build_http_app
from arize_mcp.service.connections import BACKLOG, REFUSED, TOO_SLOW, ConnectionGate, connection_limit
from arize_mcp.service.guard import Guard
from arize_mcp.service.options import HttpOptions
from arize_mcp.service.workers import DRAIN_SIGNAL, STOP_SIGNAL, Supervisor, listening_socket

log = logging.getLogger(__name__)

SUPERVISOR_CHECK_SECONDS = 1.0


class DrainingServer(CleanExitServer):
    """The first signal drains (see the module docstring); a second stops the server at once."""

    def __init__(self, config: uvicorn.Config, guard: Guard, drain: Drain, grace_seconds: float) -> None:
        super().__init__(config)
        self._guard = guard
        self._drain = drain
        self._grace_seconds = grace_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._signals = 0
        self._draining = False

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._signals += 1
        if self._signals > 1 or self._loop is None:
            super().handle_exit(sig, frame)
            return
        self.start_drain()

    def start_drain(self) -> None:
        """Begin the drain; once begun, calling this again does nothing (unlike a second signal)."""
        if self._draining or self._loop is None:
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


class WorkerServer(DrainingServer):
    """One worker of several (workers.py): besides its own signals, it drains when the supervisor
    asks (DRAIN_SIGNAL, however often), stops at once on STOP_SIGNAL, and drains if the supervisor
    is gone, so no worker outlives it holding the port."""

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(DRAIN_SIGNAL, self.start_drain)
        loop.add_signal_handler(STOP_SIGNAL, self.stop_now)
        watch = loop.create_task(self._watch_supervisor(os.getppid()))
        try:
            await super().serve(sockets)
        finally:
            watch.cancel()

    def stop_now(self) -> None:
        self.should_exit = True

    async def _watch_supervisor(self, supervisor: int) -> None:
        while os.getppid() == supervisor:
            await asyncio.sleep(SUPERVISOR_CHECK_SECONDS)
        log.warning("the supervisor process is gone: draining")
        self.start_drain()


def serve_http(settings: Settings, options: HttpOptions, tls: PreparedTls | None = None) -> None:
    """Serve until a signal has drained the server; with `options.workers` > 1, in that many
    processes accepting on one listening socket (see workers.py). `tls`: the connection's TLS
    verification, already being built (else each process builds it at start)."""
    options.check()
    if options.workers == 1:
        server = http_server(settings, options, tls=tls)
        _log_serving(options, options.port)
        server.run()
        return
    if settings.task_secret is None:
        # A task handle issued by one worker must be accepted by any other: one secret for all.
        settings = dataclasses.replace(settings, task_secret=SecretStr(secrets.token_urlsafe(32)))
    try:
        listener = listening_socket(options.host, options.port)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", options.host, options.port, exc.strerror or exc)
        raise SystemExit(1) from None
    _log_serving(options, listener.getsockname()[1])

    def work() -> None:
        http_server(settings, options, worker=True, tls=tls).run(sockets=[listener])

    with listener:
        exit_code = Supervisor(options.workers, work).run()
    if exit_code:
        raise SystemExit(exit_code)


def http_server(
    settings: Settings, options: HttpOptions, *, worker: bool = False, tls: PreparedTls | None = None
) -> DrainingServer:
    """A server for this process: the app, its guard and connection gate, and uvicorn's settings."""
    drain = Drain()
    guard = build_http_app(settings, options, drain, tls)
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
        # X-Forwarded-For gives the per-client session limit the real client behind a local proxy;
        # stateless, nothing reads the client address, so each request is spared the parsing.
        proxy_headers=not options.stateless,
    )
    # What exists now (modules, the app, schemas: ~90,000 objects) lives as long as the process; left
    # to the collector, each full collection walks it all (~45 ms on the reference machine, a pause
    # every request in flight waits out). Frozen, collections walk only what requests create.
    gc.freeze()
    return (WorkerServer if worker else DrainingServer)(config, guard, drain, options.grace_seconds)


def _log_serving(options: HttpOptions, port: int) -> None:
    log.info(
        "serving MCP at http://%s:%d%s (%s%s; at most %d connections%s)",
        options.host,
        port,
        options.path,
        "stateless" if options.stateless else "stateful",
        ", bearer token required" if options.auth_token else "",
        connection_limit(options.max_connections),
        f" per worker, {options.workers} workers" if options.workers > 1 else "",
    )
