"""The processes a per-call figure runs against: the emulator, our server and the minimal one.

Each runs as its own process, so neither side shares the bench's interpreter (or its GIL) and
both read the same run of the same emulator over loopback HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx2

from arize_mcp.emulator import HALLUCINATION

KEY = "bench-key"
ROOT = Path(__file__).resolve().parent.parent
# The console script installed beside this interpreter: what a user runs.
ARIZE_MCP = str(Path(sys.executable).with_name("arize-mcp"))
READY_SECONDS = 30.0


def our_command(*flags: str) -> list[str]:
    return [ARIZE_MCP, *flags]


def minimal_command(transport: str, url: str, *rest: str) -> list[str]:
    return [sys.executable, "-m", "bench.minimal", transport, url, KEY, *rest]


def our_env(url: str) -> dict[str, str]:
    """This process's environment with Arize pointed at the emulator (config.py reads these)."""
    return {**os.environ, "ARIZE_API_KEY": KEY, "ARIZE_API_HOST": url}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def spawned(
    command: list[str],
    env: dict[str, str] | None = None,
    *,
    port: int | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` until the block ends (then SIGTERM, and SIGKILL if it has not exited within
    30 s); with `port`, wait until it accepts connections there. Its stderr goes to a file that is
    shown if it fails to start."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            preexec_fn=preexec_fn,
        )
        try:
            if port is not None:
                _await_port(process, port, errors)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def emulator() -> Iterator[str]:
    """A standalone emulator (`arize-mcp emulator`); yields its base URL."""
    port = free_port()
    # Runs finish at once, so every read returns the same finished run.
    with spawned(our_command("emulator", "--port", str(port), "--api-key", KEY, "--run-seconds", "0.05"), port=port):
        yield f"http://127.0.0.1:{port}"


def finished_run(url: str) -> str:
    """The id of a finished run of the demo evaluation task, triggered for the bench."""
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx2.Client(base_url=url, headers=headers) as http:
        tasks = http.get("/v2/tasks", params={"name": HALLUCINATION}).raise_for_status().json()["tasks"]
        run = http.post(f"/v2/tasks/{quote(tasks[0]['id'], safe='')}/trigger", json={}).raise_for_status().json()
        deadline = time.monotonic() + READY_SECONDS
        while run["status"].upper() not in ("COMPLETED", "FAILED", "CANCELLED"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bench's run did not finish: {run}")
            time.sleep(0.05)
            run = http.get(run_path(run["id"])).raise_for_status().json()
    return run["id"]


def run_path(run_id: str) -> str:
    # Ids may hold "/", "+" and "=": a path segment must escape them.
    return f"/v2/task-runs/{quote(run_id, safe='')}"


def _await_port(process: subprocess.Popen[bytes], port: int, errors: tempfile._TemporaryFileWrapper[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    errors.seek(0)
    raise RuntimeError(f"{' '.join(process.args)} did not start:\n{errors.read().decode(errors='replace')}")  # type: ignore[arg-type]
