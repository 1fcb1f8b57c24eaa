"""The team service where uvicorn's optional speed-ups are installed (as `uvicorn[standard]`
brings them): uvicorn then runs on uvloop and parses HTTP with httptools, on its own accord."""

from __future__ import annotations

from pathlib import Path

import pytest

from arize_mcp.emulator import HALLUCINATION
from tests.conftest import Upstream
from tests.helpers import ok
from tests.integrations.provision import ensure_venv
from tests.service.conftest import http_server
from tests.service.test_http import mcp_session

pytestmark = pytest.mark.anyio

SPEEDUPS = ["uvloop==0.23.0", "httptools==0.9.0"]


@pytest.fixture(scope="session")
def speedups() -> Path:
    """The site-packages of a cached environment holding uvloop and httptools (same interpreter)."""
    home = ensure_venv("uvicorn-speedups", SPEEDUPS).parent
    return next((home / "lib").glob("python*/site-packages"))


@pytest.mark.parametrize("flags", [(), ("--stateless",)])
async def test_the_service_answers_on_uvloop_and_httptools(
    upper_upstream: Upstream, speedups: Path, flags: tuple[str, ...]
) -> None:
    with http_server(upper_upstream.env(PYTHONPATH=str(speedups)), *flags) as server:
        async with mcp_session(server.url) as client:
            assert ok(await client.call_tool("list_tasks", {"name": HALLUCINATION}))["tasks"]
        loaded = Path(f"/proc/{server.process.pid}/maps").read_text()
    assert "uvloop" in loaded and "httptools" in loaded  # what was tested is what uvicorn picked
