"""The private or provisional SDK and uvicorn attributes seams.py relies on still exist; an upgrade
that moves one fails here, by name, rather than somewhere far from the cause."""

from __future__ import annotations

import inspect

import pytest
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from arize_mcp.config import Settings
from arize_mcp.server import build_server
from arize_mcp.server.seams import close_session, gated_http_protocol, open_session_ids
from arize_mcp.service.connections import REFUSED, TOO_SLOW, ConnectionGate

pytestmark = pytest.mark.anyio


def test_lowlevel_server_and_middleware() -> None:
    server = build_server(Settings())
    lowlevel = server._lowlevel_server  # noqa: SLF001
    assert callable(lowlevel.run) and callable(lowlevel.create_initialization_options)
    assert callable(lowlevel.add_request_handler) and callable(lowlevel.get_request_handler)
    assert isinstance(server.middleware, list) and len(server.middleware) >= 2  # the SDK's tracing and ours


async def test_session_table() -> None:
    server = build_server(Settings())
    server.streamable_http_app()
    manager = server.session_manager
    assert isinstance(manager._server_instances, dict)  # noqa: SLF001
    assert list(inspect.signature(manager._discard_session).parameters) == ["session_id", "transport"]  # noqa: SLF001
    assert open_session_ids(server) == set()
    await close_session(server, "no-such-session")  # closing an unknown session is a no-op


def test_uvicorn_protocol_arguments() -> None:
    # uvicorn's server builds protocols as cls(config=..., server_state=..., app_state=..., _loop=...).
    parameters = inspect.signature(AutoHTTPProtocol.__init__).parameters
    assert {"config", "server_state", "app_state", "_loop"} <= set(parameters)
    gated = gated_http_protocol(ConnectionGate(10, 1.0), REFUSED, TOO_SLOW)
    assert {"connection_made", "data_received", "connection_lost", "eof_received"} <= set(vars(gated))
