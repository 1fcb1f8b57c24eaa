"""The server as a stdio subprocess, as desktop and IDE clients run it."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import stdio_client

from arize_mcp.emulator import HALLUCINATION
from tests.conftest import ALL_TOOLS, API_KEY, Upstream, stdio_params
from tests.helpers import error, ok
from tests.tls import UNLOADABLE_PEM, https_env

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_subprocess_triggers_and_waits(upper_upstream: Upstream, mode: str) -> None:
    with tempfile.TemporaryFile("w+") as errlog:
        transport = stdio_client(stdio_params(upper_upstream.env(), "--log-level", "DEBUG"), errlog=errlog)
        async with Client(transport, mode=mode) as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == ALL_TOOLS
            assert all(tool.output_schema for tool in tools.values())
            task_id = upper_upstream.emulator.task_id("Hallucination check")
            run = ok(await client.call_tool("trigger_task", {"task_id": task_id}))["run"]
            messages: list[str] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                messages.append(message or "")

            waited = ok(
                await client.call_tool("wait_for_task_run", {"run_id": run["id"]}, progress_callback=on_progress)
            )
            assert waited["terminal"] and waited["run"]["status"] == "completed"
            assert len(messages) == waited["polls"]
        errlog.seek(0)
        logs = errlog.read()
    assert "trigger" in logs  # DEBUG logging did go to stderr …
    assert API_KEY not in logs  # … without the key


async def test_stdio_without_key_starts_and_explains(upper_upstream: Upstream) -> None:
    env = upper_upstream.env()
    del env["ARIZE_API_KEY"]
    async with Client(stdio_params(env)) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == ALL_TOOLS
        text = error(await client.call_tool("list_tasks", {}))
    assert "ARIZE_API_KEY" in text and "--sandbox" in text
    assert upper_upstream.count() == 0


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"ARIZE_REGION": "us-east-1b"}, "ARIZE_REGION and ARIZE_SINGLE_HOST/ARIZE_SINGLE_PORT"),
        ({"ARIZE_SSL_CA_CERT": "/no/such/bundle.pem"}, "ARIZE_SSL_CA_CERT=/no/such/bundle.pem"),
    ],
)
async def test_a_setting_that_cannot_work_does_not_stop_the_server(
    upper_upstream: Upstream, extra: dict[str, str], named: str
) -> None:
    env = upper_upstream.env(ARIZE_SINGLE_HOST="127.0.0.1", **extra)
    async with Client(stdio_params(env)) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == ALL_TOOLS
        text = error(await client.call_tool("get_task_run", {"run_id": "abc"}))
    assert named in text and "nothing was sent" in text and "arize-mcp doctor" in text
    assert upper_upstream.count() == 0


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("not a certificate\n", "holds no PEM certificate"),  # found when the settings are read
        (UNLOADABLE_PEM, "is refused by OpenSSL"),  # found only when the bundle is loaded, on a thread
    ],
    ids=["not-pem", "refused-by-openssl"],
)
async def test_a_ca_bundle_that_cannot_be_loaded_does_not_stop_the_server(
    upper_upstream: Upstream, tmp_path: Path, content: str, why: str
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(content)
    with tempfile.TemporaryFile("w+") as errlog:
        async with Client(
            stdio_client(stdio_params(upper_upstream.env(ARIZE_SSL_CA_CERT=str(bundle))), errlog=errlog)
        ) as client:
            assert {tool.name for tool in (await client.list_tools()).tools} == ALL_TOOLS
            text = error(await client.call_tool("get_task_run", {"run_id": "abc"}))
        errlog.seek(0)
        logs = errlog.read()
    assert f"ARIZE_SSL_CA_CERT={bundle} {why}" in text and "nothing was sent" in text and "arize-mcp doctor" in text
    assert f"Arize settings cannot work, every call will say so: ARIZE_SSL_CA_CERT={bundle} {why}" in logs
    assert "Traceback" not in logs
    assert upper_upstream.count() == 0


@pytest.mark.parametrize("switch", ["flag", "environment"])
async def test_sandbox_needs_no_account(switch: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "ARIZE_API_KEY": "must-not-be-used", "ARIZE_API_HOST": "example.invalid"}
    args = ["--sandbox-run-seconds", "1"]
    if switch == "flag":
        args.append("--sandbox")
    else:
        env["ARIZE_MCP_SANDBOX"] = "true"
    async with Client(stdio_params(env, *args)) as client:
        tasks = ok(await client.call_tool("list_tasks", {}))["tasks"]
        names = {task["name"] for task in tasks}
        assert {"Hallucination check", "Prompt v2 experiment"} <= names
        task_id = next(task["id"] for task in tasks if task["name"] == HALLUCINATION)
        run = ok(await client.call_tool("trigger_task", {"task_id": task_id, "data_start_time": "-2h"}))["run"]
        waited = ok(await client.call_tool("wait_for_task_run", {"run_id": run["id"], "timeout_seconds": 30}))
        assert waited["run"]["status"] == "completed"


class RawStdio:
    """Speaks JSON-RPC lines to the server directly and insists every stdout line is JSON-RPC."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self.process = process
        self.buffer = b""
        self.next_id = 0

    async def send(self, method: str, params: dict | None = None, *, notify: bool = False) -> dict | None:
        message: dict = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if notify:
            await self.process.stdin.send((json.dumps(message) + "\n").encode())
            return None
        self.next_id += 1
        message["id"] = self.next_id
        await self.process.stdin.send((json.dumps(message) + "\n").encode())
        with anyio.fail_after(20):
            while True:
                line = await self.readline()
                payload = json.loads(line)  # any non-JSON line on stdout fails the test here
                assert payload.get("jsonrpc") == "2.0", line
                if payload.get("id") == self.next_id:
                    return payload

    async def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            self.buffer += await self.process.stdout.receive()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
