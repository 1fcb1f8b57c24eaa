"""Load: many waits in one HTTP process, and `get_task_run` throughput over stateless HTTP.

Every process is separate, as in production: the emulator (a bench-owned process, so it can say
how many run reads it served), the servers under test, and the load generator. The generator is
the same for every side: raw HTTP/1.1 over keep-alive connections, one JSON-RPC `tools/call` per
POST (stateless: no initialize, no session), so it spends a few microseconds per call and cannot
favour one server.

Figures:
- waits: 1,000 concurrent `wait_for_task_run` calls over 100 runs (10 per run; the runs last 20
  to 40 s, spread evenly) in one `arize-mcp --transport http --stateless` process, beside 100
  single waiters on 100 other runs of the same lengths in the same process (the anchor). Upstream
  GETs of the runs (goal ≤ 1.1× the anchor's), the server's peak RSS during the 1,000 waits (goal
  ≤ 150 MB; beside it, the peak RSS of `bench.minimal ... hold` holding 1,000 calls open the same
  way, which reads nothing upstream: what the SDK's transport alone holds), and the p99 latency
  of an unrelated `get_task_run` called back to back while they wait (goal ≤ 50 ms), from the
  moment the server has taken in all 1,000 (their arrival, a burst of 1,000 calls at once, is
  not counted).
- throughput: `get_task_run` over stateless HTTP for RUN_SECONDS with 50 and 200 concurrent
  clients, ours beside `python -m bench.minimal http` (a bare `mcp` server making the same GET)
  against the same emulator and run: calls/s (goal ≥ 0.9× the minimal's), p99 (goal ≤ 1.1×), and
  errors (goal 0).
- workers: ours with `--workers 2` beside `--workers 1`, the same load (goal ≥ 1.3× calls/s on a
  2-core machine that also runs the generator and the emulator).
- server CPU per call, ours beside the minimal's (no goal): the rates above depend on how much CPU
  the machine leaves the server; this does much less. Each measurement also prints, on stderr,
  the CPU share of the server, the emulator and the generator, so a bottleneck outside the server
  shows.

Sides are interleaved within each repetition; the median of the repetitions is shown.

    .venv/bin/python -m bench --only load              # about 15 minutes with 3 repetitions
    .venv/bin/python -m bench --only load --reps 1
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.processes import free_port, spawned
from bench.table import Row

KEY = "bench-load-key"
RUNS = 100
WAITERS_PER_RUN = 10
# The runs of the waits figure last from 20 to 40 s, spread evenly, so they do not all end at once.
WAIT_RUN_SECONDS = (20.0, 40.0)
RUN_SECONDS = 30.0  # each throughput measurement
CLIENT_COUNTS = (50, 200)


# --- the load generator (runs in its own process: `python -m bench.load drive|waits ...`) ---


class McpConnection:
    """One keep-alive HTTP/1.1 connection that posts self-contained JSON-RPC `tools/call` requests."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._head = (
            f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n"
        ).encode()
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
        """The tool's structured result, or None for any failure (HTTP, JSON-RPC or tool error)."""
        return await self.result(await self.send(tool, arguments))

    async def send(self, tool: str, arguments: dict[str, Any]) -> tuple[int, dict[bytes, bytes]]:
        """Post the call; the status and headers once the server has started its response."""
        body = json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
        ).encode()
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await reader.readuntil(b"\r\n\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
        }
        return int(head.split(b" ", 2)[1]), headers

    async def result(self, started: tuple[int, dict[bytes, bytes]]) -> dict[str, Any] | None:
        """Read the rest of the response whose start `send` returned."""
        status, headers = started
        assert self._streams is not None
        reader, writer = self._streams
        payload = await _read_body(reader, headers)
        if headers.get(b"connection") == b"close":
            writer.close()
            self._streams = None
        if status != 200:
            return None
        message = _last_message(payload)
        result = message.get("result") if message else None
        if not isinstance(result, dict) or result.get("isError"):
            return None
        return result.get("structuredContent")

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()


