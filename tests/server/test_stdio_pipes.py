"""The stdio transport's own pipe ends (server/stdio.py): lines read and messages written on the
event loop, fd 1 diverted while serving, and the SDK's way kept for what is not a pipe."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import anyio
import pytest

from arize_mcp.server.jsonrpc import screen
from arize_mcp.server.stdio import Pipe, Unanswered, is_pipe, non_blocking
from tests.conftest import ALL_TOOLS, Upstream

pytestmark = pytest.mark.anyio

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}


async def test_lines_arrive_whole_however_the_bytes_are_split() -> None:
    read_end, write_end = os.pipe()
    sent = [b'{"a": 1}\n{"b"', b": 2}\n", b"x" * 200_000, b"\n\xff\xfe\n", b'{"last": true}']

    async def feed() -> None:
        for part in sent:
            await anyio.sleep(0.01)  # each part a separate read
            await anyio.to_thread.run_sync(os.write, write_end, part)  # blocks while the pipe is full
        os.close(write_end)

    with non_blocking(read_end):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(feed)
            with anyio.fail_after(10):
                lines = [line async for line in Pipe(read_end)]
    os.close(read_end)
    assert lines == ['{"a": 1}\n', '{"b": 2}\n', "x" * 200_000 + "\n", "\ufffd\ufffd\n", '{"last": true}']


async def test_a_reader_slower_than_the_writer_holds_back_only_the_writer() -> None:
    read_end, write_end = os.pipe()
    message = "".join(f"{index:08d}" for index in range(100_000))  # 800 kB: many times a pipe's buffer
    received = bytearray()
    ticks = 0

    async def read_slowly() -> None:
        while len(received) < len(message) + 1:
            await anyio.sleep(0.001)
            try:
                received.extend(os.read(read_end, 50_000))
            except BlockingIOError:
                pass

    async def tick() -> None:
        nonlocal ticks
        while True:  # the event loop stays free while the writer waits
            ticks += 1
            await anyio.sleep(0)

    with non_blocking(read_end), non_blocking(write_end):
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read_slowly)
                tasks.start_soon(tick)
                wire = Pipe(write_end)
                await wire.write(message + "\n")
                await wire.flush()
                while len(received) < len(message) + 1:
                    await anyio.sleep(0.01)
                tasks.cancel_scope.cancel()
    os.close(read_end)
    os.close(write_end)
    assert received.decode() == message + "\n"
    assert ticks > 10


def test_non_blocking_restores_the_flags() -> None:
    read_end, write_end = os.pipe()
    try:
        with non_blocking(read_end):
            assert fcntl.fcntl(read_end, fcntl.F_GETFL) & os.O_NONBLOCK
        assert not fcntl.fcntl(read_end, fcntl.F_GETFL) & os.O_NONBLOCK
    finally:
        os.close(read_end)
        os.close(write_end)


def test_only_pipes_and_sockets_are_served_on_the_event_loop(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    with (tmp_path / "file").open("w") as regular:
        assert is_pipe(read_end) and is_pipe(write_end)
        assert not is_pipe(regular.fileno())
    os.close(read_end)
    os.close(write_end)
    assert not is_pipe(write_end)  # closed


def test_stray_output_goes_to_stderr_while_the_wire_is_held() -> None:
    script = textwrap.dedent(
        """
        import os, sys
        from arize_mcp.server.stdio import wire_out
        with wire_out() as wire:
            print("stray print")
            os.write(1, b"stray write\\n")
            os.write(wire, b"on the wire\\n")
        print("after")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=True)
    assert done.stdout == b"on the wire\nafter\n"
    assert b"stray print" in done.stderr and b"stray write" in done.stderr


@pytest.mark.parametrize("stdin_kind", ["pipe", "file"])
def test_the_server_answers_from_a_pipe_and_from_a_file(
    upper_upstream: Upstream, tmp_path: Path, stdin_kind: str
) -> None:
    """A pipe is read on the event loop; a file (`arize-mcp < requests`) the SDK's way. Both answer alike."""
    requests = [
        INITIALIZE,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        "not json",
    ]
    lines = "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in requests).encode()
    command = [sys.executable, "-m", "arize_mcp"]
    if stdin_kind == "file":
        (tmp_path / "requests").write_bytes(lines)
        with (tmp_path / "requests").open("rb") as stdin:
            done = subprocess.run(command, stdin=stdin, capture_output=True, env=upper_upstream.env(), timeout=60)
    else:
        done = subprocess.run(command, input=lines, capture_output=True, env=upper_upstream.env(), timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    answers = {answer.get("id"): answer for answer in map(json.loads, done.stdout.decode().splitlines())}
    assert answers[1]["result"]["serverInfo"]["name"]
    assert {tool["name"] for tool in answers[2]["result"]["tools"]} == ALL_TOOLS
    assert answers[None]["error"]["code"] == -32700  # the line that is not JSON is answered, not dropped


async def test_when_stdin_ends_a_wait_in_flight_is_answered_with_the_latest_state(upper_upstream: Upstream) -> None:
    """Closing stdin is how a client stops a stdio server: it drains (waits return at once) and
    answers what it has read before it exits."""
    task_id = upper_upstream.emulator.add_task("Hour-long evaluation", run_seconds=3600)
    process = await anyio.open_process([sys.executable, "-m", "arize_mcp"], env=upper_upstream.env())
    async with process:
        assert process.stdin is not None and process.stdout is not None
        received = bytearray()

        async def answer(request_id: int) -> dict:
            while True:
                for line in received.decode().splitlines():
                    message = json.loads(line)
                    if message.get("id") == request_id:
                        return message
                received.extend(await process.stdout.receive())  # type: ignore[union-attr]

        async def send(message: dict) -> None:
            await process.stdin.send((json.dumps(message) + "\n").encode())  # type: ignore[union-attr]

        with anyio.fail_after(60):
            await send(INITIALIZE)
            await answer(1)
            await send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            call = {"name": "trigger_task", "arguments": {"task_id": task_id, "data_start_time": "-2h"}}
            await send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call})
            run_id = (await answer(2))["result"]["structuredContent"]["run"]["id"]
            call = {"name": "wait_for_task_run", "arguments": {"run_id": run_id, "timeout_seconds": 3000}}
            await send({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call})
            await anyio.sleep(1)  # the wait is under way
            await process.stdin.aclose()
            waited = (await answer(3))["result"]
            assert await process.wait() == 0
    assert not waited["isError"]
    assert waited["structuredContent"]["run"]["id"] == run_id
    assert waited["structuredContent"]["terminal"] is False


async def test_unanswered_requests_are_settled_by_an_answer_or_a_cancellation() -> None:
    unanswered = Unanswered()
    with anyio.fail_after(5):
        await unanswered.all_answered()  # none read yet
    unanswered.read(screen('{"jsonrpc": "2.0", "id": 1, "method": "ping"}').message)
    unanswered.read(screen('{"jsonrpc": "2.0", "id": "b", "method": "ping"}').message)
    unanswered.read(screen('{"jsonrpc": "2.0", "method": "notifications/initialized"}').message)
    with anyio.move_on_after(0.05) as waited:
        await unanswered.all_answered()
    assert waited.cancelled_caught
    unanswered.settled(1)
    cancel = '{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "b"}}'
    unanswered.read(screen(cancel).message)
    with anyio.fail_after(5):
        await unanswered.all_answered()
