"""`--sandbox`: the server and an embedded emulator, wired to the same generated key."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import SecretStr

from arize_mcp.config import DEFAULT_SANDBOX_RUN_SECONDS, Connection, Settings
from arize_mcp.emulator import Emulator, EmulatorConfig, EmulatorServer


@contextmanager
def sandbox_settings(run_seconds: float = DEFAULT_SANDBOX_RUN_SECONDS) -> Iterator[Settings]:
    """Start the emulator on a free loopback port and yield settings that reach it.

    The environment's upstream settings (key, region, host, proxy, CA bundle) are ignored: they
    would point the sandbox elsewhere."""
    key = "sandbox-" + secrets.token_urlsafe(24)
    emulator = Emulator(EmulatorConfig(api_keys=frozenset({key}), run_seconds=run_seconds))
    with EmulatorServer(emulator) as server:
        settings = Settings.from_env(upstream=False)
        connection = Connection(base_url=server.url, decided_by="--sandbox (embedded emulator)")
        yield dataclasses.replace(settings, connection=connection, api_key=SecretStr(key))
