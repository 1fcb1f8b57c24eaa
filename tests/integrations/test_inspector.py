"""The MCP Inspector's CLI, the protocol's reference client, against the server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import API_KEY, Upstream
from tests.integrations.launch import ARIZE_MCP, CORE_TOOLS, SANDBOX_ARGS
from tests.integrations.provision import run

INSPECTOR_TIMEOUT = 120.0


def inspector(npm_bin: Path, home: Path, *options: str, server_args: tuple[str, ...] = ()) -> dict[str, Any]:
    """One `mcp-inspector --cli` call: it starts the server, makes one request and prints the result.

    A tool result with isError makes the Inspector exit non-zero, which fails the test here.
    """
    env = {**os.environ, "HOME": str(home), "MCP_INSPECTOR_SECRET_STORE": "memory"}  # no keychain here; keep nothing
    cli: list[str | os.PathLike[str]] = [npm_bin / "mcp-inspector", "--cli", "--format", "json", *options]
    done = run([*cli, "--", ARIZE_MCP, *server_args], env=env, timeout=INSPECTOR_TIMEOUT)
    return json.loads(done.stdout)["result"]


def emulator_env(upstream: Upstream) -> list[str]:
    settings = {
        "ARIZE_API_KEY": API_KEY,
        "ARIZE_API_SCHEME": "http",
        "ARIZE_API_HOST": upstream.server.host,
        "ARIZE_API_PORT": str(upstream.server.port),
    }
    return [option for name, value in settings.items() for option in ("-e", f"{name}={value}")]


@pytest.mark.parametrize("era", ["legacy", "modern"])  # the initialize handshake, and the 2026-07-28 protocol
def test_inspector_lists_tools_with_portable_schemas(npm_bin: Path, tmp_path: Path, era: str) -> None:
    # --strict makes the Inspector exit non-zero on any error-level schema portability problem.
    options = ("--protocol-era", era, "--strict", "--method", "tools/list")
    listed = inspector(npm_bin, tmp_path, *options, server_args=SANDBOX_ARGS)
    tools = {tool["name"]: tool for tool in listed["tools"]}
    assert CORE_TOOLS <= set(tools)
    assert all(tool["inputSchema"]["type"] == "object" and tool["outputSchema"] for tool in tools.values())


def test_inspector_calls_get_task_run(npm_bin: Path, tmp_path: Path, upper_upstream: Upstream) -> None:
    # Every Inspector call starts a new server, and a sandbox's emulator lives only as long as its
    # server; so both calls go to the test's emulator, where the triggered run outlives the first.
    env_options = emulator_env(upper_upstream)

    def call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        options = ("--method", "tools/call", "--tool-name", tool, "--tool-args-json", json.dumps(arguments))
        return inspector(npm_bin, tmp_path, *env_options, *options)

    task_id = upper_upstream.emulator.task_id("Hallucination check")
    run_id = call("trigger_task", {"task_id": task_id, "data_start_time": "-2h"})["structuredContent"]["run"]["id"]
    got = call("get_task_run", {"run_id": run_id})
    assert (got["structuredContent"]["id"], got["structuredContent"]["task_id"]) == (run_id, task_id)
    assert got["structuredContent"]["status"] in {"pending", "running", "completed"}


@pytest.mark.parametrize("flags", [(), ("--stateless",)])
def test_inspector_over_streamable_http(
    npm_bin: Path, tmp_path: Path, upper_upstream: Upstream, flags: tuple[str, ...]
) -> None:
    """The team service, reached by URL with a bearer token, as a remote client would."""
    from tests.service.conftest import http_server

    token = "inspector-token-51b7"
    env = {**os.environ, "HOME": str(tmp_path), "MCP_INSPECTOR_SECRET_STORE": "memory"}
    with http_server(upper_upstream.env(ARIZE_MCP_AUTH_TOKEN=token), *flags) as server:
        base = [
            npm_bin / "mcp-inspector",
            "--cli",
            "--format",
            "json",
            "--transport",
            "http",
            "--header",
            f"Authorization: Bearer {token}",
        ]

        def request(*options: str) -> dict[str, Any]:
            done = run([*base, *options, server.url], env=env, timeout=INSPECTOR_TIMEOUT)
            return json.loads(done.stdout)["result"]

        listed = request("--method", "tools/list")
        assert CORE_TOOLS <= {tool["name"] for tool in listed["tools"]}
        task_id = upper_upstream.emulator.task_id("Hallucination check")
        triggered = request(
            "--method",
            "tools/call",
            "--tool-name",
            "trigger_task",
            "--tool-args-json",
            json.dumps({"task_id": task_id}),
        )
        run_id = triggered["structuredContent"]["run"]["id"]
        got = request(
            "--method", "tools/call", "--tool-name", "get_task_run", "--tool-args-json", json.dumps({"run_id": run_id})
        )
        assert got["structuredContent"]["id"] == run_id
        server.wait_for_log("tool=get_task_run")
