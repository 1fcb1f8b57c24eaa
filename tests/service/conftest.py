"""HTTP service fixtures: the server as a real subprocess on a free loopback port."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2

from tests.conftest import Upstream


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class HttpServer:
    process: subprocess.Popen[bytes]
    port: int
    stderr_file: tempfile._TemporaryFileWrapper  # type: ignore[type-arg]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"

    def stderr(self) -> str:
        self.stderr_file.flush()
        with open(self.stderr_file.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def wait_for_log(self, text: str, timeout: float = 10) -> str:
        """The stderr so far, once it contains `text`: a log line is written after the response
        it describes has been sent, so a test that just got the response may be ahead of it."""
        deadline = time.monotonic() + timeout
        while text not in (logs := self.stderr()):
            assert time.monotonic() < deadline, f"{text!r} never appeared in the server's log:\n{logs}"
            time.sleep(0.02)
        return logs

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then the exit code once the process has drained and stopped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


@contextmanager
def http_server(
    env: dict[str, str], *args: str, ready: bool = True, fd_limit: int | None = None
) -> Iterator[HttpServer]:
    """The server as a subprocess; `fd_limit` lowers its open-file limit (RLIMIT_NOFILE) first."""
    port = free_port()
    stderr_file = tempfile.NamedTemporaryFile("w+b", suffix=".log", delete=False)

    def lower_fd_limit() -> None:
        if fd_limit is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    process = subprocess.Popen(
        [sys.executable, "-m", "arize_mcp", "--transport", "http", "--port", str(port), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr_file,
        preexec_fn=lower_fd_limit if fd_limit is not None else None,
    )
    server = HttpServer(process, port, stderr_file)
    try:
        if ready:
            wait_until_healthy(server)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        stderr_file.close()
        os.unlink(stderr_file.name)


# Start-up takes about a second; a machine busy with other suites can take many times that.
def wait_until_healthy(server: HttpServer, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert server.process.poll() is None, f"server exited early:\n{server.stderr()}"
        try:
            if httpx2.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        assert time.monotonic() < deadline, f"server did not become healthy:\n{server.stderr()}"
        time.sleep(0.05)


@asynccontextmanager
async def sigterm_during_a_slow_read(
    upstream: Upstream, server: HttpServer, read: Callable[[], Awaitable[dict[str, Any]]]
) -> AsyncIterator[dict[str, Any]]:
    """SIGTERM to `server` while `read` (a get_task_run) is in flight, its upstream read slowed to
    2 s. The block runs once the signal is sent; when it ends, `read` has finished and its result
    is in the dict yielded."""
    upstream.emulator.faults.inject(route="get_run", status=200, delay=2.0)
    result: dict[str, Any] = {}

    async def run_read() -> None:
        result.update(await read())

    async with anyio.create_task_group() as group:
        group.start_soon(run_read)
        with anyio.fail_after(10):
            while not upstream.emulator.recorded(route="get_run"):
                await anyio.sleep(0.02)
        server.process.send_signal(signal.SIGTERM)
        yield result
