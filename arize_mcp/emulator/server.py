"""Serving an emulator over HTTP with uvicorn: in a background thread, or in the foreground."""

from __future__ import annotations

import copy
import socket
import threading
import time
from types import TracebackType

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from arize_mcp.asgi import CleanExitServer
from arize_mcp.emulator.config import EmulatorConfig
from arize_mcp.emulator.emulator import Emulator

_START_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 5.0
# In-flight requests (e.g. an injected delay) get this long to finish when the server stops.
_GRACEFUL_SHUTDOWN_SECONDS = 1


class EmulatorServer:
    """Runs an emulator's app with uvicorn in a daemon thread; usable from sync and async code.

    uvicorn is told to write nothing to stdout (no log config, no access log, warnings only), as
    the sandbox runs it inside a process whose stdout is an MCP stdio channel.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        """Start serving; returns once uvicorn accepts connections."""
        if self._server is not None:
            raise RuntimeError("the emulator server is already running")
        self._socket = _bind(self.host, self.port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.emulator.app,
            log_config=None,
            access_log=False,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"arize-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end; safe to call more than once."""
        server, thread, sock = self._server, self._thread, self._socket
        self._server = self._thread = self._socket = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(_STOP_TIMEOUT_SECONDS)
        if sock is not None:
            sock.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    # Binding here, not in uvicorn, makes port 0 resolve to a known port before start. The
    # protocol must be named: asyncio disables Nagle only on sockets whose proto is TCP, and with
    # Nagle on, every keep-alive response stalls ~40 ms (headers and body are separate writes).
    addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    family, kind, proto, _, address = addresses[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def serve(config: EmulatorConfig, host: str, port: int) -> None:
    """Serve a new emulator in the foreground until Ctrl-C or SIGTERM, then return (exit code 0).

    Logs, access log included, go to stderr so stdout stays free for the caller.
    """
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    server = CleanExitServer(
        uvicorn.Config(
            Emulator(config).app,
            host=host,
            port=port,
            log_config=log_config,
            lifespan="off",
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
        )
    )
    server.run()
