"""Shared fixtures: an emulator over loopback HTTP, settings that reach it, and MCP clients."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from mcp import Client, StdioServerParameters
from pydantic import SecretStr

from arize_mcp.api.retry import RetryPolicy
from arize_mcp.config import Connection, Settings
from arize_mcp.emulator import Emulator, EmulatorConfig, EmulatorServer
from arize_mcp.follow import PollSchedule
from arize_mcp.server import build_server

# The TLS fixtures (certificate, tls_server) for every module that reaches Arize over https.
pytest_plugins = ["tests.tls"]

API_KEY = "test-key-5f2c9a1e7b"  # distinctive, so a leak is easy to grep for
READ_ONLY_KEY = "test-readonly-key-81d0"
RUN_SECONDS = 0.6
ALL_TOOLS = frozenset(
    {"list_tasks", "get_task", "trigger_task", "get_task_run", "list_task_runs", "wait_for_task_run", "cancel_task_run"}
)

FAST_RETRY = RetryPolicy(max_attempts=4, base_delay_seconds=0.01, max_delay_seconds=0.05, max_retry_after_seconds=0.2)
FAST_POLL = PollSchedule(initial_seconds=0.05, growth=1.5, max_seconds=0.2)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Upstream:
    emulator: Emulator
    server: EmulatorServer

    @property
    def url(self) -> str:
        return self.server.url

    def settings(self, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "connection": Connection(base_url=self.url),
            "api_key": SecretStr(API_KEY),
            "retry": FAST_RETRY,
            "poll": FAST_POLL,
            "timeout_seconds": 5.0,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a server subprocess that reaches this emulator."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARIZE_")}
        env.update(
            ARIZE_API_KEY=API_KEY,
            ARIZE_API_SCHEME="http",
            ARIZE_API_HOST=self.server.host,
            ARIZE_API_PORT=str(self.server.port),
            ARIZE_MCP_POLL_INITIAL_SECONDS="0.05",
            ARIZE_MCP_POLL_MAX_SECONDS="0.2",
        )
        env.update(extra)
        return env

    def count(self, route: str | None = None, method: str | None = None) -> int:
        return len(self.emulator.recorded(route=route, method=method))


def start_upstream(**config: object) -> Upstream:
    values: dict[str, object] = {
        "api_keys": frozenset({API_KEY, READ_ONLY_KEY}),
        "read_only_keys": frozenset({READ_ONLY_KEY}),
        "run_seconds": RUN_SECONDS,
    }
    values.update(config)
    emulator = Emulator(EmulatorConfig(**values))  # type: ignore[arg-type]
    return Upstream(emulator, EmulatorServer(emulator).start())


@pytest.fixture(params=["api-casing", "lowercase-robustness"])
def upstream(request: pytest.FixtureRequest) -> Iterator[Upstream]:
    """The emulator, once as the API answers (UPPERCASE statuses and types) and once with them
    lowercase: a robustness test of our client, which must read either."""
    up = start_upstream(robustness_lowercase_enums=request.param == "lowercase-robustness")
    try:
        yield up
    finally:
        up.server.stop()


@pytest.fixture
def upper_upstream() -> Iterator[Upstream]:
    up = start_upstream()
    try:
        yield up
    finally:
        up.server.stop()


@pytest.fixture
async def mcp_client(upstream: Upstream) -> AsyncIterator[Client]:
    async with Client(build_server(upstream.settings())) as client:
        yield client


def stdio_params(env: dict[str, str], *args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", "arize_mcp", *args], env=env)
