"""The official Arize SDK and `ax` CLI, installed once into a cached environment of their own, and
`arize-mcp emulator` as a real subprocess on a free loopback port for them to drive.

The SDK runs only in its own environment, through `sdk_session.py` subprocesses; our client runs
in ours. Pinned versions are the contract this project was checked against: bump deliberately.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.integrations.provision import ensure_venv

SDK_VERSION = "8.61.0"
AX_CLI_VERSION = "0.39.0"
SDK_REQUIREMENTS = (f"arize=={SDK_VERSION}", f"arize-ax-cli=={AX_CLI_VERSION}")
SESSION_SCRIPT = Path(__file__).with_name("sdk_session.py")
EMULATOR_KEY = "conformance-key-3e9d1c"
SDK_TIMEOUT_SECONDS = 240.0
START_TIMEOUT_SECONDS = 30.0


@pytest.fixture(scope="session")
def sdk_bin() -> Path:
    """`bin` of a virtual environment holding exactly the pinned SDK and CLI."""
    return ensure_venv("arize-sdk", SDK_REQUIREMENTS)


@dataclass
class EmulatorProcess:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """An environment in which the SDK (and our server) reach this emulator."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARIZE_") and "PROXY" not in k.upper()}
        env.update(
            ARIZE_API_KEY=EMULATOR_KEY,
            ARIZE_API_SCHEME="http",
            ARIZE_API_HOST=self.host,
            ARIZE_API_PORT=str(self.port),
            # Keeps the SDK's files (caches, logs) inside the test's environment, not the user's home.
            ARIZE_DIRECTORY=str(Path(env.get("TMPDIR", "/tmp")) / f"arize-conformance-{os.getpid()}"),
        )
        env.update(extra)
        return env


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """`arize-mcp emulator` as users start it; runs finish 1.5 s after their trigger."""
    port = _free_port()
    env = {**os.environ, "ARIZE_API_KEY": EMULATOR_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "arize_mcp", "emulator", "--port", str(port), "--run-seconds", "1.5"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/v2/tasks", process)
        yield EmulatorProcess("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def run_sdk(sdk_bin: Path, command: str, given: Any, env: dict[str, str]) -> Any:
    """Run one `sdk_session.py` command in the SDK's environment; its JSON answer."""
    result = subprocess.run(
        [str(sdk_bin / "python"), str(SESSION_SCRIPT), command],
        input=json.dumps(given),
        env=env,
        capture_output=True,
        text=True,
        timeout=SDK_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        pytest.fail(f"sdk_session.py {command} exited {result.returncode}:\n{result.stderr[-4000:]}", pytrace=False)
    return json.loads(result.stdout)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"arize-mcp emulator exited with {process.returncode}", pytrace=False)
        try:
            httpx2.get(url, timeout=1.0)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    pytest.fail(f"arize-mcp emulator did not serve {url} within {START_TIMEOUT_SECONDS:.0f} s", pytrace=False)
