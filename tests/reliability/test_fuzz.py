"""2,000 fuzzed requests to the server as a stdio subprocess, the way desktop clients run it: oddly
typed, huge, deeply nested and malformed arguments, ids that are floats or objects, params that
are not objects, text that is not JSON. Every request with a valid id gets exactly one answer,
every unusable one the JSON-RPC error for it, nothing crashes, and stdout stays pure JSON-RPC."""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import Upstream

pytestmark = pytest.mark.anyio

CALLS = 2000
WINDOW = 50  # requests in flight at once
SEED = 14
# A crash: our own catch-all wording, or the SDK's traceback for an exception nobody anticipated
# ("Error executing tool" alone is the SDK's wording for arguments that fail the schema).
CRASH_MARKS = ("Traceback", "Unexpected error", "unexpected exception")


class Fuzzer:
    def __init__(self, chooser: random.Random, tools: dict[str, dict], task_ids: list[str]) -> None:
        self.chooser = chooser
        self.tools = tools
        self.strings = [
            "",
            " ",
            "..",
            ".",
            "a/b",
            "%2e%2e",
            "x" * 100_000,
            "\u0000",
            "é漢字🙂",
            "\r\n",
            "now-24h",
            "0001-01-01T00:00:00+14:00",
            "-9999999d",
            *task_ids,
        ]

    def value(self, depth: int = 0) -> Any:
        pick = self.chooser.randrange(14 if depth < 3 else 9)
        match pick:
            case 0 | 1 | 2:
                return self.chooser.choice(self.strings)
            case 3:
                return self.chooser.choice([0, -1, 1, 2**63, -(2**70), 10**30])
            case 4:
                return self.chooser.choice([0.5, -1e308, 1e308, 3600.0001, 1e-320])
            case 5:
                return self.chooser.choice([True, False])
            case 6:
                return None
            case 7:
                return self.nested(self.chooser.choice([10, 60, 200, 900]))
            case 8:
                return "".join(chr(self.chooser.randrange(1, 0x3000)) for _ in range(self.chooser.randrange(1, 40)))
            case 9 | 10:
                return [self.value(depth + 1) for _ in range(self.chooser.randrange(0, 4))]
            case _:
                return {self.chooser.choice(self.strings[:8]): self.value(depth + 1) for _ in range(3)}

    def nested(self, depth: int) -> Any:
        value: Any = "core"
        for _ in range(depth):
            value = [value] if self.chooser.random() < 0.5 else {"k": value}
        return value

    def arguments(self, tool: str) -> Any:
        properties = self.tools.get(tool, {}).get("inputSchema", {}).get("properties", {})
        if self.chooser.random() < 0.1:
            return self.value()  # not even an object
        chosen = {name: self.value() for name in properties if self.chooser.random() < 0.5}
        if self.chooser.random() < 0.2:
            chosen["unexpected_" + str(self.chooser.randrange(9))] = self.value()
        return chosen

    def message(self, number: int) -> tuple[str, object]:
        """A line to send, and the id its answer must carry: a valid id, or None (an id-less error)."""
        roll = self.chooser.random()
        request_id: Any = number if self.chooser.random() < 0.5 else f"fuzz-{number}"
        if roll < 0.70:
            tool = self.chooser.choice([*self.tools, "no_such_tool", ""])
            params: Any = {"name": tool, "arguments": self.arguments(tool)}
            method = "tools/call"
        elif roll < 0.80:
            method, params = self.chooser.choice(
                [
                    (
                        "resources/read",
                        {"uri": self.chooser.choice(["arize://task-runs/..", "arize://tasks/%2F", "x:"])},
                    ),
                    ("resources/read", {"uri": self.value()}),
                    ("prompts/get", {"name": "evaluate_recent_window", "arguments": self.value()}),
                    ("prompts/get", {"name": self.value()}),
                    ("completion/complete", {"ref": self.value(), "argument": self.value()}),
                    ("tools/list", self.value()),
                    ("no/such/method", {}),
                ]
            )
        elif roll < 0.88:
            odd_id = self.chooser.choice([1.5, 2.0, {"id": 1}, [number], True, None])
            return json.dumps({"jsonrpc": "2.0", "id": odd_id, "method": "tools/list"}), None
        elif roll < 0.94:
            method, params = "tools/call", self.chooser.choice(["params", [1, 2], 7, True])
        else:
            text = self.chooser.choice(
                [
                    "{not json",
                    "[]",
                    '[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]',
                    f'{{"jsonrpc": "2.0", "id": {number}, "method": "tools/call", "params": {{"name": "list_tasks", '
                    f'"arguments": {"[" * 3000 + "]" * 3000}}}}}',
                    "NaN",
                ]
            )
            return text, number if text.startswith('{"jsonrpc"') else None
        return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}), request_id


class Channel:
    """JSON-RPC lines to and from the subprocess; every stdout line must be a JSON-RPC message."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self.process = process
        self.buffer = b""

    async def send(self, line: str) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(line.encode() + b"\n")

    async def receive(self) -> dict:
        assert self.process.stdout is not None
        while b"\n" not in self.buffer:
            self.buffer += await self.process.stdout.receive()
        line, _, self.buffer = self.buffer.partition(b"\n")
        message = json.loads(line)
        assert message.get("jsonrpc") == "2.0", line[:200]
        return message


async def test_two_thousand_fuzzed_requests(upper_upstream: Upstream, tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.log"
    answers: Counter[str] = Counter()
    with stderr_path.open("wb") as stderr:
        process = await anyio.open_process(
            [sys.executable, "-m", "arize_mcp", "--log-level", "INFO"], env=upper_upstream.env(), stderr=stderr
        )
        async with process:
            channel = Channel(process)
            init = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "0"}}
            await channel.send(json.dumps({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": init}))
            assert (await channel.receive())["id"] == "init"
            await channel.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            await channel.send(json.dumps({"jsonrpc": "2.0", "id": "list", "method": "tools/list"}))
            tools = {tool["name"]: tool for tool in (await channel.receive())["result"]["tools"]}
            fuzzer = Fuzzer(random.Random(SEED), tools, [upper_upstream.emulator.task_id("Hallucination check")])
            with anyio.fail_after(150):
                for start in range(0, CALLS, WINDOW):
                    pending: set[object] = set()
                    unanswerable = 0
                    for number in range(start, min(start + WINDOW, CALLS)):
                        line, request_id = fuzzer.message(number)
                        if request_id is None:
                            unanswerable += 1
                        else:
                            pending.add(request_id)
                        await channel.send(line)
                    while pending or unanswerable:
                        message = await channel.receive()
                        if "id" not in message:
                            continue  # a notification (progress, log)
                        if message["id"] is None:
                            unanswerable -= 1
                            answers["invalid request answered with id null"] += 1
                            continue
                        assert message["id"] in pending, ("an answer nobody waits for", message)
                        pending.remove(message["id"])
                        text = json.dumps(message)
                        assert not any(mark in text for mark in CRASH_MARKS), text[:500]
                        error = message.get("error")
                        assert error is None or error["code"] not in (0, -32603), message
                        answers[
                            "error" if error else "tool error" if message["result"].get("isError") else "result"
                        ] += 1
                    assert unanswerable == 0
            await process.stdin.aclose()
            with anyio.fail_after(10):
                assert await process.wait() == 0  # it never crashed, and stops cleanly
    logs = stderr_path.read_text()
    assert not any(mark in logs for mark in CRASH_MARKS), logs[-3000:]
    assert sum(answers.values()) == CALLS, answers
