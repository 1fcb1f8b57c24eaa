"""Starting the server the way a client's config says, and checking that what started is ours."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from arize_mcp.emulator import HALLUCINATION
from tests.conftest import Upstream
from tests.helpers import ok
from tests.integrations.provision import REPO_ROOT

MANIFESTS = REPO_ROOT / "manifests"
# The `arize-mcp` this test run installed; a config's bare `arize-mcp` must resolve to it.
SERVER_BIN_DIR = Path(sys.executable).parent
ARIZE_MCP = SERVER_BIN_DIR / "arize-mcp"
# Tools the integrations rely on; the server may offer more.
CORE_TOOLS = frozenset({"list_tasks", "trigger_task", "get_task_run", "wait_for_task_run"})
SANDBOX_ARGS = ("--sandbox", "--sandbox-run-seconds", "1")
START_TIMEOUT = 120.0  # a first `uv run` builds an environment before the server answers

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def resolve(value: str, variables: Mapping[str, str]) -> str:
    """Substitute `${name}` placeholders the way a client does; an unknown one is a config bug."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in variables, f"placeholder ${{{name}}} in {value!r} is not one this client resolves"
        return variables[name]

    return _PLACEHOLDER.sub(substitute, value)


@dataclass(frozen=True)
class ServerEntry:
    """A server entry of a client config with its placeholders resolved."""

    command: str
    args: tuple[str, ...]
    env: Mapping[str, str]

    @classmethod
    def from_config(cls, entry: Mapping[str, Any], variables: Mapping[str, str]) -> ServerEntry:
        return cls(
            command=resolve(entry["command"], variables),
            args=tuple(resolve(arg, variables) for arg in entry.get("args", [])),
            env={name: resolve(value, variables) for name, value in entry.get("env", {}).items()},
        )

    def params(self, client_env: Mapping[str, str], *extra_args: str) -> StdioServerParameters:
        """Stdio parameters for this entry, started from a client whose own environment is `client_env`."""
        env = {**client_env, **self.env}
        if os.sep not in self.command:
            found = shutil.which(self.command, path=env.get("PATH"))
            assert found is not None, f"{self.command!r} is not on the client's PATH"
            if self.command == ARIZE_MCP.name:  # this run's install, not another one on PATH
                assert Path(found) == ARIZE_MCP, found
        return StdioServerParameters(command=self.command, args=[*self.args, *extra_args], env=env)


def client_environment(upstream: Upstream, **settings: str) -> dict[str, str]:
    """The environment of the app that starts the server.

    `arize-mcp` is on its PATH, ahead of anything else; the emulator's address stands where a
    user's real Arize settings would; `settings` are the user's own variables, such as the key for
    clients that expand `${env:ARIZE_API_KEY}`.
    """
    env = upstream.env()
    del env["ARIZE_API_KEY"]  # the key must arrive through the config under test
    env["PATH"] = os.pathsep.join([str(SERVER_BIN_DIR), env.get("PATH", "")])
    env.update(settings)
    return env


async def assert_serves_with_key(params: StdioServerParameters) -> None:
    """The server starts, lists the core tools, and reaches the emulator with the test key."""
    with anyio.fail_after(START_TIMEOUT):
        async with Client(params) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert CORE_TOOLS <= names, f"missing tools: {sorted(CORE_TOOLS - names)}"
            tasks = ok(await client.call_tool("list_tasks", {}))["tasks"]
    # The emulator answers only the test key, so a listed task proves the key arrived under its real name.
    assert any(task["name"] == HALLUCINATION for task in tasks)


async def assert_sandbox_run_completes(params: StdioServerParameters) -> None:
    """In sandbox mode the server lists the core tools and runs a seeded task to completion."""
    with anyio.fail_after(START_TIMEOUT):
        async with Client(params) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert CORE_TOOLS <= names, f"missing tools: {sorted(CORE_TOOLS - names)}"
            tasks = ok(await client.call_tool("list_tasks", {"name": "Hallucination check"}))["tasks"]
            run = ok(await client.call_tool("trigger_task", {"task_id": tasks[0]["id"], "data_start_time": "-2h"}))[
                "run"
            ]
            waited = ok(await client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 30}))
    assert waited["terminal"] and waited["run"]["status"] == "completed"


async def published_input_schemas() -> dict[str, dict[str, Any]]:
    """Each tool's input schema as the server publishes it (read over stdio with the v2 SDK)."""
    params = StdioServerParameters(command=str(ARIZE_MCP), args=list(SANDBOX_ARGS))
    with anyio.fail_after(START_TIMEOUT):
        async with Client(params) as client:
            return {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}
