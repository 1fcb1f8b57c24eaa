"""The lifespan's HTTP pool: built by the first call that needs it (not before the server answers
`initialize`), one for the server's life, closed with it."""

from __future__ import annotations

import httpx2
import pytest

from arize_mcp.config import Connection, Settings
from arize_mcp.server import runtime
from arize_mcp.server.runtime import HttpPool

pytestmark = pytest.mark.anyio


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[httpx2.AsyncClient]:
    """Every pool built, in order."""
    clients: list[httpx2.AsyncClient] = []
    build = runtime.http_client_with

    def counted(**options: object) -> httpx2.AsyncClient:
        clients.append(build(**options))  # type: ignore[arg-type]
        return clients[-1]

    monkeypatch.setattr(runtime, "http_client_with", counted)
    return clients


async def test_one_pool_serves_every_call_and_closes_with_the_server(built: list[httpx2.AsyncClient]) -> None:
    settings = Settings(connection=Connection(base_url="http://127.0.0.1:9"), timeout_seconds=7.0)
    async with HttpPool(settings, verify=True) as pool:
        assert built == []
        client = pool.client
        assert pool.client is client and built == [client] and not client.is_closed
        assert client.timeout.read == 7.0 and client.timeout.connect == 7.0
    assert client.is_closed


async def test_a_server_no_call_needed_never_builds_a_pool(built: list[httpx2.AsyncClient]) -> None:
    async with HttpPool(Settings(), verify=False):
        pass
    assert built == []
