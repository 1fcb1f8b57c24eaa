"""How fast `arize-mcp` starts and how much memory it holds idle, beside the minimal `mcp` server.

Figures (ours over stdio beside `python -m bench.minimal stdio`; goal ≤ 1.10× each):
- cold start: from spawning the process to reading its reply to `initialize` on stdout, as a
  desktop client sees it (the `initialize` request is written as soon as the process exists);
- idle RSS: VmRSS of the process (/proc/<pid>/status) after `initialize`, `notifications/initialized`
  and one `tools/list`, once it has settled (two readings 0.2 s apart agree).

Each repetition spawns each side several times, alternating, after one discarded spawn per side
(so both read a warm page cache); a repetition's figure is the median of its spawns. The servers
are spoken to over their pipes, byte for byte as a client does, so no client library's start-up
is counted. Run it alone with

    .venv/bin/python -m bench --only startup [--reps 3]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from bench.processes import ROOT, minimal_command, our_command, our_env
from bench.table import Row

SPAWNS = 5  # per side and repetition
REPLY_SECONDS = 30.0
SETTLE_SECONDS = 0.5
# Nothing is fetched upstream while starting or listing tools: no emulator is needed.
UNUSED_URL = "http://127.0.0.1:9"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "1"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


@dataclass(frozen=True)
class Start:
    seconds: float  # spawn to the initialize reply
    rss_kib: int  # settled, after tools/list


def rows(reps: int) -> list[Row]:
    sides = {
        "ours": our_command(),
        "minimal": minimal_command("stdio", UNUSED_URL),
    }
    env = our_env(UNUSED_URL)
    for command in sides.values():
        start(command, env)  # warms the page cache and the bytecode caches
    per_rep = [_rep(sides, env) for _ in range(reps)]
    seconds = [{side: statistics.median(s.seconds for s in starts) for side, starts in rep.items()} for rep in per_rep]
    rss = [{side: statistics.median(s.rss_kib for s in starts) for side, starts in rep.items()} for rep in per_rep]
    return [
        _row("cold start to the `initialize` reply (stdio)", seconds, lambda v: f"{v * 1000:.0f} ms"),
        _row("idle RSS after `tools/list` (stdio)", rss, lambda v: f"{v / 1024:.1f} MiB"),
    ]


def _rep(sides: dict[str, list[str]], env: dict[str, str]) -> dict[str, list[Start]]:
    starts: dict[str, list[Start]] = {side: [] for side in sides}
    names = list(sides)
    for spawn in range(SPAWNS):
        shift = spawn % len(names)
        for side in names[shift:] + names[:shift]:
            starts[side].append(start(sides[side], env))
    return starts


def start(command: list[str], env: dict[str, str]) -> Start:
    """Spawn `command`, initialize it, list its tools, read its settled RSS, and close it."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdin is not None and process.stdout is not None
    # A server that never answers is killed, which ends the read below.
    watchdog = threading.Timer(REPLY_SECONDS, process.kill)
    watchdog.start()
    try:
        _send(process.stdin, INITIALIZE)
        _reply(process.stdout, 1)
        seconds = time.perf_counter() - started
        _send(process.stdin, INITIALIZED)
        _send(process.stdin, LIST_TOOLS)
        _reply(process.stdout, 2)
        return Start(seconds, _settled_rss(process.pid))
    finally:
        watchdog.cancel()
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def _send(stdin: IO[bytes], message: dict[str, object]) -> None:
    stdin.write(json.dumps(message).encode() + b"\n")
    stdin.flush()


def _reply(stdout: IO[bytes], request_id: int) -> dict[str, object]:
    """The next line on stdout, which must be the result of `request_id`."""
    line = stdout.readline()
    if not line:
        raise RuntimeError(f"no reply to request {request_id}: the server exited, or took over {REPLY_SECONDS:g} s")
    reply = json.loads(line)
    if not (isinstance(reply, dict) and reply.get("id") == request_id and "result" in reply):
        raise RuntimeError(f"unexpected reply to request {request_id}: {reply!r}")
    return reply


def _settled_rss(pid: int) -> int:
    time.sleep(SETTLE_SECONDS)
    previous, current = -1, _rss_kib(pid)
    deadline = time.monotonic() + 5 * SETTLE_SECONDS
    while current != previous and time.monotonic() < deadline:
        time.sleep(0.2)
        previous, current = current, _rss_kib(pid)
    return current


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"process {pid} has no VmRSS")


def _row(figure: str, reps: list[dict[str, float]], show: Callable[[float], str]) -> Row:
    ours = statistics.median(rep["ours"] for rep in reps)
    minimal = statistics.median(rep["minimal"] for rep in reps)
    ratio = statistics.median(rep["ours"] / rep["minimal"] for rep in reps)
    return Row(figure, show(ours), f"minimal {show(minimal)}", f"{ratio:.2f}×", "≤ 1.10×", ratio <= 1.10)
