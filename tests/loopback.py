"""An ASGI app served by uvicorn on a loopback port, in the test's own event loop."""

from __future__ import annotations

import functools
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import uvicorn
from starlette.types import ASGIApp


@asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[str]:
    """The app's `/mcp` URL while uvicorn serves it. As in a deployment, the app's lifespan
    outlives each client connection, so a disconnect is only a disconnect."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=1)
        http = uvicorn.Server(config)
        async with anyio.create_task_group() as group:
            group.start_soon(functools.partial(http.serve, sockets=[sock]))
            with anyio.fail_after(10):
                while not http.started:
                    await anyio.sleep(0.01)
            try:
                yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
            finally:
                http.should_exit = True
