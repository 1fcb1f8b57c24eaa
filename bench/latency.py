"""What one `get_task_run` call costs over MCP, beside the same call to a minimal server and the GET itself.

Figures (each the median over repetitions of a per-repetition percentile):
- stdio: the round trip of `get_task_run` through the official `mcp` client to `arize-mcp` as a
  stdio subprocess, beside the same call to bench/minimal.py (a bare `mcp` server whose one tool
  makes the same upstream GET) and a direct HTTP GET of the same run from this process. Goals:
  ours p50 ≤ the minimal's + 0.3 ms, and ≤ the direct GET's + 1 ms. p99 is reported.
  Part of each round trip is the SDK client checking the result against the tool's published
  output schema (ours declares the run's fields, the minimal an open object); that check is timed
  on its own and shown as "of which". So is the floor under both, after the rotation: the same
  call to the minimal server started with `nothing`, whose tool answers without reading upstream
  (the SDK's client and server and the pipe between them, nothing else).
- stateless HTTP: the same call to `arize-mcp --transport http --stateless` beside
  `bench.minimal http` (also stateless Streamable HTTP), once per protocol era a client may speak
  (ERAS). Goal: p50 and p99 ≤ 1.1× the minimal's.

Every side reads the same finished run of one emulator (`arize-mcp emulator`, its own process).
After a warm-up, calls alternate between the sides, one each in turn and in rotating order, so
a burst of load from elsewhere on the machine hits every side alike. Run it alone with

    .venv/bin/python -m bench --only latency [--reps 3]
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from operator import itemgetter

import anyio
import httpx2
from mcp import Client, StdioServerParameters

from bench.processes import (
    KEY,
    emulator,
    finished_run,
    free_port,
    minimal_command,
    our_command,
    our_env,
    run_path,
    spawned,
)
from bench.table import Row

CALLS = 600  # per side and repetition, after the warm-up
# The protocol eras a client can speak over stateless HTTP, as the SDK client's `mode` picks them:
# 2026-07-28 (no handshake, each request carries its version; what the SDK client picks when the
# server offers it) and the 2025-11-25 handshake (what most clients in the field speak today).
ERAS = {"2026-07-28": "auto", "2025-11-25 handshake": "legacy"}
WARM_UP = 50

Call = Callable[[], Awaitable[None]]


def rows(reps: int) -> list[Row]:
    stdio, http = [], []
    with emulator() as url:
        run_id = finished_run(url)
        for _ in range(reps):
            stdio.append(anyio.run(_stdio_rep, url, run_id))
            http.append(anyio.run(_http_rep, url, run_id))
    return _stdio_rows(stdio) + _http_rows(http)


async def _stdio_rep(url: str, run_id: str) -> dict[str, list[float]]:
    async with AsyncExitStack() as stack:
        ours = await stack.enter_async_context(Client(_stdio(our_command(), url)))
        minimal = await stack.enter_async_context(Client(_stdio(minimal_command("stdio", url), url)))
        direct = await stack.enter_async_context(httpx2.AsyncClient(base_url=url, headers=_auth()))
        times = await _alternate(
            {"ours": _tool_call(ours, run_id), "minimal": _tool_call(minimal, run_id), "GET": _get(direct, run_id)}
        )
        # The floor is timed on its own, after: a fourth process in the rotation would shift the others.
        floor = await stack.enter_async_context(Client(_stdio(minimal_command("stdio", url, "nothing"), url)))
        times |= await _alternate({"MCP alone": _tool_call(floor, run_id)})
        times["ours: schema check"] = await _schema_check(ours, run_id)
        times["minimal: schema check"] = await _schema_check(minimal, run_id)
        return times


async def _http_rep(url: str, run_id: str) -> dict[str, list[float]]:
    our_port, minimal_port = free_port(), free_port()
    ours_http = our_command("--transport", "http", "--stateless", "--port", str(our_port))
    with (
        spawned(ours_http, our_env(url), port=our_port),
        spawned(minimal_command("http", url, str(minimal_port)), port=minimal_port),
    ):
        async with AsyncExitStack() as stack:
            sides: dict[str, Call] = {}
            for era, mode in ERAS.items():
                for side, port in (("ours", our_port), ("minimal", minimal_port)):
                    client = await stack.enter_async_context(Client(f"http://127.0.0.1:{port}/mcp", mode=mode))
                    sides[f"{side} {era}"] = _tool_call(client, run_id)
            return await _alternate(sides)


def _stdio(command: list[str], url: str) -> StdioServerParameters:
    return StdioServerParameters(command=command[0], args=command[1:], env=our_env(url))


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def _tool_call(client: Client, run_id: str) -> Call:
    async def call() -> None:
        result = await client.call_tool("get_task_run", {"run_id": run_id})
        if result.is_error:
            raise RuntimeError(f"get_task_run failed: {result.content}")

    return call


def _get(http: httpx2.AsyncClient, run_id: str) -> Call:
    async def call() -> None:
        (await http.get(run_path(run_id))).raise_for_status().json()

    return call


async def _schema_check(client: Client, run_id: str) -> list[float]:
    """Milliseconds the client spends checking one result against the tool's published output schema,
    part of every successful call's round trip (the SDK client does it after each call)."""
    result = await client.call_tool("get_task_run", {"run_id": run_id})
    times = []
    for _ in range(CALLS):
        started = time.perf_counter()
        await client.session.validate_tool_result("get_task_run", result)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _alternate(sides: dict[str, Call]) -> dict[str, list[float]]:
    """Milliseconds per call of each side: a warm-up, then one call of each side per round,
    starting with a different side each round."""
    names = list(sides)
    for _ in range(WARM_UP):
        for name in names:
            await sides[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(CALLS):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            await sides[name]()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _per_rep(reps: list[dict[str, list[float]]], q: int) -> list[dict[str, float]]:
    """Each repetition's q-th percentile of each side."""
    return [{side: percentile(times, q) for side, times in rep.items()} for rep in reps]


def _median(values: list[dict[str, float]], figure: Callable[[dict[str, float]], float]) -> float:
    return statistics.median(figure(value) for value in values)


def _ms(at: list[dict[str, float]], side: str) -> str:
    return f"{_median(at, itemgetter(side)):.2f} ms"


def _stdio_rows(reps: list[dict[str, list[float]]]) -> list[Row]:
    out = []
    for q in (50, 99):
        at = _per_rep(reps, q)
        # Paired: each repetition's difference, then the median of those.
        over_minimal = _median(at, lambda rep: rep["ours"] - rep["minimal"])
        over_get = _median(at, lambda rep: rep["ours"] - rep["GET"])
        out.append(
            Row(
                f"`get_task_run` over stdio, p{q}",
                _ms(at, "ours"),
                f"minimal {_ms(at, 'minimal')}; direct GET {_ms(at, 'GET')}",
                f"{over_minimal:+.2f} ms; {over_get:+.2f} ms",
                "≤ minimal + 0.3 ms and ≤ GET + 1 ms" if q == 50 else "—",
                over_minimal <= 0.3 and over_get <= 1.0 if q == 50 else None,
            )
        )
    at = _per_rep(reps, 50)
    out.append(
        Row(
            "of which: the client checking the result against the output schema, p50",
            _ms(at, "ours: schema check"),
            f"minimal {_ms(at, 'minimal: schema check')}",
            f"{_median(at, lambda rep: rep['ours: schema check'] - rep['minimal: schema check']):+.2f} ms",
            "—",
            None,
        )
    )
    out.append(
        Row(
            "the floor: the MCP round trip alone (the minimal server's tool reading nothing), p50",
            "—",
            f"minimal, nothing upstream {_ms(at, 'MCP alone')}",
            "—",
            "—",
            None,
        )
    )
    return out


def _http_rows(reps: list[dict[str, list[float]]]) -> list[Row]:
    out = []
    for era, q in itertools.product(ERAS, (50, 99)):
        at = _per_rep(reps, q)
        ours, minimal = f"ours {era}", f"minimal {era}"
        ratio = statistics.median(rep[ours] / rep[minimal] for rep in at)
        out.append(
            Row(
                f"`get_task_run` over stateless HTTP, {era}, p{q}",
                _ms(at, ours),
                f"minimal {_ms(at, minimal)}",
                f"{ratio:.2f}×",
                "≤ 1.1×",
                ratio <= 1.1,
            )
        )
    return out
