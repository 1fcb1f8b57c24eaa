"""OpenTelemetry end to end: the server as a stdio subprocess with ARIZE_MCP_OTEL=1 exports over
OTLP/HTTP to a collector in this process; spans name routes by template, never by id or key, and
every text in them is redacted. An inherited OTLP endpoint alone turns nothing on."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import pytest
from mcp import Client
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from arize_mcp.emulator import HALLUCINATION
from tests.conftest import Upstream, start_upstream, stdio_params
from tests.helpers import error, ok

pytestmark = pytest.mark.anyio

CANARY = "otel-canary-key-9d41c2"


class Collector:
    """An OTLP/HTTP trace receiver on loopback, keeping every request body and span it gets."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.spans: list[Span] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                received.bodies.append(body)
                for resource_spans in request.resource_spans:
                    for scope_spans in resource_spans.scope_spans:
                        received.spans.extend(scope_spans.spans)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def collector() -> Iterator[Collector]:
    receiver = Collector()
    try:
        yield receiver
    finally:
        receiver.close()


@pytest.fixture
def canary_upstream() -> Iterator[Upstream]:
    up = start_upstream(api_keys=frozenset({CANARY}), read_only_keys=frozenset())
    try:
        yield up
    finally:
        up.server.stop()


def attributes(span: Span) -> dict[str, object]:
    values: dict[str, object] = {}
    for item in span.attributes:
        kind = item.value.WhichOneof("value")
        values[item.key] = getattr(item.value, kind) if kind else None
    return values


def _quoting_the_key(_: bytes) -> bytes:
    return json.dumps(
        {"status": 401, "title": "Authentication required", "detail": f"bad key 'Bearer {CANARY}'"}
    ).encode()


async def session(upstream: Upstream, env: dict[str, str]) -> str:
    """Calls that exercise a success, an id in a path and an error echoing the key; the run id."""
    async with Client(stdio_params(env)) as client:
        assert ok(await client.call_tool("list_tasks", {}))["tasks"]
        run = ok(await client.call_tool("trigger_task", {"task_name": HALLUCINATION}))["run"]
        assert ok(await client.call_tool("get_task_run", {"run_id": run["id"]}))["id"] == run["id"]
        upstream.emulator.faults.inject(route="get_task", status=401, rewrite_body=_quoting_the_key)
        text = error(await client.call_tool("get_task", {"task_id": run["task_id"]}))
        assert CANARY not in text and "bad key 'Bearer ********'" in text
    return run["id"]


async def test_spans_reach_the_collector_redacted(canary_upstream: Upstream, collector: Collector) -> None:
    env = canary_upstream.env(
        ARIZE_API_KEY=CANARY,
        ARIZE_MCP_OTEL="1",
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    run_id = await session(canary_upstream, env)
    with anyio.fail_after(15):  # the server flushes its spans as it exits
        while not any(span.name == "GET /v2/tasks/{task_id}" for span in collector.spans):
            await anyio.sleep(0.05)
    names = {span.name for span in collector.spans}
    assert {"GET /v2/tasks", "POST /v2/tasks/{task_id}/trigger", "GET /v2/task-runs/{run_id}"} <= names
    assert "tools/call list_tasks" in names  # the MCP SDK's own span per request
    upstream = [span for span in collector.spans if span.name.startswith(("GET /v2", "POST /v2"))]
    for span in upstream:
        values = attributes(span)
        assert {"http.request.method", "url.template", "http.response.status_code", "arize_mcp.retries"} <= set(values)
        assert run_id not in span.name + json.dumps(values)
    [refused] = [span for span in upstream if span.name == "GET /v2/tasks/{task_id}"]
    assert attributes(refused)["http.response.status_code"] == 401
    assert "Bearer ********" in refused.status.message
    assert all(CANARY.encode() not in body for body in collector.bodies)


async def test_an_inherited_endpoint_alone_turns_nothing_on(canary_upstream: Upstream, collector: Collector) -> None:
    env = canary_upstream.env(ARIZE_API_KEY=CANARY, OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint)
    await session(canary_upstream, env)
    await anyio.sleep(0.5)
    assert collector.bodies == []


def test_tracing_without_the_extra_is_a_clear_configuration_error(canary_upstream: Upstream) -> None:
    hide_exporter = (
        "import sys; sys.modules['opentelemetry.exporter.otlp.proto.http.trace_exporter'] = None; "
        "from arize_mcp.cli import main; sys.exit(main([]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", hide_exporter],
        env=canary_upstream.env(ARIZE_MCP_OTEL="1"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "pip install 'arize-mcp[otel]'" in done.stderr
