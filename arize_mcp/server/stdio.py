"""stdio as desktop and IDE clients run the server: the SDK's transport, fed screened lines.

Every line from stdin passes jsonrpc.py's `screen` before the SDK sees it; a line it refuses is
answered on stdout (through the SDK's own writer, so answers never interleave) and never reaches
the SDK, which would drop it without a word. stdout carries nothing but JSON-RPC messages.

Clients connect through a pipe or a socket pair. Those are read and written on the event loop
(`Pipe`), not through a worker thread per line read and two per message written (the SDK's
default, `anyio.wrap_file`): each thread hand-off costs tens to hundreds of microseconds, which is
most of what a call costs beyond its upstream GET. While serving, fd 1 points at stderr, so
stray output from any library misses the wire (the SDK's own stdio transport does the same). A
terminal or a regular file on either end is served the SDK's way.

When stdin ends (the client's way to stop a stdio server), the server drains as it does on SIGTERM
over HTTP: waits return their latest state at once, and every request already read is answered
(for at most `END_GRACE_SECONDS`) before the server exits.
"""

from __future__ import annotations

import fcntl
import os
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, contextmanager
from io import TextIOWrapper
from types import TracebackType
from typing import Any, Self

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp.types import (
    JSONRPCError,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
)

from arize_mcp.server.jsonrpc import screen
from arize_mcp.server.runtime import Drain
from arize_mcp.server.seams import WriteStream, serve_streams

READ_CHUNK = 1 << 16
END_GRACE_SECONDS = 5.0


class Unanswered:
    """The requests read and not yet answered (nor cancelled by the client)."""

    def __init__(self) -> None:
        self._ids: set[RequestId] = set()
        self._none_left = anyio.Event()
        self._none_left.set()

    def read(self, message: Any) -> None:
        if isinstance(message, JSONRPCRequest):
            if not self._ids:
                self._none_left = anyio.Event()
            self._ids.add(message.id)
        elif isinstance(message, JSONRPCNotification) and message.method == "notifications/cancelled":
            self.settled((message.params or {}).get("requestId"))

    def settled(self, request_id: RequestId | None) -> None:
        self._ids.discard(request_id)  # type: ignore[arg-type]
        if not self._ids:
            self._none_left.set()

    async def all_answered(self) -> None:
        await self._none_left.wait()


class AnswersSeen:
    """The SDK's write stream, telling `unanswered` of each answer it carries."""

    def __init__(self, stream: WriteStream[SessionMessage], unanswered: Unanswered) -> None:
        self._stream = stream
        self._unanswered = unanswered

    async def send(self, item: SessionMessage, /) -> None:
        await self._stream.send(item)
        if isinstance(item.message, JSONRPCResponse | JSONRPCError):
            self._unanswered.settled(item.message.id)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> Self:
        await self._stream.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        return await self._stream.__aexit__(exc_type, exc, tb)


class ScreenedLines:
    """The lines of `source` the SDK may parse; the others are answered on `answers` once it is set.
    When `source` ends, `drain` starts and the lines end once every request read is answered."""

    def __init__(self, source: AsyncIterator[str], drain: Drain) -> None:
        self._source = source
        self._drain = drain
        self.unanswered = Unanswered()
        self.answers: WriteStream[SessionMessage] | None = None

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self._source:
            if not line.strip():
                continue
            screened = screen(line)
            if screened.message is not None:
                self.unanswered.read(screened.message)
                yield line
            elif screened.answer is not None:
                assert self.answers is not None, "answers are set before the first line is read"
                await self.answers.send(SessionMessage(screened.answer))
        self._drain.start()
        with anyio.move_on_after(END_GRACE_SECONDS):
            await self.unanswered.all_answered()


class Pipe:
    """A non-blocking pipe or socket end, read by lines and written whole, on the event loop.

    `write` only buffers; `flush` writes it all, waiting while the other end is full, so a slow
    reader holds back this writer alone. The shapes are those of `anyio.AsyncFile[str]` that the
    SDK's stdio transport uses."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._unsent = bytearray()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        unread = bytearray()
        while True:
            try:
                chunk = os.read(self._fd, READ_CHUNK)
            except BlockingIOError:
                await anyio.wait_readable(self._fd)
                continue
            if not chunk:
                if unread:
                    yield unread.decode("utf-8", errors="replace")
                return
            unread += chunk
            if b"\n" not in chunk:
                continue  # a long line is split once, when its end arrives
            *lines, rest = unread.split(b"\n")
            unread = bytearray(rest)
            for line in lines:
                yield line.decode("utf-8", errors="replace") + "\n"

    async def write(self, text: str) -> None:
        self._unsent += text.encode("utf-8")

    async def flush(self) -> None:
        while self._unsent:
            try:
                written = os.write(self._fd, self._unsent)
            except BlockingIOError:
                await anyio.wait_writable(self._fd)
                continue
            del self._unsent[:written]


def is_pipe(fd: int) -> bool:
    """Whether `fd` is a pipe or a socket: what the event loop can wait on (a terminal is left alone,
    since its non-blocking flag would outlive us in the shell that shares it)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@contextmanager
def non_blocking(fd: int) -> Iterator[int]:
    """`fd` with O_NONBLOCK set until the block ends (the flag belongs to the open file, so it is restored)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        yield fd
    finally:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags)


@contextmanager
def wire_out() -> Iterator[int]:
    """A private descriptor for the wire on stdout, with fd 1 pointed at stderr until the block ends."""
    sys.stdout.flush()
    wire = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    os.dup2(2, 1)
    try:
        yield wire
    finally:
        sys.stdout.flush()
        os.dup2(wire, 1)
        os.close(wire)


async def serve_stdio(server: MCPServer[Any], drain: Drain) -> None:
    """Serve `server` (built with `drain`) over this process's stdin and stdout until stdin closes."""
    with ExitStack() as stack:
        if is_pipe(0) and is_pipe(1):
            stdin: Any = Pipe(stack.enter_context(non_blocking(0)))
            stdout: Any = Pipe(stack.enter_context(non_blocking(stack.enter_context(wire_out()))))
        else:
            stdin = anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
            stdout = None  # the SDK claims fd 1 itself
        lines = ScreenedLines(stdin, drain)
        async with stdio_server(stdin=lines, stdout=stdout) as (read_stream, write_stream):  # type: ignore[arg-type]
            # Set before anything awaits, so before the SDK's reader takes the first line.
            lines.answers = write_stream
            await serve_streams(server, read_stream, AnswersSeen(write_stream, lines.unanswered))
