"""`--workers N` over real HTTP: the flag's checks, several worker processes answering on one port
(each access-log line names the worker that answered), a task handle accepted whichever worker
answers, a worker that dies replaced, and SIGTERM draining every worker before the service exits 0."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from arize_mcp.service.workers import BOOT_SECONDS
from tests.conftest import API_KEY, Upstream
from tests.service.conftest import HttpServer, free_port, http_server, sigterm_during_a_slow_read, wait_until_healthy
from tests.service.test_http import INIT, MCP_HEADERS, mcp_session
from tests.service.test_task_handles import post
from tests.task_requester import CreatedTask, TasksRequester, call

pytestmark = pytest.mark.anyio

WORKERS = ("--stateless", "--workers", "2")
BATCH = 16  # concurrent fresh connections per round
ROUNDS = 25  # a bound: in practice both workers answer within the first round or two


@pytest.mark.parametrize(
    ("flags", "refusal"),
    [
        (("--workers", "2"), "--workers 2 needs --stateless"),
        (("--stateless", "--workers", "0"), "--workers must be 1-64"),
        (("--stateless", "--workers", "500"), "--workers must be 1-64"),
    ],
)
def test_the_workers_flag_is_checked_before_anything_starts(flags: tuple[str, ...], refusal: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIZE_")}
    command = [sys.executable, "-m", "arize_mcp", "--transport", "http", "--port", str(free_port()), *flags]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"configuration error: {refusal}" in done.stderr


def test_a_port_in_use_is_reported_before_any_worker_starts() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIZE_")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "arize_mcp", "--transport", "http", "--port", str(port), *WORKERS]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "worker" not in done.stderr


async def test_two_workers_answer_tool_calls_on_fresh_connections(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(), *WORKERS) as server:
        workers = worker_pids(server)
        run = (await tool_call(server, "trigger_task", {"task_name": "Hallucination check"}))["run"]
        answered: set[int] = set()
        sent = 0
        for _ in range(ROUNDS):
            results = await concurrently(lambda: tool_call(server, "get_task_run", {"run_id": run["id"]}))
            assert [result["id"] for result in results] == [run["id"]] * BATCH
            sent += BATCH
            answered = answering_workers(server, "tool=get_task_run", sent)
            if answered == workers:
                break
        assert answered == workers


async def test_a_task_handle_from_one_worker_is_accepted_by_every_worker(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 600.0  # still working while the test reads it
    # No ARIZE_MCP_TASK_SECRET: the supervisor makes one before forking, shared by every worker.
    with http_server(upper_upstream.env(), *WORKERS) as server:
        workers = worker_pids(server)
        async with mcp_session(server.url, extensions=[TasksRequester()]) as client:
            created = await call(client, "trigger_task", {"task_name": "Hallucination check", "wait": True})
        assert isinstance(created, CreatedTask)
        creator = answering_workers(server, "tool=trigger_task", 1)
        answered: set[int] = set()
        sent = 0
        for _ in range(ROUNDS):
            polls = await concurrently(lambda: task_get(server, created.task_id))
            assert [poll["result"]["status"] for poll in polls] == ["working"] * BATCH
            sent += BATCH
            answered = answering_workers(server, "method=tasks/get", sent)
            if answered == workers:
                break
        assert answered == workers and creator < workers


async def test_sigterm_drains_every_worker_and_exits_zero(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(), *WORKERS, "--shutdown-grace-seconds", "10") as server:
        workers = worker_pids(server)
        run = (await tool_call(server, "trigger_task", {"task_name": "Hallucination check"}))["run"]

        async def slow_read() -> dict[str, Any]:
            return await tool_call(server, "get_task_run", {"run_id": run["id"]})

        async with sigterm_during_a_slow_read(upper_upstream, server, slow_read) as result:
            with anyio.fail_after(10):
                while server.stderr().count("draining in-flight requests") < len(workers):
                    await anyio.sleep(0.02)
            # Every worker is draining now, so whichever one accepts a new request refuses it.
            for _ in range(4):
                async with httpx2.AsyncClient(timeout=5) as http:
                    refused = await http.post(server.url, json=INIT, headers=MCP_HEADERS)
                assert refused.status_code == 503
        assert result["id"] == run["id"]  # the call in flight finished normally
        assert server.terminate() == 0
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


async def test_a_worker_that_dies_while_serving_is_replaced(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(), *WORKERS) as server:
        workers = worker_pids(server)
        time.sleep(BOOT_SECONDS + 0.5)  # past starting: a death now is a crash, not a failure to start
        dead = min(workers)
        os.kill(dead, signal.SIGKILL)
        replacement = worker_pids(server, count=3) - workers
        assert len(replacement) == 1 and f"worker {dead} exited with code -9: starting another" in server.stderr()
        wait_until_healthy(server)
        results = await concurrently(lambda: tool_call(server, "list_tasks", {}))
        assert all(result["tasks"] for result in results)
        assert server.terminate() == 0


def worker_pids(server: HttpServer, count: int = 2) -> set[int]:
    """The workers started so far, once there are `count`, as their log names them; each checked to
    be a child of the server process (those still alive)."""
    deadline = time.monotonic() + 20
    while len(pids := {int(pid) for pid in re.findall(r"worker (\d+) starting", server.stderr())}) < count:
        assert time.monotonic() < deadline, server.stderr()
        time.sleep(0.02)
    for pid in pids:
        if Path(f"/proc/{pid}").exists():
            parent = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
            assert parent == server.process.pid
    return pids


def answering_workers(server: HttpServer, label: str, count: int) -> set[int]:
    """The workers that wrote the access-log lines of the last `count` requests labelled `label`
    (each line is written just after its response, so wait until all are there)."""
    pattern = re.compile(rf"POST /mcp 200 \d+ms {re.escape(label)} worker=(\d+)")
    deadline = time.monotonic() + 10
    while len(lines := pattern.findall(server.stderr())) < count:
        assert time.monotonic() < deadline, server.stderr()
        time.sleep(0.02)
    return {int(pid) for pid in lines[-count:]}


async def concurrently(request: Any) -> list[Any]:
    results: list[Any] = [None] * BATCH

    async def one(index: int) -> None:
        results[index] = await request()

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for index in range(BATCH):
                group.start_soon(one, index)
    return results


async def tool_call(server: HttpServer, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A self-contained tools/call on a fresh connection; the tool's structured result."""
    async with httpx2.AsyncClient(timeout=30) as http:
        answer = await post(http, server.url, API_KEY, "tools/call", {"name": name, "arguments": arguments}, name=name)
    assert not answer["result"].get("isError"), answer
    return answer["result"]["structuredContent"]


async def task_get(server: HttpServer, task_id: str) -> dict[str, Any]:
    async with httpx2.AsyncClient(timeout=30) as http:
        return await post(http, server.url, API_KEY, "tasks/get", {"taskId": task_id}, name=task_id)
