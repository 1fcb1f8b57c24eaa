"""What the HTTP service and the emulator share below Starlette: reading a request body, and a
uvicorn server that exits 0 once a signal has stopped it cleanly."""

from __future__ import annotations

import signal
from types import FrameType

import uvicorn
from starlette.types import Message, Receive


async def read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole request body, or None once it exceeds `limit` bytes. A client that disconnects
    mid-body ends it early."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app `body` (already read) first, then whatever comes after."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class CleanExitServer(uvicorn.Server):
    """A uvicorn server whose process exits 0 after SIGTERM or Ctrl-C.

    uvicorn's own `handle_exit` records each signal and re-raises it once serving ends, so a
    server that shut down cleanly would still die of the signal (exit 143). Handling the signal
    here, without recording it, keeps uvicorn's behaviour otherwise: a first signal stops the
    server gracefully, a second Ctrl-C forces it.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True
