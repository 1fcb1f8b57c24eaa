"""`--sandbox`: the server and an embedded emulator, wired to the same generated key."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from arize_mcp.config import ApiKey, Settings
from arize_mcp.emulator import Emulator, EmulatorConfig, EmulatorServer

# Upstream-address settings would point the sandbox elsewhere, so they are ignored here.
_UPSTREAM_VARS = ("ARIZE_API_KEY", "ARIZE_REGION", "ARIZE_API_HOST", "ARIZE_API_SCHEME", "ARIZE_API_PORT")
DEFAULT_RUN_SECONDS = 12.0


@contextmanager
def sandbox_settings(run_seconds: float = DEFAULT_RUN_SECONDS) -> Iterator[Settings]:
    """Start the emulator on a free loopback port and yield settings that reach it."""
    key = "sandbox-" + secrets.token_urlsafe(24)
    emulator = Emulator(EmulatorConfig(api_keys=frozenset({key}), run_seconds=run_seconds))
    env = {name: value for name, value in os.environ.items() if name not in _UPSTREAM_VARS}
    with EmulatorServer(emulator) as server:
        yield dataclasses.replace(Settings.from_env(env), base_url=server.url, api_key=ApiKey(key))