async def test_raw_handshake_versions(upper_upstream: Upstream, version: str, tmp_path: Path) -> None:
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("wb") as stderr:
        process = await anyio.open_process(
            [sys.executable, "-m", "arize_mcp", "--log-level", "DEBUG"], env=upper_upstream.env(), stderr=stderr
        )
        async with process:
            rpc = RawStdio(process)
            init = await rpc.send(
                "initialize",
                {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
            )
            assert init is not None and init["result"]["protocolVersion"] == version
            assert "trigger_task" in init["result"]["instructions"]
            await rpc.send("notifications/initialized", notify=True)
            listed = await rpc.send("tools/list", {})
            assert listed is not None and {t["name"] for t in listed["result"]["tools"]} == ALL_TOOLS
            task_id = upper_upstream.emulator.task_id("Hallucination check")
            called = await rpc.send("tools/call", {"name": "trigger_task", "arguments": {"task_id": task_id}})
            assert called is not None and called["result"]["structuredContent"]["run"]["status"] == "pending"
            failed = await rpc.send("tools/call", {"name": "get_task_run", "arguments": {"run_id": "missing"}})
            assert failed is not None and failed["result"]["isError"] is True
            await process.stdin.aclose()
            with anyio.fail_after(10):
                assert await process.wait() == 0
            assert rpc.buffer.strip() == b""
    logs = stderr_path.read_text()
    assert API_KEY not in logs


async def test_the_first_call_over_https_trusts_the_configured_ca_bundle(
    tls_server: int, certificate: tuple[Path, Path]
) -> None:
    # The bundle is loaded on a thread while the server starts; the first call must find it ready.
    async with Client(stdio_params(https_env(tls_server, ARIZE_SSL_CA_CERT=str(certificate[0])))) as client:
        assert ok(await client.call_tool("list_tasks", {}))["tasks"] == []
    # Without it the same server is not trusted: the bundle above is what made the call work.
    async with Client(stdio_params(https_env(tls_server))) as client:
        text = error(await client.call_tool("list_tasks", {}))
    assert "CERTIFICATE_VERIFY_FAILED" in text