async def _read_body(reader: asyncio.StreamReader, headers: dict[bytes, bytes]) -> bytes:
    if b"content-length" in headers:
        return await reader.readexactly(int(headers[b"content-length"]))
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        chunks.append((await reader.readexactly(size + 2))[:-2])
    await reader.readuntil(b"\r\n")
    return b"".join(chunks)


def _last_message(payload: bytes) -> dict[str, Any] | None:
    """The JSON-RPC message of a JSON body, or the last one of an SSE stream."""
    if payload.lstrip().startswith(b"{"):
        return json.loads(payload)
    events = [line[5:] for line in payload.splitlines() if line.startswith(b"data:")]
    return json.loads(events[-1]) if events else None


async def drive(url: str, run_id: str, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` connections calling get_task_run back to back for `seconds`."""
    host, port = _host_port(url)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client() -> None:
        nonlocal errors
        connection = McpConnection(host, port)
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    ok = await connection.call("get_task_run", {"run_id": run_id}) is not None
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    connection.close()
                    connection = McpConnection(host, port)
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1
        finally:
            connection.close()

    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.monotonic() - wall
    return {
        "calls": len(latencies),
        "errors": errors,
        "seconds": wall,
        **_percentiles(latencies),
        "cpu": _share(cpu, wall),
    }


async def waits(url: str, run_ids: list[str], per_run: int, probe_run_id: str) -> dict[str, Any]:
    """`per_run` concurrent wait_for_task_run calls on each run, each on its own connection; once
    the server has started answering every one of them (it has taken them all in), one more
    connection reads `probe_run_id` back to back until every wait has returned."""
    host, port = _host_port(url)
    count = len(run_ids) * per_run
    taken_in = 0
    errors = 0
    all_taken_in, all_done = asyncio.Event(), asyncio.Event()

    async def wait(run_id: str) -> None:
        nonlocal errors, taken_in
        connection = McpConnection(host, port)
        try:
            started = await connection.send("wait_for_task_run", {"run_id": run_id, "timeout_seconds": 600})
            taken_in += 1
            if taken_in == count:
                all_taken_in.set()
            result = await connection.result(started)
            errors += result is None or not result.get("terminal")
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
        finally:
            connection.close()

    async def probe() -> list[float]:
        await all_taken_in.wait()
        connection = McpConnection(host, port)
        latencies: list[float] = []
        while not all_done.is_set():
            started = time.perf_counter()
            if await connection.call("get_task_run", {"run_id": probe_run_id}) is not None:
                latencies.append(time.perf_counter() - started)
        connection.close()
        return latencies

    probing = asyncio.create_task(probe())
    await asyncio.gather(*(wait(run_id) for run_id in run_ids for _ in range(per_run)))
    all_done.set()
    all_taken_in.set()  # a wait that failed before it was taken in must not leave the probe waiting
    return {"errors": errors, **_percentiles(await probing)}


def _percentiles(latencies: list[float]) -> dict[str, float]:
    if len(latencies) < 2:
        return {"p50_ms": float("nan"), "p99_ms": float("nan")}
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000}


def _share(cpu_started: float, wall: float) -> float:
    return (time.process_time() - cpu_started) / wall


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").partition("/")[0].rpartition(":")
    return host, int(port)


# --- the emulator, in a process of its own that answers "count" on stdin ---


def upstream(port: int) -> None:
    """Serve an emulator, answering commands on stdin: `count EXCLUDED_RUN_ID` prints how many run
    reads it has served, leaving out those of EXCLUDED_RUN_ID; `run-seconds S` makes the runs
    triggered next last S seconds."""
    from arize_mcp.emulator import Emulator, EmulatorConfig, EmulatorServer

    emulator = Emulator(EmulatorConfig(api_keys={KEY}))
    with EmulatorServer(emulator, port=port):
        print("ready", flush=True)
        for line in sys.stdin:
            command, argument = line.split()
            if command == "count":
                reads = emulator.recorded(route="get_run")
                print(sum(not read.raw_path.endswith("/" + argument) for read in reads), flush=True)
            else:
                emulator.config.run_seconds = float(argument)
                print("ok", flush=True)


# --- the bench side: processes, and the rows ---


@dataclass
class Upstream:
    process: subprocess.Popen[str]
    url: str

    def run_reads(self, excluding: str) -> int:
        return int(self._ask(f"count {excluding}"))

    def trigger(self, count: int, seconds: tuple[float, float] = (10.0, 10.0)) -> list[str]:
        """Start `count` runs of the seeded hallucination task, lasting from seconds[0] to
        seconds[1] spread evenly; their ids."""
        shortest, longest = seconds
        ids = []
        for index in range(count):
            self._ask(f"run-seconds {shortest + (longest - shortest) * index / max(1, count - 1)}")
            ids.append(_trigger(self.url))
        return ids

    def _ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()


def rows(reps: int) -> list[Row]:
    with upstream_process() as emulator:
        wait_rows = _wait_rows(emulator, reps)
        throughput_rows = _throughput_rows(emulator, reps)
    return wait_rows + throughput_rows


def _wait_rows(emulator: Upstream, reps: int) -> list[Row]:
    single_gets: list[int] = []
    shared_gets: list[int] = []
    peaks: list[float] = []
    p99s: list[float] = []
    errors = 0
    with our_server(emulator.url) as (url, server):
        probe_run = emulator.trigger(1)[0]
        for _ in range(reps):
            for per_run, gets in ((1, single_gets), (WAITERS_PER_RUN, shared_gets)):
                runs = emulator.trigger(RUNS, WAIT_RUN_SECONDS)
                before = emulator.run_reads(excluding=probe_run)
                with peak_rss(server.pid) as peak:
                    result = _generate("waits", url, ",".join(runs), str(per_run), probe_run)
                gets.append(emulator.run_reads(excluding=probe_run) - before)
                errors += result["errors"]
                if per_run == WAITERS_PER_RUN:
                    peaks.append(peak.mebibytes)
                    p99s.append(result["p99_ms"])
    floor = []
    with minimal_server(emulator.url, hold=True) as (url, server):
        for _ in range(reps):
            runs = emulator.trigger(RUNS, WAIT_RUN_SECONDS)
            with peak_rss(server.pid) as peak:
                result = _generate("waits", url, ",".join(runs), str(WAITERS_PER_RUN), probe_run)
            errors += result["errors"]
            floor.append(peak.mebibytes)
    single, shared = statistics.median(single_gets), statistics.median(shared_gets)
    rss, p99, floor_rss = statistics.median(peaks), statistics.median(p99s), statistics.median(floor)
    waits = f"{RUNS * WAITERS_PER_RUN:,} waits on {RUNS} runs"
    return [
        Row(
            f"{waits}: upstream GETs (errors: {errors})",
            f"{shared:.0f}",
            f"{single:.0f} ({RUNS} single waiters)",
            f"{shared / single:.2f}×",
            "≤ 1.1×",
            shared <= 1.1 * single and errors == 0,
        ),
        Row(
            f"{waits}: server peak RSS",
            f"{rss:.0f} MiB",
            f"{floor_rss:.0f} MiB (minimal server holding as many calls, nothing upstream)",
            f"{rss / floor_rss:.2f}×",
            "≤ 150 MB (143 MiB)",
            rss * 2**20 <= 150e6,
        ),
        Row(f"{waits}: p99 of another get_task_run", f"{p99:.1f} ms", "—", "—", "≤ 50 ms", p99 <= 50),
    ]


def _throughput_rows(emulator: Upstream, reps: int) -> list[Row]:
    run_id = emulator.trigger(1)[0]
    sides = ("ours", "minimal", "ours --workers 2")
    measured: dict[tuple[str, int], list[dict[str, Any]]] = {(s, c): [] for s in sides for c in CLIENT_COUNTS}
    with (
        our_server(emulator.url) as ours,
        minimal_server(emulator.url) as minimal,
        our_server(emulator.url, workers=2) as ours_workers,
    ):
        servers = dict(zip(sides, (ours, minimal, ours_workers), strict=True))
        for _ in range(reps):
            for clients in CLIENT_COUNTS:
                for side in sides:
                    url, server = servers[side]
                    # What each process spent says which one limits the rate.
                    cpu = {"server": server.pid, "emulator": emulator.process.pid}
                    before = {name: cpu_seconds(pid) for name, pid in cpu.items()}
                    result = _generate("drive", url, run_id, str(clients), str(RUN_SECONDS))
                    for name, pid in cpu.items():
                        result[name] = (cpu_seconds(pid) - before[name]) / result["seconds"]
                    print(f"[bench] load: {side}, {clients} clients: {_summary(result)}", file=sys.stderr, flush=True)
                    measured[side, clients].append(result)
    out: list[Row] = []
    for clients in CLIENT_COUNTS:
        ours_rate, minimal_rate = (
            _median(measured["ours", clients], "rate"),
            _median(measured["minimal", clients], "rate"),
        )
        ours_p99, minimal_p99 = (
            _median(measured["ours", clients], "p99_ms"),
            _median(measured["minimal", clients], "p99_ms"),
        )
        errors = sum(r["errors"] for side in ("ours", "minimal") for r in measured[side, clients])
        workers_rate = _median(measured["ours --workers 2", clients], "rate")
        ours_cpu = _median(measured["ours", clients], "cpu_ms")
        minimal_cpu = _median(measured["minimal", clients], "cpu_ms")
        out += [
            Row(
                f"get_task_run throughput, {clients} clients, {RUN_SECONDS:.0f} s (errors: {errors})",
                f"{ours_rate:.0f} calls/s",
                f"{minimal_rate:.0f} calls/s (minimal)",
                f"{ours_rate / minimal_rate:.2f}×",
                "≥ 0.9×, no error",
                ours_rate >= 0.9 * minimal_rate and errors == 0,
            ),
            Row(
                f"get_task_run p99, {clients} clients",
                f"{ours_p99:.0f} ms",
                f"{minimal_p99:.0f} ms (minimal)",
                f"{ours_p99 / minimal_p99:.2f}×",
                "≤ 1.1×",
                ours_p99 <= 1.1 * minimal_p99,
            ),
            Row(
                f"get_task_run throughput, {clients} clients, --workers 2",
                f"{workers_rate:.0f} calls/s",
                f"{ours_rate:.0f} calls/s (1 worker)",
                f"{workers_rate / ours_rate:.2f}×",
                "≥ 1.3×",
                workers_rate >= 1.3 * ours_rate,
            ),
            Row(
                f"server CPU per get_task_run, {clients} clients (no goal: says what limits the rate)",
                f"{ours_cpu:.1f} ms",
                f"{minimal_cpu:.1f} ms (minimal)",
                f"{ours_cpu / minimal_cpu:.2f}×",
                "—",
                None,
            ),
        ]
    return out


def _median(results: list[dict[str, Any]], key: str) -> float:
    derived = {"rate": _rate, "cpu_ms": _cpu_ms}
    return statistics.median(derived[key](r) if key in derived else r[key] for r in results)


def _rate(result: dict[str, Any]) -> float:
    return result["calls"] / result["seconds"]


def _cpu_ms(result: dict[str, Any]) -> float:
    """Server CPU time per successful call, in milliseconds: steadier than the rate on a busy machine."""
    return result["server"] * result["seconds"] / max(1, result["calls"]) * 1000


def _summary(result: dict[str, Any]) -> str:
    return (
        f"{_rate(result):.0f} calls/s, p50 {result['p50_ms']:.0f} ms, "
        f"p99 {result['p99_ms']:.0f} ms, {result['errors']} errors; CPU (of one core): server {result['server']:.0%} "
        f"({_cpu_ms(result):.1f} ms a call), "
        f"emulator {result['emulator']:.0%}, generator {result['cpu']:.0%}"
    )


def _generate(*args: str) -> dict[str, Any]:
    """Run the load generator in its own process; its JSON report."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
        preexec_fn=_raise_fd_limit,
    )
    return json.loads(done.stdout)


def _trigger(base_url: str) -> str:
    """Start a run of the seeded hallucination task; its id."""
    import anyio
    import httpx2
    from pydantic import SecretStr

    from arize_mcp.api.client import ArizeClient
    from arize_mcp.api.models import TriggerRunRequest
    from arize_mcp.emulator import HALLUCINATION

    async def trigger() -> str:
        async with httpx2.AsyncClient() as http:
            client = ArizeClient(http, base_url, SecretStr(KEY))
            task = next(t for t in (await client.list_tasks()).tasks if t.name == HALLUCINATION)
            return (await client.trigger_task(task.id, TriggerRunRequest(max_spans=1000))).id

    return anyio.run(trigger)


@contextmanager
def upstream_process() -> Iterator[Upstream]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.load", "upstream", str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield Upstream(process, f"http://127.0.0.1:{port}")
    finally:
        process.kill()
        process.wait(10)


@contextmanager
def our_server(upstream_url: str, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    host, upstream_port = _host_port(upstream_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIZE_")}
    env.update(ARIZE_API_KEY=KEY, ARIZE_API_SCHEME="http", ARIZE_API_HOST=host, ARIZE_API_PORT=str(upstream_port))
    command = [sys.executable, "-m", "arize_mcp", "--transport", "http", "--stateless", "--port", str(port)]
    command += ["--workers", str(workers)] * (workers > 1)
    with spawned(command, env, port=port, preexec_fn=_raise_fd_limit) as process:
        yield f"http://127.0.0.1:{port}/mcp", process


@contextmanager
def minimal_server(upstream_url: str, *, hold: bool = False) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "bench.minimal", "http", upstream_url, KEY, str(port), *["hold"] * hold]
    with spawned(command, dict(os.environ), port=port, preexec_fn=_raise_fd_limit) as process:
        yield f"http://127.0.0.1:{port}/mcp", process


class _Peak:
    mebibytes = 0.0


@contextmanager
def peak_rss(pid: int) -> Iterator[_Peak]:
    """The highest resident set size of process `pid` while the block runs, sampled every 50 ms."""
    import threading

    peak, stop = _Peak(), threading.Event()

    def sample() -> None:
        status = Path(f"/proc/{pid}/status")
        while not stop.wait(0.05):
            kilobytes = next(
                int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS")
            )
            peak.mebibytes = max(peak.mebibytes, kilobytes / 1024)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) process `pid` and its live children have used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(cpu_seconds(int(child)) for child in children)


def _raise_fd_limit() -> None:
    """A thousand open connections need more descriptors than some systems' default soft limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str]) -> None:
    role, *args = argv
    match role:
        case "upstream":
            upstream(int(args[0]))
        case "drive":
            url, run_id, clients, seconds = args
            print(json.dumps(asyncio.run(drive(url, run_id, int(clients), float(seconds)))))
        case "waits":
            url, run_ids, per_run, probe_run_id = args
            print(json.dumps(asyncio.run(waits(url, run_ids.split(","), int(per_run), probe_run_id))))
        case _:
            raise SystemExit(f"unknown role {role!r}: upstream, drive or waits")


if __name__ == "__main__":
    main(sys.argv[1:])
