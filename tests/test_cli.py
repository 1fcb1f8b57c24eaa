"""The command line as a new user meets it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx2
import pytest

ARIZE_MCP = [sys.executable, "-m", "arize_mcp"]


def run(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ARIZE_MCP, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ["--sandbox", "ARIZE_API_KEY", "ARIZE_REGION", "ARIZE_API_HOST", "emulator", "demo"]),
        (("emulator",), ["--host", "--port", "--robustness-lowercase-enums", "Bearer"]),
        (("demo",), ["--sandbox", "stdio"]),
    ],
)
def test_help_explains_each_command(args: tuple[str, ...], expected: list[str]) -> None:
    result = run(*args, "--help")
    assert result.returncode == 0
    for word in expected:
        assert word in result.stdout, word


def test_console_script_is_installed() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "arize-mcp")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("arize-mcp ")


# Arize connection settings do not stop the server (tests/test_stdio.py); the server's own do.
@pytest.mark.parametrize(("name", "value"), [("ARIZE_MCP_READ_ONLY", "gopher"), ("ARIZE_MCP_SANDBOX", "maybe")])
def test_bad_configuration_is_a_clear_startup_error(name: str, value: str) -> None:
    result = run(env={**os.environ, name: value})
    assert result.returncode == 2
    assert name in result.stderr and result.stdout == ""


def test_demo_runs_end_to_end() -> None:
    result = run("demo", "--run-seconds", "2", timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Tools: " in out and "trigger_task" in out and "wait_for_task_run" in out
    assert "> trigger_task(" in out and "> wait_for_task_run(" in out
    progress = [line for line in out.splitlines() if line.startswith("  [")]
    assert len(progress) >= 2 and any("running — " in line for line in progress)
    assert "completed — " in progress[-1]
    assert "Done: the run is completed." in out


def test_emulator_command_serves_http_and_stops_on_sigterm() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ARIZE_API_KEY": "cli-emulator-key"}
    process = subprocess.Popen(
        [*ARIZE_MCP, "emulator", "--port", str(port), "--robustness-lowercase-enums"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/v2/tasks"
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx2.get(url, headers={"Authorization": "Bearer cli-emulator-key"}, timeout=2)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["tasks"]
        assert httpx2.get(url, timeout=2).status_code == 401
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
        assert process.returncode == 0
        assert "cli-emulator-key" not in stdout + stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
