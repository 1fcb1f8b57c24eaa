"""Waiting for runs: lag from a run's end until the waiter sees it, and the upstream reads it cost.

Ours is `wait_for_task_run` called through the MCP client on an in-process server with default
settings, once on tasks with a history and once on tasks without. Beside it, on the same emulator
and at the same moment, fixed-interval pollers (5 s is the official SDK's `wait_for_run`) and the
previous 1 s x 1.5 backoff follow runs of the same lengths. Lag is averaged and reads are summed
over the whole workload (bench/workload.toml); history reads count as reads. All repetitions run
at once (each with its own tasks), and the table shows the median repetition.

    .venv/bin/python -m bench --only waiting      # about 5 minutes: the longest run is 301 s
"""

from __future__ import annotations

import statistics
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import anyio
import httpx2
from mcp import Client
from pydantic import SecretStr

from arize_mcp.api.client import ArizeClient
from arize_mcp.api.models import TriggerRunRequest
from arize_mcp.config import Connection, Settings
from arize_mcp.emulator import Emulator, EmulatorConfig, EmulatorServer
from arize_mcp.follow.schedule import PollSchedule
from arize_mcp.logs import configure_logging
from arize_mcp.server import build_server
from bench.table import Row

KEY = "bench-key"
WORKLOAD = Path(__file__).with_name("workload.toml")
OURS, OURS_FIRST = "ours", "ours, no history"
WAIT_CALL_SECONDS = 600


@dataclass(frozen=True)
class Followed:
    lag: float  # seconds from the run's end until its waiter saw it
    reads: int  # upstream reads of the run and of its task's history


@dataclass(frozen=True)
class Outcome:
    """One policy over the whole workload in one repetition."""

    lag: float  # mean over the runs
    reads: int  # summed over the runs

    @property
    def product(self) -> float:
        return self.lag * self.reads


Pause = Callable[[int], float]  # pause after the n-th read


def policies(workload: dict) -> dict[str, Pause | None]:
    """None marks ours; the others are pauses after each read."""
    backoff = PollSchedule(**workload["backoff"])
    chosen: dict[str, Pause | None] = {OURS: None, OURS_FIRST: None}
    for seconds in workload["fixed_seconds"]:
        chosen[f"fixed {seconds} s"] = lambda n, seconds=seconds: float(seconds)
    chosen[f"backoff {backoff.initial_seconds:g} s x {backoff.growth:g} (cap {backoff.max_seconds:g} s)"] = (
        backoff.interval
    )
    return chosen


async def poll_fixed(client: ArizeClient, run_id: str, pause: Pause) -> float:
    """What the SDK's wait_for_run does, with any pause: read at once, then after each pause."""
    reads = 0
    while True:
        run = await client.get_task_run(run_id)
        reads += 1
        if run.is_terminal:
            return time.time()
        await anyio.sleep(pause(reads))


async def wait_ours(mcp: Client, run_id: str) -> float:
    while True:
        result = await mcp.call_tool("wait_for_task_run", {"run_id": run_id, "timeout_seconds": WAIT_CALL_SECONDS})
        assert result.structured_content is not None, result.content
        if result.structured_content["terminal"]:
            return time.time()


def reads_of(emulator: Emulator, run_id: str, task_id: str) -> int:
    """The emulator's count of reads of this run, and of this task's run list (its history)."""
    count = 0
    for request in emulator.requests:
        segments = [unquote(segment) for segment in request.raw_path.split("/")]
        if (request.route == "get_run" and segments[-1] == run_id) or (
            request.route == "list_runs" and segments[-2] == task_id
        ):
            count += 1
    return count


