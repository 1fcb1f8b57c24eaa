"""The team service over real HTTP: tools and progress, stateless replicas, single-flight polling,
every security rule, per-request keys, and graceful SIGTERM."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.extension import ClientExtension
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from tests.conftest import API_KEY, READ_ONLY_KEY, Upstream
from tests.helpers import error, ok
from tests.service.conftest import free_port, http_server, sigterm_during_a_slow_read
from tests.tls import UNLOADABLE_PEM

pytestmark = pytest.mark.anyio

TOKEN = "team-token-3c1f0e9a"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@asynccontextmanager
async def mcp_session(
    url: str | list[str],
    *,
    headers: dict[str, str] | None = None,
    mode: str = "auto",
    extensions: list[ClientExtension] | None = None,
) -> AsyncIterator[Client]:
    """An SDK client; given several URLs, every HTTP request goes to the next one in turn."""
    urls = [url] if isinstance(url, str) else url
    http = httpx2.AsyncClient(headers=headers, transport=RoundRobin(urls), timeout=httpx2.Timeout(30, read=60))
    transport = streamable_http_client(urls[0], http_client=http)
    async with http, Client(transport, mode=mode, extensions=extensions or []) as client:
        yield client


class RoundRobin(httpx2.AsyncBaseTransport):
    """A tiny load balancer: sends each request to the next server in the list."""

    def __init__(self, urls: list[str]) -> None:
        self._targets = itertools.cycle([httpx2.URL(u) for u in urls])
        self._inner = httpx2.AsyncHTTPTransport()
        self.sent: list[int] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        target = next(self._targets)
        request.url = request.url.copy_with(host=target.host, port=target.port)
        request.headers["host"] = f"{target.host}:{target.port}"
        self.sent.append(target.port or 0)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.mark.parametrize(("mode", "flags"), [("auto", ()), ("legacy", ()), ("legacy", ("--stateless",))])
async def test_tools_and_live_progress_over_http(upper_upstream: Upstream, mode: str, flags: tuple[str, ...]) -> None:
    with http_server(upper_upstream.env(), *flags) as server:
        async with mcp_session(server.url, mode=mode) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert {"trigger_task", "wait_for_task_run"} <= names
            run = ok(await client.call_tool("trigger_task", {"task_name": "Hallucination check"}))["run"]
            arrivals: list[float] = []

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                arrivals.append(anyio.current_time())

            waited = ok(
                await client.call_tool("wait_for_task_run", {"run_id": run["id"]}, progress_callback=on_progress)
            )
            finished = anyio.current_time()
        assert waited["terminal"] and len(arrivals) == waited["polls"] >= 2
        # Streamed while the call ran, not delivered in a batch with the result.
        assert finished - arrivals[0] >= 0.2


async def test_json_response_mode(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(), "--stateless", "--json-response") as server:
        response = httpx2.post(server.url, json=INIT, headers=MCP_HEADERS, timeout=10)
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["result"]["serverInfo"]["name"] == "arize-mcp"
        async with mcp_session(server.url, mode="legacy") as client:
            assert ok(await client.call_tool("list_tasks", {}))["tasks"]


async def test_stateless_replicas_answer_any_request(upper_upstream: Upstream) -> None:
    env = upper_upstream.env()
    with http_server(env, "--stateless") as one, http_server(env, "--stateless") as two:
        async with mcp_session(one.url) as first, mcp_session(two.url) as second:
            run = ok(await first.call_tool("trigger_task", {"task_name": "Hallucination check"}))["run"]
            assert ok(await second.call_tool("get_task_run", {"run_id": run["id"]}))["id"] == run["id"]
            assert ok(await second.call_tool("wait_for_task_run", {"run_id": run["id"]}))["terminal"]
        for mode in ("legacy", "auto"):
            async with mcp_session([one.url, two.url], mode=mode) as client:
                run = ok(await client.call_tool("trigger_task", {"task_name": "Hallucination check"}))["run"]
                notes: list[str] = []

                async def on_progress(
                    progress: float, total: float | None, message: str | None, notes: list[str] = notes
                ) -> None:
                    notes.append(message or "")

                waited = ok(
                    await client.call_tool("wait_for_task_run", {"run_id": run["id"]}, progress_callback=on_progress)
                )
                assert waited["terminal"] and notes
                assert ok(await client.call_tool("get_task_run", {"run_id": run["id"]}))["status"] == "completed"
        log_one, log_two = one.wait_for_log("POST /mcp 200"), two.wait_for_log("POST /mcp 200")
        assert "tool=trigger_task" in log_one + log_two
        assert "POST /mcp 200" in log_one and "POST /mcp 200" in log_two


async def test_waits_on_one_run_share_one_poller(upper_upstream: Upstream) -> None:
    emulator = upper_upstream.emulator
    emulator.config.run_seconds = 2.0
    with http_server(upper_upstream.env()) as server:
        async with mcp_session(server.url) as client:

            async def waits(count: int) -> int:
                run = ok(
                    await client.call_tool(
                        "trigger_task", {"task_name": "Hallucination check", "data_start_time": "-1h"}
                    )
                )["run"]
                before = upper_upstream.count(route="get_run")
                async with anyio.create_task_group() as group:
                    for _ in range(count):
                        group.start_soon(client.call_tool, "wait_for_task_run", {"run_id": run["id"]})
                return upper_upstream.count(route="get_run") - before

            alone = await waits(1)
            together = await waits(8)
    assert alone >= 3
    # Eight waiters cost what one does: the same poll schedule over the same run length.
    assert together <= alone + 2, (alone, together)


def test_binds_loopback_by_default(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env()) as server:
        server.wait_for_log(f"serving MCP at http://127.0.0.1:{server.port}/mcp")
        with pytest.raises(httpx2.ConnectError):
            # The same port on an address other than loopback (the wildcard) is not listening.
            httpx2.get(f"http://0.0.0.0:{server.port}/healthz".replace("0.0.0.0", _non_loopback_address()), timeout=1)


def _non_loopback_address() -> str:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent; this picks the outbound interface
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        pytest.skip("this machine has no non-loopback IPv4 address to probe")
    return address


def test_public_bind_without_auth_is_refused(upper_upstream: Upstream) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "arize_mcp", "--transport", "http", "--host", "0.0.0.0", "--port", str(free_port())],
        env=upper_upstream.env(),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0" in refused.stderr and "ARIZE_MCP_AUTH_TOKEN" in refused.stderr
    assert "--allow-unauthenticated" in refused.stderr
    with http_server(upper_upstream.env(ARIZE_MCP_AUTH_TOKEN=TOKEN), "--host", "0.0.0.0") as server:
        assert httpx2.get(f"{server.base}/healthz", timeout=5).status_code == 200
    with http_server(upper_upstream.env(), "--host", "0.0.0.0", "--allow-unauthenticated") as server:
        assert httpx2.get(f"{server.base}/healthz", timeout=5).status_code == 200


async def test_origin_host_token_and_body_rules(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(ARIZE_MCP_AUTH_TOKEN=TOKEN)) as server:
        good = {**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"}

        def post(headers: dict[str, str], body: object = INIT) -> httpx2.Response:
            return httpx2.post(server.url, content=json.dumps(body), headers=headers, timeout=10)

        foreign = post({**MCP_HEADERS, "Origin": "https://evil.example"})  # no token either: 403 comes first
        assert foreign.status_code == 403 and foreign.json()["title"] == "Origin not allowed"
        # A header sent twice counts by its first value, as the SDK behind the guard reads it.
        allowed = f"http://localhost:{server.port}"
        for origins, status in (("https://evil.example", allowed), 403), ((allowed, "https://evil.example"), 200):
            twice = [*good.items(), *(("Origin", origin) for origin in origins)]
            assert httpx2.post(server.url, content=json.dumps(INIT), headers=twice, timeout=10).status_code == status
        assert post({**good, "Host": "attacker.example"}).status_code == 421
        missing = post(MCP_HEADERS)
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        assert post({**MCP_HEADERS, "Authorization": "Bearer wrong"}).status_code == 401
        assert post({**MCP_HEADERS, "Authorization": f"Basic {TOKEN}"}).status_code == 401
        assert post({**good, "Origin": f"http://localhost:{server.port}"}).status_code == 200
        assert post(good, {"padding": "x" * (1024 * 1024 + 1)}).status_code == 413
        assert post(good).status_code == 200
        # Probes need no token and reveal nothing.
        for probe in ("/healthz", "/readyz"):
            response = httpx2.get(f"{server.base}{probe}", timeout=10)
            assert response.status_code == 200
            assert upper_upstream.url not in response.text and TOKEN not in response.text
        async with mcp_session(server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            assert ok(await client.call_tool("list_tasks", {}))["tasks"]
        logs = server.wait_for_log("POST /mcp 413")
    assert TOKEN not in logs and API_KEY not in logs
    assert "POST /mcp 403" in logs and "POST /mcp 401" in logs and "POST /mcp 413" in logs


async def test_readyz_reports_an_unreachable_upstream(upper_upstream: Upstream) -> None:
    env = upper_upstream.env(ARIZE_API_PORT=str(free_port()))
    with http_server(env) as server:
        response = httpx2.get(f"{server.base}/readyz", timeout=10)
        assert response.status_code == 503 and response.json() == {"status": "upstream unreachable"}


async def test_a_ca_bundle_openssl_refuses_does_not_stop_the_service(upper_upstream: Upstream, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(UNLOADABLE_PEM)  # passes the checks made when the settings are read
    with http_server(upper_upstream.env(ARIZE_SSL_CA_CERT=str(bundle))) as server:
        async with mcp_session(server.url) as client:
            text = error(await client.call_tool("get_task_run", {"run_id": "abc"}))
        assert httpx2.get(f"{server.base}/readyz", timeout=10).status_code == 503
        logs = server.stderr()
    assert f"ARIZE_SSL_CA_CERT={bundle} is refused by OpenSSL" in text and "nothing was sent" in text
    assert f"every call will say so: ARIZE_SSL_CA_CERT={bundle} is refused by OpenSSL" in logs
    assert "Traceback" not in logs
    assert upper_upstream.count() == 0


async def test_per_request_keys_are_isolated(upper_upstream: Upstream) -> None:
    env = upper_upstream.env(ARIZE_MCP_LOG_LEVEL="DEBUG")
    del env["ARIZE_API_KEY"]
    with http_server(env, "--stateless") as server:
        async with (
            mcp_session(server.url, headers={"X-Arize-Api-Key": API_KEY}) as writer,
            mcp_session(server.url, headers={"X-Arize-Api-Key": READ_ONLY_KEY}) as reader,
            mcp_session(server.url) as nobody,
        ):
            outcomes: dict[str, list[bool]] = {"writer": [], "reader": []}

            async def trigger(name: str, client: Client) -> None:
                for _ in range(4):
                    result = await client.call_tool(
                        "trigger_task", {"task_name": "Hallucination check", "data_start_time": "-1h"}
                    )
                    outcomes[name].append(not result.is_error)
                    if result.is_error:
                        assert "403" in error(result)

            async with anyio.create_task_group() as group:
                group.start_soon(trigger, "writer", writer)
                group.start_soon(trigger, "reader", reader)
            assert outcomes == {"writer": [True] * 4, "reader": [False] * 4}
            assert ok(await reader.call_tool("list_tasks", {}))["tasks"]
            missing = error(await nobody.call_tool("list_tasks", {}))
            assert "ARIZE_API_KEY" in missing
            # Resources read with the caller's key too.
            task_uri = "arize://tasks/" + quote(upper_upstream.emulator.task_id("Hallucination check"), safe="")
            assert (await reader.read_resource(task_uri)).contents
            with pytest.raises(MCPError):
                await nobody.read_resource(task_uri)
        logs = server.stderr()
    assert API_KEY not in logs and READ_ONLY_KEY not in logs


# Stateless at a handshake-era version: the wait runs in service/exchange.py, not the SDK's transport.
@pytest.mark.parametrize(("mode", "flags"), [("auto", ()), ("legacy", ("--stateless",))])
async def test_sigterm_drains_waits_and_exits_zero(upper_upstream: Upstream, mode: str, flags: tuple[str, ...]) -> None:
    upper_upstream.emulator.config.run_seconds = 60.0
    with http_server(upper_upstream.env(), "--shutdown-grace-seconds", "10", *flags) as server:
        async with mcp_session(server.url, mode=mode) as client:
            run = ok(await client.call_tool("trigger_task", {"task_name": "Hallucination check"}))["run"]
            polled = anyio.Event()

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                polled.set()

            result: dict = {}

            async def wait() -> None:
                result.update(
                    ok(
                        await client.call_tool(
                            "wait_for_task_run",
                            {"run_id": run["id"], "timeout_seconds": 600},
                            progress_callback=on_progress,
                        )
                    )
                )

            async with anyio.create_task_group() as group:
                group.start_soon(wait)
                with anyio.fail_after(10):
                    await polled.wait()
                server.process.send_signal(15)
                with anyio.fail_after(10):
                    while not result:
                        await anyio.sleep(0.05)
            assert result["terminal"] is False and result["run"]["status"] in {"pending", "running"}
            assert result["waited_seconds"] < 10
        # The one SIGTERM is all it takes: the server stops on its own (a second signal sent while
        # it is already exiting would meet the default handler, and proves nothing).
        assert server.process.wait(30) == 0
        assert "draining" in server.stderr()


async def test_sandbox_over_http() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    with http_server(env, "--sandbox", "--sandbox-run-seconds", "1") as server:
        async with mcp_session(server.url) as client:
            waited = ok(await client.call_tool("trigger_task", {"task_name": "Hallucination check", "wait": True}))
        assert waited["terminal"] and waited["run"]["status"] == "completed"


def test_allowed_hosts_and_origins_are_configurable(upper_upstream: Upstream) -> None:
    env = upper_upstream.env(
        ARIZE_MCP_ALLOWED_HOSTS="mcp.internal.example:*", ARIZE_MCP_ALLOWED_ORIGINS="https://ide.example"
    )
    with http_server(env) as server:

        def post(**headers: str) -> int:
            return httpx2.post(server.url, json=INIT, headers={**MCP_HEADERS, **headers}, timeout=10).status_code

        assert post(Host=f"mcp.internal.example:{server.port}") == 200
        assert post(Host=f"mcp.internal.example:{server.port}", Origin="https://ide.example") == 200
        # Configuring the lists replaces the loopback defaults.
        assert post() == 421
        assert post(Host=f"mcp.internal.example:{server.port}", Origin=f"http://localhost:{server.port}") == 403


def test_request_timeout_bounds_a_call(upper_upstream: Upstream) -> None:
    upper_upstream.emulator.config.run_seconds = 60.0
    with http_server(upper_upstream.env(ARIZE_MCP_REQUEST_TIMEOUT="1"), "--stateless", "--json-response") as server:
        run = httpx2.post(
            server.url,
            json={
                **INIT,
                "method": "tools/call",
                "params": {"name": "trigger_task", "arguments": {"task_name": "Hallucination check"}},
            },
            headers={**MCP_HEADERS, "MCP-Protocol-Version": "2025-11-25"},
            timeout=10,
        ).json()["result"]["structuredContent"]["run"]
        wait = {"name": "wait_for_task_run", "arguments": {"run_id": run["id"], "timeout_seconds": 30}}
        response = httpx2.post(
            server.url,
            json={**INIT, "method": "tools/call", "params": wait},
            headers={**MCP_HEADERS, "MCP-Protocol-Version": "2025-11-25"},
            timeout=20,
        )
        assert response.status_code == 504
        server.wait_for_log("POST /mcp 504")


async def test_sigterm_refuses_new_requests_and_finishes_in_flight_ones(upper_upstream: Upstream) -> None:
    with http_server(upper_upstream.env(), "--shutdown-grace-seconds", "10") as server:
        async with mcp_session(server.url) as client:
            run = ok(await client.call_tool("trigger_task", {"task_name": "Hallucination check"}))["run"]

            async def slow_read() -> dict:
                return ok(await client.call_tool("get_task_run", {"run_id": run["id"]}))

            async with sigterm_during_a_slow_read(upper_upstream, server, slow_read) as result:
                await anyio.sleep(0.3)
                async with httpx2.AsyncClient(timeout=5) as http:
                    refused = await http.post(server.url, json=INIT, headers=MCP_HEADERS)
                    ready = await http.get(f"{server.base}/readyz")
                assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
                assert ready.status_code == 503 and ready.json() == {"status": "draining"}
            assert result["id"] == run["id"]  # the call in flight finished normally
        assert server.process.wait(30) == 0  # drained and stopped on that one signal