async def one_repetition(
    emulator: Emulator, url: str, mcp: Client, workload: dict, offset: float, rep: int
) -> dict[str, Outcome]:
    chosen = policies(workload)
    async with httpx2.AsyncClient() as http:
        client = ArizeClient(http, url, SecretStr(KEY))
        tasks: list[tuple[str, str]] = []
        for seconds in workload["run_seconds"]:
            for name in chosen:
                length = seconds + offset
                task_id = emulator.add_task(f"{name} — {seconds} s — repetition {rep}", run_seconds=length)
                if name != OURS_FIRST:
                    emulator.add_history(task_id, [length * share for share in workload["history_shares"]])
                tasks.append((name, task_id))
        # Each run over the last hour, like its past runs; each followed from the moment its trigger
        # returns, as an agent that triggers and then waits does.
        request = TriggerRunRequest(data_start_time=datetime.now(UTC) - timedelta(hours=1))
        runs: list[tuple[str, str, str]] = []
        seen: dict[str, float] = {}

        async def trigger_and_follow(name: str, task_id: str) -> None:
            run_id = (await client.trigger_task(task_id, request)).id
            runs.append((name, task_id, run_id))
            pause = chosen[name]
            seen[run_id] = await (wait_ours(mcp, run_id) if pause is None else poll_fixed(client, run_id, pause))

        async with anyio.create_task_group() as group:
            for name, task_id in tasks:
                group.start_soon(trigger_and_follow, name, task_id)
    by_policy: dict[str, list[Followed]] = {}
    for name, task_id, run_id in runs:
        final = emulator.runs(task_id)[-1]  # the newest: past runs are days old
        assert final.id == run_id and final.run_finished_at is not None
        lag = seen[run_id] - final.run_finished_at.timestamp()
        by_policy.setdefault(name, []).append(Followed(lag, reads_of(emulator, run_id, task_id)))
    return {
        name: Outcome(statistics.fmean(f.lag for f in followed), sum(f.reads for f in followed))
        for name, followed in by_policy.items()
    }


async def measure(reps: int) -> list[dict[str, Outcome]]:
    workload = tomllib.loads(WORKLOAD.read_text())
    offsets = workload["end_offsets_seconds"]
    emulator = Emulator(
        EmulatorConfig(api_keys=frozenset({KEY}), pending_fraction=workload["pending_fraction"], seed=True)
    )
    with EmulatorServer(emulator) as server:
        settings = Settings(connection=Connection(base_url=server.url), api_key=SecretStr(KEY))
        async with Client(build_server(settings)) as mcp:
            results: list[dict[str, Outcome]] = [{} for _ in range(reps)]

            async def repetition(i: int) -> None:
                results[i] = await one_repetition(emulator, server.url, mcp, workload, offsets[i % len(offsets)], i)

            async with anyio.create_task_group() as group:
                for i in range(reps):
                    group.start_soon(repetition, i)
    return results


def median_outcome(results: list[dict[str, Outcome]], name: str) -> Outcome:
    """The repetition with the median lag x reads for this policy (a real run, not a blend)."""
    outcomes = sorted((result[name] for result in results), key=lambda outcome: outcome.product)
    return outcomes[len(outcomes) // 2]


def rows(reps: int) -> list[Row]:
    configure_logging("WARNING")
    results = anyio.run(measure, reps)
    workload = tomllib.loads(WORKLOAD.read_text())
    anchor_name = f"fixed {workload['anchor_seconds']} s"
    anchor = median_outcome(results, anchor_name)
    lengths = ", ".join(f"{s}" for s in workload["run_seconds"])
    table: list[Row] = []
    for name, goal_lag in ((OURS, 0.5), (OURS_FIRST, 1.0)):
        ours = median_outcome(results, name)
        lag_ratio, read_ratio = ours.lag / anchor.lag, ours.reads / anchor.reads
        table.append(
            Row(
                figure=f"wait ({'task with 5 past runs' if name == OURS else 'first run: no history'}): "
                f"mean lag, reads — runs of {lengths} s",
                ours=f"{ours.lag:.2f} s, {ours.reads} reads",
                anchor=f"{anchor.lag:.2f} s, {anchor.reads} reads ({anchor_name}, the SDK's wait_for_run)",
                compared=f"lag {lag_ratio:.2f}x, reads {read_ratio:.2f}x",
                goal=f"lag <= {goal_lag:g}x, reads <= 1.2x",
                met=lag_ratio <= goal_lag and read_ratio <= 1.2,
            )
        )
    ours = median_outcome(results, OURS)
    first = median_outcome(results, OURS_FIRST)
    for name in policies(workload):
        if name in (OURS, OURS_FIRST):
            continue
        other = median_outcome(results, name)
        table.append(
            Row(
                figure=f"wait, Pareto: lag x reads (lower is better) vs {name}",
                ours=f"{ours.product:.0f} ({ours.lag:.2f} s x {ours.reads}); no history {first.product:.0f}",
                anchor=f"{other.product:.0f} ({other.lag:.2f} s x {other.reads})",
                compared=f"{ours.product / other.product:.2f}x; no history {first.product / other.product:.2f}x",
                goal="ours on or below its curve (<= 1x)",
                met=ours.product <= other.product,
            )
        )
    return table
